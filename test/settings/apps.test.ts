import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { affectedApps, discoverApps, mayBeApp, selectApps } from "../../dagger/src/settings/apps.js";
import { appImagePath, appImagePaths, imageReference } from "../../dagger/src/settings/tags.js";
import { parseApps } from "../../dagger/src/settings/validate.js";
import { MULTI_APP_REPO, pyprojectsOf } from "../helpers/multi-app.js";

const apps = discoverApps(pyprojectsOf(MULTI_APP_REPO));
const run = (changed: string[] | undefined, shared: string[] = []) =>
  Object.fromEntries(
    affectedApps(apps, changed, shared).map((a) => [a.app.path, a.affected ? a.reason : false]),
  );

describe("discoverApps", () => {
  it("finds every project with a name, its workspace, and what it uses; never a fixture's or an environment's", () => {
    expect(apps).toEqual([
      { path: "libs/core", name: "core", workspace: ".", uses: [] },
      { path: "services/admin", name: "admin", workspace: ".", uses: [] },
      { path: "services/api", name: "api", workspace: ".", uses: ["libs/core"] },
      // excluded from the workspace: its own lock, and core by a path source
      { path: "services/legacy", name: "legacy", uses: ["libs/core"] },
      // `Core` is `core` (PEP 503)
      { path: "services/worker", name: "worker", workspace: ".", uses: ["libs/core"] },
    ]);
    expect(mayBeApp("services/api/tests/fixtures/demo/pyproject.toml")).toBe(false);
    expect(mayBeApp(".venv/lib/python3.14/site-packages/x/pyproject.toml")).toBe(false);
    expect(mayBeApp("pyproject.toml")).toBe(true);
  });

  it("reads a real workspace: pydantic-ai's root is a package that uses its member pydantic_graph", () => {
    const root = join(import.meta.dirname, "../fixtures/projects/pydantic-ai/workspace");
    const found = discoverApps(
      ["pyproject.toml", "pydantic_graph/pyproject.toml"].map((path) => ({
        path,
        text: readFileSync(join(root, path), "utf8"),
      })),
    );
    expect(found).toEqual([
      { path: ".", name: "pydantic-ai", workspace: ".", uses: ["pydantic_graph"] },
      { path: "pydantic_graph", name: "pydantic-graph", workspace: ".", uses: [] },
    ]);
  });

  it("names the file whose TOML is broken", () => {
    expect(() => discoverApps([{ path: "svc/pyproject.toml", text: "[project\n" }])).toThrow(
      /^Invalid TOML in svc\/pyproject.toml: .*Expected a pyproject.toml uv and pip can read\.$/,
    );
  });

  it("ignores a path source that leaves the repository or points at itself", () => {
    const [app] = discoverApps([
      {
        path: "a/pyproject.toml",
        text: '[project]\nname = "a"\n[tool.uv.sources]\nx = { path = "../../x" }\ny = { path = "." }\n',
      },
    ]);
    expect(app?.uses).toEqual([]);
  });

  it("follows a path source up to the repository's root project, and not past it", () => {
    const found = discoverApps([
      { path: "pyproject.toml", text: '[project]\nname = "root"\n[tool.uv.sources]\nx = { path = ".." }\n' },
      { path: "a/pyproject.toml", text: '[project]\nname = "a"\n[tool.uv.sources]\nr = { path = ".." }\n' },
    ]);
    expect(Object.fromEntries(found.map((f) => [f.path, f.uses]))).toEqual({ ".": [], a: ["."] });
  });
});

