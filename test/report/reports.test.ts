/** The report readers: what a reader of status.json and summary.md is told comes from these. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  coverageGate,
  leastCovered,
  lineRanges,
  parseCoverageJson,
} from "../../dagger/src/report/coverage.js";
import { parseJunit } from "../../dagger/src/report/junit.js";

const upstream = (name: string): string =>
  readFileSync(join(import.meta.dirname, "../fixtures/upstream", name), "utf8");

const PYTEST_JUNIT = `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="python-3.12" errors="1" failures="2" skipped="3" tests="20" time="0.5" timestamp="2026-11-25T10:00:00" hostname="x"><testcase classname="tests.test_cli" name="test_ok" time="0.001" /><testcase classname="tests.test_cli" name="test_bad[a&gt;b]" time="0.1"><failure message="assert 1 == 2">trace</failure></testcase><testcase classname="tests.test_add" name="test_err" time="0.1"><error message="boom">x</error></testcase><testcase classname="tests.test_add" name="test_skip"><skipped message="later" /></testcase></testsuite></testsuites>`;

describe("parseJunit", () => {
  it("sums pytest's report and names the failed tests", async () => {
    expect(await parseJunit(PYTEST_JUNIT)).toEqual({
      tests: 20,
      failures: 2,
      errors: 1,
      skipped: 3,
      failed: [
        { test: "tests.test_cli::test_bad[a>b]", message: "assert 1 == 2" },
        { test: "tests.test_add::test_err", message: "boom" },
      ],
    });
  });

  it("sums several suites and accepts a bare <testsuite> root", async () => {
    const two = `<testsuites><testsuite tests="2" failures="1"></testsuite><testsuite tests="3" errors="1"/></testsuites>`;
    expect(await parseJunit(two)).toMatchObject({ tests: 5, failures: 1, errors: 1, skipped: 0 });
    expect(await parseJunit(`<testsuite tests="4" failures="0"></testsuite>`)).toMatchObject({ tests: 4 });
  });

  it("reads attributes in either quote style and with a '>' inside a value", async () => {
    const xml = `<testsuites><testsuite name='a>b' tests='7' failures="0"></testsuite></testsuites>`;
    expect((await parseJunit(xml)).tests).toBe(7);
  });

  it("keeps single-quoted test names, entities and character references decoded once", async () => {
    const xml = `<testsuites><testsuite tests='2' failures='2'><testcase classname='tests.test_cli' name='test_bad[it&apos;s]'><failure message='x'/></testcase><testcase classname="t" name="a&amp;#65;&#x42;&#67;"><failure/></testcase></testsuite></testsuites>`;
    expect((await parseJunit(xml)).failed.map((f) => f.test)).toEqual([
      "tests.test_cli::test_bad[it's]",
      "t::a&#65;BC",
    ]);
  });

  it("does not count a commented-out <testsuite>, nor one inside CDATA", async () => {
    const xml = `<testsuites><!-- <testsuite tests='9' failures='9'/> --><testsuite tests="3" failures="1"><testcase name="t"><failure><![CDATA[<testsuite tests="5"/>]]></failure></testcase></testsuite></testsuites>`;
    expect(await parseJunit(xml)).toEqual({
      tests: 3,
      failures: 1,
      errors: 0,
      skipped: 0,
      failed: [{ test: "t", message: "" }],
    });
  });

  it("caps the list of failed names", async () => {
    const cases = Array.from({ length: 30 }, (_, i) => `<testcase name="t${i}"><failure/></testcase>`).join(
      "",
    );
    const xml = `<testsuites><testsuite tests="30" failures="30">${cases}</testsuite></testsuites>`;
    expect((await parseJunit(xml, "junit.xml", 5)).failed.map((f) => f.test)).toEqual([
      "t0",
      "t1",
      "t2",
      "t3",
      "t4",
    ]);
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
    // unclosed nesting: the old reader counted 3 tests here
    [
      '<testsuites><testsuite tests="3"><testcase name="a"></testsuite></testsuites>',
      "Expected closing tag 'testcase'",
    ],
    ['<testsuites><testsuite tests="3"/>', "truncated: <testsuites> is never closed"],
    ['<testsuites><testsuite tests="3"></testsuite></testsuites', "not well-formed XML (line 1"],
    ['<testsuites><testsuite tests="3" tests="4"></testsuite></testsuites>', "'tests' is repeated"],
    ["<testsuites><testsuite tests=3></testsuite></testsuites>", "not well-formed XML"],
    ['<testsuite tests="3"/><testsuite tests="4"/>', "2 root elements"],
    // fast-xml-parser's validator lets a self-closing second root through; readXml does not
    ['<testsuites><testsuite tests="3"/></testsuites><testsuites/>', "2 root elements"],
    ["<testsuites></testsuites>", "no <testsuite> element"],
    ['<report><testsuite tests="3"/></report>', "its root element is <report>"],
  ])("refuses %j: %s", async (xml, message) => {
    await expect(parseJunit(xml, "junit-3.12.xml")).rejects.toThrow(message);
    await expect(parseJunit(xml, "junit-3.12.xml")).rejects.toThrow("junit-3.12.xml");
  });

  it("says in full why, and calls a file with no sign of a suite foreign but not a truncated one", async () => {
    await expect(parseJunit('<testsuite tests="3"><testcase name="a">', "junit-3.12.xml")).rejects.toThrow(
      "Cannot read junit-3.12.xml as a JUnit report: the document is truncated: <testsuite>, <testcase> are never closed.",
    );
    await expect(parseJunit("<html>", "junit-3.12.xml")).rejects.toThrow(
      "Cannot read junit-3.12.xml as a JUnit report: it has no <testsuite> element: the document is truncated: <html> is never closed.",
    );
  });

  it("sums only <testsuite> children, and names a failure without a name, message or single line", async () => {
    const xml = `<testsuites><properties/><testsuite tests="3" failures="2" errors="1">
      <testcase classname="t.m"><failure/></testcase>
      <testcase name="b"><error message="  boom  &#10;trace"/></testcase>
    </testsuite></testsuites>`;
    expect(await parseJunit(xml)).toEqual({
      tests: 3,
      failures: 2,
      errors: 1,
      skipped: 0,
      failed: [
        { test: "t.m::?", message: "" },
        { test: "b", message: "boom" },
      ],
    });
  });

  describe("on pytest's own reports (test/fixtures/upstream)", () => {
    const mixed = {
      tests: 5,
      failures: 1,
      errors: 1,
      skipped: 2,
      failed: [
        { test: "test_mixed::test_fails", message: "assert [1, 2, 3] == [1, 2, 4]" },
        {
          test: "test_mixed::test_errors_in_fixture",
          message: 'failed on setup with "RuntimeError: fixture setup failed"',
        },
      ],
    };
    const pass = { tests: 5, failures: 0, errors: 0, skipped: 0, failed: [] };
    it.each([
      ["pytest-junit-mixed.xml", mixed],
      ["pytest-junit-mixed-pytest9.xml", mixed],
      ["pytest-junit-pass.xml", pass],
      ["pytest-junit-pass-pytest9.xml", pass],
    ])("%s", async (name, expected) => {
      expect(await parseJunit(upstream(name), name)).toEqual(expected);
    });

    it("refuses every truncation of a real report, naming the file", async () => {
      const xml = upstream("pytest-junit-mixed.xml").trimEnd();
      for (let end = 0; end < xml.length; end += 7) {
        await expect(parseJunit(xml.slice(0, end), "junit-3.12.xml")).rejects.toThrow("junit-3.12.xml");
      }
      await expect(parseJunit(xml.slice(0, -1), "junit-3.12.xml")).rejects.toThrow("junit-3.12.xml");
    });
  });
});

/** coverage.py's JSON report, from a real one (coverage 7.15.4) with `totals` changed as given. */
const COVERAGE_JSON = (totals: Record<string, unknown>, meta?: Record<string, unknown>): string => {
  const report = JSON.parse(upstream("coverage-real-7.json")) as Record<string, Record<string, unknown>>;
  return JSON.stringify({
    ...report,
    meta: { ...report.meta, ...meta },
    totals: { ...report.totals, ...totals },
  });
};

