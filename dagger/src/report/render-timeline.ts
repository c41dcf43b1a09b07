/** The run as a picture: a Mermaid gantt chart of the stages' measured times (GitHub renders it in Markdown). */
import type { StageTiming } from "./types.js";

/** `HH:mm:ss` from the run's start: Mermaid's `dateFormat HH:mm:ss` reads it. */
function clock(ms: number): string {
  const s = Math.floor(ms / 1000);
  return [Math.floor(s / 3600), Math.floor(s / 60) % 60, s % 60]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
}

/** A label Mermaid cannot misread: its task syntax splits on `:` and `,`, and `#` starts an entity. */
const label = (text: string) => text.replace(/[:,;#]/g, " ").trim();

export function renderTimeline(app: string, timings: readonly StageTiming[]): string {
  if (timings.length === 0) return "";
  const rows = [...timings].sort((a, b) => a.startMs - b.startMs || a.endMs - b.endMs);
  const seconds = (t: StageTiming) => Math.max(1, Math.round((t.endMs - t.startMs) / 1000));
  const last = rows.reduce((a, b) => (b.endMs > a.endMs ? b : a));
  return [
    "### Timeline",
    "",
    "```mermaid",
    "gantt",
    `  title ${label(app)}: the stages as the pipeline measured them`,
    "  dateFormat HH:mm:ss",
    "  axisFormat %M:%S",
    `  section ${label(app)}`,
    ...rows.map(
      (t) => `  ${label(t.stage)} :${t === last ? "crit, " : ""}${clock(t.startMs)}, ${seconds(t)}s`,
    ),
    "```",
    "",
    "| Stage | Start | Duration |",
    "| --- | --- | --- |",
    ...rows.map(
      (t) => `| ${t.stage} | +${clock(t.startMs)} | ${((t.endMs - t.startMs) / 1000).toFixed(1)} s |`,
    ),
    "",
    `The slowest path ended with ${last.stage}, at +${clock(last.endMs)}.`,
    "",
  ].join("\n");
}
