/**
 * The summaries against golden files in test/report/golden/. After an intended change, rewrite them with
 * `UPDATE_GOLDEN=1 npx vitest run test/report/render.test.ts` and review the diff.
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { code, text } from "../../dagger/src/report/markdown.js";
import { CI_MARKER, renderCiSummary } from "../../dagger/src/report/render.js";
import { CD_MARKER, renderDeploySummary } from "../../dagger/src/report/render-deploy.js";
import type { CiStatus, DeployStatus, DiffCoverageStatus } from "../../dagger/src/report/types.js";
import { expectGolden } from "../helpers/golden.js";

const GOLDEN = join(dirname(fileURLToPath(import.meta.url)), "golden");

function golden(name: string, actual: string): void {
  expectGolden(join(GOLDEN, name), actual);
}

const SHA = "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f";
const RUN = "https://github.com/octo-org/my-service/actions/runs/123456789";
const DIGEST = "sha256:0d5c2f9b8a7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c";

const ciPass: CiStatus = {
  passed: true,
  lint: { passed: true, findings: [], unformatted: [] },
  tests: ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"].map((version, i) => ({
    version,
    passed: true,
    tests: 42,
    failures: 0,
    errors: 0,
    skipped: i === 5 ? 1 : 0,
    coverage: 96.4 - i * 0.1,
  })),
  gate: { passed: true, threshold: 90, coverage: 96.2, message: "coverage 96.2% meets the 90% threshold" },
  image: {
    reference: `ghcr.io/octo-org/my-service:main@${DIGEST}`,
    digest: DIGEST,
    published: true,
    tags: ["main", "sha-3f2a9c1"],
  },
  scan: {
    passed: true,
    counts: { CRITICAL: 0, HIGH: 2, MEDIUM: 5, LOW: 11, UNKNOWN: 0 },
    scanner: "trivy 0.69.3",
    dbUpdatedAt: "2026-11-26T06:12:40.123Z",
    dbAgeHours: 5,
  },
  smoke: { passed: true, command: "python -m sample_app 2 3", expected: "5", output: "5\n" },
  skipped: [],
  warnings: [],
  runUrl: RUN,
  sha: SHA,
  branch: "main",
};

const ciFail: CiStatus = {
  passed: false,
  lint: {
    passed: false,
    findings: Array.from({ length: 12 }, (_, i) => ({
      file: `src/sample_app/module_${i}.py`,
      line: i + 1,
      column: 5,
      code: i % 2 === 0 ? "F401" : "E501",
      message: i % 2 === 0 ? "`os` imported but unused" : "Line too long (121 > 100)",
    })),
    unformatted: ["src/sample_app/cli.py"],
  },
  tests: [
    { version: "3.12", passed: true, tests: 42, failures: 0, errors: 0, skipped: 0, coverage: 84.2 },
    { version: "3.13", passed: false, tests: 42, failures: 2, errors: 1, skipped: 0, coverage: 83.9 },
    {
      version: "3.14t",
      passed: false,
      tests: 0,
      failures: 0,
      errors: 0,
      skipped: 0,
      error: "uv sync failed: no wheel for pydantic-core on cp314t",
    },
  ],
  gate: {
    passed: false,
    threshold: 90,
    coverage: 84.6,
    message: "coverage 84.6% is below the 90% threshold",
  },
  image: { reference: "ghcr.io/octo-org/my-service:feature-login", published: false, tags: [] },
  scan: {
    passed: false,
    counts: { CRITICAL: 1, HIGH: 3, MEDIUM: 0, LOW: 0, UNKNOWN: 2 },
    failOn: "HIGH",
    scanner: "trivy 0.69.3",
  },
  skipped: [
    { stage: "publish", reason: "no --github-token given" },
    { stage: "smoke", reason: "the image was not published" },
  ],
  warnings: ["PR comment: the token cannot write to this repository (403)"],
  runUrl: RUN,
  sha: SHA,
  branch: "feature/login",
};

const cdPass: DeployStatus = {
  passed: true,
  environment: "production",
  branch: "main",
  image: "ghcr.io/octo-org/my-service:main",
  digest: DIGEST,
  command: "python -m sample_app 2 3",
  expected: "5",
  output: "5\n",
  warnings: [],
  runUrl: RUN,
  sha: SHA,
};

const cdFail: DeployStatus = {
  ...cdPass,
  passed: false,
  environment: "staging",
  branch: "develop",
  image: "ghcr.io/octo-org/my-service:develop",
  digest: undefined,
  output:
    "Traceback (most recent call last):\n  ...\nValueError: invalid literal for int() with base 10: '2'\n",
  warnings: ["image digest unknown: pulled by tag"],
};

/** A report written by an attacker: test names, findings and output that try to break out. */
const hostile =
  "x | y `code` <img src=x onerror=alert(1)> <!-- pipeline:ci --> @octo-org/admins **bold** [l](http://e)";