describe("affectedApps", () => {
  it("a change to libs/core runs core and every app that uses it, and not the one that does not", () => {
    expect(run(["libs/core/src/core/__init__.py"])).toEqual({
      "libs/core": "its file libs/core/src/core/__init__.py changed",
      "services/admin": false,
      "services/api": "it uses libs/core, whose file libs/core/src/core/__init__.py changed",
      "services/legacy": "it uses libs/core, whose file libs/core/src/core/__init__.py changed",
      "services/worker": "it uses libs/core, whose file libs/core/src/core/__init__.py changed",
    });
  });

  it("a change to one app's test runs only that app", () => {
    expect(Object.entries(run(["services/api/tests/test_api.py"])).filter(([, r]) => r !== false)).toEqual([
      ["services/api", "its file services/api/tests/test_api.py changed"],
    ]);
  });

  it("the root lock runs every member; a project with its own lock runs only when it is shared", () => {
    const members = run(["uv.lock"]);
    expect(members["services/legacy"]).toBe(false);
    for (const path of ["libs/core", "services/admin", "services/api", "services/worker"]) {
      expect(members[path]).toBe("its workspace's uv.lock changed");
    }
    expect(run(["uv.lock"], ["uv.lock"])["services/legacy"]).toBe(
      "shared file uv.lock changed (--shared uv.lock)",
    );
    expect(run(["ci/base.Dockerfile"], ["ci/*.Dockerfile"])["services/admin"]).toBe(
      "shared file ci/base.Dockerfile changed (--shared ci/*.Dockerfile)",
    );
    // a shared glob that matches nothing changed runs nothing by itself
    expect(run(["services/api/app.py"], ["uv.lock", "ci/*.Dockerfile"])["services/admin"]).toBe(false);
  });

  it("runs everything when the changed files are not known, and nothing for a file no app owns", () => {
    expect(Object.values(run(undefined))).toEqual(
      Array(5).fill("the changed files are not known: every app runs"),
    );
    expect(Object.values(run(["README.md"]))).toEqual(Array(5).fill(false));
    expect(affectedApps(apps, ["README.md"]).map((a) => a.reason)).toContain(
      "no change to its files, what it uses, or a shared file",
    );
  });

  it("follows what an app uses transitively, naming the nearest changed one", () => {
    const chain = discoverApps([
      { path: "a/pyproject.toml", text: '[project]\nname = "a"\n[tool.uv.sources]\nb = { path = "../b" }\n' },
      { path: "b/pyproject.toml", text: '[project]\nname = "b"\n[tool.uv.sources]\nc = { path = "../c" }\n' },
      { path: "c/pyproject.toml", text: '[project]\nname = "c"\n[tool.uv.sources]\na = { path = "../a" }\n' },
    ]);
    const result = affectedApps(chain, ["c/x.py"]).map((r) => [r.app.path, r.reason]);
    expect(result).toEqual([
      ["a", "it uses c, whose file c/x.py changed"],
      ["b", "it uses c, whose file c/x.py changed"],
      ["c", "its file c/x.py changed"],
    ]);
  });
});

describe("--apps: which apps, by which image name", () => {
  it("* is every app found; folders are those apps, in the order given, and an unknown one is named", () => {
    expect(selectApps(apps, ["*"]).map((a) => a.path)).toEqual(apps.map((a) => a.path));
    expect(selectApps(apps, ["services/worker", "libs/core"]).map((a) => a.path)).toEqual([
      "services/worker",
      "libs/core",
    ]);
    expect(() => selectApps(apps, ["services/api", "libs"])).toThrow(
      "No app at 'libs'. Expected a folder with a pyproject.toml that has a [project] name, one of: libs/core, services/admin, services/api, services/legacy, services/worker (dagger call apps lists them).",
    );
    expect(() => selectApps([], ["x"])).toThrow("one of: none found");
  });

  it("names each app's image under the repository's, and refuses folders that make no name or the same one", () => {
    expect(appImagePath("services/API")).toBe("services/api");
    expect(appImagePath(".")).toBe("");
    expect(imageReference("ghcr.io", "O", "R", "main", "services/api")).toBe("ghcr.io/o/r/services/api:main");
    expect(imageReference("ghcr.io", "o", "r", "main")).toBe("ghcr.io/o/r:main");
    expect(() => appImagePath("services/my app")).toThrow(
      "The app folder 'services/my app' makes no image name. Expected folder names of lowercase letters and digits separated by '.', '_' or '-', e.g. services/api.",
    );
    expect(() => appImagePath("services/-x")).toThrow("makes no image name");
    expect([...appImagePaths([".", "services/api", "libs/core"])]).toEqual([
      [".", ""],
      ["services/api", "services/api"],
      ["libs/core", "libs/core"],
    ]);
    expect(() => appImagePaths(["Services/api", "services/api"])).toThrow(
      "The apps 'Services/api' and 'services/api' would share the image name 'services/api'.",
    );
  });

  it("parses --apps: folders cleaned and deduplicated, and one app's settings refused beside it", () => {
    const none = { dockerfile: "", buildContext: "", smokeCommand: "" };
    expect(parseApps([], { ...none, dockerfile: "Dockerfile" })).toEqual([]);
    expect(parseApps(["services/api/", " * ", "services/api"], none)).toEqual(["services/api", "*"]);
    expect(() => parseApps(["../x"], none)).toThrow("Invalid app folder '../x'.");
    for (const [flag, setting] of [
      ["--dockerfile", { dockerfile: "Dockerfile" }],
      ["--build-context", { buildContext: "." }],
      ["--smoke-command", { smokeCommand: "python -m app" }],
    ] as const) {
      expect(() => parseApps(["*"], { ...none, ...setting })).toThrow(
        `${flag} names one app's, and --apps runs several. Expected each app's own <folder>/Dockerfile and its packages' import as the smoke run, without ${flag}; or --app <folder> without --apps.`,
      );
    }
  });
});
