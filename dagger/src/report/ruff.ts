import { isRecord, parseJson } from "./json.js";
import type { LintFinding } from "./types.js";

function relative(file: string, root: string): string {
  const prefix = root.endsWith("/") ? root : `${root}/`;
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
}

/**
 * The diagnostics of ruff's JSON output (`check` and, since 0.16, `format --check`), each one a finding.
 * Since 0.16 `filename` and `location` may be null (a diagnostic about no particular file): such an entry is
 * kept with an empty file and line 0, never a reason to throw away every other finding. Syntax errors carry the
 * code `invalid-syntax` (older ruff: no code at all, kept as `invalid-syntax` too). Paths are made relative to
 * `root` (ruff prints absolute paths inside the container) so a reader can open them.
 */
export function parseRuffJson(text: string, root: string): LintFinding[] {
  const what = "Cannot read ruff's JSON output";
  const data = parseJson(text, what);
  if (!Array.isArray(data)) throw new Error(`${what}: expected a list of findings.`);
  return data.map((item, i) => {
    if (!isRecord(item)) throw new Error(`${what}: finding #${i + 1} is not an object.`);
    const location = isRecord(item.location) ? item.location : {};
    return {
      file: typeof item.filename === "string" ? relative(item.filename, root) : "",
      line: Number(location.row) || 0,
      column: Number(location.column) || 0,
      code: typeof item.code === "string" && item.code !== "" ? item.code : "invalid-syntax",
      message: typeof item.message === "string" ? item.message : "",
    };
  });
}

/**
 * `ruff format --check --output-format=json`: every file it would change is a diagnostic with the code
 * `unformatted`; anything else (a file it cannot parse) is reported as a finding. Empty output is nothing
 * reported: whether ruff itself failed is the exit code's to say (stages/lint.ts `formatFailure`).
 */
export function parseRuffFormatJson(
  text: string,
  root: string,
): { unformatted: string[]; other: LintFinding[] } {
  // Nothing on stdout is nothing reported; the exit code says whether ruff itself failed (formatFailure).
  const findings = text.trim() === "" ? [] : parseRuffJson(text, root);
  return {
    unformatted: findings.filter((f) => f.code === "unformatted").map((f) => f.file),
    other: findings.filter((f) => f.code !== "unformatted"),
  };
}

export function formatFinding(f: LintFinding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.code} ${f.message}`;
}
