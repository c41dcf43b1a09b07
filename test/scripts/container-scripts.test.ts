/**
 * The shell programs of dagger/scripts/ that the module hands to containers, executed here as they are under
 * `dash` (Debian's /bin/sh, what the python:*-slim base runs) with a small `uv` stand-in that runs the host Python
 * that has pytest and pytest-cov. They are judged by the files and exit codes they leave, then by the module's own
 * judge (judgeAttempt): a killed test process, a failed sync and a passing run each end where a user would expect.
 */
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Diagnostic, PositionEncoding, Workspace } from "@astral-sh/ruff-wasm-nodejs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCoverageJson } from "../../dagger/src/report/coverage.js";
import { judgeAttempt } from "../../dagger/src/report/pytest.js";
import { MYPY_VERSION, PYTEST_COV_VERSION } from "../../dagger/src/settings/pins.js";
import { VERIFIED } from "../../dagger/src/stages/sign.js";
import { NO_PYTEST, SYNC_FAILED } from "../../dagger/src/stages/tests.js";
import { findPython } from "../helpers/python.js";

const python = findPython(["pytest", "pytest_cov"]);
const dash = spawnSync("dash", ["-c", "exit 0"]).status === 0;
const skipReason = !python.ok ? python.reason : !dash ? "no dash on PATH (apt-get install dash)" : "";
if (skipReason) console.warn(`container scripts: skipped: ${skipReason}`);
else if (python.ok)
  console.info(`container scripts: uv stand-in runs ${python.command} (Python ${python.version})`);

let root = "";
const scripts = join(import.meta.dirname, "../../dagger/scripts");
const script = (name: string) => join(scripts, name);

/**
 * `uv` as the scripts call it: `sync` logs its arguments to $HOME/uv-sync.log and succeeds unless FAKE_UV_SYNC=fail;
 * `run --no-sync X` runs the host's X (`python` itself, with FAKE_NO=<module> making that import fail);
 * `pip install` is logged to $HOME/uv-pip.log.
 */
function writeUv(bin: string, py: string): void {
  writeFileSync(
    join(bin, "uv"),
    [
      "#!/bin/sh",
      'case "$1" in',
      '  sync) echo "$*" >> "$HOME/uv-sync.log"; if [ "$FAKE_UV_SYNC" = fail ]; then echo "error: Failed to fetch: https://pypi.org/simple/pytest/" >&2; exit 2; fi; echo "Resolved 5 packages"; exit 0 ;;',
      `  run) shift; [ "$1" = --no-sync ] && shift; tool="$1"; shift; if [ "$tool" = python ]; then case "$*" in *"import \${FAKE_NO:-none}"*) exit 1 ;; esac; exec ${py} "$@"; fi; exec ${py} -m "$tool" "$@" ;;`,
      '  pip) echo "$*" >> "$HOME/uv-pip.log"; exit 0 ;;',
      '  python) echo "$*" >> "$HOME/uv-python.log"; if [ "$FAKE_UV_PYTHON" = fail ]; then echo "error: no download" >&2; exit 2; fi; exit 0 ;;',
      '  *) echo "uv stand-in: unexpected $*" >&2; exit 64 ;;',
      "esac",
      "",
    ].join("\n"),
  );
  chmodSync(join(bin, "uv"), 0o755);
}

/** A throwaway app whose one test does what `body` says. */
function makeApp(name: string, body: string): string {
  const app = join(root, name);
  mkdirSync(join(app, "tests"), { recursive: true });
  writeFileSync(join(app, "pyproject.toml"), '[project]\nname = "x"\nversion = "0"\n');
  writeFileSync(join(app, "calc.py"), "def add(a, b):\n    return a + b\n");
  writeFileSync(join(app, "tests", "test_calc.py"), `import os, signal\nimport calc\n\n${body}\n`);
  return app;
}

