/**
 * What the workflows do for each kind of event, by evaluating their `if:` and other expressions
 * with GitHub's expression engine: which CI job runs, what is cancelled, where CD deploys.
 */
import { describe, expect, it } from "vitest";
import { expr, readWorkflow } from "../helpers/workflow-files";
import {
  type ExpressionContext,
  evaluate,
  evaluateValue,
  isMapping,
  jobsOf,
  type Mapping,
} from "../helpers/workflow-model";

const ci = readWorkflow(".github/workflows/ci.yml");
const cd = readWorkflow(".github/workflows/cd.yml");
const REPO = "acme/service";

function github(fields: Mapping): ExpressionContext {
  return { github: { repository: REPO, ...fields } };
}

function pullRequest(headRepo: string): ExpressionContext {
  return github({
    event_name: "pull_request",
    ref: "refs/pull/7/merge",
    head_ref: "feature/x",
    event: { pull_request: { head: { repo: { full_name: headRepo } } } },
  });
}

const PUSH = github({ event_name: "push", ref: "refs/heads/main", ref_name: "main", event: {} });

function jobsThatRun(context: ExpressionContext): string[] {
  return jobsOf(ci)
    .filter(({ job }) => typeof job.if !== "string" || evaluate(job.if, context))
    .map(({ id }) => id);
}

function get(value: unknown, ...keys: string[]): unknown {
  return keys.reduce<unknown>((v, k) => (isMapping(v) ? v[k] : undefined), value);
}

describe("CI", () => {
  it.each([
    ["a push to main", PUSH, ["ci"]],
    ["a pull request from a branch of this repository", pullRequest(REPO), ["ci"]],
    ["a pull request from a fork", pullRequest("mallory/service"), ["ci-fork"]],
  ])("%s runs exactly %j", (_name, context, expected) => {
    expect(jobsThatRun(context)).toEqual(expected);
  });

  it("runs on pushes and pull requests to main and develop", () => {
    expect(get(ci.doc, "on", "push", "branches")).toEqual(["main", "develop"]);
    expect(get(ci.doc, "on", "pull_request", "branches")).toEqual(["main", "develop"]);
  });

  it("cancels a superseded pull request run, never a push", () => {
    const cancel = get(ci.doc, "concurrency", "cancel-in-progress");
    expect(typeof cancel).toBe("string");
    expect(evaluate(cancel as string, pullRequest(REPO))).toBe(true);
    expect(evaluate(cancel as string, PUSH)).toBe(false);
  });

  it("gives the fork job only contents: read", () => {
    expect(get(ci.doc, "jobs", "ci-fork", "permissions")).toEqual({ contents: "read" });
  });

  it("runs the same steps in both jobs, except publishing and its token", () => {
    const [trusted, fork] = ["ci", "ci-fork"].map((id) => {
      const job = jobsOf(ci).find((j) => j.id === id);
      // The trusted job checks out `head.sha || github.sha` (it also runs on push): ref aside, equal.
      return (
        job?.steps.map(({ step }) => {
          const { ref: _ref, ...inputs } = isMapping(step.with) ? step.with : {};
          return { uses: step.uses ?? "run", if: step.if, with: inputs };
        }) ?? []
      );
    });
    expect(fork).toEqual(trusted);
  });

  it("calls the module with the CLI's flag names, secrets only as env:NAME", () => {
    const run = jobsOf(ci)
      .flatMap((j) => j.steps)
      .map(({ step }) => step.run)
      .find((r) => typeof r === "string" && r.includes("--publish"));
    expect(run).toBeDefined();
    for (const flag of ["--repository", "--branch", "--sha", "--run-url", "--registry-username"]) {
      expect(run).toContain(`${flag} "$`);
    }
    expect(run).toContain("--github-token env:GITHUB_TOKEN");
    expect(run).toContain("--registry-password env:GITHUB_TOKEN");
  });
});

describe("CD", () => {
  it("follows CI by name on completion, for every branch (the job decides)", () => {
    expect(get(cd.doc, "on", "workflow_run")).toEqual({ workflows: [ci.doc.name], types: ["completed"] });
  });

  const environment = get(cd.doc, "jobs", "deploy", "environment", "name") as string;

  it.each([
    ["main", "production"],
    ["develop", "staging"],
    ["feature/login", "preview"],
    ["main' || 'production", "preview"],
    ["", "preview"],
  ])("maps branch %j to the %s environment", (branch, expected) => {
    const context = github({ event: { workflow_run: { head_branch: branch } } });
    const result = evaluateValue(environment, context);
    expect(result.coerceString()).toBe(expected);
  });

  it("deploys with the triggering run's branch and SHA, through env:", () => {
    const deploy = jobsOf(cd).find((j) => j.id === "deploy");
    const step = deploy?.steps.find(
      ({ step }) => typeof step.run === "string" && step.run.includes("call deploy"),
    );
    expect(step?.step.env).toMatchObject({
      HEAD_BRANCH: expr("github.event.workflow_run.head_branch"),
      HEAD_SHA: expr("github.event.workflow_run.head_sha"),
    });
    expect(step?.step.run).toMatch(/--branch "\$HEAD_BRANCH"[\s\\]+--sha "\$HEAD_SHA"/);
    expect(step?.step.run).toMatch(/summary >> "\$GITHUB_STEP_SUMMARY"/);
  });
});
