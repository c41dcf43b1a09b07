import { isRecord, objectOr, parseJson } from "./json.js";
import type { LintFinding } from "./types.js";

export function relative(file: string, root: string): string {
  const prefix = root.endsWith("/") ? root : `${root}/`;
  return file.startsWith(prefix) ? file.slice(prefix.length) : file;
}

/** A null filename/location or a missing code still keeps the finding (docs/engine-notes.md: ruff). */
export function parseRuffJson(text: string, root: string): LintFinding[] {
  const what = "Cannot read ruff's JSON output";
  const data = parseJson(text, what);
  if (!Array.isArray(data)) throw new Error(`${what}: expected a list of findings.`);
  return data.map((item, i) => {
    if (!isRecord(item)) throw new Error(`${what}: finding #${i + 1} is not an object.`);
    const location = objectOr(item.location);
    return {
      file: typeof item.filename === "string" ? relative(item.filename, root) : "",
      line: Number(location.row) || 0,
      column: Number(location.column) || 0,
      code: typeof item.code === "string" && item.code !== "" ? item.code : "invalid-syntax",
      message: typeof item.message === "string" ? item.message : "",
    };
  });
}

/** Whether ruff itself failed is the exit code's to say (stages/lint.ts `formatFailure`). */
export function parseRuffFormatJson(
  text: string,
  root: string,
): { unformatted: string[]; other: LintFinding[] } {
  const findings = text.trim() === "" ? [] : parseRuffJson(text, root);
  return {
    unformatted: findings.filter((f) => f.code === "unformatted").map((f) => f.file),
    other: findings.filter((f) => f.code !== "unformatted"),
  };
}

export function formatFinding(f: LintFinding): string {
  return `${f.file}:${f.line}:${f.column}: ${f.code} ${f.message}`;
}
