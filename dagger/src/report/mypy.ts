/**
 * mypy, read and judged: its JSON-lines output (`-O json`), its exit code, whether the app configures it, and
 * what `--typecheck=off|report|gate` makes of the result. Pure: the stage (stages/typecheck.ts) runs mypy.
 *
 * Read at mypy v2.3.1 (the pinned MYPY_VERSION): mypy/error_formatter.py `JSONFormatter` writes one JSON object
 * per line with `file`, `line`, `column` (0-based, -1 unknown), `end_line`, `end_column`, `message`, `hint`
 * (null or the notes joined by newlines), `code` (null for some blocking errors) and `severity` ("error" or
 * "note"). mypy/errors.py `create_errors` already folds every note that shares an error's file, line and
 * column into that error's `hint`; a record with severity "note" is a note with no error at its place
 * (`reveal_type` output, a "defined here" pointer). Those are kept, listed as notes, and never fail anything:
 * mypy's own text mode exits 0 on notes alone.
 */
import { InputError, lastLines } from "../settings/errors.js";
import { isRecord } from "./json.js";
import { clip, code, plural, text } from "./markdown.js";

/** How `ci` treats the type check; `dagger call ci --typecheck=...`. */
export enum TypecheckMode {
  /** do not run mypy */
  off = "off",
  /** run mypy and list its findings; they never fail the run */
  report = "report",
  /** run mypy; an error finding, or mypy failing to run, fails the run */
  gate = "gate",
}

/** One mypy finding, with its path relative to the app (like a ruff finding) and a 1-based column (0: none). */
export type TypecheckFinding = {
  file: string;
  line: number;
  column: number;
  /** "error" or "note" */
  severity: string;
  /** mypy's error code, e.g. arg-type; empty when mypy gives none */
  code: string;
  message: string;
  /** the notes mypy attached to this error, one per line */
  hint?: string;
};

export type TypecheckStatus = {
  /** false only under gate, when mypy reported an error or could not run to the end */
  passed: boolean;
  /** "report" or "gate" (an `off` type check has no status) */
  mode: string;
  /** errors among the findings (notes excluded) */
  errors: number;
  findings: TypecheckFinding[];
  /** set when mypy crashed, refused its arguments or config, or failed without saying why */
  error?: string;
  /** the Python mypy ran on and why that one, e.g. "3.12 (.python-version)" */
  python?: string;
};

/** What one mypy process left: its exit code and both streams. */
export type MypyOutput = { exitCode: number; stdout: string; stderr: string };

function relative(file: string, root: string): string {
  const prefix = root.endsWith("/") ? root : `${root}/`;
  const path = file.startsWith(prefix) ? file.slice(prefix.length) : file;
  return path.startsWith("./") ? path.slice(2) : path;
}

const int = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) ? value : undefined;

/** One line of `-O json` output as a finding; undefined when the line is not one of mypy's records. */
function record(line: string, root: string): TypecheckFinding | undefined {
  if (!line.startsWith("{")) return undefined;
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!isRecord(data) || typeof data.file !== "string" || typeof data.message !== "string") return undefined;
  if (data.severity !== "error" && data.severity !== "note") return undefined;
  const column = int(data.column) ?? -1;
  return {
    file: relative(data.file, root),
    line: Math.max(int(data.line) ?? 0, 0),
    column: column >= 0 ? column + 1 : 0,
    severity: data.severity,
    code: typeof data.code === "string" ? data.code : "",
    message: data.message,
    ...(typeof data.hint === "string" && data.hint !== "" ? { hint: data.hint } : {}),
  };
}

/**
 * Every mypy record of a stream, in order, and the lines that are not records. Both streams are read: mypy
 * prints a blocking error it counts as serious (a plugin that fails to load) on stderr, in the same format
 * (mypy/main.py `run_build`: `f = stderr if serious else stdout`).
 */
export function parseMypyJson(
  output: string,
  root: string,
): { findings: TypecheckFinding[]; other: string[] } {
  const findings: TypecheckFinding[] = [];
  const other: string[] = [];
  for (const raw of output.split("\n")) {
    const line = raw.trim();
    if (line === "") continue;
    const finding = record(line, root);
    if (finding) findings.push(finding);
    else other.push(raw.trimEnd());
  }
  return { findings, other };
}

/**
 * mypy's verdict from its exit code, findings and stderr (mypy/main.py at v2.3.1): 0 nothing to report, 1
 * findings, 2 a blocking error (a syntax error, a bad config or plugin), a usage error (argparse), or a crash
 * (`report_internal_error` in mypy/errors.py prints INTERNAL ERROR on stderr and exits 2). Anything else is
 * a process that failed (uv, a signal). Under `-O json`, exit 1 also comes with notes alone (`count_stats` in
 * mypy/util.py counts `": note:"` in text lines only), so the verdict reads the severities, not the 1. Exit 1
 * with no record at all is a failure, never a pass.
 */
