/**
 * What the workflows do for each kind of event, by evaluating their `if:` and other expressions
 * with GitHub's expression engine: which CI job runs, what is cancelled, where CD deploys.
 */
import { describe, expect, it } from "vitest";
import { environmentFor, ProductionFrom } from "../../dagger/src/settings/tags.js";
import { expr, readWorkflow } from "../helpers/workflow-files";
import {
  type ExpressionContext,
  evaluate,
  evaluateValue,
  interpolate,
  isMapping,
  jobsOf,
  type Mapping,
} from "../helpers/workflow-model";
import { playRun } from "../helpers/workflow-run";

const ci = readWorkflow(".github/workflows/ci.yml");
const cd = readWorkflow(".github/workflows/cd.yml");
const REPO = "acme/service";

/** `vars` as GitHub sets it: the repository's variables, none by default. */
function github(fields: Mapping, vars: Mapping = {}): ExpressionContext {
  return { github: { repository: REPO, ...fields }, vars };
}

function pullRequest(headRepo: string | null, author = "alice", actor = author): ExpressionContext {
  return github({
    event_name: "pull_request",
    ref: "refs/pull/7/merge",
    head_ref: "feature/x",
    actor,
    event: {
      pull_request: {
        head: { repo: headRepo === null ? null : { full_name: headRepo } },
        user: { login: author },
      },
    },
  });
}

const PUSH = github({
  event_name: "push",
  ref: "refs/heads/main",
  ref_name: "main",
  actor: "alice",
  event: {},
});

/** The calling jobs (those that run the pipeline) that run for an event. */
function jobsThatRun(context: ExpressionContext): string[] {
  return jobsOf(ci)
    .filter(({ job }) => typeof job.uses === "string")
    .filter(({ job }) => typeof job.if !== "string" || evaluate(job.if, context))
    .map(({ id }) => id);
}

function get(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (isMapping(v) ? v[k] : undefined), value);
}

/** The lines of a `dagger call` that hand the module a credential or ask it to publish or sign. */
const PRIVILEGED_FLAG =
  /--(publish|sign|oidc-request-url|oidc-request-token|github-token|registry-username|registry-password)\b|\benv_file\b/;

const pipeline = readWorkflow(".github/workflows/python-pipeline.yml");
const PUBLISH_STEP = "Run the pipeline, publish, sign, comment";
const READ_ONLY_STEP = "Run the pipeline (no publish, no signature, no comment)";

function pipelineStep(name: string): Mapping {
  const step = jobsOf(pipeline)[0]?.steps.find(({ step }) => step.name === name)?.step;
  if (!step) throw new Error(`no step ${name} in python-pipeline.yml`);
  return step;
}

function runText(name: string): string {
  const run = pipelineStep(name).run;
  if (typeof run !== "string") throw new Error(`${name} has no run:`);
  return run;
}

