import { errorText } from "../settings/errors.js";
import { notReadyMessage, type ServiceNotReady } from "../settings/services.js";
import { versionSlug } from "../settings/validate.js";
import { type CoverageTotal, parseCoverageJson } from "./coverage.js";
import { isRecord, tryJson } from "./json.js";
import { type FailedTest, parseJunit, type TestCounts } from "./junit.js";
import type { VersionStatus } from "./types.js";

/** Pure, so every way a run can end is a table test. */
export type Attempt = Pick<VersionStatus, "passed" | "coverage" | "coverageDisplay" | "python" | "gil"> & {
  counts: TestCounts;
  /** at most 20 */
  failed?: FailedTest[];
  /** "" when nothing is wrong beyond the failure counts */
  error: string;
};

const NO_COUNTS: TestCounts = { tests: 0, failures: 0, errors: 0, skipped: 0 };

const SIGNALS: Record<number, string> = {
  4: "illegal instruction",
  6: "abort",
  7: "bus error",
  8: "floating-point exception",
  9: "killed; out of memory?",
  11: "segmentation fault",
  15: "terminated",
};

const EXITS: Record<number, string> = {
  0: "all tests passed",
  1: "tests failed",
  2: "pytest was interrupted (a KeyboardInterrupt, or its session stopped early)",
  3: "pytest hit an internal error",
  4: "pytest was called wrongly (usage error)",
  5: "pytest collected no tests",
};

/** pytest.ExitCode, or a shell's 128+N for a process killed by signal N. */
export function describeExit(code: number): string {
  if (code > 128 && code < 160) {
    const signal = code - 128;
    return `pytest was killed by signal ${signal}${SIGNALS[signal] ? ` (${SIGNALS[signal]})` : ""}`;
  }
  return EXITS[code] ?? `pytest exited ${code}`;
}

export type AttemptFiles = {
  exitCode?: string;
  junit?: string;
  coverageJson?: string;
  probe?: string;
};

/** Never claims more than ran: no junit, zero tests or the wrong GIL build is not a pass. */
export async function judgeAttempt(version: string, files: AttemptFiles): Promise<Attempt> {
  const v = versionSlug(version);
  const raw = files.exitCode?.trim() ?? "";
  const exit = /^\d+$/.test(raw) ? Number(raw) : undefined;
  const errors: string[] = [];
  if (exit === undefined) errors.push("the test script recorded no exit status");
  else if (exit !== 0 && exit !== 1) errors.push(describeExit(exit));

  let counts = NO_COUNTS;
  let failed: FailedTest[] | undefined;
  if (files.junit === undefined) {
    // pytest writes junit at the session's end: a killed run is already explained
    if (exit === undefined || exit <= 4) errors.push("pytest wrote no junit report");
  } else {
    try {
      const { failed: listed, ...parsed } = await parseJunit(files.junit, `junit-${v}.xml`);
      counts = parsed;
      if (listed.length > 0) failed = listed;
    } catch (err) {
      errors.push(errorText(err));
    }
  }
  // exit 2 with errors in the junit is collection failing, not an interrupt (docs/engine-notes.md: pytest)
  const at = errors.indexOf(describeExit(2));
  if (at >= 0 && counts.errors > 0) {
    errors[at] =
      `pytest stopped after ${counts.errors} error(s) during collection (an import or syntax error in a test module or conftest.py)`;
  }
  // zero tests and no other reason: "no tests collected", whatever the exit status said
  if (counts.tests === 0 && errors.length === 0) errors.push(describeExit(5));

  let total: CoverageTotal | undefined;
  if (files.coverageJson !== undefined) {
    try {
      total = parseCoverageJson(files.coverageJson, `coverage-${v}.json`);
    } catch (err) {
      errors.push(errorText(err));
    }
  }

  const info = files.probe === undefined ? {} : tryJson(files.probe);
  if (info === undefined || info === null) errors.push(`python-${v}.json is not the probe's JSON`);
  const python = isRecord(info) && typeof info.python === "string" ? info.python : undefined;
  const gil = isRecord(info) && typeof info.gil === "boolean" ? info.gil : undefined;
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
    ...(total ? { coverage: total.percent, coverageDisplay: total.display } : {}),
    ...(failed !== undefined ? { failed } : {}),
    ...(python !== undefined ? { python } : {}),
    ...(gil !== undefined ? { gil } : {}),
    error: errors.join("; "),
  };
}

/** One line: the run's own error, else its counts. */
export function failureReason(attempt: Attempt): string {
  if (attempt.error) return attempt.error;
  const { tests, failures, errors } = attempt.counts;
  return `${failures} failure(s), ${errors} error(s) of ${tests}`;
}

/** A failed first run and a passing fresh rerun is flaky: it passes, keeping the first run's reason. */
export function versionStatus(
  version: string,
  result: Attempt,
  runs: { attempts: number; flaky?: boolean; firstError?: string },
): VersionStatus {
  const flaky = runs.flaky === true;
  const error = flaky
    ? `failed on the first run (${runs.firstError || "tests failed"}), passed on a fresh rerun`
    : result.error;
  return {
    version,
    passed: result.passed,
    ...(flaky ? { flaky } : {}),
    attempts: runs.attempts,
    ...result.counts,
    ...(result.coverage !== undefined ? { coverage: result.coverage } : {}),
    ...(result.coverageDisplay !== undefined ? { coverageDisplay: result.coverageDisplay } : {}),
    ...(result.failed !== undefined && !result.passed ? { failedTests: result.failed } : {}),
    ...(result.python !== undefined ? { python: result.python } : {}),
    ...(result.gil !== undefined ? { gil: result.gil } : {}),
    ...(error ? { error } : {}),
  };
}

/** pytest never ran (a failed sync, a container error). */
export function brokenStatus(version: string, error: string): VersionStatus {
  return versionStatus(version, { passed: false, counts: NO_COUNTS, error }, { attempts: 0 });
}

/** pytest never ran, so no test failed and none is counted. */
export function notReadyStatus(version: string, notReady: ServiceNotReady): VersionStatus {
  return { ...brokenStatus(version, notReadyMessage(notReady)), serviceNotReady: notReady };
}