export function judgeMypy(out: MypyOutput, root: string): Omit<TypecheckStatus, "passed" | "mode"> {
  const fromOut = parseMypyJson(out.stdout, root);
  const fromErr = parseMypyJson(out.stderr, root);
  const findings = [...fromOut.findings, ...fromErr.findings];
  const errors = findings.filter((f) => f.severity === "error").length;
  const why = lastLines(fromErr.other.join("\n"), 5).replaceAll("\n", " ");
  const said = why === "" ? "" : `: ${why}`;
  let error: string | undefined;
  if (out.exitCode === 2) {
    error =
      why === "" && errors > 0
        ? "mypy stopped at a blocking error (exit 2): see the findings"
        : `mypy crashed or could not run (exit 2)${said}`;
  } else if (out.exitCode === 1 && findings.length === 0) {
    error = `mypy failed (exit 1) and reported no finding${said}`;
  } else if (out.exitCode !== 0 && out.exitCode !== 1) {
    error = `mypy failed (exit ${out.exitCode})${said}`;
  }
  return { errors, findings, ...(error === undefined ? {} : { error }) };
}

/** The status under a mode: only gate fails, on an error finding or on mypy not running to the end. */
export function typecheckStatus(
  mode: TypecheckMode,
  result: Omit<TypecheckStatus, "passed" | "mode">,
): TypecheckStatus {
  const clean = result.errors === 0 && result.error === undefined;
  return { passed: mode !== TypecheckMode.gate || clean, mode, ...result };
}

/** A value given as --typecheck, checked: off, report or gate. */
export function parseTypecheckMode(value: string): TypecheckMode {
  const mode = Object.values(TypecheckMode).find((m) => m === value);
  if (mode === undefined) {
    throw new InputError(`Invalid --typecheck '${value}'. Expected off, report or gate.`);
  }
  return mode;
}

/** The mode `ci` runs with: what was asked, else gate when the app configures mypy and off when it does not. */
export function resolveTypecheckMode(asked: TypecheckMode | undefined, configured: boolean): TypecheckMode {
  if (asked !== undefined) return asked;
  return configured ? TypecheckMode.gate : TypecheckMode.off;
}

/** How many findings the summary lists; every one is in mypy.json in the reports. */
const MAX_FINDINGS = 10;

/** `sample-app/src/x.py:3:5` for a finding of the app in `app`. */
function place(f: TypecheckFinding, app: string | undefined): string {
  const prefix = app && app !== "." && f.file !== "" ? `${app}/` : "";
  const column = f.column > 0 ? `:${f.column}` : "";
  return `${prefix}${f.file}:${f.line}${column}`;
}

/** One line per finding, for a result's `findings` and an error message: `file:line:col: severity: message [code]`. */
export function formatTypecheckFinding(f: TypecheckFinding): string {
  const column = f.column > 0 ? `:${f.column}` : "";
  const tag = f.code === "" ? "" : `  [${f.code}]`;
  return `${f.file}:${f.line}${column}: ${f.severity}: ${f.message}${tag}`;
}

/** The table row's detail: the counts, or why mypy did not finish. */
export function typecheckDetail(status: TypecheckStatus): string {
  const notes = status.findings.length - status.errors;
  const counts = `${plural(status.errors, "error")}${notes > 0 ? `, ${plural(notes, "note")}` : ""}`;
  const mode = status.mode === TypecheckMode.report ? " (report only)" : "";
  const error = status.error === undefined ? "" : ` · ${text(clip(status.error, 500))}`;
  const python = status.python === undefined ? "" : ` · Python ${text(status.python)}`;
  return `${counts}${mode}${python}${error}`;
}

/** The folded list of findings under the summary table, like ruff's, paths from the repository root. */
export function typecheckFindings(status: TypecheckStatus | undefined, app?: string): string[] {
  if (status === undefined || status.findings.length === 0) return [];
  const lines = [`<details><summary>Type-check findings (${status.findings.length})</summary>`, ""];
  for (const f of status.findings.slice(0, MAX_FINDINGS)) {
    const tag = f.code === "" ? "" : ` ${code(f.code)}`;
    const note = f.severity === "note" ? " (note)" : "";
    lines.push(`- ${code(place(f, app))}${tag}${note} ${text(f.message)}`);
  }
  if (status.findings.length > MAX_FINDINGS) {
    lines.push(`- … and ${status.findings.length - MAX_FINDINGS} more in the mypy report (artifacts)`);
  }
  lines.push("", "</details>");
  return lines;
}
