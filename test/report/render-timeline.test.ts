import { describe, expect, it } from "vitest";
import { renderTimeline } from "../../dagger/src/report/render-timeline.js";

describe("renderTimeline", () => {
  it("draws each stage from its measured start for its length, the one that ended last marked critical", () => {
    expect(
      renderTimeline("services/api", [
        { stage: "tests and coverage gate", startMs: 3, endMs: 95_400 },
        { stage: "lint", startMs: 1, endMs: 8_200 },
        { stage: "scan", startMs: 61_000, endMs: 3_723_000 },
        { stage: "smoke run", startMs: 61_000, endMs: 61_200 },
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
    const text = renderTimeline("a:b", [{ stage: "tests, 3.12: #1", startMs: 0, endMs: 1000 }]);
    expect(text).toContain("  title a b: the stages as the pipeline measured them");
    expect(text).toContain("  tests  3.12   1 :crit, 00:00:00, 1s");
    expect(renderTimeline("app", [])).toBe("");
  });
});
