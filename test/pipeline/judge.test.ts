/**
 * The judge, table-driven: from what the stages gathered to the verdict that decides whether anything is
 * pushed. Each row changes one thing from a green run and says what a user must see.
 */
import { describe, expect, it } from "vitest";
import { failureLines, type Gathered, judge } from "../../dagger/src/pipeline/judge.js";
import type { DiffCoverageStatus } from "../../dagger/src/report/types.js";

const green: Gathered = {
  lint: { passed: true, findings: [], unformatted: [] },
  tests: [
    { version: "3.12", passed: true, tests: 5, failures: 0, errors: 0, skipped: 0 },
    { version: "3.14t", passed: true, tests: 5, failures: 0, errors: 0, skipped: 0, gil: false },
  ],
  gate: {
    passed: true,
    threshold: 90,
    coverage: 95,
    message: "Combined coverage 95.00% meets the 90% threshold.",
  },
  smoke: { passed: true, command: "python -m sample_app 2 3", expected: "5", output: "5" },
  scan: {
    passed: true,
    counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 1, LOW: 0, UNKNOWN: 0 },
    scanner: "aquasec/trivy:0.69.3",
  },
  locked: true,
  warnings: [],
};
const run = { app: "sample-app" };

describe("judge", () => {
  it("passes a green run, with nothing skipped and nothing to warn about", () => {
    const { status, gatesPassed } = judge(green, run);
    expect(gatesPassed).toBe(true);
    expect(status).toMatchObject({ passed: true, skipped: [], warnings: [] });
    expect(status.errors).toBeUndefined();
  });

  it.each<[string, Partial<Gathered>]>([
    ["a lint finding", { lint: { passed: false, findings: [], unformatted: ["a.py"] } }],
    [
      "a failed version",
      { tests: [{ version: "3.12", passed: false, tests: 5, failures: 1, errors: 0, skipped: 0 }] },
    ],
    ["the coverage gate", { gate: { passed: false, threshold: 90, coverage: 80, message: "below" } }],
    ["a wrong smoke output", { smoke: { passed: false, command: "x", expected: "5", output: "6" } }],
    ["no smoke run at all", { smoke: undefined }],
    [
      "a scan at or above --fail-on",
      {
        scan: {
          passed: false,
          counts: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
          failOn: "HIGH",
          scanner: "t",
        },
      },
    ],
    [
      "an image that did not build",
      { buildError: "exit code: 1: COPY failed", smoke: undefined, scan: undefined },
    ],
  ])("fails on %s, so nothing is pushed", (_, change) => {
    const { status, gatesPassed } = judge({ ...green, ...change }, run);
    expect(gatesPassed).toBe(false);
    expect(status.passed).toBe(false);
  });

  it("a failed build skips the smoke run and the scan, saying why", () => {
    const { status } = judge({ ...green, buildError: "COPY failed", smoke: undefined, scan: undefined }, run);
    expect(status.skipped).toEqual([
      { stage: "build", reason: "the image did not build: COPY failed" },
      { stage: "smoke", reason: "no image to run" },
      { stage: "scan", reason: "no image to scan" },
    ]);
  });

  it("a scanner that could not run is a gap when report-only, and an error under --fail-on", () => {
    const gap = judge({ ...green, scan: undefined, scanError: "DB download failed" }, run);
    expect(gap.gatesPassed).toBe(true);
    expect(gap.status.skipped).toEqual([
      { stage: "scan", reason: "Trivy could not run: DB download failed" },
    ]);
    const required = judge(
      { ...green, scan: undefined, scanError: "DB download failed" },
      { ...run, failOn: "HIGH" },
    );
    expect(required.gatesPassed).toBe(false);
    expect(required.status.errors).toEqual(["scan: --fail-on HIGH needs a scan, and Trivy could not run"]);
  });

  it("a flaky version passes with a warning; a missing uv.lock is said", () => {
    const flaky = {
      version: "3.13",
      passed: true,
      flaky: true,
      tests: 5,
      failures: 0,
      errors: 0,
      skipped: 0,
      error: "x",
    };
    const { status, gatesPassed } = judge({ ...green, tests: [flaky], locked: false }, run);
    expect(gatesPassed).toBe(true);
    expect(status.warnings).toEqual([
      "no uv.lock: dependencies resolved at run time (run `uv lock` in sample-app and commit uv.lock so every run tests the same versions)",
      "tests on Python 3.13 are flaky: x",
    ]);
  });

  it("warns when the image runs as root, read from its config", () => {
    const facts = { user: "", nonRoot: false, sizeBytes: 1 };
    expect(judge({ ...green, imageFacts: facts }, run).status.warnings).toEqual([
      "the image runs as root (its config's user is ''): set a non-root USER",
    ]);
    expect(
      judge({ ...green, imageFacts: { ...facts, user: "10001", nonRoot: true } }, run).status.warnings,
    ).toEqual([]);
  });

  describe("the changed lines' coverage", () => {
    const measured: DiffCoverageStatus = {
      passed: true,
      pullRequest: 7,
      coverage: 75,
      display: "75.0",
      lines: 4,
      covered: 3,
      uncovered: [{ file: "sample-app/src/a.py", lines: "12" }],
      notMeasured: [],
      skipped: 0,
      files: 1,
    };

    it("report-only: carried into the status, never a failure", () => {
      const { status, gatesPassed } = judge({ ...green, diffCoverage: measured }, run);
      expect(gatesPassed).toBe(true);
      expect(status.diffCoverage).toEqual(measured);
      expect(status.warnings).toEqual([]);
    });

    it("below --diff-threshold: the run fails, nothing is pushed, and the failure says so", () => {
      const below = { ...measured, threshold: 80, passed: false };
      const { status, gatesPassed } = judge({ ...green, diffCoverage: below }, run);
      expect(gatesPassed).toBe(false);
      expect(status.passed).toBe(false);
      expect(failureLines(status)).toEqual([
        "changed lines: 3 of 4 changed executable lines covered (75.0%), below the 80% --diff-threshold",
      ]);
    });

    it("no figure under --diff-threshold: passes, and a warning says the threshold was not applied and why", () => {
      const none: DiffCoverageStatus = {
        ...measured,
        coverage: undefined,
        display: undefined,
        lines: 0,
        covered: 0,
        uncovered: [],
        threshold: 80,
        reason: "no open pull request has head 3f2a9c1",
      };
      const { status, gatesPassed } = judge({ ...green, diffCoverage: none }, run);
      expect(gatesPassed).toBe(true);
      expect(status.warnings).toEqual([
        "--diff-threshold 80 was not applied: no open pull request has head 3f2a9c1",
      ]);
      expect(failureLines(status)).toEqual([]);
    });
  });

  it("carries the run's link, commit and branch, and nothing it was not given", () => {
    const { status } = judge(green, { ...run, runUrl: "https://x/1", sha: "abc", branch: "main" });
    expect(status).toMatchObject({ runUrl: "https://x/1", sha: "abc", branch: "main" });
    expect("image" in judge(green, run).status).toBe(false);
  });
});

