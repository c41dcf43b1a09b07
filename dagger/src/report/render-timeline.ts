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

export type TimelineSection = { name: string; timings: readonly StageTiming[] };

const byStart = (a: StageTiming, b: StageTiming) => a.startMs - b.startMs || a.endMs - b.endMs;
const latest = <T extends StageTiming>(rows: readonly T[]): T =>
  rows.reduce((a, b) => (b.endMs > a.endMs ? b : a));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** One section per app; with several, each row names its app and the end line weighs the slowest app against the sum. */
export function renderTimeline(title: string, sections: readonly TimelineSection[]): string {
  const drawn = sections
    .filter((s) => s.timings.length > 0)
    .map((s) => ({ name: s.name, rows: [...s.timings].sort(byStart) }));
  if (drawn.length === 0) return "";
  const many = drawn.length > 1;
  const all = drawn.flatMap((s) => s.rows.map((t) => ({ ...t, app: s.name })));
  const last = latest(all);
  const named = (t: StageTiming & { app: string }) => (many ? `${t.app}: ${t.stage}` : t.stage);
  const ends = drawn.map((s) => ({ name: s.name, endMs: latest(s.rows).endMs }));
  const sum = ends.reduce((total, e) => total + e.endMs, 0);
  return [
    "### Timeline",
    "",
    "```mermaid",
    "gantt",
    `  title ${label(title)}: the stages as the pipeline measured them`,
    "  dateFormat HH:mm:ss",
    "  axisFormat %M:%S",
    ...drawn.flatMap((s) => [
      `  section ${label(s.name)}`,
      ...s.rows.map(
        (t) =>
          `  ${label(t.stage)} :${t.endMs === last.endMs && s.name === last.app ? "crit, " : ""}${clock(t.startMs)}, ${Math.max(1, Math.round((t.endMs - t.startMs) / 1000))}s`,
      ),
    ]),
    "```",
    "",
    "| Stage | Start | Duration |",
    "| --- | --- | --- |",
    ...all
      .sort(byStart)
      .map((t) => `| ${named(t)} | +${clock(t.startMs)} | ${seconds(t.endMs - t.startMs)} |`),
    "",
    `The slowest path ended with ${named(last)}, at +${clock(last.endMs)}.`,
    ...(many
      ? [
          `Each app's own path: ${ends.map((e) => `${e.name} ${seconds(e.endMs)}`).join(", ")}; one after another they would take ${seconds(sum)}.`,
        ]
      : []),
    "",
  ].join("\n");
}
