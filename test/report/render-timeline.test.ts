import { describe, expect, it } from "vitest";
import { renderTimeline } from "../../dagger/src/report/render-timeline.js";

describe("renderTimeline", () => {
  it("draws each stage from its measured start for its length, the one that ended last marked critical", () => {
    expect(
      renderTimeline("services/api", [
        {
          name: "services/api",
          timings: [
            { stage: "tests and coverage gate", startMs: 3, endMs: 95_400 },
            { stage: "lint", startMs: 1, endMs: 8_200 },
            { stage: "scan", startMs: 61_000, endMs: 3_723_000 },
            { stage: "smoke run", startMs: 61_000, endMs: 61_200 },
          ],
        },
      ]),
    ).toMatchInlineSnapshot(`
      "### Timeline

      \`\`\`mermaid
      gantt
        title services/api: the stages as the pipeline measured them
        dateFormat HH:mm:ss
        axisFormat %M:%S
        section services/api
        lint :00:00:00, 8s
        tests and coverage gate :00:00:00, 95s
        smoke run :00:01:01, 1s
        scan :crit, 00:01:01, 3662s
      \`\`\`

      | Stage | Start | Duration |
      | --- | --- | --- |
      | lint | +00:00:00 | 8.2 s |
      | tests and coverage gate | +00:00:00 | 95.4 s |
      | smoke run | +00:01:01 | 0.2 s |
      | scan | +00:01:01 | 3662.0 s |

      The slowest path ended with scan, at +01:02:03.
      "
    `);
  });

  it("keeps a stage's name from breaking Mermaid's task syntax, and draws nothing without timings", () => {
    const text = renderTimeline("a:b", [
      { name: "a:b", timings: [{ stage: "tests, 3.12: #1", startMs: 0, endMs: 1000 }] },
    ]);
    expect(text).toContain("  title a b: the stages as the pipeline measured them");
    expect(text).toContain("  tests  3.12   1 :crit, 00:00:00, 1s");
    expect(renderTimeline("app", [])).toBe("");
    // the critical one is the stage that ended last, not the one that started last
    const late = renderTimeline("app", [
      {
        name: "app",
        timings: [
          { stage: "scan:", startMs: 0, endMs: 9_000 },
          { stage: "smoke", startMs: 2_000, endMs: 3_000 },
        ],
      },
    ]);
    expect(late).toContain("  scan :crit, 00:00:00, 9s\n");
    expect(late).toContain("The slowest path ended with scan:, at +00:00:09.");
    expect(renderTimeline("app", [{ name: "app", timings: [] }])).toBe("");
  });

  it("draws several apps as sections, names each row's app, and weighs the slowest app against their sum", () => {
    const text = renderTimeline("3 apps", [
      {
        name: "services/api",
        timings: [
          { stage: "lint", startMs: 0, endMs: 4_000 },
          { stage: "scan", startMs: 1_000, endMs: 30_000 },
        ],
      },
      { name: "services/worker", timings: [{ stage: "tests and coverage gate", startMs: 0, endMs: 50_000 }] },
      { name: "libs/core", timings: [] },
    ]);
    expect(text.split("\n").filter((l) => l.startsWith("  section"))).toEqual([
      "  section services/api",
      "  section services/worker",
    ]);
    // the critical mark is on the stage that ended last, in its own app only
    expect(text).toContain("  tests and coverage gate :crit, 00:00:00, 50s");
    expect(text).toContain("  scan :00:00:01, 29s");
    expect(text).toContain("| services/api: scan | +00:00:01 | 29.0 s |");
    expect(text).toContain(
      "The slowest path ended with services/worker: tests and coverage gate, at +00:00:50.",
    );
    expect(text).toContain(
      "Each app's own path: services/api 30.0 s, services/worker 50.0 s; one after another they would take 80.0 s.",
    );
  });
});
