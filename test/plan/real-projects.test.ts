/**
 * `ci` with no flags on real uv projects' own files (test/fixtures/projects, SOURCES.md names each repository,
 * commit and licence): the stand-in engine answers every file read from the fixture, and the scripted tools
 * (scenario.ts) answer the rest. What the plan must show for each: the legs its requires-python allows, pytest-cov
 * in every leg, no refusal for a missing Dockerfile, an import check as the smoke run.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { type Chain, enginesPerTest, execs, find, leafOf } from "../helpers/engine.js";
import { callPipeline } from "../helpers/invoke.js";
import { envOf, runsScript, scenario, versionOf } from "../helpers/scenario.js";

const PROJECTS = join(import.meta.dirname, "../fixtures/projects");
const startEngine = enginesPerTest();

/** Every path under `dir`, relative to it. */
function files(dir: string, prefix = ""): string[] {
  return readdirSync(join(dir, prefix)).flatMap((name) => {
    const path = prefix ? `${prefix}/${name}` : name;
    return statSync(join(dir, path)).isDirectory() ? files(dir, path) : [path];
  });
}

/** A glob of the two forms the module asks (`*\/__init__.py`, `src/*\/__init__.py`) over a fixture folder. */
function glob(all: string[], folder: string, pattern: string): string[] {
  const re = new RegExp(`^${pattern.replaceAll(".", "\\.").replaceAll("*", "[^/]+")}$`);
  const inside =
    folder === "."
      ? all
      : all.filter((f) => f.startsWith(`${folder}/`)).map((f) => f.slice(folder.length + 1));
  return inside.filter((f) => re.test(f));
}

/** The stand-in's answers for a repository laid out as `root` is, the app at `app`. */
function project(root: string, app: string, dockerfiles?: string[]) {
  const all = files(root);
  const found = all.filter((f) => /(^|\/)Dockerfile$/.test(f));
  // coverage.py reads the app's own config in the combine exec: the scenario answers from this pyproject
  const pyproject = readFileSync(
    join(root, app === "." ? "pyproject.toml" : `${app}/pyproject.toml`),
    "utf8",
  );
  const tools = scenario({
    smoke: "",
    dockerfiles: dockerfiles ?? found,
    mypyFiles: { "pyproject.toml": pyproject },
  });
  return (chain: Chain) => {
    const { field, args } = leafOf(chain);
    if (execs(chain).length === 0 && field === "contents") {
      const path = String(find(chain, "file").at(-1)?.args.path);
      if (existsSync(join(root, path))) return readFileSync(join(root, path), "utf8");
    }
    if (execs(chain).length === 0 && field === "exists" && !/(^|\/)Dockerfile$/.test(String(args.path))) {
      return all.includes(String(args.path));
    }
    if (execs(chain).length === 0 && field === "glob") {
      const folder = find(chain, "directory").at(-1)?.args.path ?? ".";
      return glob(all, app === "." ? "." : String(folder), String(args.pattern));
    }
    return tools(chain);
  };
}

const GIL_FROM = (floor: number) =>
  ["3.10", "3.11", "3.12", "3.13", "3.14"].filter((v) => Number(v.split(".")[1]) >= floor);

/** Each project: where its repository root is, its app folder, and what its own files say the plan is. */
const CASES: {
  name: string;
  root: string;
  app: string;
  legs: string[];
  imports: string;
  image: boolean;
  /** the fail_under of the app's own coverage config; 0: none, so nothing is gated */
  gate?: number;
  /** mypy's targets: its config's own when it names files or packages ([]), else the packages; absent: no mypy config, no run */
  mypy?: string[];
  /** the Python mypy runs on: the root's .python-version, else the lowest leg */
  mypyPython?: string;
  /** a workspace member: the workspace root (relative to the fixture's root) and the member's project name */
  workspace?: { root: string; member: string };
}[] = [
  {
    name: "attrs",
    mypy: ["-p", "attr", "-p", "attrs"],
    root: "attrs",
    app: ".",
    legs: GIL_FROM(10),
    imports: "import attr, attrs",
    image: false,
  },
  {
    name: "dirty-equals (>=3.9)",
    mypy: ["-p", "dirty_equals"],
    root: "dirty-equals",
    app: ".",
    legs: GIL_FROM(10),
    imports: "import dirty_equals",
    image: false,
  },
  {
    name: "fastmcp",
    root: "fastmcp",
    app: ".",
    legs: GIL_FROM(10),
    imports: "import fastmcp",
    image: false,
  },
  {
    name: "flask",
    mypy: [],
    root: "flask",
    app: ".",
    legs: GIL_FROM(10),
    imports: "import flask",
    image: false,
  },
  {
    name: "litestar (>=3.11, fail_under 50)",
    mypy: [],
    mypyPython: "3.11",
    gate: 50,
    root: "litestar",
    app: ".",
    legs: GIL_FROM(11),
    imports: "import litestar",
    image: false,
  },
  {
    name: "pydantic-settings",
    mypy: ["-p", "pydantic_settings"],
    root: "pydantic-settings",
    app: ".",
    legs: GIL_FROM(10),
    imports: "import pydantic_settings",
    image: false,
  },
  {
    name: "sqlmodel",
    root: "sqlmodel",
    app: ".",
    legs: GIL_FROM(10),
    imports: "import sqlmodel",
    image: false,
  },
  {
    name: "starlette",
    mypy: ["-p", "starlette"],
    root: "starlette",
    app: ".",
    legs: GIL_FROM(10),
    imports: "import starlette",
    image: false,
  },
  {
    name: "urllib3 (free-threading)",
    mypy: ["-p", "urllib3"],
    root: "urllib3",
    app: ".",
    legs: [...GIL_FROM(10), "3.14t"],
    imports: "import urllib3",
    image: false,
  },
  {
    name: "uv-docker-example",
    root: "uv-docker-example",
    app: ".",
    legs: GIL_FROM(11),
    imports: "import uv_docker_example",
    image: true,
  },
  {
    name: "uv-fastapi-example (>=3.12, app/)",
    root: "uv-fastapi-example",
    app: ".",
    legs: GIL_FROM(12),
    imports: "import app",
    image: true,
  },
  {
    name: "full-stack-fastapi-template backend (member, >=3.14, root .python-version 3.14)",
    mypy: ["-p", "app"],
    mypyPython: "3.14",
    workspace: { root: ".", member: "app" },
    root: "full-stack-fastapi-template/workspace",
    app: "backend",
    legs: ["3.14"],
    imports: "import app",
    image: true,
  },
  {
    name: "pydantic-ai's pydantic_graph (member)",
    root: "pydantic-ai/workspace",
    app: "pydantic_graph",
    workspace: { root: ".", member: "pydantic-graph" },
    legs: GIL_FROM(10),
    imports: "import pydantic_graph",
    image: false,
  },
  {
    name: "mcp-python-sdk's mcp-types (member)",
    root: "mcp-python-sdk/workspace",
    app: "src/mcp-types",
    workspace: { root: ".", member: "mcp-types" },
    legs: GIL_FROM(10),
    imports: "import mcp_types",
    image: false,
  },
];

