/**
 * What cd.yml's `ci-run` job decides before anything deploys, played the way GitHub plays it: the job's
 * `if:` with GitHub's expression engine, its steps under bash with a stand-in `gh` for the REST API.
 */
import { describe, expect, it } from "vitest";
import { readWorkflow, runBash } from "../helpers/workflow-files";
import { type ExpressionContext, evaluate, jobsOf, type Mapping } from "../helpers/workflow-model";
import { playSteps } from "../helpers/workflow-run";

const cd = readWorkflow(".github/workflows/cd.yml");
const REPO = "acme/service";
const SHA = "3f2a9c1".padEnd(40, "0");

function ciRun() {
  const job = jobsOf(cd).find((j) => j.id === "ci-run");
  if (!job) throw new Error("cd.yml has no ci-run job");
  return job;
}

function workflowRun(fields: Mapping): ExpressionContext {
  return {
    github: {
      event_name: "workflow_run",
      repository: REPO,
      event: {
        workflow_run: {
          conclusion: "success",
          event: "push",
          path: ".github/workflows/ci.yml",
          repository: { full_name: REPO },
          head_repository: { full_name: REPO },
          head_branch: "main",
          head_sha: SHA,
          actor: { login: "alice" },
          ...fields,
        },
      },
    },
  };
}

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
