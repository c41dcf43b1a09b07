/**
 * The changed lines' coverage, table-driven: a patch's `+` lines in the new file, coverage.py's paths as
 * repository paths (an app in a folder, nested, or at the root), and the figure with its uncovered ranges.
 * Hostile patches (no header, counts that do not add up, numbers out of range) are refused, never guessed at.
 */
import { describe, expect, it } from "vitest";
import {
  type ChangedFile,
  changedLines,
  diffCoverage,
  lineCoverage,
  type PullRequestChanges,
  repositoryPath,
} from "../../dagger/src/report/diff.js";
import { upstream } from "../helpers/scenario.js";

describe("changedLines", () => {
  it.each<[string, string, number[]]>([
    ["a modified line", "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c", [2]],
    ["counts left out (a one-line file)", "@@ -1 +1 @@\n-a\n+b", [1]],
    ["a new file", "@@ -0,0 +1,3 @@\n+a\n+b\n+c", [1, 2, 3]],
    ["a deleted file", "@@ -1,2 +0,0 @@\n-a\n-b", []],
    [
      "two hunks with section headings",
      "@@ -1,2 +1,3 @@ def f():\n a\n+x\n b\n@@ -10,2 +11,2 @@ class C:\n-y\n+z\n w",
      [2, 11],
    ],
    ["CRLF line ends", "@@ -1,3 +1,3 @@\r\n a\r\n-b\r\n+B\r\n c\r\n", [2]],
    [
      "no newline at the end, before and after",
      "@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n\\ No newline at end of file",
      [1],
    ],
    ["an empty patch (a mode change)", "", []],
    ["a trailing newline", "@@ -1,1 +1,2 @@\n a\n+b\n", [2]],
    ["an empty context line whose space was trimmed", "@@ -1,3 +1,4 @@\n a\n\n+b\n c", [3]],
    ["an added line that looks like a file header", "@@ -0,0 +1,1 @@\n+++ x", [1]],
    ["a removed line that looks like a file header", "@@ -1,1 +0,0 @@\n--- x", []],
    ["a hunk header without its trailing space", "@@ -5,2 +7,3 @@\n x\n+y\n z", [8]],
  ])("%s", (_name, patch, expected) => {
    expect(changedLines(patch)).toEqual(expected);
  });

  it.each<[string, string, string]>([
    ["no hunk header", "+a", "text before the first hunk header"],
    ["more added lines than counted", "@@ -1,1 +1,1 @@\n+a\n+b", "line 3: more added lines than the hunk"],
    [
      "more removed lines than counted",
      "@@ -1,1 +1,1 @@\n-a\n-b",
      "line 3: more removed lines than the hunk",
    ],
    [
      "a line after a complete hunk",
      "@@ -1 +1 @@\n-a\n+b\n c",
      "line 4: more lines than the hunk header counts",
    ],
    ["a hunk cut short", "@@ -1,3 +1,3 @@\n a", "the last hunk ends before its header's counts"],
    [
      "a hunk that starts inside another",
      "@@ -1,2 +1,2 @@\n a\n@@ -5 +5 @@\n+b",
      "before the previous one ended",
    ],
    ["a line number out of range", "@@ -1 +99999999999999999999 @@\n+a", "out of range"],
    ["a line with an unknown prefix", "@@ -1,1 +1,1 @@\n*a", "neither '+', '-' nor ' '"],
    ["new lines at line 0", "@@ -0,0 +0,1 @@\n+a", "starts at line 0"],
    ["context past the old count", "@@ -1,0 +1,1 @@\n a", "more context than the hunk header counts"],
  ])("refuses %s", (_name, patch, message) => {
    expect(() => changedLines(patch)).toThrow(message);
  });
});

