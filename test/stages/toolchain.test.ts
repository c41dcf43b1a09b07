/**
 * The toolchain containers every Python stage starts from, recorded by the stand-in engine session inside each
 * test: the pinned uv and its shared caches, one uv-managed interpreter per version, the pinned ruff in its own
 * layer, and the two ruff runs lint asks for. A cache path, a uv setting or a ruff flag lost here would pass
 * every other suite (the mutation run of stages/ showed it).
 */
import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { BASE_IMAGE, RUFF_VERSION, UV_IMAGE } from "../../dagger/src/settings/pins.js";
import { RUFF, runLint } from "../../dagger/src/stages/lint.js";
import { pythonEnv, requireFiles } from "../../dagger/src/stages/python.js";
import {
  allChains,
  type Chain,
  chainOf,
  containersWith,
  defaultLeaf,
  directoryId,
  enginesPerTest,
  execError,
  execs,
  find,
  leafOf,
  type Resolver,
} from "../helpers/engine.js";
import { envOf, type Scenario, scenario, upstream } from "../helpers/scenario.js";

const startEngine = enginesPerTest();
const source = () => dag.loadDirectoryFromID(directoryId() as never);

const env = (chain: Chain) =>
  Object.fromEntries(find(chain, "withEnvVariable").map((c) => [String(c.args.name), c.args.value]));
const caches = (chain: Chain) =>
  find(chain, "withMountedCache").map((c) => [
    c.args.path,
    leafOf((c.args.cache as { $chain: Chain } | undefined)?.$chain ?? []).args.key,
    c.args.sharing,
  ]);
const files = (chain: Chain) =>
  find(chain, "withFile").map((c) => {
    const from = (c.args.source as { $chain: Chain } | undefined)?.$chain ?? [];
    return [c.args.path, find(from, "from")[0]?.args.address, leafOf(from).args.path];
  });

describe("pythonEnv", () => {
  it("is the pinned uv on the base image, its caches shared, and one managed interpreter per version", async () => {
    const engine = await startEngine();
    await engine.connect(() => pythonEnv(source(), "sample-app", "3.13").sync());
    const [chain] = containersWith(
      engine,
      (c) => find(c, "from").length > 0 && find(c, "withWorkdir").length > 0,
    );
    if (!chain) throw new Error("no container recorded");
    expect(find(chain, "from")[0]?.args.address).toBe(BASE_IMAGE);
    expect(files(chain)).toEqual([
      ["/usr/local/bin/uv", UV_IMAGE, "/uv"],
      ["/usr/local/bin/uvx", UV_IMAGE, "/uvx"],
    ]);
    expect(caches(chain)).toEqual([
      ["/root/.cache/uv", "pipeline-uv-cache", "SHARED"],
      ["/root/.local/share/uv/python", "pipeline-uv-python", "SHARED"],
    ]);
    expect(env(chain)).toEqual({
      UV_CACHE_DIR: "/root/.cache/uv",
      UV_PYTHON_INSTALL_DIR: "/root/.local/share/uv/python",
      UV_LINK_MODE: "copy",
      UV_NO_PROGRESS: "1",
      PYTHONDONTWRITEBYTECODE: "1",
      UV_PYTHON_PREFERENCE: "only-managed",
      UV_PYTHON: "3.13+gil",
      UV_PROJECT_ENVIRONMENT: "/venv/3.13",
      // installed by lib.sh in the exec that uses it, not in an exec of its own
      PIPELINE_PYTHON_INSTALL: "3.13",
    });
    expect(execs(chain)).toEqual([]);
    const [mount] = find(chain, "withMountedDirectory");
    expect(mount?.args.path).toBe("/src/sample-app");
    expect(leafOf((mount?.args.source as { $chain: Chain } | undefined)?.$chain ?? [])).toEqual({
      field: "directory",
      args: { path: "sample-app" },
    });
    expect(find(chain, "withWorkdir")[0]?.args.path).toBe("/src/sample-app");
  });

  it("names a missing pyproject.toml, and what to pass instead", async () => {
    const missing = (absent: string) =>
      startEngine((chain) => {
        const { field, args } = leafOf(chain);
        return field === "exists" ? args.path !== absent : defaultLeaf(chain);
      });
    const noProject = await missing("svc/pyproject.toml");
    await expect(noProject.connect(() => requireFiles(source(), "svc"))).rejects.toThrow(
      "No pyproject.toml in 'svc'. Expected --app to name the Python project's folder, e.g. sample-app.",
    );
    const fine = await missing("build/Dockerfile");
    await expect(fine.connect(() => requireFiles(source(), "svc"))).resolves.toBeUndefined();
  });
});

