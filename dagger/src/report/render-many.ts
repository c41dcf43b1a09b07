/** One run of several apps as one text: the failing apps first, each with its own summary, then what did not run. */
import { renderAnnotations } from "./annotations.js";
import { code, commitLine, footer, list, row, text } from "./markdown.js";
import { renderCiSummary } from "./render.js";
import type { CiStatus } from "./types.js";

/** An app's run: its status, or why it could not start (then it failed). */
export type AppOutcome = { app: string; status?: CiStatus; error?: string };

export type ManyStatus = {
  passed: boolean;
  apps: { app: string; passed: boolean; error?: string; status?: CiStatus }[];
  /** the apps the change did not touch, with why */
  skipped: { app: string; reason: string }[];
  /** how the changed files were known, or why not */
  changes: string;
  failures?: string[];
  runUrl?: string;
  sha?: string;
  branch?: string;
  comment?: CiStatus["comment"];
};

const passedOf = (o: AppOutcome) => o.status?.passed === true;

export function manyStatus(
  outcomes: readonly AppOutcome[],
  skipped: ManyStatus["skipped"],
  meta: { changes: string; runUrl?: string; sha?: string; branch?: string },
): ManyStatus {
  // the failing apps first, each group in the repository's order
  const ordered = [...outcomes.filter((o) => !passedOf(o)), ...outcomes.filter(passedOf)];
  const failures = ordered.flatMap((o) =>
    o.error !== undefined
      ? [`${o.app}: ${o.error}`]
      : passedOf(o)
        ? []
        : (o.status?.failures ?? ["failed"]).map((f) => `${o.app}: ${f}`),
  );
  return {
    passed: failures.length === 0,
    apps: ordered.map((o) =>
      o.status
        ? { app: o.app, passed: passedOf(o), status: o.status }
        : { app: o.app, passed: false, error: o.error ?? "" },
    ),
    skipped,
    changes: meta.changes,
    ...(failures.length > 0 ? { failures } : {}),
    ...(meta.runUrl ? { runUrl: meta.runUrl } : {}),
    ...(meta.sha ? { sha: meta.sha } : {}),
    ...(meta.branch ? { branch: meta.branch } : {}),
  };
}

function imageCell(status: CiStatus | undefined): string {
  const image = status?.image;
  if (!image) return "➖ none";
  return `${code(image.reference)}${image.published ? "" : " (not published)"}`;
}

export function renderManySummary(status: ManyStatus): string {
  const failed = status.apps.filter((a) => !a.passed).length;
  const title = status.passed
    ? `## ✅ CI passed: ${status.apps.length === 1 ? "1 app" : `${status.apps.length} apps`}`
    : `## ❌ CI failed: ${failed} of ${status.apps.length === 1 ? "1 app" : `${status.apps.length} apps`}`;
  const sections = status.apps.flatMap((a) => {
    const heading = `### ${a.passed ? "✅" : "❌"} ${a.app}`;
    if (a.status) return [renderCiSummary(a.status, heading).trimEnd(), ""];
    return [heading, "", `The run could not start: ${text(a.error ?? "")}`, ""];
  });
  return `${[
    title,
    "",
    ...commitLine(status.branch, status.sha),
    row("App", "Result", "Image"),
    row("---", "---", "---"),
    ...status.apps.map((a) => row(code(a.app), a.passed ? "✅ passed" : "❌ failed", imageCell(a.status))),
    "",
    `Changed files: ${text(status.changes)}`,
    "",
    ...list(
      "Not run",
      status.skipped.map((s) => `${s.app}: ${s.reason}`),
    ),
    ...sections,
    ...footer(status.runUrl),
  ]
    .join("\n")
    .trimEnd()}\n`;
}

/** Each app's annotations, every path from the repository's root. */
export function renderManyAnnotations(status: ManyStatus): string {
  return status.apps.flatMap((a) => (a.status ? [renderAnnotations(a.status, a.app)] : [])).join("");
}
