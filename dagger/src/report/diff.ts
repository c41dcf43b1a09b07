/** Changed-line coverage: a PR's `+` lines that coverage.py counts (docs/engine-notes.md: coverage.py). */
import { errorText } from "../settings/errors.js";
import { inApp } from "../settings/validate.js";
import { lineRanges } from "./coverage.js";
import { isObject, tryJson } from "./json.js";
import type { DiffCoverageStatus } from "./types.js";

/** GitHub's cap on a pull request's file list (docs/engine-notes.md: GitHub). */
export const MAX_PULL_FILES = 3000;

/** The fields read of GitHub's `diff-entry` (docs/engine-notes.md: GitHub). */
export type ChangedFile = {
  filename: string;
  status: string;
  changes?: number;
  patch?: string;
  previous_filename?: string;
};

export type PullRequestChanges =
  | { pullRequest: number; files: ChangedFile[]; truncated: boolean }
  | { reason: string };

const HUNK = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

function count(value: string | undefined, fallback: number): number {
  const n = value === undefined ? fallback : Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`the hunk header number ${value} is out of range`);
  return n;
}

/** New-file numbers of the `+` lines; hunks that disagree with their headers throw, not blame wrong lines. */
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
      // "": a context line whose space a client trimmed
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

/** coverage.py ran with the app at `root/app`; a path outside it (site-packages, `..`) is not the app's. */
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

export type LineCoverage = Map<string, { executed: Set<number>; missing: Set<number> }>;

function lineNumbers(value: unknown): number[] {
  return Array.isArray(value) ? value.filter((n): n is number => Number.isSafeInteger(n) && n > 0) : [];
}

/** Two report paths naming one file are merged. */
export function lineCoverage(json: string, app: string, root: string): LineCoverage {
  const data = tryJson(json);
  if (data === undefined) throw new Error("the combined coverage.json is not JSON");
  if (!isObject(data) || !isObject(data.files)) {
    throw new Error('the combined coverage.json has no "files" object');
  }
  const byPath: LineCoverage = new Map();
  for (const [file, entry] of Object.entries(data.files)) {
    const path = repositoryPath(file, app, root);
    if (path === undefined || !isObject(entry)) continue;
    const lines = byPath.get(path) ?? { executed: new Set<number>(), missing: new Set<number>() };
    for (const n of lineNumbers(entry.executed_lines)) lines.executed.add(n);
    for (const n of lineNumbers(entry.missing_lines)) lines.missing.add(n);
    byPath.set(path, lines);
  }
  return byPath;
}

/** Undefined also when there is nothing to read. */
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

/** No figure is never a failure (`reason` says why); the threshold is compared exactly, not rounded. */
export function diffCoverage(input: {
  changes: PullRequestChanges;
  coverage: { json: string } | { error: string };
  app: string;
  /** where the app was mounted when coverage.py measured it */
  root: string;
  threshold?: number;
}): DiffCoverageStatus {
  const { changes, threshold } = input;
  if ("reason" in changes) return noFigure(changes.reason, threshold);
  const known = { pullRequest: changes.pullRequest, files: changes.files.length };
  let measured: LineCoverage;
  try {
    if ("error" in input.coverage) throw new Error(input.coverage.error);
    measured = lineCoverage(input.coverage.json, input.app, input.root);
  } catch (err) {
    return { ...noFigure(`no coverage to compare with: ${errorText(err)}`, threshold), ...known };
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
      notMeasured.push({ file: file.filename, reason: `its patch could not be read (${errorText(err)})` });
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