describe("CI", () => {
  it("releases last: after ci succeeded on a tag's push, never when ci failed or for a branch", () => {
    const tagPush = github({
      event_name: "push",
      ref_type: "tag",
      ref_name: "v1.2.3",
      actor: "alice",
      event: {},
    });
    const releaseAfter = (context: ExpressionContext, ciResult: "success" | "failure") =>
      playRun(ci, context, (job) => (job.id === "ci" ? ciResult : "success")).get("release");
    expect(get(ci.doc, "jobs", "release", "needs")).toEqual(["ci"]);
    expect(releaseAfter(tagPush, "success")).toBe("success");
    expect(releaseAfter(tagPush, "failure")).toBe("skipped");
    expect(
      releaseAfter(
        github({ ...(tagPush.github as Mapping), ref_type: "branch", ref_name: "main" }),
        "success",
      ),
    ).toBe("skipped");
  });

  it("prints the module's annotations, fork and bot runs included, after the pipeline ran", () => {
    const steps = jobsOf(pipeline)[0]?.steps.map(({ step }) => step) ?? [];
    const step = steps.find((st) => String(st.run ?? "").includes("cat reports/annotations.txt"));
    expect(step?.if).toBe(expr("!cancelled()"));
    expect(steps.indexOf(step as Mapping)).toBeGreaterThan(
      steps.findIndex((st) => String(st.run ?? "").includes("dagger")),
    );
  });

  it.each([
    ["a push to main", PUSH, ["ci"]],
    ["a push a bot made", github({ event_name: "push", actor: "github-actions[bot]", event: {} }), ["ci"]],
    ["a pull request from a branch of this repository", pullRequest(REPO), ["ci"]],
    ["a pull request from a fork", pullRequest("mallory/service"), ["ci-read-only"]],
    ["a pull request whose fork was deleted", pullRequest(null), ["ci-read-only"]],
    ["a Dependabot pull request", pullRequest(REPO, "dependabot[bot]"), ["ci-read-only"]],
    [
      "a Dependabot pull request a person pushed to",
      pullRequest(REPO, "dependabot[bot]", "alice"),
      ["ci-read-only"],
    ],
    [
      "a person's pull request a bot pushed to",
      pullRequest(REPO, "alice", "renovate[bot]"),
      ["ci-read-only"],
    ],
    ["a pull request from a user whose name merely contains bot", pullRequest(REPO, "robotnik"), ["ci"]],
  ])("%s runs exactly %j", (_name, context, expected) => {
    expect(jobsThatRun(context)).toEqual(expected);
  });

  it("runs on pushes and pull requests to main and develop, and on pushes of version tags", () => {
    expect(get(ci.doc, "on", "push", "branches")).toEqual(["main", "develop"]);
    expect(get(ci.doc, "on", "push", "tags")).toEqual(["v[0-9]*"]);
    expect(get(ci.doc, "on", "pull_request", "branches")).toEqual(["main", "develop"]);
  });

  it("cancels a superseded pull request run, never a running push", () => {
    const cancel = get(ci.doc, "concurrency", "cancel-in-progress");
    expect(typeof cancel).toBe("string");
    expect(evaluate(cancel as string, pullRequest(REPO))).toBe(true);
    expect(evaluate(cancel as string, PUSH)).toBe(false);
  });

  it("gives the read-only job only contents: read", () => {
    expect(get(ci.doc, "jobs", "ci-read-only", "permissions")).toEqual({ contents: "read" });
  });

  it("calls the reusable workflow the same way from both jobs, minus publish and the Cloud token", () => {
    const [trusted, readOnly] = ["ci", "ci-read-only"].map((id) => get(ci.doc, "jobs", id) as Mapping);
    expect(trusted?.uses).toBe("./.github/workflows/python-pipeline.yml");
    expect(readOnly?.uses).toBe(trusted?.uses);
    expect(readOnly?.with).toEqual({ ...(trusted?.with as Mapping), publish: false });
    expect(get(trusted, "with", "publish")).toBe(true);
    expect(trusted?.secrets).toEqual({ DAGGER_CLOUD_TOKEN: expr("secrets.DAGGER_CLOUD_TOKEN") });
    expect(readOnly?.secrets).toBeUndefined();
  });

  it("calls the module the same way in both steps, minus publishing, signing and credentials", () => {
    // the publishing step first checks the OIDC permission it signs with (five lines), then runs the same call
    const [guard, call] = runText(PUBLISH_STEP).split(/(?<=\nfi\n)/);
    expect(guard).toMatch(
      /^# Without id-token: write .*\nif \[\[ -z "\$\{ACTIONS_ID_TOKEN_REQUEST_URL:-\}" \]\]; then\n/,
    );
    const withoutPrivilege = String(call)
      .split("\n")
      .filter((line) => !PRIVILEGED_FLAG.test(line));
    expect(runText(READ_ONLY_STEP).split("\n")).toEqual(withoutPrivilege);
    const {
      GITHUB_TOKEN,
      _EXPERIMENTAL_DAGGER_RUNNER_HOST,
      DAGGER_CLOUD_TOKEN,
      TEST_ENV_FILE,
      HAS_TEST_ENV_FILE,
      ...env
    } = pipelineStep(PUBLISH_STEP).env as Mapping;
    expect(
      [
        GITHUB_TOKEN,
        _EXPERIMENTAL_DAGGER_RUNNER_HOST,
        DAGGER_CLOUD_TOKEN,
        TEST_ENV_FILE,
        HAS_TEST_ENV_FILE,
      ].every(Boolean),
    ).toBe(true);
    expect(pipelineStep(READ_ONLY_STEP).env).toEqual(env);
  });

  it("calls the module with the CLI's flag names, settings before ci-run, secrets only as env:NAME", () => {
    const run = runText(PUBLISH_STEP);
    const [settings = "", own = ""] = run.split(/^\s*ci-run\b/m);
    for (const flag of ["--event", "--repository", "--run-url", "--github-api-url"]) {
      expect(settings).toContain(`${flag} "$`);
    }
    expect(settings).toContain('--registry-username "$GITHUB_ACTOR"');
    expect(settings).toContain('--oidc-request-url "$ACTIONS_ID_TOKEN_REQUEST_URL"');
    expect(settings).toContain("--oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    expect(settings).toContain("--github-token env:GITHUB_TOKEN");
    expect(settings).toContain("--registry-password env:GITHUB_TOKEN");
    expect(own).toContain('--sha "$');
    // a tag push's release replaces the branch (the ref GitHub names: ref_type tag)
    expect(run).toContain(
      'if [[ -n "$RELEASE" ]]; then checks+=(--release "$RELEASE"); else checks+=(--branch "$HEAD_BRANCH"); fi',
    );
    expect(own).toContain("--publish \\\n");
    expect(own).toContain("--sign \\\n");
    expect(own).toContain("--exit-zero \\\n");
  });

  it("tells the module the event that triggered the run", () => {
    for (const name of [PUBLISH_STEP, READ_ONLY_STEP]) {
      expect(pipelineStep(name).env).toMatchObject({ EVENT: expr("github.event_name") });
    }
  });
});

describe("CD", () => {
  it("follows CI by name on completion, for every branch (the job decides)", () => {
    expect(get(cd.doc, "on", "workflow_run")).toEqual({ workflows: [ci.doc.name], types: ["completed"] });
  });

  // ci-run computes it once; deploy takes it as its environment and keys its concurrency group on it.
  const environment = get(cd.doc, "jobs", "ci-run", "outputs", "environment") as string;

  it.each([
    ["push", "main", "production"],
    ["push", "develop", "staging"],
    ["push", "feature/login", "preview"],
    ["pull_request", "main", "preview"],
    ["pull_request", "develop", "preview"],
    ["pull_request", "feature/login", "preview"],
    ["workflow_dispatch", "main", "preview"],
    ["schedule", "develop", "preview"],
    ["push", "main' || 'production", "preview"],
    // GitHub compares strings ignoring case, so a push of "Main" would go to production; CI runs
    // only for pushes to main and develop (its on.push.branches), so no such run reaches CD.
    ["push", "Main", "production"],
    ["push", "", "preview"],
    ["", "main", "preview"],
  ])("maps a %j run of branch %j to the %s environment", (event, branch, expected) => {
    const context = github({ event: { workflow_run: { event, head_branch: branch } } });
    const result = evaluateValue(environment, context);
    expect(result.coerceString()).toBe(expected);
  });

  it.each([
    ["push", "v1.2.3", "preview", "production"],
    ["push", "main", "production", "staging"],
    ["push", "develop", "staging", "staging"],
    ["pull_request", "v1.2.3", "preview", "preview"],
    ["pull_request", "main", "preview", "preview"],
    ["push", "feature/login", "preview", "preview"],
  ])(
    "maps a %j run of %j to %s, and with PRODUCTION_FROM=releases to %s",
    (event, ref, byMain, byReleases) => {
      const context = (vars: Mapping) =>
        github({ event: { workflow_run: { event, head_branch: ref } } }, vars);
      expect(evaluateValue(environment, context({})).coerceString()).toBe(byMain);
      expect(evaluateValue(environment, context({ PRODUCTION_FROM: "main" })).coerceString()).toBe(byMain);
      expect(evaluateValue(environment, context({ PRODUCTION_FROM: "releases" })).coerceString()).toBe(
        byReleases,
      );
    },
  );

  it("agrees with the module's environmentFor, which names the environment in the deploy summary", () => {
    const table: [string, string][] = [
      ["push", "main"],
      ["push", "develop"],
      ["push", "feature/login"],
      ["pull_request", "main"],
      ["pull_request", "develop"],
      ["workflow_dispatch", "main"],
      ["push", "main' || 'production"],
      ["push", ""],
      ["push", "v1.2.3"],
      ["pull_request", "v1.2.3"],
    ];
    // ("", "main") is left out: an empty event is a deploy by hand, which the module maps by branch (it then
    // verifies the branch's push build) and cd.yml never makes (workflow_run.event is always set).
    // ("push", "Main") is left out: GitHub's == ignores case and the module's does not; CI never runs for
    // a push to "Main" (on.push.branches), so the difference cannot be reached.
    // a push of a version tag is deployed as --release (cd.yml's RELEASE), so the module is told it is one
    const release = (event: string, ref: string) => event === "push" && /^v[0-9]/.test(ref);
    for (const from of [ProductionFrom.main, ProductionFrom.releases]) {
      for (const [event, branch] of table) {
        const context = github(
          { event: { workflow_run: { event, head_branch: branch } } },
          { PRODUCTION_FROM: from },
        );
        const source = { from, ...(release(event, branch) ? { release: branch } : {}) };
        expect(environmentFor(branch, undefined, event, source), `${from}: ${event} ${branch}`).toBe(
          evaluateValue(environment, context).coerceString(),
        );
      }
    }
  });

  it("names the environments in one place only, ci-run's environment output, which deploy takes", () => {
    const doc = structuredClone(cd.doc) as Mapping;
    const ciRun = get(doc, "jobs", "ci-run") as Mapping;
    delete (ciRun.outputs as Mapping).environment;
    // the module's --production-from flag names a setting, not an environment
    expect(JSON.stringify(doc).replaceAll("--production-from", "")).not.toMatch(/production|staging|preview/);
    expect(get(cd.doc, "jobs", "deploy", "environment", "name")).toBe(
      expr("needs.ci-run.outputs.environment"),
    );
  });

  describe("runs one deploy at a time per environment and branch, so a preview never cancels production", () => {
    const group = get(cd.doc, "jobs", "deploy", "concurrency", "group") as string;
    const groupOf = (event: string, branch: string) => {
      const context = github({ event: { workflow_run: { event, head_branch: branch } } });
      const needs = {
        "ci-run": {
          result: "success",
          outputs: { environment: evaluateValue(environment, context).coerceString() },
        },
      };
      return interpolate(group, { ...context, needs });
    };

    it("a pull request from main is not in the group of a push to main, nor one from develop in develop's", () => {
      expect(groupOf("pull_request", "main")).not.toBe(groupOf("push", "main"));
      expect(groupOf("pull_request", "develop")).not.toBe(groupOf("push", "develop"));
      expect(groupOf("push", "main")).toBe(groupOf("push", "main"));
    });

    it("two runs share a group only when they deploy the same branch to the same environment", () => {
      const runs = ["push", "pull_request", "workflow_dispatch"].flatMap((event) =>
        ["main", "develop", "feature/login", "Main"].map((branch) => ({
          run: `${event} ${branch}`,
          environment: evaluateValue(
            environment,
            github({ event: { workflow_run: { event, head_branch: branch } } }),
          ).coerceString(),
          group: groupOf(event, branch),
        })),
      );
      for (const a of runs) {
        for (const b of runs.filter((r) => r.group === a.group)) {
          expect(b.environment, `${a.run} and ${b.run}`).toBe(a.environment);
        }
      }
    });

    it("would not with the group it had, one per branch (a broken copy)", () => {
      const before = `cd-${expr("github.event.workflow_run.head_repository.full_name")}-${expr("github.event.workflow_run.head_branch")}`;
      const groupBefore = (event: string) =>
        interpolate(
          before,
          github({
            event: { workflow_run: { event, head_branch: "main", head_repository: { full_name: REPO } } },
          }),
        );
      expect(groupBefore("pull_request")).toBe(groupBefore("push"));
    });
  });

  it("verifies and smoke-tests the triggering run's branch and SHA, for its event, through env:", () => {
    const deploy = jobsOf(cd).find((j) => j.id === "deploy");
    const step = deploy?.steps.find(
      ({ step }) => typeof step.run === "string" && /^\s*deploy\b/m.test(step.run),
    );
    expect(step?.step.env).toMatchObject({
      EVENT: expr("github.event.workflow_run.event"),
      HEAD_BRANCH: expr("github.event.workflow_run.head_branch"),
      HEAD_SHA: expr("github.event.workflow_run.head_sha"),
      // the image of that run attempt, which no other run writes (python-pipeline.yml's --run-id)
      CI_RUN: `${expr("github.event.workflow_run.id")}-${expr("github.event.workflow_run.run_attempt")}`,
    });
    // one call per app of a run of several (each --app), else the one app's
    const [settings = "", each = "", own = ""] = String(step?.step.run).split(/^\s*deploy\b/m);
    expect(settings).toContain('--event "$EVENT"');
    expect(settings).toContain('--github-api-url "$GITHUB_API_URL"');
    expect(each).toMatch(
      /^ "\$\{ref\[@\]\}"[\s\\]+--sha "\$HEAD_SHA"[\s\\]+--run "\$CI_RUN"[\s\\]+--app "\$app"[\s\\]+digest > /,
    );
    expect(own).toMatch(/^ "\$\{ref\[@\]\}"[\s\\]+--sha "\$HEAD_SHA"[\s\\]+--run "\$CI_RUN"[\s\\]+digest > /);
    // the branch, or a version tag's push as --release (verified against the certificate's refs/tags/<tag>)
    expect(settings).toContain('ref=(--branch "$HEAD_BRANCH")');
    expect(settings).toContain('if [[ -n "$RELEASE" ]]; then ref=(--release "$RELEASE"); fi');
    expect(step?.step.env).toMatchObject({ PRODUCTION_FROM: expr("vars.PRODUCTION_FROM") });
  });
});
