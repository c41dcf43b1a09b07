/**
 * One bot rule in CI and CD. CI runs a pull request read-only (nothing published) when its author or the
 * actor of the run is a bot (`github.event.pull_request.user.login`, `github.actor`); CD must then not
 * deploy it, or it fails on an image that was never published. CD sees CI's run through the workflow_run
 * payload: its `actor` is CI's `github.actor` (the user that triggered the initial run, which a re-run
 * keeps; the re-runner is `triggering_actor`: GitHub docs, "Contexts reference", github.actor and
 * github.triggering_actor), and it names no pull request author (octokit/webhooks' workflow-run schema:
 * `pull_requests[]` holds number, head and base only), so cd.yml's ci-run job asks the REST API. Both
 * workflows are played over one table: author person/bot × actor person/bot × re-runner person/bot ×
 * event, CI's `if:` with GitHub's expression engine, CD's jobs with their `if:`, `needs` and the lookup
 * step under bash with a stand-in `gh` that lists the pull request.
 */
import { describe, expect, it } from "vitest";
import { breakWorkflow, readWorkflow, replaceText, runBash } from "../helpers/workflow-files";
import { type ExpressionContext, evaluate, jobsOf, type WorkflowFile } from "../helpers/workflow-model";
import { workflowRunOf } from "../helpers/workflow-policy";
import { needsOf, playRun, playSteps, type World } from "../helpers/workflow-run";

const REPO = "acme/service";
const SHA = "3f2a9c1".padEnd(40, "0");
const BRANCH = "dependabot/npm/left-pad-2";
const ci = readWorkflow(".github/workflows/ci.yml");
const cd = readWorkflow(".github/workflows/cd.yml");

type Row = { event: "push" | "pull_request"; author: string; actor: string; rerunBy: string };

const PEOPLE = ["alice", "dependabot[bot]"];
const TABLE: Row[] = (["push", "pull_request"] as const).flatMap((event) =>
  PEOPLE.flatMap((author) =>
    PEOPLE.flatMap((actor) => PEOPLE.map((rerunBy) => ({ event, author, actor, rerunBy }))),
  ),
);

/** Whether CI publishes: its publishing job `ci` runs (ci.yml's jobs split every event, policy.test.ts). */
function ciPublishes({ event, author, actor, rerunBy }: Row): boolean {
  const context: ExpressionContext = {
    github: {
      event_name: event,
      repository: REPO,
      actor,
      triggering_actor: rerunBy,
      event:
        event === "pull_request"
          ? { pull_request: { head: { repo: { full_name: REPO } }, user: { login: author } } }
          : {},
    },
  };
  const publishing = jobsOf(ci).find((job) => job.id === "ci");
  return evaluate(String(publishing?.job.if), context);
}

/** Whether CD deploys after that CI run succeeded: its deploy job runs. */
function cdDeploys(wf: WorkflowFile, { event, author, actor, rerunBy }: Row): boolean {
  const context = workflowRunOf({
    event,
    head_branch: BRANCH,
    actor: { login: actor },
    triggering_actor: { login: rerunBy },
  });
  const world: World = {
    api: [{ number: 7, user: { login: author }, head: { ref: BRANCH, sha: SHA, repo: { full_name: REPO } } }],
  };
  const needed = new Set(jobsOf(wf).flatMap((job) => needsOf(job.job)));
  const results = playRun(wf, context, (job, jobContext, status) =>
    needed.has(job.id) ? playSteps(job, jobContext, status, runBash, world) : "success",
  );
  return results.get("deploy") === "success";
}

const label = (r: Row) => `${r.event} opened by ${r.author}, run by ${r.actor}, re-run by ${r.rerunBy}`;

describe("CI and CD apply one bot rule", () => {
  it.each(TABLE.map((row) => [label(row), row] as const))(
    "%s: CD deploys exactly when CI published",
    (_n, row) => {
      expect(cdDeploys(cd, row)).toBe(ciPublishes(row));
    },
  );

  it("publishes and deploys a person's pull request and every push, and no pull request a bot opened or ran", () => {
    const deployed = TABLE.filter((row) => cdDeploys(cd, row)).map(label);
    expect(deployed).toEqual(
      TABLE.filter((r) => r.event === "push" || (r.author === "alice" && r.actor === "alice")).map(label),
    );
  });

  it("disagreed before: CD checking the actor alone deploys a Dependabot pull request a person pushed to", () => {
    const actorOnly = breakWorkflow(cd, {
      text: (t) => replaceText(t, "\n        && !endsWith(needs.ci-run.outputs.author, '[bot]')", ""),
    });
    const disagree = TABLE.filter((row) => cdDeploys(actorOnly, row) !== ciPublishes(row)).map(label);
    expect(disagree).toEqual([
      "pull_request opened by dependabot[bot], run by alice, re-run by alice",
      "pull_request opened by dependabot[bot], run by alice, re-run by dependabot[bot]",
    ]);
  });

  it("would disagree if CD read the re-runner (triggering_actor) instead of CI's actor", () => {
    const rerunner = breakWorkflow(cd, {
      text: (t) =>
        replaceText(
          t,
          "&& !endsWith(github.event.workflow_run.actor.login, '[bot]'))",
          "&& !endsWith(github.event.workflow_run.triggering_actor.login, '[bot]'))",
          2,
        ),
    });
    const disagree = TABLE.filter((row) => cdDeploys(rerunner, row) !== ciPublishes(row)).map(label);
    expect(disagree).toContain("pull_request opened by alice, run by alice, re-run by dependabot[bot]");
  });
});
