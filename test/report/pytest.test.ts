/**
 * How one Python version's run is judged from the files it left (report/pytest.ts): every way a run ends, as
 * the line a reader sees in the results table. The JUnit and coverage files are real pytest 9 and coverage.py
 * 7 outputs (test/fixtures/upstream/SOURCES.md).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type AttemptFiles,
  brokenStatus,
  describeExit,
  failureReason,
  judgeAttempt,
  versionStatus,
} from "../../dagger/src/report/pytest.js";

const fixture = (name: string) => readFileSync(`test/fixtures/upstream/${name}`, "utf8");
const PASS = fixture("pytest-junit-pass-pytest9.xml"); // 5 tests, none failed
const MIXED = fixture("pytest-junit-mixed-pytest9.xml"); // 5 tests: 1 failure, 1 error, 2 skipped
const COVERAGE = fixture("coverage-real-7.json"); // 78.57142857142857, shown "78.57"
const EMPTY_SUITE =
  '<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pytest" errors="0" failures="0" skipped="0" tests="0"></testsuite></testsuites>';
const probe = (python: string, gil?: boolean) => JSON.stringify({ python, gil });

describe("describeExit", () => {
  it.each([
    [0, "all tests passed"],
    [1, "tests failed"],
    [2, "pytest was interrupted (a KeyboardInterrupt, or its session stopped early)"],
    [3, "pytest hit an internal error"],
    [4, "pytest was called wrongly (usage error)"],
    [5, "pytest collected no tests"],
    [127, "pytest exited 127"],
    [128, "pytest exited 128"], // 128 itself is no signal
    [129, "pytest was killed by signal 1"],
    [134, "pytest was killed by signal 6 (abort)"],
    [137, "pytest was killed by signal 9 (killed; out of memory?)"],
    [139, "pytest was killed by signal 11 (segmentation fault)"],
    [143, "pytest was killed by signal 15 (terminated)"],
    [159, "pytest was killed by signal 31"],
    [160, "pytest exited 160"], // past the signal numbers a shell reports as 128+N
  ])("exit %i reads %j", (code, text) => {
    expect(describeExit(code)).toBe(text);
  });
});

describe("judgeAttempt", () => {
  const judge = (version: string, files: AttemptFiles) => judgeAttempt(version, files);

  it("passes a run that exited 0 with tests, and carries its coverage and interpreter", async () => {
    const a = await judge("3.12", {
      exitCode: "0\n",
      junit: PASS,
      coverageJson: COVERAGE,
      probe: probe("3.12.8", true),
    });
    expect(a).toEqual({
      passed: true,
      counts: { tests: 5, failures: 0, errors: 0, skipped: 0 },
      coverage: 78.57142857142857,
      coverageDisplay: "78.57",
      python: "3.12.8",
      gil: true,
      error: "",
    });
  });

  it("names pytest's stop after collection errors (exit 2), not an interrupt", async () => {
    // the shape _pytest/junitxml.py gives a collection error (append_collect_error: message "collection failure")
    const junit = [
      '<?xml version="1.0" encoding="utf-8"?>',
      '<testsuites name="pytest tests"><testsuite name="python-3.12" errors="1" failures="0" skipped="0" tests="1" time="0.1">',
      '<testcase classname="" name="tests.test_cli" time="0.000"><error message="collection failure">ImportError: No module named x</error></testcase>',
      "</testsuite></testsuites>",
    ].join("");
    const a = await judge("3.12", { exitCode: "2", junit });
    expect(a.passed).toBe(false);
    expect(a.error).toBe(
      "pytest stopped after 1 error(s) during collection (an import or syntax error in a test module or conftest.py)",
    );
    // an exit 2 without collection errors is still named an interrupt
    expect((await judge("3.12", { exitCode: "2", junit: PASS })).error).toBe(
      "pytest was interrupted (a KeyboardInterrupt, or its session stopped early)",
    );
  });

  it("fails on failed tests, naming them, and says so through the counts", async () => {
    const a = await judge("3.12", { exitCode: "1", junit: MIXED });
    expect(a.passed).toBe(false);
    expect(a.error).toBe("");
    expect(a.counts).toEqual({ tests: 5, failures: 1, errors: 1, skipped: 2 });
    expect(a.failed?.map((f) => f.test)).toEqual([
      "test_mixed::test_fails",
      "test_mixed::test_errors_in_fixture",
    ]);
    expect(failureReason(a)).toBe("1 failure(s), 1 error(s) of 5");
  });

  // the whole error: a second reason where one explains it all (a killed run "wrote no junit") is a defect
  it.each<[string, AttemptFiles, unknown]>([
    ["no exit status at all", { junit: PASS }, "the test script recorded no exit status"],
    [
      "an exit status that is not a number",
      { exitCode: "oops", junit: PASS },
      "the test script recorded no exit status",
    ],
    [
      "an exit status after other text",
      { exitCode: "rc=1", junit: PASS },
      "the test script recorded no exit status",
    ],
    [
      "an exit status before other text",
      { exitCode: "1 (failed)", junit: PASS },
      "the test script recorded no exit status",
    ],
    ["zero tests with exit 0", { exitCode: "0", junit: EMPTY_SUITE }, "pytest collected no tests"],
    ["zero tests with exit 5", { exitCode: "5", junit: EMPTY_SUITE }, "pytest collected no tests"],
    ["zero tests with exit 1", { exitCode: "1", junit: EMPTY_SUITE }, "pytest collected no tests"],
    ["exit 0 but no junit", { exitCode: "0" }, "pytest wrote no junit report"],
    [
      "a usage error",
      { exitCode: "4" },
      "pytest was called wrongly (usage error); pytest wrote no junit report",
    ],
    ["an internal error", { exitCode: "3", junit: PASS }, "pytest hit an internal error"],
    // a killed process writes no junit: the signal says why, without a second, misleading reason
    ["a segfault", { exitCode: "139" }, "pytest was killed by signal 11 (segmentation fault)"],
    ["an OOM kill", { exitCode: "137" }, "pytest was killed by signal 9 (killed; out of memory?)"],
    [
      "a truncated junit",
      { exitCode: "0", junit: PASS.slice(0, 200) },
      "Cannot read junit-3.12.xml as a JUnit report: it is not well-formed XML (line 1, column 81: Attributes for 'testsuite' have open quote.).",
    ],
    [
      "an unreadable coverage report",
      { exitCode: "0", junit: PASS, coverageJson: "{" },
      // the end is V8's own JSON.parse message, which Node versions word differently
      expect.stringMatching(
        /^Cannot read coverage-3\.12\.json as a coverage\.py JSON report: it is not JSON, or it is truncated \([^;]*\)\.$/,
      ),
    ],
    [
      "a probe that is not JSON",
      { exitCode: "0", junit: PASS, probe: "Traceback" },
      "python-3.12.json is not the probe's JSON",
    ],
    [
      "a probe that is JSON null",
      { exitCode: "0", junit: PASS, probe: "null" },
      "python-3.12.json is not the probe's JSON",
    ],
  ])("fails %s, saying why", async (_, files, reason) => {
    const a = await judge("3.12", files);
    expect(a.passed).toBe(false);
    expect(a.error).toEqual(reason);
    expect(failureReason(a)).toBe(a.error);
  });

  it("claims no interpreter or GIL from a probe whose fields have the wrong types", async () => {
    const a = await judge("3.14t", { exitCode: "0", junit: PASS, probe: '{"python": 3, "gil": "on"}' });
    expect(a.python).toBeUndefined();
    expect(a.gil).toBeUndefined();
    expect(a.passed).toBe(true);
  });

  it.each<[string, boolean | undefined, boolean, string]>([
    ["3.14t", false, true, ""],
    [
      "3.14t",
      true,
      false,
      "the GIL was on at the end of the run: a free-threaded leg must run with the GIL off",
    ],
    ["3.14t", undefined, true, ""], // an older probe that did not report: nothing claimed
    ["3.13", true, true, ""],
    ["3.13", false, false, "the tests ran on a free-threaded interpreter, not the GIL build asked for"],
    ["3.12", undefined, true, ""],
  ])("%s with the GIL %s: passed %s", async (version, gil, passed, error) => {
    const a = await judge(version, { exitCode: "0", junit: PASS, probe: probe(`${version}.0`, gil) });
    expect(a.passed).toBe(passed);
    expect(a.error).toBe(error);
  });
});

describe("versionStatus", () => {
  it("calls a failed-then-passed version flaky, keeping the first run's reason", async () => {
    const rerun = await judgeAttempt("3.13", { exitCode: "0", junit: PASS });
    expect(
      versionStatus("3.13", rerun, { attempts: 2, flaky: true, firstError: "pytest was killed by signal 9" }),
    ).toMatchObject({
      passed: true,
      flaky: true,
      attempts: 2,
      error: "failed on the first run (pytest was killed by signal 9), passed on a fresh rerun",
    });
    expect(versionStatus("3.13", rerun, { attempts: 2, flaky: true }).error).toBe(
      "failed on the first run (tests failed), passed on a fresh rerun",
    );
  });

  it("lists failed tests only for a version that failed, and no error key when there is none", async () => {
    const failed = await judgeAttempt("3.12", { exitCode: "1", junit: MIXED });
    const status = versionStatus("3.12", failed, { attempts: 2 });
    expect(status.failedTests).toHaveLength(2);
    expect("error" in status).toBe(false);
    const passed = await judgeAttempt("3.12", { exitCode: "0", junit: PASS });
    expect(
      versionStatus("3.12", { ...passed, failed: failed.failed }, { attempts: 1 }).failedTests,
    ).toBeUndefined();
  });

  it("reports a version that never ran pytest with its reason and no attempts", () => {
    expect(brokenStatus("3.11", "uv sync failed (exit 97)")).toEqual({
      version: "3.11",
      passed: false,
      attempts: 0,
      tests: 0,
      failures: 0,
      errors: 0,
      skipped: 0,
      error: "uv sync failed (exit 97)",
    });
  });
});
