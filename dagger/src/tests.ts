import { type Directory, type File, type float, func, object, ReturnType } from "@dagger.io/dagger";
import { parseCoverageXml } from "./coverage.js";
import { parseJunit } from "./junit.js";
import { pythonEnv, UV_SYNC } from "./python.js";
import type { VersionStatus } from "./report.js";
import { versionSlug } from "./settings.js";

/** What one Python version's test run produced; returned even when tests fail. */
@object()
export class TestResult {
  /** the Python version, e.g. 3.12 or 3.14t */
  @func() version = "";
  /** true when pytest exited 0 */
  @func() passed = false;
  @func() tests = 0;
  @func() failures = 0;
  @func() errors = 0;
  @func() skipped = 0;
  /** this version's own coverage percent; -1 when it produced no readable coverage.xml */
  @func() coverage: float = -1;
  /** why the run produced no usable report, if it did not */
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
      tests: this.tests,
      failures: this.failures,
      errors: this.errors,
      skipped: this.skipped,
      ...(this.coverage >= 0 ? { coverage: this.coverage } : {}),
      ...(this.error ? { error: this.error } : {}),
    };
  }
}

/** Builds a TestResult (object constructors are part of the module's API, so they stay argument-free). */
export function testResult(
  version: string,
  passed: boolean,
  counts: { tests: number; failures: number; errors: number; skipped: number },
  coverage: number,
  error: string,
  output: string,
  reports: Directory,
): TestResult {
  return Object.assign(new TestResult(), { version, passed, ...counts, coverage, error, output, reports });
}

const OUT = "/out";

/**
 * pytest with coverage on one version. Every file name carries the version so the matrix's reports sit side
 * by side. The per-version fail_under is switched off: the gate decides on the combined figure.
 * Free-threaded 3.14t and 3.14 use coverage's sys.monitoring core (COVERAGE_CORE=sysmon), which needs no C
 * tracer, so loading coverage does not re-enable the GIL on 3.14t.
 */
export function testScript(version: string): string {
  const v = versionSlug(version);
  return [
    "set -u",
    `mkdir -p ${OUT}`,
    `if ! ${UV_SYNC} > ${OUT}/sync.log 2>&1; then cat ${OUT}/sync.log; echo "uv sync failed for Python ${version}"; exit 97; fi`,
    `COVERAGE_FILE=${OUT}/.coverage.${v} uv run --no-sync pytest -p no:cacheprovider` +
      ` --junitxml=${OUT}/junit-${v}.xml -o junit_suite_name=python-${v}` +
      ` --cov --cov-report=xml:${OUT}/coverage-${v}.xml --cov-report=term --cov-fail-under=0`,
  ].join("\n");
}

export async function runTests(source: Directory, app: string, version: string): Promise<TestResult> {
  const v = versionSlug(version);
  let env = pythonEnv(source, app, version);
  if (version.startsWith("3.14")) env = env.withEnvVariable("COVERAGE_CORE", "sysmon");
  const ctr = env.withExec(["sh", "-c", testScript(version)], { expect: ReturnType.Any });
  const [exitCode, stdout, stderr] = await Promise.all([ctr.exitCode(), ctr.stdout(), ctr.stderr()]);
  const reports = ctr.directory(OUT);
  const names = new Set(await reports.entries());
  const output = tail(`${stdout}\n${stderr}`.trim(), 4000);
  const zero = { tests: 0, failures: 0, errors: 0, skipped: 0 };

  if (!names.has(`junit-${v}.xml`)) {
    const reason = exitCode === 97 ? "uv sync failed" : `pytest wrote no junit report (exit ${exitCode})`;
    return testResult(version, false, zero, -1, reason, output, reports);
  }
  let counts = zero;
  let error = "";
  try {
    counts = parseJunit(await reports.file(`junit-${v}.xml`).contents(), `junit-${v}.xml`);
  } catch (err) {
    error = (err as Error).message;
  }
  let coverage = -1;
  if (names.has(`coverage-${v}.xml`)) {
    try {
      coverage = parseCoverageXml(
        await reports.file(`coverage-${v}.xml`).contents(),
        `coverage-${v}.xml`,
      ).percent;
    } catch (err) {
      error ||= (err as Error).message;
    }
  }
  // pytest exits 5 when it collected nothing: a suite that runs no test has not passed.
  const passed = exitCode === 0 && error === "" && counts.tests > 0;
  if (exitCode === 5 || (exitCode === 0 && counts.tests === 0)) error ||= "pytest collected no tests";
  return testResult(version, passed, counts, coverage, error, output, reports);
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}