function runScript(app: string, version: string, env: Record<string, string> = {}) {
  const out = join(app, "out");
  const probe = join(root, "probe");
  const run = spawnSync("dash", [script("run_tests.sh")], {
    cwd: app,
    encoding: "utf8",
    timeout: 60_000,
    env: {
      PATH: `${join(root, "bin")}:/usr/bin:/bin`,
      HOME: root,
      PYTHONDONTWRITEBYTECODE: "1",
      COVERAGE_RCFILE: join(app, "pyproject.toml"),
      // set by stages/python.ts pythonEnv in every test container
      UV_PROJECT_ENVIRONMENT: join(root, "venv"),
      // set by stages/tests.ts and stages/python.ts withScript
      PIPELINE_PYTHON: version,
      PIPELINE_SLUG: version,
      PIPELINE_PROBE: probe,
      PIPELINE_OUT: out,
      PYTEST_COV_VERSION,
      ...env,
    },
  });
  const read = (f: string) => (existsSync(join(out, f)) ? readFileSync(join(out, f), "utf8") : undefined);
  return { status: run.status, stderr: run.stderr, out, read };
}

function judge(version: string, r: ReturnType<typeof runScript>) {
  const v = version;
  const files: Parameters<typeof judgeAttempt>[1] = {};
  const exitCode = r.read("exit-code");
  const junit = r.read(`junit-${v}.xml`);
  const coverageJson = r.read(`coverage-${v}.json`);
  const probe = r.read(`python-${v}.json`);
  if (exitCode !== undefined) files.exitCode = exitCode;
  if (junit !== undefined) files.junit = junit;
  if (coverageJson !== undefined) files.coverageJson = coverageJson;
  if (probe !== undefined) files.probe = probe;
  return judgeAttempt(version, files);
}

beforeAll(() => {
  if (skipReason || !python.ok) return;
  root = mkdtempSync(join(tmpdir(), "container-scripts-"));
  mkdirSync(join(root, "bin"));
  mkdirSync(join(root, "probe"));
  writeUv(join(root, "bin"), python.command);
  copyFileSync(
    join(import.meta.dirname, "../../dagger/scripts/pipeline_probe.py"),
    join(root, "probe", "pipeline_probe.py"),
  );
});

afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe.skipIf(skipReason !== "")("the per-version test script (run_tests.sh) under dash", () => {
  it("a passing suite: exit 0 recorded, junit, coverage and the interpreter's version left behind", async () => {
    const r = runScript(makeApp("pass", "def test_add():\n    assert calc.add(2, 3) == 5"), "3.11");
    expect(r.status).toBe(0);
    expect(r.read("exit-code")?.trim()).toBe("0");
    const verdict = await judge("3.11", r);
    expect(verdict).toMatchObject({ passed: true, error: "", counts: { tests: 1, failures: 0 } });
    expect(verdict.python).toMatch(/^3\.\d+\.\d+/);
    expect(verdict.coverage).toBeGreaterThan(0);
    // coverage.py's JSON report, written by `coverage json` whatever pytest-cov the app has, beside the XML
    expect(r.read("coverage-3.11.xml")).toContain("<coverage");
    const json = parseCoverageJson(r.read("coverage-3.11.json") ?? "", "coverage-3.11.json");
    expect(json.percent).toBe(verdict.coverage);
  });

  it("asks coverage.py, not pytest-cov, for the JSON report: pytest-cov < 4.1 would refuse the whole run", () => {
    const text = readFileSync(script("run_tests.sh"), "utf8");
    expect(text).not.toContain("--cov-report=json");
    expect(text).toContain('coverage json -o "$out/coverage-$v.json" --fail-under=0');
    if (!python.ok) return;
    // what `--cov-report=json:` does with the host's pytest-cov (Debian 12: 4.0.0, json came in 4.1.0)
    const app = makeApp("covjson", "def test_add():\n    assert calc.add(2, 3) == 5");
    const run = spawnSync(
      python.command,
      ["-m", "pytest", "--cov", `--cov-report=json:${join(app, "c.json")}`],
      {
        cwd: app,
        encoding: "utf8",
        env: { PATH: "/usr/bin:/bin", HOME: root, PYTHONDONTWRITEBYTECODE: "1" },
      },
    );
    const refused = run.status === 4 && /invalid choice/.test(run.stderr);
    console.info(
      `container scripts: the host's pytest-cov ${refused ? "refuses" : "accepts"} --cov-report=json`,
    );
    if (refused) expect(existsSync(join(app, "c.json"))).toBe(false);
    else expect(run.status, run.stderr).toBe(0);
  });

  it("a failing test: the exec still succeeds (so files stay readable) and the failure is judged from them", async () => {
    const r = runScript(makeApp("fail", "def test_add():\n    assert calc.add(2, 3) == 6"), "3.11");
    expect(r.status).toBe(0);
    expect(r.read("exit-code")?.trim()).toBe("1");
    expect(await judge("3.11", r)).toMatchObject({
      passed: false,
      error: "",
      counts: { tests: 1, failures: 1 },
    });
    expect(r.read("coverage-3.11.json")).toBeDefined();
  });

  it("a test process killed by SIGSEGV: status 139 recorded, exec not failed, the signal named", async () => {
    const r = runScript(
      makeApp(
        "segv",
        "def test_add():\n    assert calc.add(1, 1) == 2\n\ndef test_crash():\n    os.kill(os.getpid(), signal.SIGSEGV)",
      ),
      "3.11",
    );
    // 139 would be outside ReturnType.Any (0-127, 192-255): the engine would fail the exec and lose /out.
    expect(r.status).toBe(0);
    expect(r.read("exit-code")?.trim()).toBe("139");
    const verdict = await judge("3.11", r);
    expect(verdict.passed).toBe(false);
    expect(verdict.error).toContain("pytest was killed by signal 11 (segmentation fault)");
    // no data file, so `coverage json` reports nothing and leaves no file (not an empty one)
    expect(r.read("coverage-3.11.json")).toBeUndefined();
    expect(verdict.error).not.toContain("coverage-3.11.json");
  });

  it("no tests collected is not a pass", async () => {
    const app = makeApp("empty", "");
    rmSync(join(app, "tests", "test_calc.py"));
    const r = runScript(app, "3.11");
    expect(r.read("exit-code")?.trim()).toBe("5");
    expect(await judge("3.11", r)).toMatchObject({ passed: false, error: "pytest collected no tests" });
  });

  it("a failed uv sync fails the exec with its own code and the resolver's message on stderr", () => {
    const r = runScript(makeApp("nosync", "def test_add():\n    pass"), "3.11", { FAKE_UV_SYNC: "fail" });
    expect(r.status).toBe(SYNC_FAILED);
    expect(r.stderr).toContain("Failed to fetch");
    expect(r.stderr).toContain("uv sync failed for Python 3.11");
    expect(r.read("exit-code")).toBeUndefined();
  });

  it("brings the pinned pytest-cov only into an environment that has none, never touching the lock", () => {
    const log = join(root, "uv-pip.log");
    rmSync(log, { force: true });
    const app = makeApp("own-cov", "def test_add():\n    assert calc.add(2, 3) == 5");
    expect(runScript(app, "3.11").read("exit-code")?.trim()).toBe("0");
    expect(existsSync(log)).toBe(false);
    const bare = runScript(makeApp("no-cov", "def test_add():\n    pass"), "3.11", { FAKE_NO: "pytest_cov" });
    expect(bare.status).toBe(0);
    expect(readFileSync(log, "utf8")).toMatch(
      /^pip install --python \S+\/venv\/bin\/python pytest-cov==7\.1\.0\n$/,
    );
  });

  it("an environment without pytest fails the exec with its own code, saying so, before anything runs", () => {
    const r = runScript(makeApp("no-pytest", "def test_add():\n    pass"), "3.11", { FAKE_NO: "pytest" });
    expect(r.status).toBe(NO_PYTEST);
    expect(r.stderr).toContain("pytest is not in the environment uv synced for Python 3.11");
    expect(r.read("exit-code")).toBeUndefined();
  });
});

