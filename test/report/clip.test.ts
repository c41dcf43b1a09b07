/** Every report text a summary shows whole is cut at 500 characters; the full text is in the reports. */
import { describe, expect, it } from "vitest";
import { TypecheckMode, typecheckDetail, typecheckStatus } from "../../dagger/src/report/mypy.js";
import { renderCiSummary } from "../../dagger/src/report/render.js";
import { renderDeploySummary } from "../../dagger/src/report/render-deploy.js";
import type { CiStatus } from "../../dagger/src/report/types.js";

const LONG = `${"a".repeat(500)}${"b".repeat(100)}`;
const CUT = `${"a".repeat(500)}… (100 more characters)`;

const smoke = { passed: false, command: "app --version", expected: "", output: LONG };
const ci: CiStatus = {
  passed: false,
  lint: { passed: false, findings: [], unformatted: [], error: LONG },
  tests: [{ version: "3.12", passed: false, tests: 0, failures: 0, errors: 0, skipped: 0, error: LONG }],
  gate: { passed: false, threshold: 0, message: "No coverage data." },
  smoke,
  skipped: [],
  warnings: [],
};

describe("long report text", () => {
  it("is cut at 500 characters in the CI summary: ruff's error, a version's error, the smoke output", () => {
    const summary = renderCiSummary(ci);
    expect(summary).toContain(`| Lint | ❌ fail | ruff could not run: ${CUT} |`);
    expect(summary).toContain(`0 skipped · ${CUT} |`);
    expect(summary).toContain(
      `| Smoke run | ❌ fail | <code>app --version</code> failed: <code>${CUT}</code> |`,
    );
    expect(summary).not.toContain("bbb");
    const printed = renderCiSummary({ ...ci, smoke: { ...smoke, expected: "1.0" } });
    expect(printed).toContain(`printed <code>${CUT}</code>, expected <code>1.0</code>`);
  });

  it("is cut at 500 characters in mypy's detail and the deploy summary", () => {
    const status = typecheckStatus(TypecheckMode.gate, { errors: 0, findings: [], error: LONG });
    expect(typecheckDetail(status)).toBe(`0 errors · ${CUT}`);
    const deploy = renderDeploySummary({
      passed: false,
      environment: "staging",
      branch: "main",
      image: "ghcr.io/o/app:1",
      command: "app --version",
      expected: "1.0",
      output: LONG,
      warnings: [],
    });
    expect(deploy).toContain(`| Actual output | <code>${CUT}</code> (differs) |`);
  });
});
