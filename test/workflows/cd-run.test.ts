/**
 * What cd.yml's `ci-run` job decides before anything deploys, played the way GitHub plays it: the job's
 * `if:` with GitHub's expression engine, its steps under bash with a stand-in `gh` for the REST API.
 */
import { describe, expect, it } from "vitest";
import { readWorkflow, runBash } from "../helpers/workflow-files";
import {
  type ExpressionContext,
  evaluate,
  interpolate,
  jobsOf,
  type Mapping,
} from "../helpers/workflow-model";
import { workflowRunOf } from "../helpers/workflow-policy";
import { playSteps } from "../helpers/workflow-run";

const cd = readWorkflow(".github/workflows/cd.yml");
const REPO = "acme/service";
const SHA = "3f2a9c1".padEnd(40, "0");

function ciRun() {
  const job = jobsOf(cd).find((j) => j.id === "ci-run");
  if (!job) throw new Error("cd.yml has no ci-run job");
  return job;
}

/** A successful push run of ci.yml on main (the policy's workflow_run context), with `fields` changed. */
const workflowRun = (fields: Mapping): ExpressionContext =>
  workflowRunOf({ event: "push", head_branch: "main", ...fields });

const RUNNING = { cancelled: false, succeeded: true, failed: false };

describe("CD follows CI only from .github/workflows/ci.yml, compared byte for byte", () => {
  it.each([
    [".github/workflows/ci.yml", true],
    [".github/workflows/ci.yml@refs/heads/main", true],
    [".github/workflows/CI.yml", false],
    [".github/workflows/Ci.yml", false],
    [".github/workflows/ci.YML", false],
    [".GitHub/workflows/ci.yml", false],
    [".github/workflows/CI.yml@refs/heads/main", false],
    [".github/workflows/ci.yml.disabled", false],
    [".github/workflows/ci.yaml", false],
    ["", false],
  ])("%j: passes %s", (path, passes) => {
    const context = workflowRun({ path });
    const played = playSteps(ciRun(), context, RUNNING, runBash);
    expect(played.result).toBe(passes ? "success" : "failure");
  });

  it("needs the step: GitHub's == and startsWith ignore case, so the job's if: lets CI.yml through", () => {
    const condition = String(ciRun().job.if);
    expect(evaluate(condition, workflowRun({ path: ".github/workflows/CI.yml" }))).toBe(true);
    expect(evaluate(condition, workflowRun({ path: ".github/workflows/not-ci.yml" }))).toBe(false);
  });
});

describe("CD finds who opened the pull request CI ran for", () => {
  const step = ciRun().steps.find(({ step }) => step.id === "author")?.step ?? {};
  const BRANCH = 'feature/x"; touch pwned; "';

  function lookUp(pulls: Mapping[]) {
    const context = workflowRun({ event: "pull_request", head_branch: BRANCH });
    const env = Object.fromEntries(
      Object.entries(step.env as Mapping).map(([k, v]) => [
        k,
        interpolate(String(v), { ...context, secrets: { GITHUB_TOKEN: "ghs_x" } }),
      ]),
    );
    return runBash(
      String(step.run),
      {
        GITHUB_REPOSITORY: REPO,
        GITHUB_REPOSITORY_OWNER: "acme",
        GITHUB_SERVER_URL: "https://github.com",
        ...env,
      },
      { api: pulls },
    );
  }
  const pr = (login: string, sha = SHA, repo = REPO) => ({
    user: { login },
    head: { ref: BRANCH, sha, repo: { full_name: repo } },
  });

  it("runs for pull requests only", () => {
    expect(evaluate(String(step.if), workflowRun({ event: "pull_request" }))).toBe(true);
    expect(evaluate(String(step.if), workflowRun({ event: "push" }))).toBe(false);
  });

  it("asks GitHub's API for this repository's pull requests from the run's branch, any state, as a GET query", () => {
    const run = lookUp([pr("alice")]);
    expect(run.ghArgs).toEqual([
      "api",
      "--method",
      "GET",
      "--hostname",
      "github.com",
      `repos/${REPO}/pulls`,
      "-f",
      "state=all",
      "-f",
      "per_page=100",
      "-f",
      `head=acme:${BRANCH}`,
    ]);
  });

  it.each([
    ["a person's pull request", [pr("alice")], "alice"],
    ["Dependabot's pull request", [pr("dependabot[bot]")], "dependabot[bot]"],
    [
      "a commit heading a person's and a bot's pull request",
      [pr("alice"), pr("renovate[bot]")],
      "renovate[bot]",
    ],
    [
      "an older pull request of the branch at another commit, and a person's",
      [pr("dependabot[bot]", "0".repeat(40)), pr("alice")],
      "alice",
    ],
  ])("%s: the author is %s", (_name, pulls, login) => {
    const run = lookUp(pulls);
    expect(run.status).toBe(0);
    expect(run.outputs).toEqual({ login });
  });

  it.each([
    ["no pull request", []],
    ["only one at another commit", [pr("alice", "0".repeat(40))]],
    ["only a fork's with the same branch name and commit", [pr("alice", SHA, "mallory/service")]],
    ["an author that is not a login", [pr("alice\nenvironment=production")]],
  ])("fails with %s, and outputs nothing", (_name, pulls) => {
    const run = lookUp(pulls as Mapping[]);
    expect(run.status).not.toBe(0);
    expect(run.outputs).toEqual({});
  });
});
