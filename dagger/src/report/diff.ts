/**
 * Coverage of the lines a pull request changed. Pure: GitHub's file list (with each file's unified-diff
 * `patch`) and coverage.py's combined JSON report in, the figure and the uncovered `file:line` ranges out.
 *
 * A changed line is a `+` line of a patch: a line the new file has that the old one did not (a modified line
 * is a `-` then a `+`). It is executable when coverage.py counts it as a statement (in `executed_lines` or
 * `missing_lines`; `excluded_lines` are not), and covered when it is in `executed_lines`. coverage.py reports a
 * statement spanning several lines at its first line, so a change to a later line of such a statement is not
 * counted: the figure is about the statements' own lines, as coverage.py's are.
 */
import { inApp } from "../settings/validate.js";
import { lineRanges } from "./coverage.js";
import type { DiffCoverageStatus } from "./types.js";

/** GitHub's "List pull request files" answers at most this many files (its REST reference says so). */
export const MAX_PULL_FILES = 3000;

/** One entry of that list, the fields read here (the OpenAPI schema `diff-entry`). */
export type ChangedFile = {
  filename: string;
  /** added, removed, modified, renamed, copied, changed or unchanged */
  status: string;
  /** additions + deletions */
  changes?: number;
  /** the unified diff's hunks; GitHub leaves it out for binary files and diffs too large to show */
  patch?: string;
  previous_filename?: string;
};

/** What reading the pull request gave: its files, or why there are none to measure. */
export type PullRequestChanges =
  | { pullRequest: number; files: ChangedFile[]; truncated: boolean }
  | { reason: string };

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function count(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`the hunk header number ${value} is out of range`);
  return n;
}

/**
 * The new file's line numbers of every `+` line of a unified-diff patch, in order. Hunk headers are
 * `@@ -a,b +c,d @@` (a count left out is 1); ` ` lines are context, `-` lines exist only in the old file, and
 * `\ No newline at end of file` is not a line. An empty line inside a hunk is read as an empty context line (a
 * client that trims trailing spaces turns ` ` into ``). Line ends may be CRLF. A patch whose hunks do not add
 * up to their headers is an error, not a guess: wrong line numbers would blame the wrong lines.
 */
export function changedLines(patch: string): number[] {
  const added: number[] = [];
  let line = 0;
  let oldLeft = 0;
  let newLeft = 0;
  let inHunk = false;
  const lines = patch.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  for (const [i, text] of lines.entries()) {
    const at = `line ${i + 1}`;
    const header = HUNK.exec(text);
    if (header) {
      if (oldLeft > 0 || newLeft > 0) throw new Error(`${at}: a hunk starts before the previous one ended`);
      line = count(header[3], 0);
      oldLeft = count(header[2], 1);
      newLeft = count(header[4], 1);
      if (newLeft > 0 && line === 0) throw new Error(`${at}: a hunk with new lines starts at line 0`);
      inHunk = true;
      continue;
    }
    if (text.startsWith("\\")) continue; // "\ No newline at end of file"
    if (!inHunk) {
      if (text === "") continue;
      throw new Error(`${at}: text before the first hunk header`);
    }
    if (oldLeft === 0 && newLeft === 0) {
      if (text === "") continue; // the end of the patch
      throw new Error(`${at}: more lines than the hunk header counts`);
    }
    const kind = text[0] ?? " ";
    if (kind === "+") {
      if (newLeft === 0) throw new Error(`${at}: more added lines than the hunk header counts`);
      added.push(line);
      line += 1;
      newLeft -= 1;
    } else if (kind === "-") {
      if (oldLeft === 0) throw new Error(`${at}: more removed lines than the hunk header counts`);
      oldLeft -= 1;
    } else if (kind === " " || text === "") {
      if (oldLeft === 0 || newLeft === 0) throw new Error(`${at}: more context than the hunk header counts`);
      line += 1;
      oldLeft -= 1;
      newLeft -= 1;
    } else {
      throw new Error(`${at}: a line that starts with neither '+', '-' nor ' '`);
    }
  }
  if (oldLeft > 0 || newLeft > 0) throw new Error("the last hunk ends before its header's counts");
  return added;
}

/**
 * A coverage.py file path as a repository path. coverage.py measured inside the container, in the app's folder
 * mounted at `root/app` (at `root` for an app at the repository root, `--app .`): a relative path (the app's
 * `relative_files = true`) is relative to the app's folder; an absolute one must lie inside that folder.
 * Undefined for a path outside it (an installed copy in site-packages, a `..` that leaves the app).
 */
export function repositoryPath(coveragePath: string, app: string, root: string): string | undefined {
  let path = coveragePath.replaceAll("\\", "/");
  if (path.startsWith("/")) {
    const base = app === "." ? root : `${root}/${app}`;
    if (!path.startsWith(`${base}/`)) return undefined;
    path = path.slice(base.length + 1);
  }
  const parts: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (parts.pop() === undefined) return undefined;
    } else parts.push(part);
  }
  if (parts.length === 0) return undefined;
  return inApp(app, parts.join("/"));
}

