import { errorText } from "../settings/errors.js";
import type { GateStatus } from "./types.js";

/**
 * Coverage as coverage.py itself reports and judges it: the figure is read from its JSON report, never
 * recomputed, and the gate is `coverage report`'s own exit status against the project's fail_under (or
 * --threshold), never a second implementation of its rounding.
 */

/** The total of one coverage.py JSON report (`coverage json`). */
export type CoverageTotal = {
  /** `totals.percent_covered`: unrounded, statements and branches together, the figure fail_under checks */
  percent: number;
  /** `totals.percent_covered_display`: what coverage.py shows, with exactly `precision` decimals */
  display: string;
  /**
   * The app's `[tool.coverage.report] precision` (coverage.py's default 0). The JSON report does not carry it
   * (jsonreport.py writes meta = format, version, timestamp, branch_coverage, show_contexts), but every
   * `*_display` figure is `f"{pc:.{precision}f}"` (results.py display_covered), so its decimals are it.
   */
  precision: number;
  /** `meta.format`: 2 from coverage 7.4.1, 3 (regions) from 7.6.0; absent in older reports */
  format?: number;
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function count(totals: Record<string, unknown>, key: string, what: string): number | undefined {
  const value = totals[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(`${what}: totals.${key} is ${JSON.stringify(value)}, not a count.`);
  }
  return value;
}

/**
 * The total of a coverage.py JSON report (`coverage json`) of coverage.py 6.0 or newer: `percent_covered_display`
 * came in 6.0 (coveragepy commit c4fc3833), and without it the app's precision is unknown.
 * Empty, truncated, foreign or inconsistent reports are errors naming the file: a report we cannot read
 * never passes as a figure.
 */
export function parseCoverageJson(json: string, source = "coverage.json"): CoverageTotal {
  const what = `Cannot read ${source} as a coverage.py JSON report`;
  if (json.trim() === "") throw new Error(`${what}: the file is empty.`);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new Error(`${what}: it is not JSON, or it is truncated (${errorText(err)}).`);
  }
  if (!isRecord(data)) throw new Error(`${what}: it is not a JSON object.`);
  const totals = data.totals;
  if (!isRecord(totals)) throw new Error(`${what}: it has no "totals" object.`);

  const percent = totals.percent_covered;
  if (typeof percent !== "number" || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new Error(`${what}: totals.percent_covered is ${JSON.stringify(percent)}, not a percentage.`);
  }
  const display = totals.percent_covered_display;
  if (typeof display !== "string" || !/^\d{1,3}(\.\d+)?$/.test(display)) {
    throw new Error(
      `${what}: totals.percent_covered_display is ${JSON.stringify(display)}, not a figure like "78.57" (coverage.py 6.0 or newer writes it).`,
    );
  }
  const precision = display.includes(".") ? display.length - display.indexOf(".") - 1 : 0;

  const statements = count(totals, "num_statements", what);
  const covered = count(totals, "covered_lines", what);
  const branches = count(totals, "num_branches", what) ?? 0;
  const coveredBranches = count(totals, "covered_branches", what) ?? 0;
  if (statements === undefined || covered === undefined) {
    throw new Error(`${what}: totals lacks num_statements/covered_lines.`);
  }
  if (statements === 0) {
    throw new Error(
      `${what}: it measured no statements. Check [tool.coverage.run] source in the app's pyproject.toml.`,
    );
  }
  if (covered > statements || coveredBranches > branches) {
    throw new Error(`${what}: more statements or branches covered than exist.`);
  }

  const meta = data.meta;
  let format: number | undefined;
  if (isRecord(meta) && meta.format !== undefined) {
    if (typeof meta.format !== "number" || !Number.isInteger(meta.format) || meta.format < 1) {
      throw new Error(`${what}: meta.format is ${JSON.stringify(meta.format)}, not a format number.`);
    }
    format = meta.format;
  }
  return { percent, display, precision, ...(format !== undefined ? { format } : {}) };
}

/** `[3, 4, 5, 9]` -> `3-5, 9`: missing lines as a reader scans them. */
export function lineRanges(lines: readonly number[]): string {
  const sorted = [...new Set(lines)].filter((n) => Number.isInteger(n) && n > 0).sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] ?? 0) + 1) j++;
    parts.push(j === i ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(", ");
}

/**
 * The `limit` least-covered files of a coverage.py JSON report (its own per-file figures and missing lines),
 * worst first, ties by name; fully covered files are left out. A report without a readable `files` object
 * gives none: the total stands on its own.
 */
export function leastCovered(json: string, limit = 10): FileCoverage[] {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    return [];
  }
  if (!isRecord(data) || !isRecord(data.files)) return [];
  const files: (FileCoverage & { percent: number })[] = [];
  for (const [file, entry] of Object.entries(data.files)) {
    if (!isRecord(entry) || !isRecord(entry.summary)) continue;
    const { percent_covered: percent, percent_covered_display: display } = entry.summary;
    if (typeof percent !== "number" || typeof display !== "string" || percent >= 100) continue;
    const missing = Array.isArray(entry.missing_lines)
      ? entry.missing_lines.filter((n) => typeof n === "number")
      : [];
    files.push({ file, percent, display, missing: lineRanges(missing) });
  }
  return files
    .sort((a, b) => a.percent - b.percent || a.file.localeCompare(b.file))
    .slice(0, limit)
    .map(({ file, display, missing }) => ({ file, display, missing }));
}

/** One file of the coverage report, as the summary lists it. */
export type FileCoverage = { file: string; display: string; missing: string };

/** What the combine exec left for the gate: coverage.py's verdict and the fail_under it applied. */
export type CoverageVerdict = {
  total: CoverageTotal;
  files: FileCoverage[];
  /** `coverage report`'s exit status: 0 met (or no fail_under), 2 below fail_under, else coverage failed */
  exit: number;
  /** the project's own fail_under as coverage.py reads its config (0: none) */
  failUnder: number;
};

/**
 * The gate as coverage.py decided it: `--threshold` when given, else the project's own fail_under; with neither
 * the figure is reported and nothing is gated. No coverage at all (every version failed to report) fails.
 */
export function coverageGate(combined: CoverageVerdict | undefined, asked: number | undefined): GateStatus {
  if (combined === undefined) {
    return {
      passed: false,
      threshold: asked ?? 0,
      message: "No coverage data: no Python version produced a readable report.",
    };
  }
  const { total, files, exit } = combined;
  const threshold = asked ?? combined.failUnder;
  const shown = {
    threshold,
    coverage: total.percent,
    display: total.display,
    ...(files.length > 0 ? { leastCovered: files } : {}),
  };
  if (threshold === 0 && exit === 0) {
    return {
      passed: true,
      ...shown,
      message: `Combined coverage ${total.display}% (no gate: the project's coverage config sets no fail_under, and no --threshold was given).`,
    };
  }
  if (exit === 0)
    return {
      passed: true,
      ...shown,
      message: `Combined coverage ${total.display}% meets the ${threshold}% threshold.`,
    };
  if (exit === 2)
    return {
      passed: false,
      ...shown,
      message: `Combined coverage ${total.display}% is below the ${threshold}% threshold.`,
    };
  return {
    passed: false,
    ...shown,
    message: `coverage report failed (exit ${exit}), so the gate has no verdict.`,
  };
}
