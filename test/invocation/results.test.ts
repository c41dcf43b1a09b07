/**
 * The result objects `dagger call` prints: each field as the stage's data gave it, and the documented empty value
 * (-1, "", 0, []) where the data had none, since the CLI shows every field. harness.test.ts proves the SDK
 * accepts them; this holds what they say. A Directory stands in only to record which file a getter asks for.
 */
import type { Directory } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import {
  CiRun,
  Deployment,
  DiffCoverage,
  LintResult,
  MatrixResult,
  ScanResult,
  TestResult,
  TypecheckResult,
} from "../../dagger/src/results.js";

/** Records the path a getter asks for: `reports.file(p)` returns p itself. */
const reports = { file: (path: string) => path } as unknown as Directory;

const fields = (o: object) =>
  Object.fromEntries(Object.entries(o).filter(([k]) => k !== "reports" && k !== "diffCoverage"));

const bare = { version: "3.14t", passed: false, tests: 0, failures: 0, errors: 0, skipped: 0 };

describe("TestResult", () => {
  it("carries every field of a version's run, the GIL as on or off, failed tests with their first line", () => {
    const r = TestResult.from({
      status: {
        ...bare,
        version: "3.13",
        passed: true,
        flaky: true,
        attempts: 2,
        tests: 42,
        failures: 1,
        errors: 2,
        skipped: 3,
        coverage: 91.25,
        python: "3.13.9",
        gil: true,
        error: "failed on the first run",
        failedTests: [
          { test: "tests/test_a.py::test_x", message: "assert 1 == 2" },
          { test: "tests/test_a.py::test_y", message: "" },
        ],
        serviceNotReady: { service: "postgres", timeoutSeconds: 90, last: "starting up" },
      },
      output: "42 passed",
      reports,
    });
    expect(fields(r)).toEqual({
      version: "3.13",
      passed: true,
      flaky: true,
      attempts: 2,
      tests: 42,
      failures: 1,
      errors: 2,
      skipped: 3,
      coverage: 91.25,
      python: "3.13.9",
      gil: "on",
      error: "failed on the first run",
      failedTests: ["tests/test_a.py::test_x: assert 1 == 2", "tests/test_a.py::test_y"],
      serviceNotReady: "service postgres never became ready within 90s (last output: starting up)",
      output: "42 passed",
    });
    expect(TestResult.from({ status: { ...bare, gil: false }, output: "", reports }).gil).toBe("off");
  });

  it("shows what a run that never got going left: -1 coverage, empty strings, no tests", () => {
    const r = TestResult.from({ status: bare, output: "", reports });
    expect(fields(r)).toEqual({
      ...bare,
      flaky: false,
      attempts: 0,
      coverage: -1,
      python: "",
      gil: "",
      error: "",
      failedTests: [],
      serviceNotReady: "",
      output: "",
    });
  });

  it("hands out its own version's junit and coverage files", () => {
    const r = TestResult.from({ status: bare, output: "", reports });
    expect(r.junit()).toBe("junit-3.14t.xml");
    expect(r.coverageXml()).toBe("coverage-3.14t.xml");
  });
});

describe("MatrixResult", () => {
  const run = (passed: boolean) => ({ status: { ...bare, passed }, output: "", reports });
  const gate = {
    passed: true,
    threshold: 90,
    coverage: 95.5,
    message: "coverage 95.5% meets the 90% threshold",
  };

  it("carries the gate's figure and message, -1 without a figure", () => {
    const m = MatrixResult.from([run(true)], gate, reports);
    expect([m.coverage, m.gatePassed, m.gateMessage, m.results.length]).toEqual([
      95.5,
      true,
      gate.message,
      1,
    ]);
    expect(MatrixResult.from([], { ...gate, coverage: undefined }, reports).coverage).toBe(-1);
  });

  it("passes only when the gate and every version passed", () => {
    expect(MatrixResult.from([run(true), run(true)], gate, reports).passed()).toBe(true);
    expect(MatrixResult.from([run(true), run(false)], gate, reports).passed()).toBe(false);
    expect(MatrixResult.from([run(true)], { ...gate, passed: false }, reports).passed()).toBe(false);
  });
});