const ciHostile: CiStatus = {
  ...ciFail,
  lint: {
    passed: false,
    findings: [{ file: "a|b`.py", line: 1, column: 1, code: "X|1", message: hostile }],
    unformatted: ["</details><script>alert(1)</script>"],
  },
  tests: [
    {
      version: "3.12 | injected",
      passed: false,
      tests: 1,
      failures: 1,
      errors: 0,
      skipped: 0,
      error: hostile,
    },
  ],
  gate: { ...ciFail.gate, message: `${hostile}\n| new | row |` },
  smoke: { passed: false, command: "echo ``` | cat", expected: "5", output: `${hostile}\n\n# heading` },
  skipped: [
    { stage: "# not a heading", reason: "x" },
    { stage: "1. not a list", reason: "x" },
    { stage: `- ${hostile}`, reason: "x" },
  ],
  warnings: [hostile],
  runUrl: "javascript:alert(1)",
  branch: "x`<b>y</b>`|@here",
};

describe("renderCiSummary", () => {
  it("hostile report text (golden)", () => {
    golden("ci-summary-hostile.md", renderCiSummary(ciHostile));
  });

  it("a local run with nothing published, scanned or smoke-tested says why", () => {
    const out = renderCiSummary({
      ...ciPass,
      image: undefined,
      scan: undefined,
      smoke: undefined,
      runUrl: undefined,
      sha: undefined,
      branch: undefined,
      skipped: [
        { stage: "build", reason: "no Dockerfile found" },
        { stage: "scan", reason: "nothing to scan" },
      ],
    });
    expect(out).toContain("| Image | ➖ skipped | no Dockerfile found |");
    expect(out).toContain("| Scan | ➖ skipped | nothing to scan |");
    expect(out).toContain("| Smoke run | ➖ skipped | not run |");
    expect(out).not.toContain("Run and artifacts");
  });

  it("each row in the states a reader must tell apart", () => {
    const rows = (status: Partial<CiStatus>) =>
      renderCiSummary({ ...ciPass, ...status })
        .split("\n")
        .filter((l) => l.startsWith("| "));
    const row = (status: Partial<CiStatus>, name: string) =>
      rows(status).find((l) => l.startsWith(`| ${name}`));
    const image = ciPass.image as NonNullable<CiStatus["image"]>;
    expect(
      row({ image: { ...image, signed: true, sbomAttested: true, provenanceAttested: true } }, "Image"),
    ).toContain(" · signed, SBOM and provenance attested");
    expect(row({ image: { ...image, signed: true, provenanceAttested: true } }, "Image")).toContain(
      " · signed, provenance attested",
    );
    const mypy = { mode: "report", errors: 2, findings: [] };
    expect(row({ typecheck: { ...mypy, passed: true } } as Partial<CiStatus>, "Type check")).toContain(
      "| ⚠️ report only |",
    );
    expect(
      row({ typecheck: { ...mypy, mode: "gate", passed: false } } as Partial<CiStatus>, "Type check"),
    ).toContain("| ❌ fail |");
    const gate = { passed: true, threshold: 0, coverage: 96.2, message: "no gate" };
    expect(row({ gate }, "Coverage gate")).toContain("96.2% combined, no gate: no gate |");
    expect(row({ gate: { ...gate, threshold: 90 } }, "Coverage gate")).toContain(
      "96.2% combined, 90% required:",
    );
    const why = (stage: string) => [{ stage, reason: `${stage} skipped` }];
    expect(row({ image: undefined, skipped: why("image") }, "Image")).toBe(
      "| Image | ➖ skipped | image skipped |",
    );
    expect(row({ dependencies: undefined, skipped: why("dependencies") }, "Image dependencies")).toContain(
      "| dependencies skipped |",
    );
    expect(row({ dependencies: undefined, skipped: why("build") }, "Image dependencies")).toContain(
      "| build skipped |",
    );
    const smoke = { command: "app --check", expected: "", output: "  boom \n" };
    expect(row({ smoke: { ...smoke, passed: true } }, "Smoke run")).toContain(
      "<code>app --check</code> exited 0 |",
    );
    expect(row({ smoke: { ...smoke, passed: false } }, "Smoke run")).toContain(
      "<code>app --check</code> failed: <code>boom</code> |",
    );
  });

  it("lists the stages that could not run, before what was skipped", () => {
    const out = renderCiSummary({
      ...ciPass,
      passed: false,
      errors: ["publish: denied: permission_denied: write_package"],
      skipped: [{ stage: "publish", reason: "the push failed: denied" }],
    });
    expect(out).toContain("### Errors\n\n- publish: denied: permission\\_denied: write\\_package");
    expect(out.indexOf("### Errors")).toBeLessThan(out.indexOf("### Skipped"));
    expect(renderCiSummary(ciPass)).not.toContain("### Errors");
  });

  it("names the interpreter each leg ran on, the GIL for 3.13+, and a flaky version as neither pass nor fail", () => {
    const rows = tableRows(
      renderCiSummary({
        ...ciPass,
        tests: [
          { version: "3.12", passed: true, tests: 5, failures: 0, errors: 0, skipped: 0, python: "3.12.11" },
          {
            version: "3.14t",
            passed: true,
            tests: 5,
            failures: 0,
            errors: 0,
            skipped: 0,
            python: "3.14.0",
            gil: false,
          },
          {
            version: "3.13",
            passed: true,
            flaky: true,
            tests: 5,
            failures: 0,
            errors: 0,
            skipped: 0,
            python: "3.13.5",
            gil: true,
            error: "failed on the first run (tests failed), passed on a fresh rerun",
          },
        ],
      }),
    );
    expect(rows[3]).toBe(
      "| Tests, Python 3.12 | ✅ pass | 5 tests, 0 failures, 0 errors, 0 skipped · CPython 3.12.11 |",
    );
    expect(rows[4]).toContain("· CPython 3.14.0, GIL off |");
    expect(rows[5]).toMatch(
      /^\| Tests, Python 3\.13 \| ⚠️ flaky \| .* · CPython 3\.13\.5, GIL on · failed on the first run/,
    );
  });

  it("names each failed test once, with the versions it failed on and its message, at most ten", () => {
    const failing = (version: string, names: string[]) => ({
      version,
      passed: false,
      tests: 20,
      failures: names.length,
      errors: 0,
      skipped: 0,
      failedTests: names.map((test) => ({ test, message: `assert ${test} | <b>` })),
    });
    const many = Array.from({ length: 12 }, (_, i) => `tests/test_x.py::test_${i}`);
    const out = renderCiSummary({
      ...ciFail,
      tests: [
        failing("3.12", ["tests/test_a.py::test_one"]),
        failing("3.14t", ["tests/test_a.py::test_one", ...many]),
      ],
    });
    const start = out.indexOf("### Failed tests");
    const section = out.slice(start, out.indexOf("\n\n<details>", start));
    expect(section).toContain(
      "- <code>tests/test\\_a.py::test\\_one</code> (3.12, 3.14t): assert tests/test\\_a.py::test\\_one &#124; &lt;b&gt;",
    );
    expect(section.match(/^- <code>/gm)).toHaveLength(10);
    expect(section).toContain("- … and 3 more in the junit reports (artifacts)");
  });

  it("folds the least-covered files, with paths a reader can open and the missing lines", () => {
    const out = renderCiSummary({
      ...ciFail,
      app: "sample-app",
      gate: {
        ...ciFail.gate,
        leastCovered: [{ file: "src/app/cli.py", display: "61.54", missing: "10-12, 40" }],
      },
    });
    expect(out).toContain("<details><summary>Least-covered files (1)</summary>");
    expect(out).toContain("| <code>sample-app/src/app/cli.py</code> | 61.54% | 10-12, 40 |");
    expect(out).toContain("All files: coverage.txt in the reports.");
  });

  it("lists at most ten findings and says how many more", () => {
    const out = renderCiSummary(ciFail);
    expect(out.match(/^- <code>src\/sample\\_app\/module/gm)).toHaveLength(10);
    expect(out).toContain("- … and 2 more in the ruff report (artifacts)");
  });

  it("depends on the status alone: not on the clock, and it leaves its input as it was", () => {
    const before = structuredClone(ciFail);
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2020-01-01T00:00:00Z") });
    const then = renderCiSummary(ciFail);
    vi.setSystemTime(new Date("2031-06-15T12:00:00Z"));
    const later = renderCiSummary(ciFail);
    vi.useRealTimers();
    expect(later).toBe(then);
    expect(ciFail).toEqual(before);
  });
});

