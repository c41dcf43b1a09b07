/** Several apps as one run: each app's whole `ci` at once, then one status, one summary, one comment, one folder. */
import { type Directory, dag } from "@dagger.io/dagger";
import type { CommentTarget } from "../github/notify.js";
import { commentOnPullRequest } from "../github/notify.js";
import { CI_MARKER } from "../report/render.js";
import {
  type AppOutcome,
  type ManyStatus,
  manyStatus,
  renderManyAnnotations,
  renderManySummary,
} from "../report/render-many.js";
import { renderTimeline } from "../report/render-timeline.js";
import type { CiStatus } from "../report/types.js";
import { errorText } from "../settings/errors.js";

export type AppPart = {
  app: string;
  run: () => Promise<{ status: CiStatus; reports: Directory }>;
};

/** Where an app's reports sit in the run's folder: its own path, the root app's under `_root`. */
export const reportsFolder = (app: string) => (app === "." ? "_root" : app);

/** An app that cannot start fails alone, saying why; the others run on (the engine runs them concurrently). */
export async function runApps(
  parts: readonly AppPart[],
  skipped: ManyStatus["skipped"],
  meta: { changes: string; runUrl?: string; sha?: string; branch?: string; comment?: CommentTarget },
): Promise<{ status: ManyStatus; summary: string; reports: Directory }> {
  const settled = await Promise.all(
    parts.map(async (p): Promise<AppOutcome & { reports?: Directory }> => {
      try {
        return { app: p.app, ...(await p.run()) };
      } catch (err) {
        return { app: p.app, error: errorText(err) };
      }
    }),
  );
  const { comment, ...shown } = meta;
  let status = manyStatus(settled, skipped, shown);
  const summary = renderManySummary(status);
  if (comment) {
    const posted = await commentOnPullRequest(comment, CI_MARKER, summary);
    status = { ...status, comment: posted };
    if (!posted.posted) process.stderr.write(`warning: ${posted.warning}\n`);
  }
  let reports = dag.directory();
  for (const s of settled) if (s.reports) reports = reports.withDirectory(reportsFolder(s.app), s.reports);
  const timeline = renderTimeline(
    `${settled.length} apps`,
    status.apps.map((a) => ({ name: a.app, timings: a.status?.timings ?? [] })),
  );
  return {
    status,
    summary,
    reports: reports
      .withNewFile("status.json", `${JSON.stringify(status, null, 2)}\n`)
      .withNewFile("summary.md", summary)
      .withNewFile("annotations.txt", renderManyAnnotations(status))
      .withNewFile("timeline.md", timeline),
  };
}
