/**
 * `ci` with --apps on the generated monorepo (helpers/multi-app.ts): which apps a change runs, each app's own image
 * name, one report and one comment for the whole run, a failing app named, and the apps running side by side (the
 * critical path is the slowest app's, measured on the stand-in's virtual clock).
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { globRegex } from "../../dagger/src/settings/project.js";
import { timedEngine } from "../helpers/critical-path.js";
import {
  type Chain,
  enginesPerTest,
  execs,
  find,
  leafOf,
  type Resolver,
  secretId,
} from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { callPipeline } from "../helpers/invoke.js";
import { MULTI_APP_REPO } from "../helpers/multi-app.js";
import { runsScript, SCENARIO_SHA, type Scenario, scenario } from "../helpers/scenario.js";

const startEngine = enginesPerTest();
const FILES = MULTI_APP_REPO;
/** The harness's default is the sample's smoke run; with --apps each app's own import check is the smoke run. */
const OWN_SMOKE = { smokeCommand: "", smokeExpect: "" };
const TOKEN = "ghp_fakeTokenValue1234567890abcdef";

/** The app folder a container works in, from its workdir. */
const appOf = (chain: Chain) =>
  String(find(chain, "withWorkdir").at(-1)?.args.path ?? "").replace(/^\/src\/?/, "") || ".";

/** The monorepo's files for every read without an exec; the scripted tools for the rest (`failing` apps red). */
function monorepo(s: Scenario = {}, failing: string[] = []): Resolver {
  const green = scenario({ smoke: "", secret: TOKEN, ...s });
  const red = scenario({
    smoke: "",
    secret: TOKEN,
    ...s,
    versions: { "3.12": "fail", "3.13": "fail", "3.14": "fail" },
  });
  return (chain) => {
    const { field, args } = leafOf(chain);
    if (execs(chain).length === 0) {
      // the host's /repo is the repository's root; a directory under it is a folder of it
      const below = find(chain, "directory")
        .map((c) => String(c.args.path))
        .filter((p) => !p.startsWith("/"));
      const folder = below.length === 0 ? "." : below.join("/");
      const inFolder = (p: string) => (folder === "." ? p : `${folder}/${p}`);
      if (field === "glob") {
        const re = globRegex(String(args.pattern));
        const under = Object.keys(FILES)
          .filter((p) => folder === "." || p.startsWith(`${folder}/`))
          .map((p) => (folder === "." ? p : p.slice(folder.length + 1)));
        return under.filter((p) => re.test(p));
      }
      if (field === "exists") return inFolder(String(args.path)) in FILES;
      if (field === "contents") {
        const path = inFolder(String(find(chain, "file").at(-1)?.args.path));
        if (path in FILES) return FILES[path];
      }
    }
    return (failing.includes(appOf(chain)) ? red : green)(chain);
  };
}

let gh: FakeGitHub;
beforeEach(async () => {
  gh = new FakeGitHub({ token: TOKEN });
  await gh.start();
  gh.addPull({ number: 7, ref: "feature/x", sha: SCENARIO_SHA });
  gh.commitPulls.set(SCENARIO_SHA, [7]);
});
afterEach(async () => {
  await gh.close();
});

/** A pull request changing `files`, with the token that lets ci read them and comment. */
const pullRequest = (files: string[]) => {
  gh.files.set(
    7,
    files.map((filename) => gh.file({ filename })),
  );
  return {
    repository: `${gh.owner}/${gh.repo}`,
    githubToken: secretId("GITHUB_TOKEN"),
    githubApiUrl: gh.apiUrl,
    branch: "feature/x",
    sha: SCENARIO_SHA,
  };
};

type Run = { passed: boolean; summary: string; status: string; reports: string };

async function ci(args: Record<string, unknown>, resolver: Resolver = monorepo()) {
  const engine = await startEngine(resolver);
  const run = (await callPipeline(engine, "ciRun", {
    exitZero: true,
    apps: ["*"],
    threshold: 70,
    ...OWN_SMOKE,
    ...args,
  })) as Run;
  const status = JSON.parse(run.status) as {
    passed: boolean;
    apps: { app: string; passed: boolean; status?: { image?: { reference: string } } }[];
    skipped: { app: string; reason: string }[];
    failures?: string[];
    changes: string;
  };
  const tested = (app: string) =>
    engine.queries.some((q) => execs(q).some(runsScript("run_tests.sh")) && appOf(q) === app);
  return { engine, run, status, tested };
}

describe("ci --apps: only what a change touches runs", () => {
  it("a change to libs/core runs it and every app that uses it, and not services/admin", async () => {
    const { status, tested } = await ci(pullRequest(["libs/core/src/core/__init__.py"]));
    expect(status.apps.map((a) => a.app).sort()).toEqual([
      "libs/core",
      "services/api",
      "services/legacy",
      "services/worker",
    ]);
    expect(status.skipped).toEqual([
      { app: "services/admin", reason: "no change to its files, what it uses, or a shared file" },
    ]);
    expect(status.changes).toBe("1, from pull request #7");
    // read once for the whole run: which apps run, and each app's changed-line coverage
    expect(gh.requests.filter((r) => r.path.endsWith("/pulls/7/files"))).toHaveLength(1);
    expect(tested("services/api")).toBe(true);
    expect(tested("services/admin")).toBe(false);
    expect(status.passed, JSON.stringify(status.failures)).toBe(true);
  });

  it("a change to one app's test runs that app alone", async () => {
    const { status, tested } = await ci(pullRequest(["services/api/tests/test_api.py"]));
    expect(status.apps.map((a) => a.app)).toEqual(["services/api"]);
    expect(status.skipped.map((s) => s.app)).toEqual([
      "libs/core",
      "services/admin",
      "services/legacy",
      "services/worker",
    ]);
    expect(["libs/core", "services/worker"].some(tested)).toBe(false);
  });

  it("the root lock runs the workspace's members; listed as shared, every app", async () => {
    const members = await ci(pullRequest(["uv.lock"]));
    expect(members.status.apps.map((a) => a.app).sort()).toEqual([
      "libs/core",
      "services/admin",
      "services/api",
      "services/worker",
    ]);
    // services/legacy has its own lock
    expect(members.status.skipped.map((s) => s.app)).toEqual(["services/legacy"]);
    const all = await ci({ ...pullRequest(["uv.lock"]), shared: ["uv.lock"] });
    expect(all.status.apps).toHaveLength(5);
    expect(all.status.skipped).toEqual([]);
  });

  it("without a token the changes are not known: every app runs, and the summary says why", async () => {
    const { status, run } = await ci({});
    expect(status.apps).toHaveLength(5);
    expect(status.changes).toBe("not known (give --github-token and --sha): every app runs");
    expect(run.summary).toContain("Changed files: not known (give --github-token and --sha): every app runs");
  });
});