describe("the changed lines' coverage in the summary", () => {
  const base: DiffCoverageStatus = {
    passed: true,
    pullRequest: 7,
    coverage: 75,
    display: "75.0",
    lines: 4,
    covered: 3,
    uncovered: [{ file: "sample-app/src/sample_app/cli.py", lines: "12" }],
    notMeasured: [],
    skipped: 2,
    files: 3,
  };
  const many: DiffCoverageStatus = {
    passed: false,
    threshold: 80,
    pullRequest: 7,
    coverage: (41 * 100) / 57,
    display: "71.9",
    lines: 57,
    covered: 41,
    uncovered: [
      { file: "sample-app/src/sample_app/calculator.py", lines: "10-12, 15, 40-44" },
      { file: "sample-app/src/sample_app/cli.py", lines: "58" },
      { file: "sample-app/src/sample_app/x|`<b>`@here.py", lines: "1-3" },
      { file: "sample-app/src/sample_app/z.py", lines: "7, 9" },
    ],
    notMeasured: [
      {
        file: "sample-app/src/sample_app/generated.py",
        reason: "GitHub sent no patch (a binary file, or a diff too large to show)",
      },
    ],
    skipped: 12,
    files: 18,
    truncated: true,
  };

  it("a gate below its threshold, files to read folded, hostile file names inert (golden)", () => {
    golden("ci-summary-diff.md", renderCiSummary({ ...ciPass, passed: false, diffCoverage: many }));
  });

  it("report-only: the figure, the counts and the pull request in one row, and a short list left open", () => {
    const out = renderCiSummary({ ...ciPass, diffCoverage: base });
    expect(out).toContain(
      "| Changed lines | ✅ pass | 75.0% of the changed executable lines covered (3 of 4) in PR #7 · report-only · 2 files without a changed executable line |",
    );
    expect(out).toContain(
      "### Changed lines not covered (1 file)\n\n- <code>sample-app/src/sample\\_app/cli.py:12</code>\n",
    );
    expect(out).not.toContain("<details><summary>Changed lines");
    // the row sits right after the coverage gate's
    const rows = out.split("\n").filter((l) => l.startsWith("| "));
    expect(rows.findIndex((r) => r.startsWith("| Changed lines"))).toBe(
      rows.findIndex((r) => r.startsWith("| Coverage gate")) + 1,
    );
  });

  it.each<[string, Partial<DiffCoverageStatus>, string]>([
    [
      "no token",
      { pullRequest: undefined, reason: "no --github-token given", skipped: 0 },
      "| Changed lines | ➖ no figure | no --github-token given |",
    ],
    [
      "no pull request, under a threshold",
      { pullRequest: undefined, reason: "no open pull request has head 3f2a9c1", threshold: 80, skipped: 0 },
      "| Changed lines | ➖ no figure | no open pull request has head 3f2a9c1 · --diff-threshold 80% not applied |",
    ],
    [
      "nothing executable changed",
      {
        reason:
          "no changed line is one coverage.py measures (no statement of the app's measured code changed)",
      },
      "| Changed lines | ➖ no figure | no changed line is one coverage.py measures (no statement of the app's measured code changed) in PR #7 · 2 files without a changed executable line |",
    ],
  ])("%s: the row says why there is no figure", (_n, change, expected) => {
    const diff = {
      ...base,
      coverage: undefined,
      display: undefined,
      lines: 0,
      covered: 0,
      uncovered: [],
      ...change,
    };
    const out = renderCiSummary({ ...ciPass, diffCoverage: diff });
    expect(out).toContain(expected);
    expect(out).not.toContain("Changed lines not covered");
  });

  it("no diffCoverage in the status (an older status.json): no row at all", () => {
    expect(renderCiSummary(ciPass)).not.toContain("Changed lines");
  });

  it("names at most 30 files, and where the rest are", () => {
    const uncovered = Array.from({ length: 35 }, (_, i) => ({ file: `f${i}.py`, lines: "1" }));
    const out = renderCiSummary({ ...ciPass, diffCoverage: { ...base, uncovered } });
    expect(out.match(/^- <code>f\d+\.py:1<\/code>$/gm)).toHaveLength(30);
    expect(out).toContain("- … and 5 more in status.json (diffCoverage)");
  });
});