describe("parseCoverageJson", () => {
  it.each([
    // coverage 7.15.4 (format 3) and 6.5.0 (no meta.format) on the same project: branch coverage, precision 2
    ["coverage-real-7.json", { percent: 78.57142857142857, display: "78.57", precision: 2, format: 3 }],
    ["coverage-real.json", { percent: 78.57142857142857, display: "78.57", precision: 2 }],
    // the same data with precision unset (coverage.py's default 0)
    [
      "coverage-real-7-precision0.json",
      { percent: 78.57142857142857, display: "79", precision: 0, format: 3 },
    ],
  ])(
    "reads coverage.py's own total from %s, unrounded, with the precision its display shows",
    (name, total) => {
      expect(parseCoverageJson(upstream(name), name)).toEqual(total);
    },
  );

  it("works without branch data", () => {
    const totals = {
      covered_lines: 50,
      num_statements: 50,
      percent_covered: 100,
      percent_covered_display: "100.00",
      num_branches: undefined,
      covered_branches: undefined,
    };
    expect(parseCoverageJson(COVERAGE_JSON(totals)).percent).toBe(100);
  });

  it.each([
    ["", "the file is empty"],
    [" \n", "the file is empty"],
    [upstream("coverage-real-7.json").slice(0, 400), "not JSON, or it is truncated"],
    [upstream("coverage-real.xml"), "not JSON"],
    ["[]", "not a JSON object"],
    [upstream("trivy-version.json"), 'no "totals" object'],
    [COVERAGE_JSON({ percent_covered: undefined }), "percent_covered is undefined, not a percentage"],
    [COVERAGE_JSON({ percent_covered: "78.57" }), 'percent_covered is "78.57", not a percentage'],
    [COVERAGE_JSON({ percent_covered: 100.5 }), "not a percentage"],
    [COVERAGE_JSON({ percent_covered: -1 }), "not a percentage"],
    [COVERAGE_JSON({ percent_covered_display: undefined }), "percent_covered_display is undefined"],
    [COVERAGE_JSON({ percent_covered_display: "78,57" }), 'percent_covered_display is "78,57"'],
    [COVERAGE_JSON({ num_statements: "20" }), 'totals.num_statements is "20", not a count'],
    [COVERAGE_JSON({ num_statements: undefined }), "lacks num_statements"],
    [
      COVERAGE_JSON({
        num_statements: 0,
        covered_lines: 0,
        percent_covered: 100,
        percent_covered_display: "100.00",
      }),
      "measured no statements",
    ],
    [COVERAGE_JSON({ covered_lines: 21 }), "more statements or branches covered"],
    [COVERAGE_JSON({ covered_branches: 9 }), "more statements or branches covered"],
    [COVERAGE_JSON({}, { format: "3" }), 'meta.format is "3"'],
  ])("refuses %#: %s", (json, message) => {
    expect(() => parseCoverageJson(json, "coverage-3.12.json")).toThrow(message);
    expect(() => parseCoverageJson(json, "coverage-3.12.json")).toThrow("coverage-3.12.json");
  });
});