describe("TypecheckResult and LintResult", () => {
  it("summarise the verdict, the error and every finding", () => {
    const finding = {
      file: "src/a.py",
      line: 3,
      column: 5,
      severity: "error",
      code: "arg-type",
      message: "bad",
    };
    const failed = TypecheckResult.from(
      { passed: false, mode: "gate", errors: 1, findings: [finding], error: "mypy crashed" },
      reports,
    );
    expect(failed.summary()).toBe(
      "mypy: 1 error(s)\nerror: mypy crashed\nsrc/a.py:3:5: error: bad  [arg-type]",
    );
    expect(
      TypecheckResult.from({ passed: true, mode: "gate", errors: 0, findings: [] }, reports).summary(),
    ).toBe("mypy: no errors");
    expect(TypecheckResult.from({ passed: true, mode: "gate", errors: 0, findings: [] }, reports).error).toBe(
      "",
    );

    const lint = LintResult.from(
      {
        passed: false,
        findings: [
          { file: "src/a.py", line: 1, column: 8, code: "F401", message: "`os` imported but unused" },
        ],
        unformatted: ["src/b.py"],
        error: "ruff: exit 2",
      },
      reports,
    );
    expect(lint.summary()).toBe(
      "ruff: findings\nerror: ruff: exit 2\nsrc/a.py:1:8: F401 `os` imported but unused\nsrc/b.py: would be reformatted (ruff format)",
    );
    expect(lint.report()).toBe("ruff.json");
    const clean = LintResult.from({ passed: true, findings: [], unformatted: [] }, reports);
    expect([clean.summary(), clean.error]).toEqual(["ruff: no findings", ""]);
  });
});

describe("ScanResult", () => {
  it("carries the counts, the policy and the DB's date, empty when report-only or undated", () => {
    const counts = { CRITICAL: 1, HIGH: 2, MEDIUM: 3, LOW: 4, UNKNOWN: 5 };
    const s = ScanResult.from(
      { passed: false, counts, failOn: "HIGH", scanner: "trivy", dbUpdatedAt: "2026-11-26T06:00:00Z" },
      "table",
      reports,
    );
    expect(fields(s)).toEqual({
      passed: false,
      critical: 1,
      high: 2,
      medium: 3,
      low: 4,
      unknown: 5,
      failOn: "HIGH",
      dbUpdatedAt: "2026-11-26T06:00:00Z",
      table: "table",
    });
    const open = ScanResult.from({ passed: true, counts, scanner: "trivy" }, "", reports);
    expect([open.failOn, open.dbUpdatedAt]).toEqual(["", ""]);
    expect([s.sbom(), s.sarif()]).toEqual(["sbom.cdx.json", "trivy.sarif"]);
  });
});

describe("DiffCoverage and CiRun", () => {
  it("without a measurement: no figure (-1), passing, nothing counted, and why", () => {
    expect(fields(DiffCoverage.from(undefined))).toEqual({
      measured: false,
      coverage: -1,
      passed: true,
      threshold: 0,
      pullRequest: 0,
      lines: 0,
      covered: 0,
      uncovered: [],
      notMeasured: [],
      skippedFiles: 0,
      reason: "not measured",
    });
  });

  it("with one: the figure, the pull request, each uncovered and unmeasured file on one line", () => {
    const d = DiffCoverage.from({
      passed: false,
      threshold: 80,
      coverage: 50,
      display: "50",
      pullRequest: 7,
      lines: 4,
      covered: 2,
      uncovered: [{ file: "src/a.py", lines: "3-4" }],
      notMeasured: [{ file: "big.py", reason: "GitHub sent no patch" }],
      skipped: 1,
      files: 3,
      truncated: false,
    });
    expect(fields(d)).toEqual({
      measured: true,
      coverage: 50,
      passed: false,
      threshold: 80,
      pullRequest: 7,
      lines: 4,
      covered: 2,
      uncovered: ["src/a.py:3-4"],
      notMeasured: ["big.py: GitHub sent no patch"],
      skippedFiles: 1,
      reason: "",
    });
    const ci = CiRun.from(false, "## ❌ CI failed", "{}", reports);
    expect([ci.passed, ci.summary, ci.status, ci.diffCoverage.reason]).toEqual([
      false,
      "## ❌ CI failed",
      "{}",
      "not measured",
    ]);
  });
});

describe("Deployment", () => {
  it("carries the deploy's facts, empty where the digest or signature is unknown", () => {
    const status = {
      passed: true,
      environment: "staging",
      branch: "develop",
      image: "ghcr.io/o/r:develop",
      command: "python -m app",
      expected: "5",
      output: "5",
      warnings: ["w"],
    };
    expect(fields(Deployment.from(status, "## ✅"))).toEqual({
      passed: true,
      environment: "staging",
      image: "ghcr.io/o/r:develop",
      digest: "",
      output: "5",
      signature: "",
      warnings: ["w"],
      summary: "## ✅",
    });
    const signed = Deployment.from({ ...status, digest: "sha256:ab", signature: "verified" }, "");
    expect([signed.digest, signed.signature]).toEqual(["sha256:ab", "verified"]);
  });
});