// The passing and failing runs are shown, generated from the real code path, in docs/pr-comments.md
// (test/docs/examples.test.ts); these tests pin the details a reader relies on.
describe("renderDeploySummary", () => {
  it("a passing deploy: heading, environment, image and digest, and the output that matched", () => {
    const out = renderDeploySummary(cdPass);
    expect(out.startsWith("## ✅ Verified and smoke-tested for production\n")).toBe(true);
    expect(out).toContain("| Status | ✅ pass |");
    expect(out).toContain("(matches)");
  });

  it("a failing deploy: what it printed against what was expected, and the warnings", () => {
    const out = renderDeploySummary(cdFail);
    expect(out).toMatch(/^## ❌ Deploy to \S+ failed\n/);
    expect(out).toContain("(differs)");
    expect(out).toContain("### Warnings");
  });

  // The whole comment a reviewer reads, every optional row shown once: the signature and revision label when
  // checked (an image without the label says so), the commit and digest when known, the output trimmed.
  it("a signed deploy whose image carries no revision label, as a reviewer reads it", () => {
    golden(
      "cd-summary-signed.md",
      renderDeploySummary({
        ...cdPass,
        signature: "verified: keyless, signed by the cd workflow",
        revision: "",
        expected: " 5 \n",
        output: "\n5\n",
      }),
    );
  });

  it("a failed deploy with no commit or digest known, as a reviewer reads it", () => {
    golden(
      "cd-summary-unknown.md",
      renderDeploySummary({ ...cdFail, sha: "", revision: SHA, runUrl: undefined }),
    );
  });
});

/** Table rows of a rendered summary: the lines starting with `|`. */
function tableRows(markdown: string): string[] {
  return markdown.split("\n").filter((line) => line.startsWith("|"));
}

/** Cell separators as GFM sees them: `|` not preceded by a backslash. */
function cells(row: string): number {
  return row.split(/(?<!\\)\|/).length - 2;
}

describe("escaping hostile report text", () => {
  const ci = renderCiSummary(ciHostile);
  const cd = renderDeploySummary({ ...cdFail, output: hostile, command: "a | b", branch: "<b>x</b>" });

  it("cannot add or split table cells", () => {
    for (const row of tableRows(ci)) expect(cells(row), row).toBe(3);
    for (const row of tableRows(cd)) expect(cells(row), row).toBe(2);
  });

  it("cannot open HTML, a comment that hides the rest, or our marker", () => {
    for (const out of [ci, cd]) {
      expect(out).not.toMatch(/<(img|script|b|!--)/i);
      expect(out).not.toContain("</details><script>");
      expect(out).not.toContain(CI_MARKER);
      expect(out).not.toContain(CD_MARKER);
    }
    // our own tags are the only raw HTML left
    const tags = new Set(ci.match(/<\/?[a-z]+/g));
    expect([...tags].sort()).toEqual(["</code", "</details", "</summary", "<code", "<details", "<summary"]);
  });

  it("cannot mention anyone, start a code span, emphasis, a link, a heading or a list", () => {
    expect(ci.replace(/<code>.*?<\/code>/g, "")).not.toMatch(/@[a-z]/i);
    expect(ci.replace("`ruff format`", "")).not.toMatch(/(?<!\\)`/); // the only backticks are ours
    expect(ci).not.toMatch(/(?<!\\)\*\*/);
    expect(ci).not.toMatch(/(?<!\\)\[l(?<!\\)\]/);
    expect(ci).not.toMatch(/^- #/m);
    expect(ci).toContain("- \\# not a heading");
    expect(ci).toContain("- 1\\. not a list");
    expect(ci).toContain("- \\- x");
  });

  it("does not link a URL that is not http(s)", () => {
    expect(ci).toContain("Run and artifacts: javascript:alert(1)");
    expect(ci).not.toContain("<javascript:");
  });

  it.each([
    ["a|b", "a&#124;b"],
    ["<b>", "&lt;b&gt;"],
    ["&lt;", "&amp;lt;"],
    ["`x`", "\\`x\\`"],
    ["*a* _b_ ~c~", "\\*a\\* \\_b\\_ \\~c\\~"],
    ["[a](b)", "\\[a\\](b)"],
    ["back\\slash", "back\\\\slash"],
    ["@user", "@&#8203;user"],
    ["line\nbreak\r\nx", "line break x"],
    ["# h", "\\# h"],
    ["- item", "\\- item"],
    ["--flag", "--flag"],
    ["3.12", "3.12"],
    ["+ item", "\\+ item"],
    ["12. item", "12\\. item"],
    ["plain text 1.5", "plain text 1.5"],
  ])("text(%j) is %j", (input, output) => {
    expect(text(input)).toBe(output);
  });

  it("code() wraps escaped text and shows an empty value", () => {
    expect(code("a|`b`")).toBe("<code>a&#124;\\`b\\`</code>");
    // no zero-width space in code: GitHub does not mention inside <code>, and a reference must copy exactly
    expect(code("img@sha256:ab @me")).toBe("<code>img@sha256:ab @me</code>");
    expect(code("")).toBe("<em>(empty)</em>");
  });
});

// Every row in each of its states, whole, as a reviewer reads the comment: the goldens above cover a passing
// run, a failing one and hostile text; these are the states between (report-only findings, a flaky leg, a leg
// whose service never came up, an image built but not pushed, an old scan DB, dependencies that differ).
describe("the CI summary's less common rows", () => {
  const edges: CiStatus = {
    ...ciFail,
    lint: { passed: false, findings: [], unformatted: [], error: "ruff: unrecognized option '--foo'" },
    typecheck: {
      passed: true,
      mode: "report",
      errors: 1,
      findings: [
        {
          file: "src/sample_app/cli.py",
          line: 3,
          column: 1,
          severity: "error",
          code: "arg-type",
          message: "bad",
        },
        {
          file: "src/sample_app/cli.py",
          line: 3,
          column: 1,
          severity: "note",
          code: "",
          message: "see here",
        },
      ],
    },
    tests: [
      {
        version: "3.13",
        passed: true,
        flaky: true,
        tests: 42,
        failures: 0,
        errors: 0,
        skipped: 0,
        coverage: 91.25,
        coverageDisplay: "91.25",
        python: "3.13.9",
        gil: true,
        error: "first run: 1 failure",
      },
      {
        version: "3.14t",
        passed: true,
        tests: 42,
        failures: 0,
        errors: 0,
        skipped: 0,
        python: "3.14.0",
        gil: false,
      },
      {
        version: "3.14",
        passed: false,
        tests: 0,
        failures: 0,
        errors: 0,
        skipped: 0,
        serviceNotReady: { service: "postgres", timeoutSeconds: 90, last: "starting up" },
        error: "service postgres never became ready within 90s (last output: starting up)",
      },
    ],
    services: ["postgres", "redis"],
    gate: { ...ciFail.gate, display: "84.60" },
    image: {
      reference: "my-service:feature-login",
      digest: DIGEST,
      published: false,
      tags: [],
    },
    scan: {
      passed: true,
      counts: { CRITICAL: 0, HIGH: 1, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
      scanner: "trivy 0.69.3",
      dbUpdatedAt: "2026-11-20T06:12:40Z",
      dbAgeHours: 72,
    },
    dependencies: {
      passed: false,
      python: "3.14",
      count: 12,
      differences: ["a 1 != 2", "b 1 != 2", "c 1 != 2", "d 1 != 2", "e 1 != 2", "f only in the image"],
    },
    smoke: { passed: false, command: "python -m sample_app 2 3", expected: "5", output: "  6\n" },
    errors: ["push: the registry refused the token (401)"],
  };

  it("report-only findings, flaky and not-ready legs, an unpushed image, an old DB, differing dependencies", () => {
    golden("ci-summary-edges.md", renderCiSummary(edges));
  });

  it("stages skipped without a recorded reason, a signed image with its page, a DB of unknown age", () => {
    const quiet: CiStatus = {
      ...ciPass,
      typecheck: { passed: false, mode: "gate", errors: 0, findings: [], error: "mypy: error: bad config" },
      image: {
        reference: "ghcr.io/octo-org/my-service:main",
        digest: DIGEST,
        published: true,
        tags: ["main"],
        signed: true,
        sbomAttested: true,
        page: "https://github.com/octo-org/my-service/pkgs/container/my-service",
      },
      scan: {
        ...(ciPass.scan as NonNullable<CiStatus["scan"]>),
        dbUpdatedAt: undefined,
        dbAgeHours: undefined,
      },
      dependencies: { passed: true, python: "3.14", count: 12, differences: [] },
      smoke: undefined,
    };
    golden("ci-summary-signed.md", renderCiSummary(quiet));
    const skipped = renderCiSummary({
      ...ciPass,
      image: undefined,
      scan: undefined,
      smoke: undefined,
      dependencies: undefined,
    });
    expect(tableRows(skipped).slice(-4)).toEqual([
      "| Image | ➖ skipped | not built |",
      "| Scan | ➖ skipped | not run |",
      "| Image dependencies | ➖ skipped | not compared |",
      "| Smoke run | ➖ skipped | not run |",
    ]);
    const signedOnly = renderCiSummary({
      ...quiet,
      image: { ...(quiet.image as NonNullable<CiStatus["image"]>), sbomAttested: false },
    });
    expect(signedOnly).toContain(" · signed · package:");
  });

  it("at the boundaries: a DB turns from hours to days at 48 h, five differences are all shown, a clean report-only check passes", () => {
    const scan = (dbAgeHours: number) =>
      renderCiSummary({ ...edges, scan: { ...(edges.scan as NonNullable<CiStatus["scan"]>), dbAgeHours } });
    expect(scan(47)).toContain("UTC, 47 h old |");
    expect(scan(48)).toContain("UTC, 2 days old |");
    const deps = edges.dependencies as NonNullable<CiStatus["dependencies"]>;
    const five = renderCiSummary({
      ...edges,
      dependencies: { ...deps, differences: deps.differences.slice(0, 5) },
    });
    expect(five).toContain(
      "5 differences from the tested environment: a 1 != 2; b 1 != 2; c 1 != 2; d 1 != 2; e 1 != 2 |",
    );
    const clean = renderCiSummary({
      ...edges,
      typecheck: { passed: true, mode: "report", errors: 0, findings: [] },
    });
    expect(clean).toContain("| Type check | ✅ pass | 0 errors (report only) |");
  });

  it("lists at their limits: failed tests across versions, least-covered files of an app in a folder, lint findings and files to reformat, image facts", () => {
    const failing = (version: string, count: number) => ({
      version,
      passed: false,
      tests: 20,
      failures: count,
      errors: 0,
      skipped: 0,
      failedTests: Array.from({ length: count }, (_, i) => ({
        test: `tests/test_app.py::test_${i}`,
        message: i === 0 ? "" : `assert ${i} == 0`,
      })),
    });
    const lists: CiStatus = {
      ...ciFail,
      app: "services/api",
      tests: [failing("3.12", 11), failing("3.13", 1)],
      gate: {
        ...ciFail.gate,
        leastCovered: [
          { file: "src/api/db.py", display: "61.5", missing: "12-20, 31" },
          { file: "src/api/cli.py", display: "88.0", missing: "" },
        ],
      },
      lint: {
        passed: false,
        findings: ciFail.lint.findings.slice(0, 10),
        unformatted: Array.from({ length: 11 }, (_, i) => `src/api/m${i}.py`),
      },
      image: {
        reference: "ghcr.io/octo-org/api:main",
        published: true,
        tags: [],
        facts: { user: "", nonRoot: false, sizeBytes: 52_480_000, layers: 7, base: "python:3.14-slim" },
      },
    };
    golden("ci-summary-lists.md", renderCiSummary(lists));
    const nonRoot = renderCiSummary({
      ...lists,
      app: ".",
      image: {
        ...(lists.image as NonNullable<CiStatus["image"]>),
        facts: { user: "app", nonRoot: true, sizeBytes: 512 },
      },
    });
    expect(nonRoot).toContain(
      "| Image | ✅ published | <code>ghcr.io/octo-org/api:main</code> · 512 B · user <code>app</code> |",
    );
    expect(nonRoot).toContain("| <code>src/api/db.py</code> | 61.5% | 12-20, 31 |");
    // exactly ten of each: all listed, no "… and N more"
    const ten = renderCiSummary({
      ...lists,
      tests: [failing("3.12", 10)],
      lint: { ...lists.lint, unformatted: lists.lint.unformatted.slice(0, 10) },
    });
    expect(ten).toContain("tests/test\\_app.py::test\\_9");
    expect(ten).toContain("src/api/m9.py");
    expect(ten).not.toContain("… and");
  });
});