describe("ci with no flags on real projects' own files", () => {
  it.each(CASES)(
    "$name",
    async ({ root, app, legs, imports, image, gate = 0, mypy, mypyPython = "3.10", workspace }) => {
      const engine = await startEngine(project(join(PROJECTS, root), app));
      const run = (await callPipeline(
        engine,
        "ciRun",
        { exitZero: true },
        { app, smokeCommand: "", smokeExpect: "" },
      )) as {
        status: string;
      };
      const status = JSON.parse(run.status);
      // mypy only where the project configures it, on its own targets or its packages, never on "."
      const mypyRuns = engine.queries.filter((q) => runsScript("typecheck.sh")(execs(q).at(-1) ?? []));
      // typecheck.sh's arguments after mypy's own three (-O json --no-error-summary): the targets
      const command = mypyRuns[0] === undefined ? undefined : execs(mypyRuns[0]).at(-1)?.slice(5);
      expect(command).toEqual(mypy);
      // on the project's pinned Python (its root's .python-version), else the lowest its requires-python allows
      if (mypy !== undefined) expect(envOf(mypyRuns[0] ?? [], "PIPELINE_PYTHON_INSTALL")).toBe(mypyPython);
      // the gate is the project's own figure, or none (a workspace member's config is its own folder's, for now)
      expect(status.gate.threshold).toBe(gate);
      const tests = engine.queries.filter((q) => execs(q).some(runsScript("run_tests.sh")));
      expect([...new Set(tests.map(versionOf))].sort()).toEqual(legs);
      // a member is synced from its workspace's lock: the root mounted, the member's folder the workdir
      for (const q of [...tests, ...mypyRuns]) {
        // the project's own default groups, and pytest-cov brought where the environment has none (lib.sh)
        expect(envOf(q, "PIPELINE_SYNC")).toBe(workspace ? `--package ${workspace.member}` : "");
        expect(envOf(q, "PIPELINE_LOCK")).toBe(workspace ? "/src/uv.lock" : "uv.lock");
        expect(envOf(q, "PYTEST_COV_VERSION")).toBe("7.1.0");
        expect(find(q, "withMountedDirectory").at(-1)?.args.path).toBe(
          workspace ? "/src" : `/src${app === "." ? "" : `/${app}`}`,
        );
        expect(find(q, "withWorkdir").at(-1)?.args.path).toBe(app === "." ? "/src" : `/src/${app}`);
      }
      // ruff, too, sees the workspace's configuration above a member
      const ruff = engine.queries.filter((q) =>
        execs(q).some((a) => a.includes("check") && a.includes("--output-format=json")),
      );
      expect(ruff.length).toBeGreaterThan(0);
      for (const q of ruff) {
        expect(find(q, "withMountedDirectory").at(-1)?.args.path).toBe(
          workspace ? "/src" : `/src${app === "." ? "" : `/${app}`}`,
        );
      }
      if (!image) {
        expect(status.skipped).toContainEqual({
          stage: "build",
          reason: expect.stringMatching(/^no Dockerfile \(looked for /),
        });
        expect(engine.queries.some((q) => find(q, "dockerBuild").length > 0)).toBe(false);
      }
      // the smoke run an image of it gets: an import check from its build configuration or layout
      const built = image
        ? status
        : JSON.parse(
            (
              (await callPipeline(
                await startEngine(project(join(PROJECTS, root), app, ["Dockerfile"])),
                "ciRun",
                { exitZero: true },
                { app, smokeCommand: "", smokeExpect: "" },
              )) as { status: string }
            ).status,
          );
      expect(built.smoke.command).toBe(`python -c '${imports}'`);
    },
  );
});