describe.skipIf(skipReason !== "")("the combine script (combine.sh) under dash", () => {
  it("fails as a whole when a step fails (set -e), so a broken combine is an error, not a cached result", () => {
    const r = spawnSync("dash", [script("combine.sh")], {
      cwd: root,
      encoding: "utf8",
      env: { PATH: `${join(root, "bin")}:/usr/bin:/bin`, HOME: root, FAKE_UV_SYNC: "fail" },
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("Failed to fetch");
  });

  it("syncs, combines every version's data file, and writes coverage.json, coverage.xml and coverage.txt", () => {
    if (!python.ok) return;
    const app = makeApp("combine", "def test_add():\n    assert calc.add(2, 3) == 5");
    const a = runScript(app, "3.11");
    expect(a.read("exit-code")?.trim()).toBe("0");
    const { r, read } = runCombine(app, a, "combine");
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const combined = parseCoverageJson(read("coverage.json"), "coverage.json");
    expect(combined.percent).toBe(parseCoverageJson(a.read("coverage-3.11.json") ?? "").percent);
    expect(read("coverage.xml")).toContain("<coverage");
    expect(read("coverage.txt")).toMatch(/TOTAL/);
  });

  /** The combine script under dash over one 3.11 leg's data file, writing into `<name>-out`. */
  function runCombine(app: string, leg: ReturnType<typeof runScript>, name: string, threshold?: number) {
    const combine = join(root, `${name}-out`);
    mkdirSync(combine, { recursive: true });
    writeFileSync(join(combine, ".coverage.3.11"), readFileSync(join(leg.out, ".coverage.3.11")));
    const r = spawnSync("dash", [script("combine.sh")], {
      cwd: app,
      encoding: "utf8",
      env: {
        PATH: `${join(root, "bin")}:/usr/bin:/bin`,
        HOME: root,
        COVERAGE_FILE: join(combine, ".coverage"),
        PIPELINE_OUT: combine,
        PYTEST_COV_VERSION,
        // what stages/matrix.ts sets for --threshold
        ...(threshold === undefined ? {} : { PIPELINE_FAIL_UNDER: String(threshold) }),
      },
    });
    return { r, read: (file: string) => readFileSync(join(combine, file), "utf8") };
  }

  /** One 3.11 leg of an app whose add() is tested and sub() is not: its data is the same whatever the report config. */
  let gated: { app: string; leg: ReturnType<typeof runScript> } | undefined;

  /** Combines that leg with `config` as the app's coverage config. */
  function gate(name: string, config: string, threshold?: number) {
    if (gated === undefined) {
      const app = makeApp("gate", "def test_add():\n    assert calc.add(2, 3) == 5");
      writeFileSync(
        join(app, "calc.py"),
        "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
      );
      gated = { app, leg: runScript(app, "3.11") };
    }
    writeFileSync(join(gated.app, "pyproject.toml"), `[project]\nname = "x"\nversion = "0"\n${config}`);
    const { r, read: text } = runCombine(gated.app, gated.leg, name, threshold);
    expect(r.status, r.stderr).toBe(0);
    const read = (f: string) => text(f).trim();
    return {
      percent: parseCoverageJson(read("coverage.json")).display,
      exit: read("report-exit"),
      failUnder: read("fail-under"),
    };
  }

  it("leaves the verdict to coverage.py: the project's own fail_under, or --threshold over it, as its report decides", () => {
    if (!python.ok) return;
    // the figure is coverage.py's own (well under 90 with sub() never run); only its verdicts are asserted
    const own = gate("own-gate", "[tool.coverage.report]\nfail_under = 90\n");
    expect(Number(own.percent)).toBeLessThan(90);
    expect(own).toMatchObject({ exit: "2", failUnder: "90.0" });
    expect(gate("lower-asked", "[tool.coverage.report]\nfail_under = 90\n", 5)).toMatchObject({ exit: "0" });
    expect(gate("no-gate", "")).toMatchObject({ exit: "0", failUnder: "0.0" });
    expect(gate("asked-only", "", 95)).toMatchObject({ exit: "2", failUnder: "0.0" });
  });
});

describe.skipIf(skipReason !== "")(
  "the sync every script starts with (lib.sh), and synced.sh and typecheck.sh",
  () => {
    /** Runs `name` in a fresh folder under dash with the module's env, and reads back what uv sync was given. */
    function run(
      name: string,
      args: string[],
      env: Record<string, string>,
      files: Record<string, string> = {},
    ) {
      const dir = mkdtempSync(join(root, "sync-"));
      for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
      rmSync(join(root, "uv-sync.log"), { force: true });
      const r = spawnSync("dash", [script(name), ...args], {
        cwd: dir,
        encoding: "utf8",
        env: {
          PATH: `${join(root, "bin")}:/usr/bin:/bin`,
          HOME: root,
          UV_PROJECT_ENVIRONMENT: join(root, "venv"),
          ...env,
        },
      });
      const synced = existsSync(join(root, "uv-sync.log"))
        ? readFileSync(join(root, "uv-sync.log"), "utf8")
        : "";
      return { ...r, dir, synced: synced.trim() };
    }

    it("passes the stage's flags as separate words, never as shell, and --locked only with a committed lock", () => {
      const env = { PIPELINE_SYNC: "--package api --group testing --no-dev" };
      const printed = run("synced.sh", ["uv", "run", "--no-sync", "python", "-c", "print('listed')"], env);
      expect(printed.status, printed.stderr).toBe(0);
      expect(printed.synced).toBe("sync --package api --group testing --no-dev");
      // the command's stdout is all a caller reads: the sync's own output went to stderr
      expect(printed.stdout).toBe("listed\n");
      expect(run("synced.sh", ["true"], env, { "uv.lock": "" }).synced).toBe(
        "sync --package api --group testing --no-dev --locked",
      );
      // a member's lock sits at its workspace root: PIPELINE_LOCK names it
      expect(
        run("synced.sh", ["true"], { PIPELINE_LOCK: "/nonexistent/uv.lock" }, { "uv.lock": "" }).synced,
      ).toBe("sync");
      // a glob or a command substitution in a flag stays a word
      expect(run("synced.sh", ["true"], { PIPELINE_SYNC: "--group * $(id)" }).synced).toBe(
        "sync --group * $(id)",
      );
    });

    it("installs the exec's interpreter first, and stops saying so when it cannot", () => {
      const r = run("synced.sh", ["true"], { PIPELINE_PYTHON_INSTALL: "3.14t" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.synced).toBe("sync");
      expect(readFileSync(join(root, "uv-python.log"), "utf8")).toBe("python install 3.14t\n");
      const failed = run("synced.sh", ["true"], { PIPELINE_PYTHON_INSTALL: "3.14t", FAKE_UV_PYTHON: "fail" });
      expect(failed.status).toBe(1);
      expect(failed.stderr).toContain("could not install Python 3.14t");
      expect(failed.synced).toBe("");
    });

    it("stops before the command when the sync fails, with uv's own message", () => {
      const r = run("synced.sh", ["uv", "run", "--no-sync", "python", "-c", "print('listed')"], {
        FAKE_UV_SYNC: "fail",
      });
      expect(r.status).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toContain("Failed to fetch");
    });

    it("typecheck.sh: mypy's output and exit status kept for the module to judge, the env file loaded first", () => {
      const envFile = join(root, "test.env");
      writeFileSync(envFile, "SECRET_KEY=from-the-env-file\n");
      // a stand-in mypy module on the host Python: prints its arguments and the env file's value, exits 1
      const fake = mkdtempSync(join(root, "mypy-"));
      writeFileSync(
        join(fake, "mypy.py"),
        "import os, sys\nprint(' '.join(sys.argv[1:]), os.environ.get('SECRET_KEY'))\nsys.exit(1)\n",
      );
      const out = join(fake, "out");
      const args = ["-O", "json", "--no-error-summary", "-p", "app"];
      const env = { PIPELINE_OUT: out, MYPY_VERSION, PIPELINE_ENV_FILE: envFile, PYTHONPATH: fake };
      const r = run("typecheck.sh", args, env);
      expect(r.status, r.stderr).toBe(0);
      expect(readFileSync(join(out, "mypy.json"), "utf8")).toBe(
        "-O json --no-error-summary -p app from-the-env-file\n",
      );
      expect(readFileSync(join(out, "mypy-exit-code"), "utf8")).toBe("1\n");
      expect(readFileSync(join(root, "uv-pip.log"), "utf8")).toContain(`mypy==${MYPY_VERSION}`);
      const failed = run("typecheck.sh", args, { ...env, FAKE_UV_SYNC: "fail" });
      expect(failed.status).toBe(SYNC_FAILED);
      expect(failed.stderr).toContain("Failed to fetch");
      expect(existsSync(join(out, "mypy-exit-code"))).toBe(true);
    });
  },
);

describe.skipIf(!dash)("scan.sh under dash, with a stand-in trivy", () => {
  /** `trivy` logging each call to calls.log and writing what --output names; FAIL=<verb> makes that verb fail. */
  function run(env: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), "scan-"));
    mkdirSync(join(dir, "bin"));
    writeFileSync(
      join(dir, "bin", "trivy"),
      [
        "#!/bin/sh",
        'echo "$*" >> "$LOG"',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
        'if [ "$1" = "${FAIL:-}" ]; then echo "FATAL $1 failed" >&2; exit 1; fi',
        'if [ "$1" = version ]; then echo \'{"VulnerabilityDB":{}}\'; exit 0; fi',
        'while [ $# -gt 0 ]; do if [ "$1" = --output ]; then echo "$2 written" > "$2"; fi; shift; done',
        "",
      ].join("\n"),
    );
    chmodSync(join(dir, "bin", "trivy"), 0o755);
    const r = spawnSync("dash", [script("scan.sh")], {
      cwd: dir,
      encoding: "utf8",
      env: {
        PATH: `${join(dir, "bin")}:/usr/bin:/bin`,
        LOG: join(dir, "calls.log"),
        PIPELINE_SEVERITIES: "CRITICAL,HIGH",
        ...env,
      },
    });
    const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : undefined);
    const calls = (read("calls.log") ?? "").trim().split("\n");
    rmSync(dir, { recursive: true, force: true });
    return { ...r, calls };
  }

  it("scans every severity into JSON, then records the DB's version and converts with the shown severities", () => {
    const r = run();
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      "image --input /work/image.tar --scanners vuln --format json --output trivy.json --exit-code 0",
      "version --format json",
      "convert --format sarif --severity CRITICAL,HIGH --output trivy.sarif trivy.json",
      "convert --format table --scanners vuln --severity CRITICAL,HIGH --output trivy.txt trivy.json",
    ]);
  });

  it("fails as a whole at the first step that fails: a scan without a DB is an error, never a cached result", () => {
    const r = run({ FAIL: "image" });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain("FATAL image failed");
    expect(r.calls).toHaveLength(1);
    expect(run({ FAIL: "convert" }).status).toBe(1);
  });
});

