/** The summary's sections and the JSON reader at their edges: what a reader sees at each boundary. */
import { describe, expect, it } from "vitest";
import { parseJson } from "../../dagger/src/report/json.js";
import { clip } from "../../dagger/src/report/markdown.js";
import { diffLines, lintFindings } from "../../dagger/src/report/sections.js";
import type { DiffCoverageStatus } from "../../dagger/src/report/types.js";

describe("sections at their edges", () => {
  it("lint findings without files to reformat carry no reformat list", () => {
    const lint = {
      passed: false,
      findings: [{ file: "app/x.py", line: 1, column: 1, code: "F401", message: "unused" }],
      unformatted: [],
    };
    expect(lintFindings(lint)).toEqual([
      "<details><summary>Lint findings (1)</summary>",
      "",
      "- <code>app/x.py:1:1</code> <code>F401</code> unused",
      "",
      "</details>",
    ]);
    expect(lintFindings({ ...lint, unformatted: ["app/y.py"] }).join("\n")).toContain(
      "Files `ruff format` would reformat:",
    );
  });

  it("three diff files stay open; a fourth folds them", () => {
    const diff = (n: number): DiffCoverageStatus => ({
      passed: true,
      lines: 10,
      covered: 5,
      skipped: 0,
      files: n,
      uncovered: Array.from({ length: n }, (_, i) => ({ file: `app/f${i}.py`, lines: "1-2" })),
      notMeasured: [],
    });
    expect(diffLines(diff(3))[0]).toBe("### Changed lines not covered (3 files)");
    expect(diffLines(diff(4))[0]).toBe("<details><summary>Changed lines not covered (4 files)</summary>");
  });

  it("malformed JSON keeps the parser's error as its cause", () => {
    let caught: unknown;
    try {
      parseJson("{", "ruff's output");
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).message).toMatch(/^ruff's output: it is not valid JSON \(/);
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
  });
});

describe("clip", () => {
  it("keeps text of exactly the limit whole, and cuts one character more", () => {
    expect(clip("a".repeat(500))).toBe("a".repeat(500));
    expect(clip("a".repeat(501))).toBe(`${"a".repeat(500)}… (1 more characters)`);
  });
});
