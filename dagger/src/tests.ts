import { randomUUID } from "node:crypto";
import { type Container, type Directory, dag, type File, type float, func, object } from "@dagger.io/dagger";
import { parseCoverageXml } from "./coverage.js";
import { parseJunit } from "./junit.js";
import { pythonEnv, UV_SYNC } from "./python.js";
import type { VersionStatus } from "./report.js";
import { errorText, isExecError, lastLines, versionSlug } from "./settings.js";

/** What one Python version's test run produced; returned even when tests fail. */
@object()
export class TestResult {
  /** the Python version, e.g. 3.12 or 3.14t */
  @func() version = "";
  /** true when the tests passed (on the first run, or on the fresh rerun of a failed one: then flaky is set) */
  @func() passed = false;
  /** true when the first run failed and a fresh rerun passed: the suite is unreliable on this version */
  @func() flaky = false;
  /** how many times pytest ran: 1, or 2 when a failed run was executed once more, fresh */
  @func() attempts = 0;
  @func() tests = 0;
  @func() failures = 0;
  @func() errors = 0;
  @func() skipped = 0;
  /** this version's own coverage percent; -1 when it produced no readable coverage.xml */
  @func() coverage: float = -1;
  /** the exact interpreter the tests ran on, e.g. 3.14.0; empty when pytest did not get that far */
  @func() python = "";
  /** "on" or "off": the GIL as the test process ended (3.13 and later); empty before 3.13 or when unknown */
  @func() gil = "";
  /** why the run failed or produced no usable report; for a flaky version, why its first run failed */
  @func() error = "";
  /** pytest's output (tail) */
  @func() output = "";
  /** a directory with junit-<v>.xml, coverage-<v>.xml and .coverage.<v>, whichever were written */
  @func() reports!: Directory;

  /** The JUnit XML report of this version. */
  @func()
  junit(): File {
    return this.reports.file(`junit-${versionSlug(this.version)}.xml`);
  }

  /** The Cobertura coverage.xml of this version. */
  @func()
  coverageXml(): File {
    return this.reports.file(`coverage-${versionSlug(this.version)}.xml`);
  }