describe("repositoryPath: coverage.py's paths (measured in the container, app at /src/<app>) as repository paths", () => {
  it.each<[string, string, string | undefined]>([
    ["src/pkg/a.py", "sample-app", "sample-app/src/pkg/a.py"],
    ["src/pkg/a.py", ".", "src/pkg/a.py"],
    ["src/pkg/a.py", "services/api", "services/api/src/pkg/a.py"],
    ["./src/a.py", "services/api", "services/api/src/a.py"],
    ["/src/sample-app/src/a.py", "sample-app", "sample-app/src/a.py"],
    ["/src/services/api/src/a.py", "services/api", "services/api/src/a.py"],
    ["/src/src/a.py", ".", "src/a.py"],
    ["src\\pkg\\a.py", "sample-app", "sample-app/src/pkg/a.py"],
    ["src/../a.py", "app", "app/a.py"],
    // outside the app's folder: not a file of this repository's app
    ["/src/other/a.py", "sample-app", undefined],
    ["/src/sample-app-2/a.py", "sample-app", undefined],
    ["/venv/3.12/lib/python3.12/site-packages/pkg/a.py", "sample-app", undefined],
    ["/venv/3.12/lib/python3.12/site-packages/pkg/a.py", ".", undefined],
    ["../shared/a.py", "services/api", undefined],
    ["", "app", undefined],
    ["/src/sample-app", "sample-app", undefined],
  ])("%s in --app %s -> %s", (path, app, expected) => {
    expect(repositoryPath(path, app, "/src")).toBe(expected);
  });

  it("reads the sample app's own coverage report under its folder", () => {
    const lines = lineCoverage(upstream("sample-app-coverage.json"), "sample-app", "/src");
    expect([...lines.keys()]).toEqual([
      "sample-app/src/sample_app/__init__.py",
      "sample-app/src/sample_app/__main__.py",
      "sample-app/src/sample_app/calculator.py",
      "sample-app/src/sample_app/cli.py",
    ]);
    expect(lines.get("sample-app/src/sample_app/cli.py")?.executed.has(58)).toBe(true);
  });

  it("merges two report paths that name one file, and refuses a report that is not one", () => {
    const json = JSON.stringify({
      files: {
        "src/a.py": { executed_lines: [1], missing_lines: [2] },
        "/src/app/src/a.py": { executed_lines: [3], missing_lines: [] },
        "/site-packages/a.py": { executed_lines: [9], missing_lines: [] },
      },
    });
    const lines = lineCoverage(json, "app", "/src");
    expect([...lines.keys()]).toEqual(["app/src/a.py"]);
    expect([...(lines.get("app/src/a.py")?.executed ?? [])]).toEqual([1, 3]);
    expect(() => lineCoverage("{", "app", "/src")).toThrow("not JSON");
    expect(() => lineCoverage("[]", "app", "/src")).toThrow('no "files" object');
    expect(() => lineCoverage("{}", "app", "/src")).toThrow('no "files" object');
    expect(() => lineCoverage('{"files": []}', "app", "/src")).toThrow('no "files" object');
  });
});

/** coverage.py 7.15.4's report of the fixture project: src/tinypkg/calc.py misses 10, 18 and 28. */
const FIXTURE = { json: upstream("coverage-real-7.json") };

/** Adds calc.py lines 8-12 (10 missed) and 28 (missed): 6 executable, 4 covered. */
const CALC_PATCH = [
  "@@ -7,3 +7,8 @@ def add(a, b):",
  " ",
  "+    x = 1",
  "+    y = 2",
  "+    z = 3",
  "+    w = 4",
  "+    v = 5",
  " ",
  " ",
  "@@ -26,2 +28,2 @@ def div(a, b):",
  "-    old",
  "+    new",
  " ",
].join("\n");

function pr(files: ChangedFile[], truncated = false): PullRequestChanges {
  return { pullRequest: 7, files, truncated };
}

const measure = (files: ChangedFile[], app: string, threshold?: number) =>
  diffCoverage({
    changes: pr(files),
    coverage: FIXTURE,
    app,
    root: "/src",
    ...(threshold === undefined ? {} : { threshold }),
  });