describe("judge's warnings and failure lines, word for word", () => {
  const diff = (d: Partial<DiffCoverageStatus>): DiffCoverageStatus => ({
    passed: true,
    lines: 0,
    covered: 0,
    uncovered: [],
    notMeasured: [],
    skipped: 0,
    files: 0,
    ...d,
  });

  it("says a --diff-threshold with no figure was not applied, and why (or that there was no figure)", () => {
    const why = judge(
      { ...green, diffCoverage: diff({ threshold: 80, reason: "no --github-token given" }) },
      run,
    );
    expect(why.status.warnings).toEqual(["--diff-threshold 80 was not applied: no --github-token given"]);
    const bare = judge({ ...green, diffCoverage: diff({ threshold: 80 }) }, run);
    expect(bare.status.warnings).toEqual(["--diff-threshold 80 was not applied: no figure"]);
    expect(
      judge({ ...green, diffCoverage: diff({ threshold: 80, coverage: 90 }) }, run).status.warnings,
    ).toEqual([]);
    expect(judge({ ...green, diffCoverage: diff({ reason: "no PR" }) }, run).status.warnings).toEqual([]);
  });

  it("warns of a report-only type check that could not run, and of a flaky version without its words", () => {
    const crashed = { passed: true, mode: "report", errors: 0, findings: [], error: "mypy crashed" };
    expect(judge({ ...green, typecheck: crashed }, run).status.warnings).toEqual([
      "type check (report only): mypy crashed",
    ]);
    const gate = { ...crashed, mode: "gate", passed: false };
    expect(judge({ ...green, typecheck: gate }, run).status.warnings).toEqual([]);
    const clean = { passed: true, mode: "report", errors: 0, findings: [] };
    expect(judge({ ...green, typecheck: clean }, run).status.warnings).toEqual([]);
    const flaky = {
      version: "3.13",
      passed: true,
      tests: 5,
      failures: 0,
      errors: 0,
      skipped: 0,
      flaky: true,
    };
    expect(judge({ ...green, tests: [flaky] }, run).status.warnings).toEqual([
      "tests on Python 3.13 are flaky: failed once",
    ]);
  });

  it("names the services only when there were some", () => {
    expect(judge({ ...green, services: ["postgres"] }, run).status.services).toEqual(["postgres"]);
    expect(judge({ ...green, services: [] }, run).status).not.toHaveProperty("services");
  });

  it("writes one failure line per failed stage, in the tool's terms", () => {
    const failed = judge(
      {
        ...green,
        typecheck: { passed: false, mode: "gate", errors: 3, findings: [] },
        tests: [{ version: "3.12", passed: false, tests: 5, failures: 1, errors: 2, skipped: 0 }],
        scan: { ...(green.scan as NonNullable<Gathered["scan"]>), passed: false, failOn: "HIGH" },
        diffCoverage: diff({ passed: false, threshold: 90, coverage: 50, lines: 4, covered: 2 }),
      },
      run,
    );
    expect(failureLines(failed.status)).toEqual([
      "typecheck: 3 mypy error(s)",
      "tests on Python 3.12: 1 failure(s), 2 error(s) of 5",
      "scan: findings at or above HIGH",
      "changed lines: 2 of 4 changed executable lines covered (?%), below the 90% --diff-threshold",
    ]);
    const crashed = judge(
      { ...green, typecheck: { passed: false, mode: "gate", errors: 0, findings: [], error: "exit 2" } },
      run,
    );
    expect(failureLines(crashed.status)).toEqual(["typecheck: exit 2"]);
  });
});