describe("runLint's containers", () => {
  it("installs the pinned ruff with the base image's Python in its own tool dir, then checks and format-checks", async () => {
    const engine = await startEngine((chain) =>
      leafOf(chain).field === "contents" ? "[]" : defaultLeaf(chain),
    );
    const run = await engine.connect(() => runLint(source(), "sample-app"));
    expect(run.status.passed).toBe(true);
    const ruffRuns = allChains(engine).filter(
      (c) => c[0]?.field === "container" && execs(c).some((a) => a[0] === RUFF),
    );
    const argLists = new Set(ruffRuns.flatMap((c) => execs(c).map((a) => JSON.stringify(a))));
    expect([...argLists].sort()).toEqual(
      [
        ["uv", "tool", "install", `ruff@${RUFF_VERSION}`],
        [RUFF, "check", "--no-cache", "--output-format=json", "--exit-zero", "."],
        [RUFF, "format", "--no-cache", "--check", "--output-format=json", "."],
      ]
        .map((a) => JSON.stringify(a))
        .sort(),
    );
    expect(RUFF).toBe("/opt/ruff/bin/ruff");
    for (const chain of ruffRuns) {
      expect(envOf(chain, "UV_TOOL_DIR")).toBe("/opt/ruff/tools");
      expect(envOf(chain, "UV_TOOL_BIN_DIR")).toBe("/opt/ruff/bin");
      expect(envOf(chain, "UV_PYTHON_PREFERENCE")).toBe("only-system");
      expect(find(chain, "withWorkdir").at(-1)?.args.path).toBe("/src/sample-app");
      const check = find(chain, "withExec").find((c) => (c.args.args as string[])[1] === "check");
      if (check) expect(check.args.redirectStdout).toBe("/tmp/ruff.json");
      const format = find(chain, "withExec").find((c) => (c.args.args as string[])[1] === "format");
      if (format) expect(format.args.expect).toBe("ANY");
    }
  });
});

describe("runLint's verdict and reports (ruff 0.16.4 outputs)", () => {
  async function lint(s: Scenario | Resolver) {
    const engine = await startEngine(typeof s === "function" ? s : scenario(s));
    return engine.connect(async () => {
      const { status, reports } = await runLint(source(), "sample-app");
      const written = find(chainOf(await reports.id()) ?? [], "withNewFile").map((c) => [
        c.args.path,
        c.args.contents,
      ]);
      return { status, written };
    });
  }

  it("fails on a file only `ruff format` would change, with no finding and no error", async () => {
    const { status } = await lint({ ruffFormat: { stdout: upstream("ruff-format-check.json"), exit: 1 } });
    expect(status).toEqual({ passed: false, findings: [], unformatted: ["input.py"] });
  });

  it("names a file ruff cannot parse once, though check and format --check both report it", async () => {
    // format --check exits 2 on a syntax error and prints the diagnostic (crates/ruff/tests/cli/format.rs
    // `syntax_error`, 0.16.4); both commands render it with the same JSON renderer (the fixture's source).
    const json = upstream("ruff-check-syntax-error.json").replaceAll(
      '"/syntax_errors.py"',
      '"[TMP]/syntax_errors.py"',
    );
    const { status } = await lint({ ruffCheck: json, ruffFormat: { stdout: json, exit: 2 } });
    expect(status.passed).toBe(false);
    expect(status.findings.map((f) => `${f.file}:${f.line}: ${f.code}`)).toEqual([
      "syntax_errors.py:1: invalid-syntax",
      "syntax_errors.py:3: invalid-syntax",
    ]);
  });

  it("hands back ruff's own outputs: check's JSON, format's JSON and format's stderr", async () => {
    const formatJson = upstream("ruff-format-check.json");
    const { written } = await lint({
      ruffCheck: upstream("ruff-check.json"),
      ruffFormat: { stdout: formatJson, exit: 1, stderr: "warning: a ruff warning" },
    });
    expect(written).toEqual([
      ["ruff.json", upstream("ruff-check.json").replaceAll("[TMP]", "/src/sample-app")],
      ["ruff-format.json", formatJson.replaceAll("[TMP]", "/src/sample-app")],
      ["ruff-format.txt", "warning: a ruff warning"],
    ]);
  });

  it("an engine error (ruff's install failing) is lint's error, kept in ruff-error.txt, never a pass", async () => {
    const { status, written } = await lint((chain) => {
      if (execs(chain).some((a) => a[0] === "uv" && a[2] === "install")) {
        throw execError({
          exitCode: 2,
          stderr: "error: Failed to fetch: `https://pypi.org/simple/ruff/`",
          cmd: ["uv"],
        });
      }
      return scenario()(chain);
    });
    expect(status).toMatchObject({ passed: false, findings: [], unformatted: [] });
    expect(status.error).toContain("Failed to fetch");
    expect(written.map(([path, contents]) => [path, String(contents).includes("Failed to fetch")])).toEqual([
      ["ruff-error.txt", true],
    ]);
  });
});
