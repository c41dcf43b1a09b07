import type { GateStatus } from "./types.js";
import { findTags, intAttr } from "./xml.js";

export type CoverageSummary = {
  /** percent, as coverage.py computes its total: (lines + branches covered) / (lines + branches) */
  percent: number;
  linesCovered: number;
  linesValid: number;
  branchesCovered: number;
  branchesValid: number;
};

/** The total of a Cobertura coverage.xml written by coverage.py (`coverage xml`, `--cov-report=xml`). */
export function parseCoverageXml(xml: string, source = "coverage.xml"): CoverageSummary {
  const what = `Cannot read ${source} as a coverage.py XML report`;
  if (xml.trim() === "") throw new Error(`${what}: the file is empty.`);
  const [root] = findTags(xml, "coverage");
  if (!root) throw new Error(`${what}: it has no <coverage> element.`);
  if (!/<\/coverage>\s*$/.test(xml)) throw new Error(`${what}: the document is truncated (no </coverage>).`);
  const linesValid = intAttr(root, "lines-valid", what, Number.NaN);
  const linesCovered = intAttr(root, "lines-covered", what, Number.NaN);
  if (Number.isNaN(linesValid) || Number.isNaN(linesCovered)) {
    throw new Error(`${what}: <coverage> lacks lines-valid/lines-covered.`);
  }
  const branchesValid = intAttr(root, "branches-valid", what);
  const branchesCovered = intAttr(root, "branches-covered", what);
  const total = linesValid + branchesValid;
  if (total === 0) {
    throw new Error(
      `${what}: it measured no lines. Check [tool.coverage.run] source in the app's pyproject.toml.`,
    );
  }
  if (linesCovered > linesValid || branchesCovered > branchesValid) {
    throw new Error(`${what}: more lines or branches covered than exist.`);
  }
  return {
    percent: ((linesCovered + branchesCovered) / total) * 100,
    linesCovered,
    linesValid,
    branchesCovered,
    branchesValid,
  };
}

/** coverage.py's own display: two decimals, never rounding a failing figure up to a passing one. */
export function formatPercent(percent: number): string {
  return `${(Math.floor(percent * 100) / 100).toFixed(2)}%`;
}

/**
 * The gate decides on the combined figure, like coverage.py's fail_under: a total below the threshold fails,
 * and no coverage at all (every version failed to report) fails too, saying so.
 */
export function decideGate(coverage: number | undefined, threshold: number): GateStatus {
  if (coverage === undefined) {
    return {
      passed: false,
      threshold,
      message: `No coverage data: no Python version produced a readable report, so the ${threshold}% gate cannot pass.`,
    };
  }
  const passed = coverage >= threshold;
  const figure = formatPercent(coverage);
  return {
    passed,
    threshold,
    coverage,
    message: passed
      ? `Combined coverage ${figure} meets the ${threshold}% threshold.`
      : `Combined coverage ${figure} is below the ${threshold}% threshold.`,
  };
}
