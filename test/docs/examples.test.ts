/**
 * The example comments in docs/pipeline.md and docs/pr-comments.md are generated, not written: each is what the real
 * module renders for a scripted run through the real code path (the SDK's invocation path against the
 * stand-in engine, answering with the tools' real outputs; the real Octokit against the fake GitHub). The
 * text between `<!-- example:NAME -->` and `<!-- /example:NAME -->` must equal it; `npm run docs` rewrites it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type Engine, secretId, startEngine } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { callPipeline } from "../helpers/invoke.js";
import { SCENARIO_SHA, type Scenario, scenario, upstream } from "../helpers/scenario.js";
import { throughMergedReports } from "../plan/combined-coverage.js";

const ROOT = join(import.meta.dirname, "..", "..");
const UPDATE = process.env.UPDATE_DOCS === "1";
const REPOSITORY = "octo-org/my-service";
const RUN_URL = "https://github.com/octo-org/my-service/actions/runs/123456789";
/**
 * The examples' clock: the DB age, the created label and so the digests stay the same from run to run. It is
 * set a few hours after the Trivy DB of the upstream fixture (trivy-version.json) was built.
 */
const NOW = new Date("2022-03-02T11:00:00Z");

let gh: FakeGitHub;
const engines: Engine[] = [];

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ["Date"], now: NOW });
  gh = new FakeGitHub({ owner: "octo-org", repo: "my-service" });
  await gh.start();
  // The module talks to https://api.github.com, as on GitHub (so the signing identity is github.com's); the
  // fetch Octokit uses is routed to the local fake. Nothing else goes through global fetch here.
  const realFetch = globalThis.fetch;
  vi.stubGlobal("fetch", (input: string | URL | Request, init?: RequestInit) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith("https://api.github.com/")) throw new Error(`no network in tests: ${url}`);
    return realFetch(`${gh.baseUrl}/${url.slice("https://api.github.com/".length)}`, init);
  });
  gh.addPull({ number: 42, ref: "feature/login", sha: SCENARIO_SHA });
  gh.commitPulls.set(SCENARIO_SHA, [42]);
  // The pull request's changes, measured against the sample app's coverage: two statements of split_flags
  // changed (both executed), its test and the README changed too (no executable line), and a binary file.
  gh.files.set(42, [
    gh.file({ filename: "sample-app/src/sample_app/cli.py", patch: CLI_PATCH }),
    gh.file({
      filename: "sample-app/tests/test_cli.py",
      patch: "@@ -1,2 +1,3 @@\n import sys\n+import pytest\n \n",
    }),
    gh.file({
      filename: "README.md",
      patch: "@@ -1 +1 @@\n-# Python service pipeline\n+# Python service pipeline!",
    }),
    gh.file({ filename: "docs/pipeline.png", status: "added" }),
  ]);
});

/** A change to sample-app/src/sample_app/cli.py's split_flags (lines 58 and 60 of the new file). */
const CLI_PATCH = [
  "@@ -55,9 +55,9 @@ def split_flags(argv: Sequence[str]) -> list[str]:",
  "     values: list[str] = []",
  "     remaining = iter(argv)",
  "     for arg in remaining:",
  '-        if arg == "--":',
  '+        if arg == "--":  # the user\'s own end of the options',
  "             values.extend(remaining)",
  '-        elif arg in _FLAGS or arg.startswith("--"):',
  '+        elif arg.startswith("--") or arg in _FLAGS:',
  "             options.append(arg)",
  "         else:",
  "             values.append(arg)",
].join("\n");

afterAll(async () => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
  await Promise.all(engines.map((e) => e.close()));
  await gh.close();
});

async function call(s: Scenario, fnName: string, fnArgs: Record<string, unknown>): Promise<string> {
  const engine = await startEngine(throughMergedReports(scenario({ ...s, secret: gh.token })));
  engines.push(engine);
  // ci prints its summary; ci-run and deploy return an object whose summary it is
  const value = await callPipeline(engine, fnName, fnArgs);
  return typeof value === "string" ? value : String((value as { summary: string }).summary);
}

