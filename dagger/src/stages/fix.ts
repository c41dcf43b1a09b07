import { type Directory, ReturnType } from "@dagger.io/dagger";
import { lastLines } from "../settings/errors.js";
import { inApp } from "../settings/validate.js";
import { RUFF, ruffBase } from "./lint.js";
import { appDir } from "./python.js";

export type FixRun = {
  fixed: Directory;
  /** relative to the app folder */
  changed: string[];
  patch: string;
  remaining: string;
};

/** A ruff failure throws, so nothing half-fixed is exported (docs/engine-notes.md: ruff). */
export async function runFix(source: Directory, app: string, workspace: string = app): Promise<FixRun> {
  const root = appDir(app);
  const checked = ruffBase(source, app, workspace).withExec(
    [RUFF, "check", "--no-cache", "--fix", "--output-format=concise", "."],
    { expect: ReturnType.Any },
  );
  const [checkExit, checkOut, checkErr] = await Promise.all([
    checked.exitCode(),
    checked.stdout(),
    checked.stderr(),
  ]);
  if (checkExit !== 0 && checkExit !== 1) throw new Error(failure("ruff check --fix", checkExit, checkErr));
  const formatted = checked.withExec([RUFF, "format", "--no-cache", "."], { expect: ReturnType.Any });
  const [formatExit, formatErr] = await Promise.all([formatted.exitCode(), formatted.stderr()]);
  if (formatExit !== 0) throw new Error(failure("ruff format", formatExit, formatErr));

  const fixed = formatted.directory(root);
  const changes = fixed.changes(source.directory(app));
  const [added, modified, removed, patch] = await Promise.all([
    changes.addedPaths(),
    changes.modifiedPaths(),
    changes.removedPaths(),
    changes.asPatch().contents(),
  ]);
  return {
    fixed,
    changed: [...new Set([...added, ...modified, ...removed])].sort(),
    patch,
    remaining: findingLines(checkOut),
  };
}

function failure(command: string, exit: number, stderr: string): string {
  const why = lastLines(stderr, 5);
  return `${command} failed (exit ${exit}), so nothing was fixed${why ? `:\n${why}` : "."}`;
}

/** `path:line:col: CODE message` lines, without the tally lines. */
export function findingLines(stdout: string): string {
  return (
    stdout
      .split("\n")
      .map((line) => line.trimEnd())
      // Stryker disable next-line Regex: findingLines: `^.+` and an unanchored `.+` accept the same lines, since `.+` may start at the line's first character either way
      .filter((line) => /^.+:\d+:\d+: /.test(line))
      .join("\n")
  );
}

export function fixReport(run: Pick<FixRun, "changed" | "remaining">, app: string): string {
  const where = (path: string) => inApp(app, path);
  const lines =
    run.changed.length === 0
      ? ["ruff changed nothing: the app was already fixed and formatted."]
      : [
          `ruff fixed or reformatted ${run.changed.length} file(s):`,
          ...run.changed.map((p) => `  ${where(p)}`),
        ];
  // ruff names files relative to the app folder
  const left = run.remaining === "" ? [] : run.remaining.split("\n").map(where);
  if (left.length > 0) lines.push(`${left.length} finding(s) have no safe fix and need a person:`, ...left);
  return lines.join("\n");
}
