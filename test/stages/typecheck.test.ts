/**
 * The type-check stage, recorded by the stand-in engine session: what it asks the engine to run (the pinned mypy
 * installed in an exec of its own, into the app's environment; then mypy with JSON output, its exit code
 * accepted), how it reads the app's config, and what a finding, a crash and a failed install become.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { TypecheckMode } from "../../dagger/src/report/mypy.js";
import { MYPY_VERSION } from "../../dagger/src/settings/pins.js";
import { SYNC_FAILED } from "../../dagger/src/stages/tests.js";
import { mypyArgs, planTypecheck, runTypecheck, TYPECHECK_ENV } from "../../dagger/src/stages/typecheck.js";
import {
  allChains,
  type Chain,
  chainOf,
  defaultLeaf,
  directoryId,
  enginesPerTest,
  execError,
  execs,
  find,
  leafOf,
} from "../helpers/engine.js";
import { envOf, runsScript } from "../helpers/scenario.js";

const startEngine = enginesPerTest();

const upstream = (name: string) =>
  readFileSync(join(import.meta.dirname, "../fixtures/upstream/mypy", name), "utf8");
const SAMPLE_PYPROJECT = readFileSync(join(import.meta.dirname, "../../sample-app/pyproject.toml"), "utf8");

/** The same report_internal_error lines as test/report/mypy.test.ts (mypy/errors.py at v2.3.1). */
const CRASH_STDERR = [
  "src/sample_app/cli.py:3: error: INTERNAL ERROR -- Please try using mypy master on GitHub:",
  "https://mypy.readthedocs.io/en/stable/common_issues.html#using-a-development-mypy-build",
  "If this issue continues with mypy master, please report a bug at https://github.com/python/mypy/issues",
  "version: 2.3.1",
  "src/sample_app/cli.py:3: note: please use --show-traceback to print a traceback when reporting a bug",
  "",
].join("\n");

type Script = {
  exit?: number;
  stdout?: string;
  stderr?: string;
  /** the install exec fails with this stderr */
  installFails?: string;
  /** the app's files, by name relative to the app folder; absent names do not exist */
  files?: Record<string, string>;
};

const isMypyRun = (chain: Chain) => execs(chain).some(runsScript("typecheck.sh"));