describe("diffCoverage", () => {
  it.each([
    ["an app in a folder", "sample-app"],
    ["an app two folders down", "services/api"],
    ["an app at the repository root", "."],
  ])("%s: the changed executable lines, the covered ones, and the rest as file:line ranges", (_n, app) => {
    const file = app === "." ? "src/tinypkg/calc.py" : `${app}/src/tinypkg/calc.py`;
    const status = measure([{ filename: file, status: "modified", patch: CALC_PATCH }], app);
    expect(status).toEqual({
      passed: true,
      pullRequest: 7,
      files: 1,
      lines: 6,
      covered: 4,
      coverage: (4 * 100) / 6,
      display: "66.6",
      uncovered: [{ file, lines: "10, 28" }],
      notMeasured: [],
      skipped: 0,
    });
  });

  it("a file named with the wrong folder is not the measured one: no figure, said why", () => {
    const status = measure(
      [{ filename: "src/tinypkg/calc.py", status: "modified", patch: CALC_PATCH }],
      "sample-app",
    );
    expect(status.coverage).toBeUndefined();
    expect(status.skipped).toBe(1);
    expect(status.reason).toContain("no changed line is one coverage.py measures");
  });

  it.each<[number, boolean]>([
    [0, true],
    [66.6, true], // 400 >= 399.6: compared exactly, not on the rounded display
    [66.67, false],
    [80, false],
    [100, false],
  ])("with --diff-threshold %s the 4-of-6 figure passes: %s", (threshold, passed) => {
    const file = "app/src/tinypkg/calc.py";
    const status = measure([{ filename: file, status: "modified", patch: CALC_PATCH }], "app", threshold);
    expect(status.passed).toBe(passed);
    expect(status.threshold).toBe(threshold);
  });

  it("skips files outside the app, tests, docs and deletions; names files without a patch and bad patches", () => {
    const files: ChangedFile[] = [
      { filename: "app/src/tinypkg/calc.py", status: "modified", patch: "@@ -4 +4 @@\n-a\n+b" },
      { filename: "README.md", status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" },
      { filename: "app/tests/test_calc.py", status: "added", patch: "@@ -0,0 +1 @@\n+x" },
      { filename: "app/src/tinypkg/old.py", status: "removed", patch: "@@ -1 +0,0 @@\n-x" },
      { filename: "app/src/tinypkg/gone.py", status: "removed" },
      { filename: "app/src/tinypkg/moved.py", status: "renamed", changes: 0, previous_filename: "a.py" },
      { filename: "app/logo.png", status: "added", changes: 0 },
      { filename: "app/src/tinypkg/big.py", status: "modified", changes: 20000 },
      { filename: "app/src/tinypkg/__init__.py", status: "modified", patch: "garbage" },
      { filename: "app/src/tinypkg/calc.py.orig", status: "added", patch: "garbage" },
    ];
    const status = measure(files, "app");
    // skipped: README.md, the test, both deletions, the pure rename, and calc.py.orig (not in the coverage data)
    expect(status).toMatchObject({ lines: 1, covered: 1, display: "100.0", files: 10, skipped: 6 });
    const noPatch = "GitHub sent no patch (a binary file, or a diff too large to show)";
    expect(status.notMeasured).toEqual([
      { file: "app/logo.png", reason: noPatch },
      {
        file: "app/src/tinypkg/__init__.py",
        reason: "its patch could not be read (line 1: text before the first hunk header)",
      },
      { file: "app/src/tinypkg/big.py", reason: noPatch },
    ]);
  });

  it("a changed line coverage.py excluded (pragma: no cover) or that is not a statement is not executable", () => {
    const json = JSON.stringify({
      files: { "src/a.py": { executed_lines: [1], missing_lines: [3], excluded_lines: [2] } },
    });
    const status = diffCoverage({
      changes: pr([
        { filename: "src/a.py", status: "modified", patch: "@@ -1,4 +1,4 @@\n a\n-b\n+B\n c\n-d\n+D" },
      ]),
      coverage: { json },
      app: ".",
      root: "/src",
    });
    // line 2 excluded, line 4 no statement: nothing executable changed
    expect(status).toMatchObject({ lines: 0, covered: 0, skipped: 1, passed: true });
    expect(status.coverage).toBeUndefined();
  });

  it("lists uncovered files in path order and carries the 3000-file cap", () => {
    const json = JSON.stringify({
      files: {
        "b.py": { executed_lines: [], missing_lines: [1, 2, 3, 5] },
        "a.py": { executed_lines: [1], missing_lines: [2] },
      },
    });
    const status = diffCoverage({
      changes: pr(
        [
          { filename: "b.py", status: "added", patch: "@@ -0,0 +1,5 @@\n+1\n+2\n+3\n+4\n+5" },
          { filename: "a.py", status: "added", patch: "@@ -0,0 +1,2 @@\n+1\n+2" },
        ],
        true,
      ),
      coverage: { json },
      app: ".",
      root: "/src",
    });
    expect(status.uncovered).toEqual([
      { file: "a.py", lines: "2" },
      { file: "b.py", lines: "1-3, 5" },
    ]);
    expect(status).toMatchObject({ lines: 6, covered: 1, display: "16.6", truncated: true });
  });

  it.each<[string, PullRequestChanges, { json: string } | { error: string }, string]>([
    ["no token", { reason: "no --github-token given" }, FIXTURE, "no --github-token given"],
    ["no pull request", { reason: "no open pull request has head 3f2a9c1" }, FIXTURE, "no open pull request"],
    [
      "no coverage data",
      pr([]),
      { error: "no Python version produced coverage data" },
      "no coverage to compare with: no Python version produced coverage data",
    ],
    ["a report that is not JSON", pr([]), { json: "{" }, "not JSON"],
    ["an empty pull request", pr([]), FIXTURE, "no changed line is one coverage.py measures"],
  ])("%s: no figure, the reason, and a threshold that cannot fail", (_n, changes, coverage, reason) => {
    const status = diffCoverage({ changes, coverage, app: "app", root: "/src", threshold: 90 });
    expect(status.passed).toBe(true);
    expect(status.coverage).toBeUndefined();
    expect(status.threshold).toBe(90);
    expect(status.reason).toContain(reason);
  });
});