const github = () => ({
  repository: REPOSITORY,
  sha: SCENARIO_SHA,
  runUrl: RUN_URL,
  githubToken: secretId("GITHUB_TOKEN"),
  githubApiUrl: "https://api.github.com",
});
const publish = {
  publish: true,
  registryUsername: "octo-org",
  registryPassword: secretId("GITHUB_TOKEN"),
  sign: true,
  oidcRequestUrl: "https://pipelines.actions.githubusercontent.com/abc/idtoken?api-version=2.0",
  oidcRequestToken: secretId("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
};

/** Each example: how it is made, and what it shows. */
const EXAMPLES: Record<string, () => Promise<string>> = {
  "ci-pass": () =>
    call({ lock: true, suite: "sample-app" }, "ci", {
      ...github(),
      ...publish,
      branch: "main",
      event: "push",
      exitZero: true,
    }),
  "ci-fail": () =>
    call(
      {
        lock: true,
        suite: "sample-app",
        versions: { "3.12": "fail", "3.14t": "segv", "3.13": "flaky" },
        ruffCheck: upstream("ruff-check.json"),
        ruffFormat: { stdout: upstream("ruff-format-check.json"), exit: 1 },
      },
      "ci",
      { ...github(), ...publish, branch: "feature/login", event: "pull_request", exitZero: true },
    ),
  "cd-pass": () => call({}, "deploy", { ...github(), branch: "main", event: "push", exitZero: true }),
  "cd-fail": () =>
    call({ unsigned: true }, "deploy", {
      ...github(),
      branch: "feature/login",
      event: "pull_request",
      exitZero: true,
    }),
};

const rendered = new Map<string, string>();

beforeAll(async () => {
  for (const [name, make] of Object.entries(EXAMPLES)) rendered.set(name, await make());
}, 120_000);

/** The block between the markers, as a file shows it: headings one level down, or quoted. */
function block(markdown: string, quote: boolean): string {
  const shifted = markdown.trimEnd().replace(/^## /gm, "### ");
  return quote ? shifted.replace(/^/gm, "> ").replace(/^> $/gm, ">") : shifted;
}

function regions(text: string): Map<string, { start: number; end: number }> {
  const found = new Map<string, { start: number; end: number }>();
  for (const m of text.matchAll(/<!-- example:([a-z-]+) -->\n/g)) {
    const name = m[1] as string;
    const start = (m.index ?? 0) + m[0].length;
    const end = text.indexOf(`<!-- /example:${name} -->`, start);
    if (end < 0) throw new Error(`<!-- example:${name} --> is not closed`);
    found.set(name, { start, end });
  }
  return found;
}

describe.each([
  ["docs/pr-comments.md", false, ["ci-pass", "ci-fail", "cd-pass", "cd-fail"]],
  ["docs/pipeline.md", true, ["ci-pass"]],
] as const)("%s", (path, quote, names) => {
  it(`shows ${names.join(", ")} exactly as the module renders them (npm run docs rewrites them)`, () => {
    const file = join(ROOT, path);
    let text = readFileSync(file, "utf8");
    const found = regions(text);
    expect([...found.keys()].sort()).toEqual([...names].sort());
    for (const name of [...names].reverse()) {
      const region = found.get(name);
      const markdown = rendered.get(name);
      if (!region || markdown === undefined) throw new Error(`no example ${name}`);
      const expected = `${block(markdown, quote)}\n`;
      if (UPDATE) text = text.slice(0, region.start) + expected + text.slice(region.end);
      else expect(text.slice(region.start, region.end), `${path} ${name}: run npm run docs`).toBe(expected);
    }
    if (UPDATE) writeFileSync(file, text);
  });
});

describe("the examples show what they are chosen for", () => {
  it("a passing run publishes and signs; a failing one names the killed test process and the flaky version", () => {
    expect(rendered.get("ci-pass")).toContain("## ✅ CI passed");
    expect(rendered.get("ci-pass")).toContain("signed, SBOM and provenance attested");
    expect(rendered.get("ci-pass")).toContain(
      "| Changed lines | ✅ pass | 100.0% of the changed executable lines covered (2 of 2) in PR #42 · report-only · 1 file not measured · 2 files without a changed executable line |",
    );
    const fail = rendered.get("ci-fail") ?? "";
    expect(fail).toContain("## ❌ CI failed");
    expect(fail).toContain("pytest was killed by signal 11 (segmentation fault)");
    expect(fail).toContain("⚠️ flaky");
    expect(fail).toContain("a gate failed, so nothing was pushed");
  });

  it("a deploy verifies before it runs, and a refused image says why", () => {
    expect(rendered.get("cd-pass")).toContain("## ✅ Verified and smoke-tested for production");
    expect(rendered.get("cd-pass")).toContain("| Signature | signed by");
    expect(rendered.get("cd-fail")).toContain("refused: the signature of");
  });
});