  /** The plain-data view for status.json. */
  status(): VersionStatus {
    return {
      version: this.version,
      passed: this.passed,
      ...(this.flaky ? { flaky: true } : {}),
      attempts: this.attempts,
      tests: this.tests,
      failures: this.failures,
      errors: this.errors,
      skipped: this.skipped,
      ...(this.coverage >= 0 ? { coverage: this.coverage } : {}),
      ...(this.python ? { python: this.python } : {}),
      ...(this.gil ? { gil: this.gil === "on" } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

/** What one pytest run on one version amounts to, judged from the files it left. Plain data. */
export type Attempt = {
  passed: boolean;
  counts: { tests: number; failures: number; errors: number; skipped: number };
  /** this version's coverage percent, when its coverage.xml could be read */
  coverage?: number;
  python?: string;
  /** the GIL at the end of the test session; absent before 3.13 or when the probe did not report */
  gil?: boolean;
  /** "" when nothing is wrong beyond the failure counts */
  error: string;
};

/**
 * Builds a TestResult from named fields: the SDK refuses a result object that carries any property which is
 * not a declared field (`could not find result property`, loadResult in entrypoint/load.js), so nothing is
 * spread into it. Object constructors are part of the module's API, so the class keeps an argument-free one.
 */
export function testResult(
  version: string,
  attempt: Attempt,
  extra: { flaky: boolean; attempts: number; output: string; reports: Directory },
): TestResult {
  const r = new TestResult();
  r.version = version;
  r.passed = attempt.passed;
  r.flaky = extra.flaky;
  r.attempts = extra.attempts;
  r.tests = attempt.counts.tests;
  r.failures = attempt.counts.failures;
  r.errors = attempt.counts.errors;
  r.skipped = attempt.counts.skipped;
  r.coverage = attempt.coverage ?? -1;
  r.python = attempt.python ?? "";
  r.gil = attempt.gil === undefined ? "" : attempt.gil ? "on" : "off";
  r.error = attempt.error;
  r.output = extra.output;
  r.reports = extra.reports;
  return r;
}

const NO_COUNTS = { tests: 0, failures: 0, errors: 0, skipped: 0 };

/** A version that never got to run pytest (install failure, container error). */
export function brokenResult(version: string, error: string, output: string, reports: Directory): TestResult {
  return testResult(
    version,
    { passed: false, counts: NO_COUNTS, error },
    { flaky: false, attempts: 0, output, reports },
  );
}

const OUT = "/out";
/** The test script's exit code when `uv sync` failed: the exec then fails, and failed execs are never cached. */
export const SYNC_FAILED = 97;
const PROBE_DIR = "/opt/pipeline-probe";

/**
 * A pytest plugin (`-p pipeline_probe`) that records, as the test session ends, the interpreter's exact version
 * and whether the GIL is on: the state after coverage.py and every test import ran, which is what a
 * free-threaded leg must prove. `sys._is_gil_enabled` exists from 3.13 on.
 */
export const PROBE = `import json, os, platform, sys


def pytest_sessionfinish(session, exitstatus):
    probe = getattr(sys, "_is_gil_enabled", None)
    info = {"python": platform.python_version(), "gil": None if probe is None else bool(probe())}
    with open(os.environ["PIPELINE_PROBE_OUT"], "w") as out:
        json.dump(info, out)
`;

/**
 * pytest with coverage on one version, sync and run in one exec (a venv synced in an earlier, cached exec may
 * point at an interpreter the shared volume no longer holds). Every file name carries the version so the
 * matrix's reports sit side by side; the per-version fail_under is off: the gate decides on the combined figure.
 *
 * The script, not the engine, judges pytest: it records pytest's status in `exit-code` and exits 0, so a
 * process killed by a signal (134, 137, 139, outside what `ReturnType.Any` accepts: 0-127 and 192-255,
 * core/container.go at v0.21.8) still leaves every file it wrote. Only a failed `uv sync` fails the exec,
 * with {@link SYNC_FAILED}: a failed exec is an error, never a cached result, so the next run tries again.
 */
export function testScript(version: string, dirs = { out: OUT, probe: PROBE_DIR }): string {
  const v = versionSlug(version);
  const { out, probe } = dirs;
  return [
    "set -u",
    `mkdir -p ${out}`,
    `if ! ${UV_SYNC} > ${out}/sync.log 2>&1; then cat ${out}/sync.log >&2; echo "uv sync failed for Python ${version}" >&2; exit ${SYNC_FAILED}; fi`,
    `PYTHONPATH=${probe}\${PYTHONPATH:+:$PYTHONPATH} PIPELINE_PROBE_OUT=${out}/python-${v}.json` +
      ` COVERAGE_FILE=${out}/.coverage.${v} uv run --no-sync pytest -p no:cacheprovider -p pipeline_probe` +
      ` --junitxml=${out}/junit-${v}.xml -o junit_suite_name=python-${v}` +
      ` --cov --cov-report=xml:${out}/coverage-${v}.xml --cov-report=term --cov-fail-under=0`,
    `echo $? > ${out}/exit-code`,
    "exit 0",
  ].join("\n");
}

const SIGNALS: Record<number, string> = {
  4: "illegal instruction",
  6: "abort",
  7: "bus error",
  8: "floating-point exception",
  9: "killed; out of memory?",
  11: "segmentation fault",
  15: "terminated",
};

/** pytest's own exit codes (pytest.ExitCode), and a shell's 128+N for a process killed by signal N. */
export function describeExit(code: number): string {
  if (code > 128 && code < 160) {
    const signal = code - 128;
    return `pytest was killed by signal ${signal}${SIGNALS[signal] ? ` (${SIGNALS[signal]})` : ""}`;
  }
  switch (code) {
    case 0:
      return "all tests passed";
    case 1:
      return "tests failed";
    case 2:
      return "pytest was interrupted";
    case 3:
      return "pytest hit an internal error";
    case 4:
      return "pytest was called wrongly (usage error)";
    case 5:
      return "pytest collected no tests";
    default:
      return `pytest exited ${code}`;
  }
}

/** The files one run left in its output folder, by name; absent when not written. */
export type AttemptFiles = {
  exitCode?: string;
  junit?: string;
  coverageXml?: string;
  probe?: string;
};

/**
 * Judges one run from what it left. Never claims more than ran: no junit is no result, zero tests is not a
 * pass, a killed process is named with its signal, and a leg on the wrong kind of interpreter fails (3.14t
 * with the GIL on proves nothing about free threading; a GIL version on a free-threaded build is not the
 * interpreter asked for).
 */
export function judgeAttempt(version: string, files: AttemptFiles): Attempt {
  const v = versionSlug(version);
  const raw = files.exitCode?.trim() ?? "";
  const exit = /^\d+$/.test(raw) ? Number(raw) : undefined;
  const errors: string[] = [];
  if (exit === undefined) errors.push("the test script recorded no exit status");
  else if (exit !== 0 && exit !== 1) errors.push(describeExit(exit));

  let counts = NO_COUNTS;
  if (files.junit === undefined) {
    if (exit !== 5) errors.push("pytest wrote no junit report");
  } else {
    try {
      const parsed = parseJunit(files.junit, `junit-${v}.xml`);
      counts = {
        tests: parsed.tests,
        failures: parsed.failures,
        errors: parsed.errors,
        skipped: parsed.skipped,
      };
    } catch (err) {
      errors.push(errorText(err));
    }
  }
  if (exit === 0 && files.junit !== undefined && counts.tests === 0 && errors.length === 0) {
    errors.push(describeExit(5));
  }

  let coverage: number | undefined;
  if (files.coverageXml !== undefined) {
    try {
      coverage = parseCoverageXml(files.coverageXml, `coverage-${v}.xml`).percent;
    } catch (err) {
      errors.push(errorText(err));
    }
  }

  let python: string | undefined;
  let gil: boolean | undefined;
  if (files.probe !== undefined) {
    try {
      const info = JSON.parse(files.probe) as { python?: unknown; gil?: unknown };
      if (typeof info.python === "string") python = info.python;
      if (typeof info.gil === "boolean") gil = info.gil;
    } catch {
      errors.push(`python-${v}.json is not the probe's JSON`);
    }
  }
  const freeThreaded = version.endsWith("t");
  if (freeThreaded && gil === true) {
    errors.push("the GIL was on at the end of the run: a free-threaded leg must run with the GIL off");
  }
  if (!freeThreaded && gil === false) {
    errors.push("the tests ran on a free-threaded interpreter, not the GIL build asked for");
  }

  const passed = exit === 0 && errors.length === 0 && counts.tests > 0;
  return {
    passed,
    counts,
    ...(coverage !== undefined ? { coverage } : {}),
    ...(python !== undefined ? { python } : {}),
    ...(gil !== undefined ? { gil } : {}),
    error: errors.join("; "),
  };
}

/** One run of the test script in `ctr`: the verdict, the output tail and the output folder. */
async function attempt(
  ctr: Container,
  version: string,
): Promise<{ attempt: Attempt; output: string; reports: Directory }> {
  const v = versionSlug(version);
  const run = ctr.withExec(["sh", "-c", testScript(version)]);
  const out = run.directory(OUT);
  const [stdout, stderr, names] = await Promise.all([run.stdout(), run.stderr(), out.entries()]);
  const read = (name: string) => (names.includes(name) ? out.file(name).contents() : undefined);
  const [exitCode, junit, coverageXml, probe] = await Promise.all([
    read("exit-code"),
    read(`junit-${v}.xml`),
    read(`coverage-${v}.xml`),
    read(`python-${v}.json`),
  ]);
  const files: AttemptFiles = {};
  if (exitCode !== undefined) files.exitCode = exitCode;
  if (junit !== undefined) files.junit = junit;
  if (coverageXml !== undefined) files.coverageXml = coverageXml;
  if (probe !== undefined) files.probe = probe;
  return {
    attempt: judgeAttempt(version, files),
    output: tail(`${stdout}\n${stderr}`.trim(), 4000),
    reports: out.withoutFiles(["sync.log", "exit-code"]),
  };
}

/**
 * The tests of one version. A failed run is executed once more with a value that changes every time in its
 * definition, so it really runs instead of replaying a failure the engine persisted (exec results are cached,
 * accepted failures included: engineutil/executor.go and `IsPersistable` in core/schema/container.go at
 * v0.21.8). A green first run replays from cache as it should; red then green is reported as flaky.
 */
export async function runTests(source: Directory, app: string, version: string): Promise<TestResult> {
  let env = pythonEnv(source, app, version).withNewFile(`${PROBE_DIR}/pipeline_probe.py`, PROBE);
  // sysmon is coverage.py's default core from 3.14 on; naming it keeps the measurement the same whatever
  // coverage version the app locks. coverage still imports its C tracer, and on 3.14t the GIL stays off only
  // because that extension declares it does not need the GIL: the probe checks that, it is not assumed.
  if (version.startsWith("3.14")) env = env.withEnvVariable("COVERAGE_CORE", "sysmon");
  try {
    const first = await attempt(env, version);
    if (first.attempt.passed) {
      return testResult(version, first.attempt, { flaky: false, attempts: 1, ...first });
    }
    const fresh = await attempt(env.withEnvVariable("PIPELINE_RERUN", randomUUID()), version);
    const flaky = fresh.attempt.passed;
    const result = flaky
      ? {
          ...fresh.attempt,
          error: `failed on the first run (${first.attempt.error || "tests failed"}), passed on a fresh rerun`,
        }
      : fresh.attempt;
    return testResult(version, result, { flaky, attempts: 2, output: fresh.output, reports: fresh.reports });
  } catch (err) {
    if (isExecError(err) && err.exitCode === SYNC_FAILED) {
      return brokenResult(
        version,
        `uv sync failed for Python ${version}: ${lastLines(err.stderr, 6)}`,
        tail(`${err.stdout}\n${err.stderr}`.trim(), 4000),
        dag.directory(),
      );
    }
    throw err;
  }
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}
