/** Pure (stages/typecheck.ts runs mypy); a lone note never fails anything (docs/engine-notes.md: mypy). */
import { InputError, lastLines } from "../settings/errors.js";
import { isRecord, tryJson } from "./json.js";
import { capped, clip, code, details, plural, text } from "./markdown.js";
import { relative } from "./ruff.js";
import type { LintFinding } from "./types.js";

/** How `ci` treats the type check; `dagger call ci --typecheck=...`. */
export enum TypecheckMode {
  /** do not run mypy */
  off = "off",
  /** run mypy and list its findings; they never fail the run */
  report = "report",
  /** run mypy; an error finding, or mypy failing to run, fails the run */
  gate = "gate",
}

/** A ruff finding's shape: path relative to the app, column 1-based (0: none), code e.g. arg-type ("" when none). */
export type TypecheckFinding = LintFinding & {
  /** "error" or "note" */
  severity: string;
  /** the notes mypy attached to this error */
  hint?: string;
};

export type TypecheckStatus = {
  /** false only under gate, when mypy reported an error or could not run to the end */
  passed: boolean;
  /** "report" or "gate": off has no status */
  mode: string;
  /** notes excluded */
  errors: number;
  findings: TypecheckFinding[];
  /** set when mypy crashed, refused its arguments or config, or failed without saying why */
  error?: string;
  /** the Python mypy ran on and why that one, e.g. "3.12 (.python-version)" */
  python?: string;
};

export type MypyOutput = { exitCode: number; stdout: string; stderr: string };

const withoutDot = (path: string) => (path.startsWith("./") ? path.slice(2) : path);

const int = (value: unknown): number | undefined =>
  typeof value === "number" && Number.isInteger(value) ? value : undefined;

function record(line: string, root: string): TypecheckFinding | undefined {
  const data = line.startsWith("{") ? tryJson(line) : undefined;
  if (!isRecord(data) || typeof data.file !== "string" || typeof data.message !== "string") return undefined;
  if (data.severity !== "error" && data.severity !== "note") return undefined;
  const column = int(data.column) ?? -1; // 0-based, -1 unknown (docs/engine-notes.md: mypy)
  return {
    file: withoutDot(relative(data.file, root)),
    line: Math.max(int(data.line) ?? 0, 0),
    column: column >= 0 ? column + 1 : 0,
    severity: data.severity,
    code: typeof data.code === "string" ? data.code : "",
    message: data.message,
    ...(typeof data.hint === "string" && data.hint !== "" ? { hint: data.hint } : {}),
  };
}

/** Read on both streams: mypy prints a serious blocking error on stderr (docs/engine-notes.md: mypy). */
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

/** Severities decide, as notes alone also exit 1; exit 1 with no record fails (docs/engine-notes.md: mypy). */
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

export function typecheckStatus(
  mode: TypecheckMode,
  result: Omit<TypecheckStatus, "passed" | "mode">,
): TypecheckStatus {
  const clean = result.errors === 0 && result.error === undefined;
  return { passed: mode !== TypecheckMode.gate || clean, mode, ...result };
}

export function parseTypecheckMode(value: string): TypecheckMode {
  const mode = Object.values(TypecheckMode).find((m) => m === value);
  if (mode === undefined) {
    throw new InputError(`Invalid --typecheck '${value}'. Expected off, report or gate.`);
  }
  return mode;
}

/** Unasked, mypy gates an app that configures it and is off otherwise. */
export function resolveTypecheckMode(asked: TypecheckMode | undefined, configured: boolean): TypecheckMode {
  if (asked !== undefined) return asked;
  return configured ? TypecheckMode.gate : TypecheckMode.off;
}

/** Every one is in mypy.json in the reports. */
const MAX_FINDINGS = 10;

function place(f: TypecheckFinding, app?: string): string {
  const prefix = app && app !== "." && f.file !== "" ? `${app}/` : "";
  const column = f.column > 0 ? `:${f.column}` : "";
  return `${prefix}${f.file}:${f.line}${column}`;
}

export function formatTypecheckFinding(f: TypecheckFinding): string {
  return `${place(f)}: ${f.severity}: ${f.message}${f.code === "" ? "" : `  [${f.code}]`}`;
}

export function typecheckDetail(status: TypecheckStatus): string {
  const notes = status.findings.length - status.errors;
  const counts = `${plural(status.errors, "error")}${notes > 0 ? `, ${plural(notes, "note")}` : ""}`;
  const mode = status.mode === TypecheckMode.report ? " (report only)" : "";
  const error = status.error === undefined ? "" : ` · ${text(clip(status.error))}`;
  const python = status.python === undefined ? "" : ` · Python ${text(status.python)}`;
  return `${counts}${mode}${python}${error}`;
}

/** Paths from the repository root, so a reader can open them. */
export function typecheckFindings(status: TypecheckStatus | undefined, app?: string): string[] {
  if (status === undefined || status.findings.length === 0) return [];
  const lines = status.findings.map((f) => {
    const tag = f.code === "" ? "" : ` ${code(f.code)}`;
    return `- ${code(place(f, app))}${tag}${f.severity === "note" ? " (note)" : ""} ${text(f.message)}`;
  });
  return details(
    `Type-check findings (${status.findings.length})`,
    capped(lines, MAX_FINDINGS, " in the mypy report (artifacts)"),
  );
}