describe.skipIf(!dash)("sign.sh and verify.sh under dash, with a stand-in cosign", () => {
  /**
   * Runs `name` with a `cosign` that logs its arguments and fails with FAIL_AT=<n> on its n-th call; /work is a
   * folder of the test's (the scripts name /work/... paths, so they are rewritten to it).
   */
  function run(name: string, env: Record<string, string>, files: Record<string, string> = {}) {
    const dir = mkdtempSync(join(tmpdir(), "cosign-"));
    for (const sub of ["bin", "work", "docker", "scripts"]) mkdirSync(join(dir, sub));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, "work", file), text);
    writeFileSync(
      join(dir, "bin", "cosign"),
      [
        "#!/bin/sh",
        'echo "$*" >> "$LOG"',
        'n=$(wc -l < "$LOG")',
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
        'if [ "$n" = "${FAIL_AT:-0}" ]; then echo "Error: no matching signatures" >&2; exit 1; fi',
        'echo "envelope $n"',
        "",
      ].join("\n"),
    );
    chmodSync(join(dir, "bin", "cosign"), 0o755);
    for (const f of [name, "lib.sh"]) {
      writeFileSync(
        join(dir, "scripts", f),
        readFileSync(script(f), "utf8").replaceAll("/work/", `${dir}/work/`),
      );
    }
    const r = spawnSync("dash", [join(dir, "scripts", name)], {
      encoding: "utf8",
      env: {
        PATH: `${join(dir, "bin")}:/usr/bin:/bin`,
        LOG: join(dir, "calls.log"),
        IMAGE: "ghcr.io/o/r@sha256:ab",
        DOCKER_CONFIG: join(dir, "docker"),
        ...env,
      },
    });
    const read = (f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f), "utf8") : undefined);
    const calls = (read("calls.log") ?? "")
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((l) => l.replaceAll(`${dir}/`, "/"));
    const out = {
      ...r,
      calls,
      config: read("docker/config.json"),
      provenance: read("work/out/provenance.jsonl"),
    };
    rmSync(dir, { recursive: true, force: true });
    return out;
  }
  const LOGIN = { REGISTRY: "ghcr.io", REGISTRY_USERNAME: "octocat", REGISTRY_PASSWORD: "s3cret" };

  it("sign.sh: logs in to a file only, signs, then attests each predicate it was given, with the key when one is", () => {
    const keyless = run("sign.sh", LOGIN, { "sbom.cdx.json": "{}", "provenance.json": "{}" });
    expect(keyless.status, keyless.stderr).toBe(0);
    expect(keyless.calls).toEqual([
      "sign --yes ghcr.io/o/r@sha256:ab",
      "attest --yes --type cyclonedx --predicate /work/sbom.cdx.json ghcr.io/o/r@sha256:ab",
      "attest --yes --type slsaprovenance1 --predicate /work/provenance.json ghcr.io/o/r@sha256:ab",
    ]);
    expect(JSON.parse(keyless.config ?? "")).toEqual({
      auths: { "ghcr.io": { auth: Buffer.from("octocat:s3cret").toString("base64") } },
    });
    expect(keyless.stdout + keyless.stderr).not.toContain("s3cret");
    const key = run("sign.sh", { COSIGN_KEY_FILE: "/run/secrets/cosign.key" });
    expect(key.calls).toEqual(["sign --yes --key /run/secrets/cosign.key ghcr.io/o/r@sha256:ab"]);
    expect(key.config).toBeUndefined();
    // a failed signature stops before any attestation
    const failed = run("sign.sh", { FAIL_AT: "1" }, { "sbom.cdx.json": "{}" });
    expect(failed.status).toBe(1);
    expect(failed.calls).toHaveLength(1);
  });

  it("verify.sh: the signature, then each attestation, by the identity's flags; each failure with its own code", () => {
    const identity = {
      IDENTITY: "^https://github\\.com/o/r/.*$",
      ISSUER: "https://token.actions.githubusercontent.com",
      SOURCE_REPOSITORY: "o/r",
    };
    const flags = `--certificate-identity-regexp ${identity.IDENTITY} --certificate-oidc-issuer ${identity.ISSUER} --certificate-github-workflow-repository o/r`;
    const ok = run("verify.sh", { ...identity, SOURCE_REF: "refs/heads/main", SOURCE_TRIGGER: "push" });
    expect(ok.status, ok.stderr).toBe(0);
    const pinned = `${flags} --certificate-github-workflow-ref refs/heads/main --certificate-github-workflow-trigger push`;
    expect(ok.calls).toEqual([
      `verify ${pinned} ghcr.io/o/r@sha256:ab`,
      `verify-attestation --type cyclonedx ${pinned} ghcr.io/o/r@sha256:ab`,
      `verify-attestation --type slsaprovenance1 ${pinned} ghcr.io/o/r@sha256:ab`,
    ]);
    // only the provenance envelopes are kept, for deploy to read
    expect(ok.provenance).toBe("envelope 3\n");
    expect(run("verify.sh", identity).calls[0]).toBe(`verify ${flags} ghcr.io/o/r@sha256:ab`);
    expect(run("verify.sh", {}, { "cosign.pub": "KEY" }).calls[0]).toBe(
      "verify --key /work/cosign.pub ghcr.io/o/r@sha256:ab",
    );
    // the exit codes deploy reads (stages/sign.ts VERIFIED), one per check, in order
    for (const [i, check] of VERIFIED.entries()) {
      const r = run("verify.sh", { ...identity, FAIL_AT: String(i + 1) });
      expect(r.status, check.what).toBe(check.code);
      expect(r.calls).toHaveLength(i + 1);
    }
  });
});

