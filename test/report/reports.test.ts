/** The report readers: what a reader of status.json and summary.md is told comes from these. */
import { describe, expect, it } from "vitest";
import { decideGate, formatPercent, parseCoverageXml } from "../../dagger/src/report/coverage.js";
import { parseJunit } from "../../dagger/src/report/junit.js";

const PYTEST_JUNIT = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="python-3.12" errors="1" failures="2" skipped="3" tests="20" time="0.5" timestamp="2026-11-25T10:00:00" hostname="x"><testcase classname="tests.test_cli" name="test_ok" time="0.001" /><testcase classname="tests.test_cli" name="test_bad[a&gt;b]" time="0.1"><failure message="assert 1 == 2">trace</failure></testcase><testcase classname="tests.test_add" name="test_err" time="0.1"><error message="boom">x</error></testcase><testcase classname="tests.test_add" name="test_skip"><skipped message="later" /></testcase></testsuite></testsuites>`;

describe("parseJunit", () => {
  it("sums pytest's report and names the failed tests", () => {
    expect(parseJunit(PYTEST_JUNIT)).toEqual({
      tests: 20,
      failures: 2,
      errors: 1,
      skipped: 3,
      failed: ["tests.test_cli::test_bad[a>b]", "tests.test_add::test_err"],
    });
  });

  it("sums several suites and accepts a bare <testsuite> root", () => {
    const two = `<testsuites><testsuite tests="2" failures="1"></testsuite><testsuite tests="3" errors="1"/></testsuites>`;
    expect(parseJunit(two)).toMatchObject({ tests: 5, failures: 1, errors: 1, skipped: 0 });
    expect(parseJunit(`<testsuite tests="4" failures="0"></testsuite>`)).toMatchObject({ tests: 4 });
  });

  it("reads attributes in either quote style and with a '>' inside a value", () => {
    const xml = `<testsuites><testsuite name='a>b' tests='7' failures="0"></testsuite></testsuites>`;
    expect(parseJunit(xml).tests).toBe(7);
  });

  it("caps the list of failed names", () => {
    const cases = Array.from({ length: 30 }, (_, i) => `<testcase name="t${i}"><failure/></testcase>`).join(
      "",
    );
    const xml = `<testsuites><testsuite tests="30" failures="30">${cases}</testsuite></testsuites>`;
    expect(parseJunit(xml, "junit.xml", 5).failed).toEqual(["t0", "t1", "t2", "t3", "t4"]);
  });

  it.each([
    ["", "the file is empty"],
    ["   \n", "the file is empty"],
    ["<html><body>502 Bad Gateway</body></html>", "no <testsuite> element"],
    ['{"tests": 3}', "no <testsuite> element"],
    ['<testsuites><testsuite tests="3" failures="0">', "truncated"],
    ['<testsuites><testsuite failures="0"></testsuite></testsuites>', "has no tests attribute"],
    ['<testsuites><testsuite tests="three"></testsuite></testsuites>', 'tests="three"'],
    ['<testsuites><testsuite tests="3" failures="-1"></testsuite></testsuites>', 'failures="-1"'],
  ])("refuses %j: %s", (xml, message) => {
    expect(() => parseJunit(xml, "junit-3.12.xml")).toThrow(message);
    expect(() => parseJunit(xml, "junit-3.12.xml")).toThrow("junit-3.12.xml");
  });
});

const COBERTURA = (attrs: string) =>
  `<?xml version="1.0" ?><coverage version="7.6.1" timestamp="1" ${attrs}><sources><source>/src</source></sources><packages/></coverage>`;

describe("parseCoverageXml", () => {
  it("computes coverage.py's total from lines and branches", () => {
    const xml = COBERTURA(
      'lines-valid="80" lines-covered="76" line-rate="0.95" branches-valid="20" branches-covered="14" branch-rate="0.7"',
    );
    expect(parseCoverageXml(xml)).toEqual({
      percent: 90,
      linesCovered: 76,
      linesValid: 80,
      branchesCovered: 14,
      branchesValid: 20,
    });
  });

  it("works without branch data", () => {
    expect(parseCoverageXml(COBERTURA('lines-valid="50" lines-covered="50"')).percent).toBe(100);
  });

  it.each([
    ["", "empty"],
    ["<coverage lines-valid='1' lines-covered='1'>", "truncated"],
    ["<testsuites></testsuites>", "no <coverage> element"],
    [COBERTURA('line-rate="1"'), "lacks lines-valid"],
    [COBERTURA('lines-valid="0" lines-covered="0"'), "measured no lines"],
    [COBERTURA('lines-valid="10" lines-covered="11"'), "more lines or branches covered"],
    [COBERTURA('lines-valid="ten" lines-covered="1"'), 'lines-valid="ten"'],
  ])("refuses %j: %s", (xml, message) => {
    expect(() => parseCoverageXml(xml)).toThrow(message);
  });
});

describe("the coverage gate", () => {
  it.each([
    [95, 90, true, "Combined coverage 95.00% meets the 90% threshold."],
    [90, 90, true, "Combined coverage 90.00% meets the 90% threshold."],
    [89.999, 90, false, "Combined coverage 89.99% is below the 90% threshold."],
    [0, 0, true, "Combined coverage 0.00% meets the 0% threshold."],
    [99.5, 100, false, "Combined coverage 99.50% is below the 100% threshold."],
  ])("%d%% against %d%%", (coverage, threshold, passed, message) => {
    expect(decideGate(coverage, threshold)).toEqual({ passed, threshold, coverage, message });
  });

  it("fails without data, saying why", () => {
    const gate = decideGate(undefined, 90);
    expect(gate.passed).toBe(false);
    expect(gate.message).toMatch(/No coverage data/);
    expect(gate.coverage).toBeUndefined();
  });

  it("never displays a failing figure rounded up to the threshold", () => {
    expect(formatPercent(89.999)).toBe("89.99%");
    expect(formatPercent(100)).toBe("100.00%");
  });
});