function resolver(s: Script) {
  return (chain: Chain): unknown => {
    const { field, args } = leafOf(chain);
    if (isMypyRun(chain) && field === "contents") {
      if (s.installFails) {
        throw execError({ exitCode: SYNC_FAILED, stderr: s.installFails, cmd: ["sh", "-c", "…"] });
      }
      const name = String(find(chain, "file").at(-1)?.args.path);
      if (name === "mypy.json") return s.stdout ?? "";
      if (name === "mypy-stderr.txt") return s.stderr ?? "";
      if (name === "mypy-exit-code") return `${s.exit ?? 0}\n`;
    }
    if (field === "exists" || field === "contents") {
      const path = String(field === "exists" ? args.path : find(chain, "file").at(-1)?.args.path);
      const name = path.replace(/^sample-app\//, "");
      const content = s.files?.[name];
      return field === "exists" ? content !== undefined : (content ?? "");
    }
    return defaultLeaf(chain);
  };
}

const source = () => dag.loadDirectoryFromID(directoryId() as never);

async function typecheck(s: Script, mode = TypecheckMode.gate, app = "sample-app") {
  const engine = await startEngine(resolver(s));
  const run = await engine.connect(async () => {
    const { status, reports } = await runTypecheck(source(), app, {
      mode,
      config: { file: "pyproject.toml", keys: ["strict", "files"] },
      python: { version: "3.12", from: ".python-version" },
    });
    // what the reports directory is built from, from its ID (the fake engine encodes the chain in it)
    const chain = chainOf(await reports.id()) ?? [];
    const built = find(chain, "withNewFile");
    return { status, chain, entries: built.map((c) => String(c.args.path)) };
  });
  const mypyRun = allChains(engine).find(isMypyRun) as Chain;
  return { engine, run, mypyRun };
}

describe("runTypecheck's plan", () => {
  it("syncs, adds the pinned mypy and runs it in one exec on the project's Python, its status judged", async () => {
    const { mypyRun, run } = await typecheck({});
    const [check, ...more] = execs(mypyRun);
    expect(more).toEqual([]);
    // the project's pinned Python, installed by uv (lib.sh) like a matrix leg's
    expect(envOf(mypyRun, "PIPELINE_PYTHON_INSTALL")).toBe("3.12");
    expect(envOf(mypyRun, "UV_PYTHON")).toBe("3.12+gil");
    expect(envOf(mypyRun, "UV_PYTHON_PREFERENCE")).toBe("only-managed");
    expect(envOf(mypyRun, "UV_PROJECT_ENVIRONMENT")).toBe(TYPECHECK_ENV);
    // the app's config names its files: no target on the command line to override them
    expect(check).toEqual(["sh", "/opt/pipeline/typecheck.sh", "-O", "json", "--no-error-summary"]);
    // the pinned mypy, added by the script (test/scripts runs it) to the project's own sync
    expect(envOf(mypyRun, "MYPY_VERSION")).toBe(MYPY_VERSION);
    expect(envOf(mypyRun, "PIPELINE_SYNC")).toBe("");
    expect(envOf(mypyRun, "PIPELINE_OUT")).toBe("/out");
    // a failed sync fails the exec (never cached); mypy's own exit code is recorded and judged
    expect(find(mypyRun, "withExec").at(-1)?.args.expect).toBeUndefined();
    expect(find(mypyRun, "withWorkdir").at(-1)?.args.path).toBe("/src/sample-app");
    expect(JSON.stringify(find(mypyRun, "withMountedDirectory"))).toContain('"path":"sample-app"');
    expect(run.status).toEqual({
      passed: true,
      mode: "gate",
      errors: 0,
      findings: [],
      python: "3.12 (.python-version)",
    });
    // mypy's own output is kept as it came, without the sync log
    expect(find(run.chain, "withoutFiles").at(-1)?.args.paths).toEqual(["sync.log"]);
  });

  it("checks the app's folder when its config names no files", () => {
    expect(mypyArgs({ file: "mypy.ini", keys: ["strict"] }).at(-1)).toBe(".");
    expect(mypyArgs(undefined).at(-1)).toBe(".");
  });

  it("fails the gate on mypy's findings and lists them, relative to the app", async () => {
    const stdout = upstream("outputjson-with-hint.jsonl").replaceAll('"main"', '"/src/sample-app/src/x.py"');
    const { run } = await typecheck({ exit: 1, stdout });
    expect(run.status.passed).toBe(false);
    expect(run.status.errors).toBe(2);
    expect(run.status.findings.map((f) => `${f.file}:${f.line} ${f.severity}`)).toEqual([
      "src/x.py:12 note",
      "src/x.py:14 error",
      "src/x.py:17 error",
    ]);
    expect(run.status.error).toBeUndefined();
  });

  it("names findings relative to an app at the repository's root too", async () => {
    const stdout = upstream("outputjson-with-hint.jsonl").replaceAll('"main"', '"/src/src/x.py"');
    const { run } = await typecheck({ exit: 1, stdout }, TypecheckMode.gate, ".");
    expect(run.status.findings.map((f) => f.file)).toEqual(["src/x.py", "src/x.py", "src/x.py"]);
  });

  it("reports the same findings without failing under report", async () => {
    const { run } = await typecheck(
      { exit: 1, stdout: upstream("outputjson-simple.jsonl") },
      TypecheckMode.report,
    );
    expect(run.status).toMatchObject({ passed: true, mode: "report", errors: 1 });
  });

  it("turns a mypy crash (exit 2) into a failure that names stderr's last lines, never a pass", async () => {
    const { run } = await typecheck({ exit: 2, stderr: CRASH_STDERR });
    expect(run.status.passed).toBe(false);
    expect(run.status.findings).toEqual([]);
    expect(run.status.error).toMatch(
      /^mypy crashed or could not run \(exit 2\): src\/sample_app\/cli\.py:3: error: INTERNAL ERROR .* version: 2\.3\.1 /,
    );
  });

  it("turns a silent exit 1 into a failure", async () => {
    const { run } = await typecheck({ exit: 1, stderr: "Killed\n" });
    expect(run.status).toMatchObject({
      passed: false,
      error: "mypy failed (exit 1) and reported no finding: Killed",
    });
  });

  it("names a failed install as mypy not running, and fails the gate", async () => {
    const { run } = await typecheck({
      installFails: "error: Failed to fetch: `https://pypi.org/simple/mypy/`",
    });
    expect(run.status).toEqual({
      passed: false,
      mode: "gate",
      errors: 0,
      findings: [],
      error: `mypy could not run on Python 3.12: exit code: ${SYNC_FAILED}: error: Failed to fetch: \`https://pypi.org/simple/mypy/\``,
    });
    expect(run.entries).toEqual(["mypy-error.txt"]);
  });
});

describe("planTypecheck", () => {
  async function plan(files: Record<string, string>, asked?: TypecheckMode) {
    const engine = await startEngine(resolver({ files }));
    const result = await engine.connect(() => planTypecheck(source(), "sample-app", asked));
    return { engine, result };
  }

  it("gates the sample app by default: its pyproject.toml configures mypy", async () => {
    const { result } = await plan({ "pyproject.toml": SAMPLE_PYPROJECT });
    expect(result).toEqual({
      mode: TypecheckMode.gate,
      config: { file: "pyproject.toml", keys: ["strict", "files"] },
    });
  });

  it("is off by default for an app without mypy config, and runs nothing", async () => {
    const { engine, result } = await plan({ "pyproject.toml": "[project]\nname = 'x'\n" });
    expect(result).toEqual({ mode: TypecheckMode.off });
    expect(allChains(engine).filter((c) => execs(c).length > 0)).toEqual([]);
  });

  it("refuses a pyproject.toml that is not TOML, naming it; --mode off reads no config at all", async () => {
    const broken = { "pyproject.toml": "[tool.mypy\nstrict = true\n" };
    await expect(plan(broken)).rejects.toThrow(/^Invalid TOML in sample-app\/pyproject\.toml: /);
    expect((await plan(broken, TypecheckMode.off)).result).toEqual({ mode: TypecheckMode.off });
  });

  it("reads mypy.ini before pyproject.toml, and keeps an asked mode", async () => {
    const { result } = await plan(
      { "mypy.ini": "[mypy]\nstrict = True\n", "pyproject.toml": SAMPLE_PYPROJECT },
      TypecheckMode.report,
    );
    expect(result).toEqual({ mode: TypecheckMode.report, config: { file: "mypy.ini", keys: ["strict"] } });
  });

  it("reads .mypy.ini before pyproject.toml, and setup.cfg's [mypy] when nothing else configures mypy", async () => {
    const dot = await plan({ ".mypy.ini": "[mypy]\nfiles = src\n", "pyproject.toml": SAMPLE_PYPROJECT });
    expect(dot.result.config).toEqual({ file: ".mypy.ini", keys: ["files"] });
    const setup = await plan({
      "setup.cfg": "[metadata]\nname = x\n\n[mypy]\nstrict = True\n",
      "pyproject.toml": "[project]\nname = 'x'\n",
    });
    expect(setup.result).toEqual({
      mode: TypecheckMode.gate,
      config: { file: "setup.cfg", keys: ["strict"] },
    });
  });
});