describe("the programs the module ships in dagger/scripts/", () => {
  const dir = scripts;
  const files = readdirSync(dir).filter((f) => f.endsWith(".py"));
  const shells = readdirSync(dir).filter((f) => f.endsWith(".sh"));
  const shellcheck = spawnSync("shellcheck", ["--version"]).status === 0;
  if (!shellcheck)
    console.warn("container scripts: shellcheck skipped: no shellcheck on PATH (apt-get install shellcheck)");

  it.skipIf(!shellcheck).each(shells)("%s is clean under shellcheck as POSIX sh", (file) => {
    const r = spawnSync("shellcheck", ["--shell=sh", "--external-sources", "--format=gcc", join(dir, file)], {
      cwd: dir,
      encoding: "utf8",
    });
    expect(r.stdout + r.stderr).toBe("");
    expect(r.status).toBe(0);
  });
  const ruff = () =>
    new Workspace(
      { "line-length": 110, lint: { select: ["E", "F", "W", "B", "UP", "I", "S", "PL"] } },
      PositionEncoding.Utf16,
    );

  it("are there", () => {
    expect(files).toContain("pipeline_probe.py");
  });

  it.each(files)("%s is clean and formatted under ruff", (file) => {
    const text = readFileSync(join(dir, file), "utf8");
    expect((ruff().check(text) as Diagnostic[]).map((d) => `${d.code} ${d.message}`)).toEqual([]);
    expect(ruff().format(text)).toBe(text);
  });
});