describe("ci --apps: each app its own image, one report", () => {
  it("publishes each app with a Dockerfile under its own name, never two apps at one name", async () => {
    const { engine, status } = await ci({
      ...pullRequest(["libs/core/src/core/__init__.py"]),
      publish: true,
      event: "push",
      branch: "main",
      registryUsername: "octocat",
      registryPassword: secretId("GITHUB_TOKEN"),
    });
    expect(status.failures).toBeUndefined();
    const pushed = engine.queries
      .filter((q) => leafOf(q).field === "publish")
      .map((q) => leafOf(q).args.address);
    const owner = `${gh.owner}/${gh.repo}`.toLowerCase();
    expect([...new Set(pushed)].sort()).toEqual([
      `ghcr.io/${owner}/services/api:main`,
      `ghcr.io/${owner}/services/api:sha-3f2a9c1`,
      `ghcr.io/${owner}/services/worker:main`,
      `ghcr.io/${owner}/services/worker:sha-3f2a9c1`,
    ]);
    // libs/core and services/legacy have no Dockerfile of their own: tested, not built (never the root's)
    const core = status.apps.find((a) => a.app === "libs/core");
    expect(core?.status?.image).toBeUndefined();
    expect(status.passed).toBe(true);
  });

  it("one comment, one summary with the failing app first, and a run that fails naming it", async () => {
    const resolver = monorepo({}, ["services/worker"]);
    const { run, status } = await ci(pullRequest(["libs/core/src/core/__init__.py"]), resolver);
    expect(run.passed).toBe(false);
    expect(status.apps[0]).toMatchObject({ app: "services/worker", passed: false });
    expect(status.apps.slice(1).every((a) => a.passed)).toBe(true);
    expect(status.failures?.length).toBeGreaterThan(0);
    expect(status.failures?.every((f) => f.startsWith("services/worker: "))).toBe(true);
    expect(run.summary.split("\n")[0]).toBe("## ❌ CI failed: 1 of 4 apps");
    expect(run.summary.indexOf("### ❌ services/worker")).toBeLessThan(
      run.summary.indexOf("### ✅ libs/core"),
    );
    // the pull request has one comment: the whole run's
    const comments = gh.comments.get(7) ?? [];
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toContain("## ❌ CI failed: 1 of 4 apps");
    // `ci` itself fails, naming the app and its gate
    const engine = await startEngine(resolver);
    await expect(
      callPipeline(engine, "ci", {
        apps: ["*"],
        threshold: 70,
        ...OWN_SMOKE,
        ...pullRequest(["libs/core/src/core/__init__.py"]),
      }),
    ).rejects.toThrow(/CI failed:\n- services\/worker: /);
  });

  it("refuses what names one app's files, an unknown app, and a release of several", async () => {
    const engine = await startEngine(monorepo());
    await expect(
      callPipeline(engine, "ciRun", { apps: ["*"], dockerfile: "Dockerfile", ...OWN_SMOKE }),
    ).rejects.toThrow("--dockerfile names one app's, and --apps runs several.");
    await expect(callPipeline(engine, "ciRun", { apps: ["services/nope"], ...OWN_SMOKE })).rejects.toThrow(
      "No app at 'services/nope'. Expected a folder with a pyproject.toml that has a [project] name, one of: libs/core, services/admin, services/api, services/legacy, services/worker (dagger call apps lists them).",
    );
    await expect(
      callPipeline(engine, "ciRun", { apps: ["*"], release: "v0.1.0", ...OWN_SMOKE }),
    ).rejects.toThrow("--release v0.1.0 releases one app, and --apps runs several.");
  });
});

describe("ci --apps: the apps run side by side", { retry: 2 }, () => {
  async function elapsed(apps: string[]): Promise<number> {
    const timed = timedEngine(monorepo());
    const engine = await startEngine(timed.resolver);
    const run = (await callPipeline(engine, "ciRun", {
      exitZero: true,
      apps,
      threshold: 70,
      ...OWN_SMOKE,
    })) as Run;
    expect(JSON.parse(run.status).failures, run.status).toBeUndefined();
    return timed.elapsed();
  }

  it("the critical path of three apps is the slowest app's, not the sum", async () => {
    const three = ["services/api", "services/worker", "services/admin"];
    const alone: number[] = [];
    for (const app of three) alone.push(await elapsed([app]));
    const together = await elapsed(three);
    if (process.env.CP_DEBUG) process.stdout.write(`alone ${alone.join(", ")}; together ${together}\n`);
    expect(together).toBeLessThanOrEqual(Math.max(...alone));
    expect(together).toBeLessThan(alone.reduce((a, b) => a + b, 0));
  });
});
