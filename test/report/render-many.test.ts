import { describe, expect, it } from "vitest";
import { manyStatus, renderManyAnnotations, renderManySummary } from "../../dagger/src/report/render-many.js";
import type { CiStatus } from "../../dagger/src/report/types.js";

/** One app's run: green unless `failures` are given. */
function status(failures: string[] = [], extra: Partial<CiStatus> = {}): CiStatus {
  return {
    passed: failures.length === 0,
    lint: { passed: true, findings: [], unformatted: [] },
    tests: [{ version: "3.12", passed: true, tests: 4, failures: 0, errors: 0, skipped: 0, coverage: 95 }],
    gate: {
      passed: true,
      threshold: 90,
      coverage: 95,
      message: "Combined coverage 95.00% meets the 90% threshold.",
    },
    skipped: [],
    warnings: [],
    ...(failures.length > 0 ? { failures } : {}),
    ...extra,
  };
}

const META = { changes: "2, from pull request #7" };

describe("manyStatus", () => {
  it("puts the failing apps first, each group in the given order, and names the app in every failure", () => {
    const s = manyStatus(
      [
        { app: "libs/core", status: status() },
        { app: "services/api", status: status(["lint: 2 finding(s)", "coverage gate: below 90%"]) },
        { app: "services/admin", error: "No requires-python in services/admin/pyproject.toml." },
        { app: "services/worker", status: status() },
      ],
      [{ app: "services/legacy", reason: "no change to its files" }],
      { ...META, sha: "3f2a9c1d", branch: "feature/x", runUrl: "https://github.com/o/r/actions/runs/1" },
    );
    expect(s.apps.map((a) => [a.app, a.passed])).toEqual([
      ["services/api", false],
      ["services/admin", false],
      ["libs/core", true],
      ["services/worker", true],
    ]);
    expect(s.failures).toEqual([
      "services/api: lint: 2 finding(s)",
      "services/api: coverage gate: below 90%",
      "services/admin: No requires-python in services/admin/pyproject.toml.",
    ]);
    expect(s.passed).toBe(false);
    expect(s.apps[1]).toEqual({
      app: "services/admin",
      passed: false,
      error: "No requires-python in services/admin/pyproject.toml.",
    });
    expect(s).toMatchObject({ sha: "3f2a9c1d", branch: "feature/x", skipped: [{ app: "services/legacy" }] });
  });

  it("passes only when every app passed; a failed app without failure lines still fails, said as such", () => {
    expect(manyStatus([{ app: "a", status: status() }], [], META)).toMatchObject({ passed: true });
    expect(manyStatus([{ app: "a", status: status() }], [], META).failures).toBeUndefined();
    const silent = manyStatus([{ app: "a", status: { ...status(), passed: false } }], [], META);
    expect(silent).toMatchObject({ passed: false, failures: ["a: failed"] });
    // nothing affected: nothing failed
    expect(manyStatus([], [{ app: "a", reason: "no change" }], META)).toMatchObject({
      passed: true,
      apps: [],
    });
  });
});

describe("renderManySummary", () => {
  it("titles the run, tables the apps with their images, says what did not run, then each app's own summary", () => {
    const api = status(["coverage gate: below 90%"], {
      image: { reference: "ghcr.io/o/r/services/api:main@sha256:ab", published: true, tags: ["main"] },
    });
    const text = renderManySummary(
      manyStatus(
        [
          {
            app: "services/worker",
            status: status([], { image: { reference: "worker:local", published: false, tags: [] } }),
          },
          { app: "services/api", status: api },
        ],
        [{ app: "libs/x", reason: "no change to its files, what it uses, or a shared file" }],
        { ...META, branch: "main", runUrl: "https://github.com/o/r/actions/runs/1" },
      ),
    );
    const lines = text.split("\n");
    expect(lines.slice(0, 9)).toEqual([
      "## ❌ CI failed: 1 of 2 apps",
      "",
      "Branch <code>main</code>",
      "",
      "| App | Result | Image |",
      "| --- | --- | --- |",
      "| <code>services/api</code> | ❌ failed | <code>ghcr.io/o/r/services/api:main@sha256:ab</code> |",
      "| <code>services/worker</code> | ✅ passed | <code>worker:local</code> (not published) |",
      "",
    ]);
    expect(text).toContain("Changed files: 2, from pull request \\#7");
    expect(text).toContain("### Not run\n\n- libs/x: no change to its files, what it uses, or a shared file");
    // each app's section is its own summary under its heading, a blank line between them
    expect(text).toContain("### ❌ services/api\n\n| Stage | Result | Detail |\n");
    expect(text).toMatch(/\n\n### ✅ services\/worker\n\n\| Stage/);
    expect(text.indexOf("### ❌ services/api")).toBeLessThan(text.indexOf("### ✅ services/worker"));
    // each app's own title gives way to its heading; the run's link is said once, at the end
    expect(text).not.toContain("## ❌ CI failed\n");
    expect(text.match(/Run and artifacts/g)).toHaveLength(1);
    expect(text.endsWith("Run and artifacts: <https://github.com/o/r/actions/runs/1>\n")).toBe(true);
  });

  it("says why an app could not start, and titles a green run by its count", () => {
    const text = renderManySummary(
      manyStatus(
        [
          { app: "a", error: "No app at 'a'." },
          { app: "b", status: status() },
        ],
        [],
        META,
      ),
    );
    expect(text).toContain("### ❌ a\n\nThe run could not start: No app at 'a'.\n\n### ✅ b\n");
    // the count of failing apps, of all
    const three = manyStatus(
      [
        { app: "a", error: "x" },
        { app: "b", status: status() },
        { app: "c", status: status() },
      ],
      [],
      META,
    );
    expect(renderManySummary(three).split("\n")[0]).toBe("## ❌ CI failed: 1 of 3 apps");
    expect(renderManySummary(manyStatus([{ app: "a", error: "x" }], [], META)).split("\n")[0]).toBe(
      "## ❌ CI failed: 1 of 1 app",
    );
    expect(text).toContain("| <code>a</code> | ❌ failed | ➖ none |");
    expect(renderManySummary(manyStatus([{ app: "b", status: status() }], [], META)).split("\n")[0]).toBe(
      "## ✅ CI passed: 1 app",
    );
    expect(
      renderManySummary(
        manyStatus(
          [
            { app: "b", status: status() },
            { app: "c", status: status() },
          ],
          [],
          META,
        ),
      ).split("\n")[0],
    ).toBe("## ✅ CI passed: 2 apps");
  });
});

describe("renderManyAnnotations", () => {
  it("names each finding by its path from the repository's root", () => {
    const finding = {
      file: "src/api/x.py",
      line: 3,
      column: 1,
      code: "F401",
      message: "unused",
    };
    const text = renderManyAnnotations(
      manyStatus(
        [
          {
            app: "services/api",
            status: status(["lint"], { lint: { passed: false, findings: [finding], unformatted: [] } }),
          },
          { app: "b", error: "x" },
          { app: "c", status: status() },
          {
            app: ".",
            status: status(["lint"], { lint: { passed: false, findings: [finding], unformatted: [] } }),
          },
        ],
        [],
        META,
      ),
    );
    // one line per finding, each a command of its own, each app's paths from the repository's root
    expect(
      text
        .split("\n")
        .filter(Boolean)
        .every((l) => l.startsWith("::error ")),
    ).toBe(true);
    expect(text.split("\n").map((l) => /file=([^,]*)/.exec(l)?.[1])).toEqual([
      "services/api/src/api/x.py",
      "src/api/x.py",
      undefined,
    ]);
  });
});
