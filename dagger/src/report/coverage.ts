import { errorText } from "../settings/errors.js";
import { isObject, tryJson } from "./json.js";
import type { GateStatus } from "./types.js";

/** coverage.py's own figures and `coverage report`'s exit status: no second implementation of its rounding. */
export type CoverageTotal = {
  /** unrounded: the figure fail_under checks */
  percent: number;
  display: string;
  /** the JSON lacks it, so it is read from `display`'s decimals (docs/engine-notes.md: coverage.py) */
  precision: number;
  format?: number;
};

function count(totals: Record<string, unknown>, key: string, what: string): number | undefined {
  const value = totals[key];
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(`${what}: totals.${key} is ${JSON.stringify(value)}, not a count.`);
  }
  return value;
}

/** Needs coverage.py 6.0+ for the precision; a report we cannot read is an error, never a figure. */
export function parseCoverageJson(json: string, source = "coverage.json"): CoverageTotal {
  const what = `Cannot read ${source} as a coverage.py JSON report`;
  if (json.trim() === "") throw new Error(`${what}: the file is empty.`);
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (err) {
    throw new Error(`${what}: it is not JSON, or it is truncated (${errorText(err)}).`);
  }
  if (!isObject(data)) throw new Error(`${what}: it is not a JSON object.`);
  const totals = data.totals;
  if (!isObject(totals)) throw new Error(`${what}: it has no "totals" object.`);

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
  if (isObject(meta) && meta.format !== undefined) {
    if (typeof meta.format !== "number" || !Number.isInteger(meta.format) || meta.format < 1) {
      throw new Error(`${what}: meta.format is ${JSON.stringify(meta.format)}, not a format number.`);
    }
    format = meta.format;
  }
  return { percent, display, precision, ...(format !== undefined ? { format } : {}) };
}

/** `[3, 4, 5, 9]` -> `3-5, 9`. */
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

/** A report without a readable `files` object gives none: the total stands on its own. */
export function leastCovered(json: string, limit = 10): FileCoverage[] {
  const data = tryJson(json);
  if (!isObject(data) || !isObject(data.files)) return [];
  const files: (FileCoverage & { percent: number })[] = [];
  for (const [file, entry] of Object.entries(data.files)) {
    if (!isObject(entry) || !isObject(entry.summary)) continue;
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

export type FileCoverage = { file: string; display: string; missing: string };

/** What the combine exec left for the gate. */
export type CoverageVerdict = {
  total: CoverageTotal;
  files: FileCoverage[];
  /** `coverage report`'s: 2 is below fail_under, other non-zero codes a failed run */
  exit: number;
  /** as coverage.py reads the project's config; 0: none */
  failUnder: number;
};

/** `--threshold` overrides fail_under; with neither nothing is gated, but no coverage at all fails. */
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
  const message =
    exit === 2
      ? `Combined coverage ${total.display}% is below the ${threshold}% threshold.`
      : exit !== 0
        ? `coverage report failed (exit ${exit}), so the gate has no verdict.`
        : threshold === 0
          ? `Combined coverage ${total.display}% (no gate: the project's coverage config sets no fail_under, and no --threshold was given).`
          : `Combined coverage ${total.display}% meets the ${threshold}% threshold.`;
  return { passed: exit === 0, ...shown, message };
}