/** Per repository path, the lines coverage.py executed and the ones it found missing. */
export type LineCoverage = Map<string, { executed: Set<number>; missing: Set<number> }>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function lineNumbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((n): n is number => Number.isSafeInteger(n) && n > 0) : [];
}

/**
 * The executed and missing lines of every file of a coverage.py JSON report, keyed by repository path
 * ({@link repositoryPath}); files outside the app are left out. Two report paths naming one file are merged.
 */
export function lineCoverage(json: string, app: string, root: string): LineCoverage {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch {
    throw new Error("the combined coverage.json is not JSON");
  }
  if (!isRecord(data) || !isRecord(data.files)) {
    throw new Error('the combined coverage.json has no "files" object');
  }
  const byPath: LineCoverage = new Map();
  for (const [file, entry] of Object.entries(data.files)) {
    const path = repositoryPath(file, app, root);
    if (path === undefined || !isRecord(entry)) continue;
    const lines = byPath.get(path) ?? { executed: new Set<number>(), missing: new Set<number>() };
    for (const n of lineNumbers(entry.executed_lines)) lines.executed.add(n);
    for (const n of lineNumbers(entry.missing_lines)) lines.missing.add(n);
    byPath.set(path, lines);
  }
  return byPath;
}

/** Why a file's changed lines cannot be read, or undefined when they can (or when it has none to read). */
function unreadable(file: ChangedFile): string | undefined {
  if (file.patch !== undefined) return undefined;
  if (file.status === "removed") return undefined; // nothing of it is in the new tree
  if ((file.status === "renamed" || file.status === "copied") && file.changes === 0) return undefined;
  return "GitHub sent no patch (a binary file, or a diff too large to show)";
}

function noFigure(reason: string, threshold: number | undefined): DiffCoverageStatus {
  return {
    passed: true,
    ...(threshold !== undefined ? { threshold } : {}),
    lines: 0,
    covered: 0,
    uncovered: [],
    notMeasured: [],
    skipped: 0,
    files: 0,
    reason,
  };
}

/**
 * The changed lines' coverage of a pull request, judged against `threshold` when one is set. No figure (no
 * pull request read, no coverage data, or no changed line coverage.py counts) is never a failure: `reason`
 * says why there is none. The figure is compared exactly (covered × 100 < threshold × lines fails).
 */
export function diffCoverage(input: {
  changes: PullRequestChanges;
  /** the combined coverage.json, or why it could not be read */
  coverage: { json: string } | { error: string };
  app: string;
  /** where the app's folder was mounted when coverage.py measured it */
  root: string;
  threshold?: number;
}): DiffCoverageStatus {
  const { changes, threshold } = input;
  if ("reason" in changes) return noFigure(changes.reason, threshold);
  const known = { pullRequest: changes.pullRequest, files: changes.files.length };
  if ("error" in input.coverage) {
    return { ...noFigure(`no coverage to compare with: ${input.coverage.error}`, threshold), ...known };
  }
  let measured: LineCoverage;
  try {
    measured = lineCoverage(input.coverage.json, input.app, input.root);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { ...noFigure(`no coverage to compare with: ${why}`, threshold), ...known };
  }

  let lines = 0;
  let covered = 0;
  let skipped = 0;
  const uncovered: DiffCoverageStatus["uncovered"] = [];
  const notMeasured: DiffCoverageStatus["notMeasured"] = [];
  const files = [...changes.files].sort((a, b) =>
    a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0,
  );
  for (const file of files) {
    const missingPatch = unreadable(file);
    if (missingPatch !== undefined) {
      notMeasured.push({ file: file.filename, reason: missingPatch });
      continue;
    }
    const coverage = measured.get(file.filename);
    if (coverage === undefined || file.patch === undefined) {
      skipped += 1;
      continue;
    }
    let changed: number[];
    try {
      changed = changedLines(file.patch);
    } catch (err) {
      const why = err instanceof Error ? err.message : String(err);
      notMeasured.push({ file: file.filename, reason: `its patch could not be read (${why})` });
      continue;
    }
    const executable = [...new Set(changed)].filter(
      (n) => coverage.executed.has(n) || coverage.missing.has(n),
    );
    if (executable.length === 0) {
      skipped += 1;
      continue;
    }
    const missed = executable.filter((n) => !coverage.executed.has(n));
    lines += executable.length;
    covered += executable.length - missed.length;
    if (missed.length > 0) uncovered.push({ file: file.filename, lines: lineRanges(missed) });
  }

  const measuredPart = {
    ...known,
    lines,
    covered,
    uncovered,
    notMeasured,
    skipped,
    ...(changes.truncated ? { truncated: true } : {}),
    ...(threshold !== undefined ? { threshold } : {}),
  };
  if (lines === 0) {
    return {
      passed: true,
      ...measuredPart,
      reason: "no changed line is one coverage.py measures (no statement of the app's measured code changed)",
    };
  }
  return {
    passed: threshold === undefined || covered * 100 >= threshold * lines,
    ...measuredPart,
    coverage: (covered * 100) / lines,
    display: (Math.floor((covered * 1000) / lines) / 10).toFixed(1),
  };
}