describe("the coverage gate: coverage.py's verdict, read", () => {
  const real = parseCoverageJson(upstream("coverage-real-7.json")); // 78.57%
  const verdict = (exit: number, failUnder: number) => ({ total: real, files: [], exit, failUnder });

  it.each([
    // [coverage report's exit, the project's fail_under, --threshold, passed, message]
    [0, 70, undefined, true, "Combined coverage 78.57% meets the 70% threshold."],
    [2, 90, undefined, false, "Combined coverage 78.57% is below the 90% threshold."],
    [0, 90, 70, true, "Combined coverage 78.57% meets the 70% threshold."],
    [2, 0, 80, false, "Combined coverage 78.57% is below the 80% threshold."],
    [
      0,
      0,
      undefined,
      true,
      "Combined coverage 78.57% (no gate: the project's coverage config sets no fail_under, and no --threshold was given).",
    ],
    [1, 90, undefined, false, "coverage report failed (exit 1), so the gate has no verdict."],
  ] as const)("exit %s with fail_under %s and --threshold %s", (exit, failUnder, asked, passed, message) => {
    expect(coverageGate(verdict(exit, failUnder), asked)).toEqual({
      passed,
      threshold: asked ?? failUnder,
      coverage: real.percent,
      display: "78.57",
      message,
    });
  });

  it("fails without data, saying why", () => {
    const gate = coverageGate(undefined, undefined);
    expect(gate).toEqual({
      passed: false,
      threshold: 0,
      message: "No coverage data: no Python version produced a readable report.",
    });
  });
});

describe("per-file coverage (coverage.py's own per-file figures)", () => {
  it.each([
    [[], ""],
    [[7], "7"],
    [[3, 4, 5, 9], "3-5, 9"],
    [[9, 3, 5, 4, 4, 11, 12], "3-5, 9, 11-12"],
  ])("%j -> %j", (lines, ranges) => {
    expect(lineRanges(lines)).toBe(ranges);
  });

  it("lists the least-covered files of a real report, worst first, leaving out fully covered ones", () => {
    expect(leastCovered(upstream("coverage-real-7.json"))).toEqual([
      { file: "src/tinypkg/calc.py", display: "78.57", missing: "10, 18, 28" },
    ]);
    expect(leastCovered(upstream("sample-app-coverage.json"))).toEqual([]);
  });

  it("caps the list, and reads nothing from a report it cannot read", () => {
    const files = Object.fromEntries(
      Array.from({ length: 15 }, (_, i) => [
        `m${String(i).padStart(2, "0")}.py`,
        {
          summary: { percent_covered: 50 + i, percent_covered_display: `${50 + i}` },
          missing_lines: [i + 1],
        },
      ]),
    );
    const worst = leastCovered(JSON.stringify({ files }));
    expect(worst).toHaveLength(10);
    expect(worst[0]).toEqual({ file: "m00.py", display: "50", missing: "1" });
    expect(leastCovered("not json")).toEqual([]);
    expect(leastCovered("{}")).toEqual([]);
  });
});
