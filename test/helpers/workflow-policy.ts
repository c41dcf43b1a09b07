/**
 * The repository's workflow security rules (DESIGN.md, "Security rules"), one function per rule.
 * Each returns the list of violations, `<file>: <where>: <what>`, so the same function is run on the
 * real workflow (expect []) and on a broken copy of it (expect the specific violation).
 */

import { calledFunction, daggerCommands } from "./workflow-dagger";
import {
  actionOf,
  calledWorkflowOf,
  type ExpressionContext,
  evaluate,
  interpolate,
  isMapping,
  isReusable,
  type Job,
  jobsOf,
  type Mapping,
  runOf,
  scalarText,
  triggersOf,
  type WorkflowFile,
  withOf,
} from "./workflow-model";
import {
  checkRunsOf,
  type JobResult,
  needsOf,
  playRun,
  playSteps,
  type RunModel,
  type World,
} from "./workflow-run";

const DAGGER_ACTION = "dagger/dagger-for-github";
const CHECKOUT_ACTION = "actions/checkout";
const UPLOAD_ACTION = "actions/upload-artifact";

/** A release of an action and the commit its tag resolves to. */
export type Pin = { action: string; tag: string; sha: string };

// ---------------------------------------------------------------------------------------------
// Permissions

const WRITE = /^write(-all)?$/;

function writeScopes(permissions: unknown): string[] {
  if (typeof permissions === "string") return WRITE.test(permissions) ? [permissions] : [];
  if (!isMapping(permissions)) return [];
  return Object.entries(permissions)
    .filter(([, level]) => level === "write")
    .map(([scope]) => `${scope}: write`);
}

/**
 * Top-level `permissions` is `{}` or read-only; a missing block means the repository default. A
 * reusable workflow is held to checkReusableShape instead (it declares none: it inherits its caller's).
 */
export function checkTopLevelPermissions(wf: WorkflowFile): string[] {
  if (isReusable(wf)) return [];
  const { permissions } = wf.doc;
  if (permissions === undefined || permissions === null) {
    return [`${wf.name}: no top-level permissions (the token gets the repository default)`];
  }
  if (typeof permissions === "string") {
    return permissions === "read-all" ? [] : [`${wf.name}: top-level permissions "${permissions}"`];
  }
  if (!isMapping(permissions)) return [`${wf.name}: top-level permissions is not a mapping`];
  return writeScopes(permissions).map((scope) => `${wf.name}: top-level permissions grant ${scope}`);
}

const REPOSITORY = "acme/service";
const FORK = { full_name: "mallory/service" };
const SAME_REPO = { full_name: REPOSITORY };
const PERSON = { login: "alice" };
const BOT = { login: "dependabot[bot]" };

/** An event to play: its contexts, what the API answers, and whether the payload alone shows who it is for. */
type Scenario = { name: string; context: ExpressionContext; world: World; inPayload: boolean };

const HEAD_SHA = "3f2a9c1".padEnd(40, "0");

/**
 * What the REST API lists as the pull requests of a branch of this repository whose head is HEAD_SHA,
 * each opened by one of `authors` (the fields cd.yml reads: user.login, head.sha, head.repo.full_name).
 */
function pullRequestsBy(...authors: Mapping[]): World {
  return {
    api: authors.map((user, i) => ({
      number: 7 + i,
      user,
      head: { ref: "feature/x", sha: HEAD_SHA, repo: SAME_REPO },
    })),
  };
}

/** A workflow_run context for a successful run of this repository's ci.yml, with `fields` changed. */
export function workflowRunOf(fields: Mapping): ExpressionContext {
  return {
    github: {
      event_name: "workflow_run",
      repository: REPOSITORY,
      event: {
        workflow_run: {
          conclusion: "success",
          event: "pull_request",
          path: CI_WORKFLOW_PATH,
          repository: SAME_REPO,
          head_repository: SAME_REPO,
          head_branch: "feature/x",
          head_sha: HEAD_SHA,
          actor: PERSON,
          triggering_actor: PERSON,
          ...fields,
        },
      },
    },
  };
}

/**
 * The events a job holding write scopes or credentials must never run for: a fork's pull request,
 * and a bot's (opened by a bot, or last pushed by one: a login ending in `[bot]`), for each trigger
 * of the workflow that can bring one. Under workflow_run the payload names the run's actor but no pull
 * request author (octokit/webhooks' workflow-run schema: `pull_requests[]` holds number, head and base
 * only), so a bot's pull request that a person pushed to last looks like a person's: a job may look
 * its author up with a read token (`inPayload: false`), but no job holding a write scope may run.
 */
function untrustedScenarios(wf: WorkflowFile): Scenario[] {
  const triggers = triggersOf(wf);
  const scenarios: Scenario[] = [];
  for (const event of ["pull_request", "pull_request_target"]) {
    if (!triggers.includes(event)) continue;
    const pr = (name: string, head: unknown, user: Mapping, actor: string): Scenario => ({
      name,
      context: {
        github: { event_name: event, repository: REPOSITORY, actor, event: { pull_request: { head, user } } },
      },
      world: {},
      inPayload: true,
    });
    scenarios.push(
      pr(`a fork's ${event}`, { repo: FORK }, PERSON, PERSON.login),
      pr(`a deleted fork's ${event}`, { repo: null }, PERSON, PERSON.login),
      pr(`a bot's ${event}`, { repo: SAME_REPO }, BOT, BOT.login),
      pr(`a bot's ${event} last pushed by a person`, { repo: SAME_REPO }, BOT, PERSON.login),
      pr(`a ${event} last pushed by a bot`, { repo: SAME_REPO }, PERSON, BOT.login),
    );
  }
  if (triggers.includes("workflow_run")) {
    scenarios.push(
      {
        name: "a workflow_run of a fork's pull request",
        context: workflowRunOf({ head_repository: FORK }),
        world: {},
        inPayload: true,
      },
      {
        name: "a workflow_run of a bot's pull request",
        context: workflowRunOf({ actor: BOT, triggering_actor: BOT }),
        world: pullRequestsBy(BOT),
        inPayload: true,
      },
      {
        name: "a workflow_run of a bot's pull request last pushed by a person",
        context: workflowRunOf({}),
        world: pullRequestsBy(BOT),
        inPayload: false,
      },
    );
  }
  return scenarios;
}

/**
 * The jobs that run for an event, their `if:` and `needs` played out (playRun): the steps of a job that
 * another job needs run under `model`, in `world`, since what they output is what that job decides on;
 * other jobs that run count as succeeding. Without a model every job that runs succeeds with no outputs.
 * An expression that cannot be evaluated counts as running.
 */
function jobsRunning(wf: WorkflowFile, scenario: Scenario, model?: RunModel): Set<string> {
  const needed = new Set(jobsOf(wf).flatMap((job) => needsOf(job.job)));
  try {
    const results = playRun(wf, scenario.context, (job, context, status) =>
      model !== undefined && needed.has(job.id)
        ? playSteps(job, context, status, model.runScript, scenario.world)
        : "success",
    );
    return new Set([...results].filter(([, result]) => result !== "skipped").map(([id]) => id));
  } catch {
    return new Set(jobsOf(wf).map((job) => job.id));
  }
}

/** The untrusted scenarios in which a job would run (its `if:` and its needs' hold). */
function runsForUntrusted(wf: WorkflowFile, job: Job, model?: RunModel, inPayloadOnly = false): string[] {
  return untrustedScenarios(wf)
    .filter((scenario) => !inPayloadOnly || scenario.inPayload)
    .filter((scenario) => jobsRunning(wf, scenario, model).has(job.id))
    .map(({ name }) => name);
}

/** For each job id, the write scopes it may hold (e.g. `["packages", "id-token"]`). */
export type WriteScopes = Readonly<Record<string, readonly string[]>>;

/**
 * Each write scope only on a job allowed to hold that scope, and those jobs never run for a fork or
 * a bot (their `if:` is evaluated against such events with GitHub's expression engine).
 */
export function checkWriteScopes(wf: WorkflowFile, allowed: WriteScopes, model?: RunModel): string[] {
  return jobsOf(wf).flatMap((job) => {
    const scopes = writeScopes(job.job.permissions);
    if (scopes.length === 0) return [];
    const mayHold = (allowed[job.id] ?? []).map((scope) => `${scope}: write`);
    const extra = scopes.filter((scope) => !mayHold.includes(scope));
    if (extra.length > 0) return [`${job.where}: grants ${extra.join(", ")}`];
    return runsForUntrusted(wf, job, model).map(
      (s) => `${job.where}: has ${scopes.join(", ")} and runs for ${s}`,
    );
  });
}

/**
 * `contents: write` (creating a release) only on a job that runs for a push of a version tag and for nothing
 * else: not a branch push, not a person's pull request from this repository. GitHub sets `ref_type` to `tag`
 * and `ref_name` to the tag's name for a tag push ("Contexts reference", github context).
 */
export function checkContentsWriteOnlyOnTagPush(wf: WorkflowFile): string[] {
  const push = (refType: string, refName: string): ExpressionContext => ({
    github: {
      event_name: "push",
      ref_type: refType,
      ref_name: refName,
      ref: `refs/${refType === "tag" ? "tags" : "heads"}/${refName}`,
      repository: REPOSITORY,
      actor: PERSON.login,
      event: {},
    },
  });
  const events: [string, ExpressionContext, boolean][] = [
    ["a push of the tag v1.2.3", push("tag", "v1.2.3"), true],
    ["a push of main", push("branch", "main"), false],
    ["a push of develop", push("branch", "develop"), false],
    [
      "a person's pull_request from this repository",
      {
        github: {
          event_name: "pull_request",
          ref_type: "branch",
          ref_name: "7/merge",
          repository: REPOSITORY,
          actor: PERSON.login,
          event: { pull_request: { head: { repo: SAME_REPO }, user: PERSON } },
        },
      },
      false,
    ],
  ];
  return jobsOf(wf)
    .filter((job) => writeScopes(job.job.permissions).includes("contents: write"))
    .flatMap((job) =>
      events.flatMap(([name, context, expected]) => {
        const ran = playRun(wf, context, () => "success").get(job.id) !== "skipped";
        if (ran === expected) return [];
        return [`${job.where}: has contents: write and ${ran ? "runs" : "does not run"} for ${name}`];
      }),
    );
}

/** What only a trusted job may do: publish, sign (with the OIDC token), or read a secret. */
const CREDENTIAL_USES: [RegExp, string][] = [
  [/--publish\b/, "--publish"],
  [/--sign\b/, "--sign"],
  [/\bACTIONS_ID_TOKEN_REQUEST_TOKEN\b/, "the OIDC request token"],
];

/**
 * Publishing, signing and tokens (`secrets.*`, a reusable workflow called with `publish: true` or given
 * secrets) only in jobs that never run for a fork or a bot; never `secrets: inherit`, which hands the
 * called workflow every secret of the repository.
 */
export function checkCredentialsOnlyForSameRepo(wf: WorkflowFile, model?: RunModel): string[] {
  const inherit = jobsOf(wf)
    .filter((job) => job.job.secrets === "inherit")
    .map((job) => `${job.where}: secrets: inherit hands the called workflow every secret`);
  return inherit.concat(
    jobsOf(wf).flatMap((job) => {
      const uses = job.steps.flatMap(({ where, step }) => {
        const run = runOf(step) ?? "";
        const found = CREDENTIAL_USES.filter(([re]) => re.test(run)).map(([, what]) => `${where}: ${what}`);
        if (/\bsecrets\./.test(JSON.stringify([step.env, step.with]))) found.push(`${where}: a secret`);
        return found;
      });
      if (/\bsecrets\./.test(JSON.stringify(job.job.env ?? null))) uses.push(`${job.where}.env: a secret`);
      if (/\bsecrets\./.test(JSON.stringify(job.job.secrets ?? null)))
        uses.push(`${job.where}.secrets: a secret`);
      if (calledWorkflowOf(job.job) !== undefined && scalarText(withOf(job.job).publish) === "true") {
        uses.push(`${job.where}.with: publish: true`);
      }
      // A job that writes nothing may read with the token what the payload does not say (an author).
      const untrusted = runsForUntrusted(wf, job, model, writeScopes(job.job.permissions).length === 0);
      return untrusted.length === 0
        ? []
        : uses.map((u) => `${u} in a job that runs for ${untrusted.join(", ")}`);
    }),
  );
}

/**
 * Every event the workflow is triggered by (push or pull request; by a person or a bot; from this
 * repository, a fork or a deleted fork) runs exactly one of `jobIds`: the jobs split the events
 * between them, with no event left out and none run twice.
 */
export function checkJobsSplitEvents(wf: WorkflowFile, jobIds: readonly string[]): string[] {
  if (jobIds.length === 0) return [];
  const jobs = jobsOf(wf).filter((job) => jobIds.includes(job.id));
  const missing = jobIds.filter((id) => !jobs.some((job) => job.id === id));
  if (missing.length > 0) return missing.map((id) => `${wf.name}: no job ${id}`);
  return eventScenarios(wf).flatMap(([name, context]) => {
    const running: string[] = [];
    for (const job of jobs) {
      const condition = job.job.if;
      if (condition === undefined) {
        running.push(job.id);
        continue;
      }
      if (typeof condition !== "string" && typeof condition !== "boolean")
        return [`${job.where}: if: is not an expression`];
      try {
        if (evaluate(condition, context)) running.push(job.id);
      } catch (error) {
        return [`${job.where}: if: cannot be evaluated (${String(error)})`];
      }
    }
    if (running.length === 1) return [];
    const which =
      running.length === 0 ? `none of ${jobIds.join(", ")} runs` : `${running.join(" and ")} all run`;
    return [`${wf.name}: ${which} for ${name}`];
  });
}

/** One context per kind of event each trigger brings (a trigger we do not model gets a bare one). */
function eventScenarios(wf: WorkflowFile): [string, ExpressionContext][] {
  return triggersOf(wf).flatMap((event): [string, ExpressionContext][] => {
    if (event === "push") {
      return [PERSON, BOT].map((actor) => [
        `a push by ${actor.login}`,
        { github: { event_name: event, repository: REPOSITORY, actor: actor.login, event: {} } },
      ]);
    }
    if (event === "pull_request" || event === "pull_request_target") {
      const scenarios: [string, ExpressionContext][] = [];
      for (const [origin, repo] of [
        ["this repository", SAME_REPO],
        ["a fork", FORK],
        ["a deleted fork", null],
      ] as const) {
        for (const author of [PERSON, BOT]) {
          for (const actor of [PERSON, BOT]) {
            scenarios.push([
              `a ${event} from ${origin} opened by ${author.login}, pushed by ${actor.login}`,
              {
                github: {
                  event_name: event,
                  repository: REPOSITORY,
                  actor: actor.login,
                  event: { pull_request: { head: { repo }, user: author } },
                },
              },
            ]);
          }
        }
      }
      return scenarios;
    }
    return [[`a ${event}`, { github: { event_name: event, repository: REPOSITORY, event: {} } }]];
  });
}

// ---------------------------------------------------------------------------------------------
// The required status check

const ENDINGS: readonly JobResult[] = ["success", "failure", "cancelled"];
const ENDED: Record<JobResult, string> = {
  success: "succeeded",
  failure: "failed",
  cancelled: "was cancelled",
  skipped: "was skipped",
};

/** Every list of `length` values drawn from `values`. */
function everyCombination<T>(length: number, values: readonly T[]): T[][] {
  if (length === 0) return [[]];
  return everyCombination(length - 1, values).flatMap((rest) => values.map((v) => [v, ...rest]));
}

/**
 * Branch protection waits for each required check by name until it reports, and counts a skipped one as
 * passed ("A job that is skipped will report its status as Success. It will not prevent a pull request
 * from merging, even if it is a required check", GitHub docs, "About status checks"). So, for every event
 * the workflow is triggered by and every way the `calling` jobs that run can end (succeed, fail, be
 * cancelled), each of `required` reports, and passes exactly when CI passed: a calling job ran and every
 * one that ran succeeded. A job that reports a required check needs every calling job, so that it cannot
 * report before they end. The run is played by playRun, the check names are checkRunsOf's.
 */
export function checkRequiredChecks(
  wf: WorkflowFile,
  required: readonly string[],
  calling: readonly string[],
  model: RunModel,
): string[] {
  if (required.length === 0) return [];
  const found = new Set<string>();
  for (const job of jobsOf(wf)) {
    const name = typeof job.job.name === "string" ? job.job.name : job.id;
    if (!required.includes(name) || calledWorkflowOf(job.job) !== undefined) continue;
    for (const id of calling.filter((c) => !needsOf(job.job).includes(c))) {
      found.add(`${job.where}: reports "${name}" without needing ${id} (it could pass before ${id} ends)`);
    }
  }
  for (const [event, context] of eventScenarios(wf)) {
    const plain = playRun(wf, context, () => "success");
    const running = calling.filter((id) => plain.get(id) !== undefined && plain.get(id) !== "skipped");
    for (const endings of everyCombination(running.length, ENDINGS)) {
      const ending = new Map(running.map((id, i) => [id, endings[i] ?? "success"]));
      const results = playRun(
        wf,
        context,
        (job, jobContext, status) =>
          ending.get(job.id) ??
          (calledWorkflowOf(job.job) !== undefined
            ? "success"
            : playSteps(job, jobContext, status, model.runScript)),
      );
      const passed = running.length > 0 && endings.every((e) => e === "success");
      const how =
        running.length === 0
          ? "no calling job runs"
          : running.map((id) => `${id} ${ENDED[ending.get(id) ?? "success"]}`).join(" and ");
      const checks = checkRunsOf(wf, results, model.calledJobs);
      for (const check of required) {
        const reported = checks.filter((c) => c.name === check);
        if (reported.length === 0) {
          found.add(`${wf.name}: "${check}" never reports for ${event}`);
          continue;
        }
        const passes = reported.every((c) => c.conclusion === "success" || c.conclusion === "skipped");
        if (passes !== passed) {
          found.add(`${wf.name}: "${check}" ${passes ? "passes" : "fails"} when ${how}, for ${event}`);
        }
      }
    }
  }
  return [...found];
}

// ---------------------------------------------------------------------------------------------
// Supply chain

const USES_LINE = /^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(?:#\s*(.*?))?\s*$/;
const PINNED = /^([\w.-]+\/[\w.-]+)(?:\/[^@]*)?@([0-9a-f]{40})$/;
const VERSION_COMMENT = /^(v\d+\.\d+\.\d+)$/;

/**
 * Every `uses:` (read from the raw lines, where the version comment lives) is
 * `owner/repo@<40-hex> # vX.Y.Z`, and that pair is one of the resolved pins; a job may instead call one
 * of `localWorkflows` as `./<path>`, which GitHub runs from the caller's own commit.
 */
export function checkPinnedActions(
  wf: WorkflowFile,
  pins: readonly Pin[],
  localWorkflows: readonly string[] = [],
): string[] {
  const violations: string[] = [];
  const lines = wf.text.split("\n");
  let seen = 0;
  for (const [i, line] of lines.entries()) {
    const match = USES_LINE.exec(line);
    if (!match) continue;
    seen++;
    const [, uses = "", comment = ""] = match;
    const where = `${wf.name}:${i + 1}`;
    if (uses.startsWith("./")) {
      if (!localWorkflows.includes(uses.slice(2))) {
        violations.push(`${where}: "${uses}" is not one of this repository's reusable workflows`);
      }
      continue;
    }
    const pinned = PINNED.exec(uses);
    const version = VERSION_COMMENT.exec(comment)?.[1];
    if (!pinned) {
      violations.push(`${where}: "${uses}" is not pinned to a full commit SHA`);
    } else if (!version) {
      violations.push(`${where}: "${uses}" has no "# vX.Y.Z" comment`);
    } else {
      const [, action, sha] = pinned;
      const pin = pins.find((p) => p.action === action && p.tag === version);
      if (!pin) violations.push(`${where}: ${action} ${version} is not in the table of resolved pins`);
      else if (pin.sha !== sha)
        violations.push(`${where}: ${action}@${sha} is not the commit of ${version} (${pin.sha})`);
    }
  }
  const parsed = jobsOf(wf).flatMap((job) => [
    ...(job.job.uses !== undefined ? [job.job] : []),
    ...job.steps.filter(({ step }) => step.uses !== undefined),
  ]).length;
  if (parsed !== seen)
    violations.push(`${wf.name}: ${parsed} uses: in the YAML but ${seen} one-line uses: found`);
  return violations;
}

/** Every checkout sets `persist-credentials: false` and never opts into fork checkouts. */
export function checkCheckoutCredentials(wf: WorkflowFile): string[] {
  return jobsOf(wf).flatMap((job) =>
    job.steps
      .filter(({ step }) => actionOf(step) === CHECKOUT_ACTION)
      .flatMap(({ where, step }) => {
        const inputs = withOf(step);
        const found: string[] = [];
        if (scalarText(inputs["persist-credentials"]) !== "false") {
          found.push(`${where}: persist-credentials is not false`);
        }
        if (scalarText(inputs["allow-unsafe-pr-checkout"]) === "true") {
          found.push(`${where}: allow-unsafe-pr-checkout is true`);
        }
        return found;
      }),
  );
}

// ---------------------------------------------------------------------------------------------
// Template injection

/**
 * Contexts whose values someone outside the repository can choose (zizmor's template-injection
 * audit and GitHub's hardening guide). Matched in expressions; `*` is any property.
 */
const ATTACKER_CONTROLLED = [
  "github.head_ref",
  "github.event.pull_request.head.ref",
  "github.event.pull_request.head.label",
  "github.event.pull_request.head.repo.*",
  "github.event.pull_request.title",
  "github.event.pull_request.body",
  "github.event.issue.title",
  "github.event.issue.body",
  "github.event.comment.body",
  "github.event.review.body",
  "github.event.review_comment.body",
  "github.event.pages.*",
  "github.event.commits.*",
  "github.event.head_commit.message",
  "github.event.head_commit.author.*",
  "github.event.workflow_run.head_branch",
  "github.event.workflow_run.display_title",
  "github.event.workflow_run.head_commit.*",
  "github.event.workflow_run.head_repository.*",
  "github.event.workflow_run.pull_requests.*",
];

const ATTACKER_PATTERNS = ATTACKER_CONTROLLED.map(
  (ctx) => [ctx, new RegExp(`\\b${ctx.replaceAll(".", "\\.").replaceAll("*", "[\\w.*\\[\\]]+")}`)] as const,
);

function expressions(text: string): string[] {
  return [...text.matchAll(/\$\{\{([\s\S]*?)\}\}/g)].map((m) => m[1]?.trim() ?? "");
}

/** dagger-for-github inputs that its composite steps paste into bash source. */
const DAGGER_SHELL_INPUTS = [
  "args",
  "call",
  "shell",
  "check",
  "dagger-flags",
  "workdir",
  "version",
  "commit",
  // Pasted as `DAGGER_CLOUD_TOKEN=${{ inputs.cloud-token }}` into its exec step (action.yml at v8.4.1).
  "cloud-token",
];

/**
 * No `${{ }}` at all in `run:` (event data goes through `env:`), and none in the inputs that
 * dagger-for-github (or github-script) turns into code. Attacker-controlled contexts are named.
 */
export function checkNoTemplateInjection(wf: WorkflowFile): string[] {
  return jobsOf(wf).flatMap((job) =>
    job.steps.flatMap(({ where, step }) => {
      const sinks: [string, string][] = [];
      const run = runOf(step);
      if (run !== undefined) sinks.push(["run", run]);
      const inputs = withOf(step);
      const codeInputs =
        actionOf(step) === DAGGER_ACTION
          ? DAGGER_SHELL_INPUTS
          : actionOf(step) === "actions/github-script"
            ? ["script"]
            : [];
      for (const input of codeInputs) {
        const value = scalarText(inputs[input]);
        if (value !== undefined) sinks.push([`with.${input}`, value]);
      }
      return sinks.flatMap(([field, text]) =>
        expressions(text).map((expr) => {
          const attacker = ATTACKER_PATTERNS.find(([, re]) => re.test(expr))?.[0];
          return attacker
            ? `${where}: ${field} interpolates attacker-controlled ${attacker} ("\${{ ${expr} }}")`
            : `${where}: ${field} interpolates "\${{ ${expr} }}"; pass it through env:`;
        }),
      );
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// workflow_run

/**
 * A CI run CD may follow: `run` changes the workflow_run payload, `world` is what the REST API lists
 * (by default a person's pull request of the run's branch and commit). `mustRun`: whether CD deploys.
 * `inPayload: false` marks what no `if:` can see (the payload's case-folded path compare, the pull
 * request's author): a job that writes nothing may run to find it out, the deploying job must not run.
 */
type RunScenario = { name: string; mustRun: boolean; run: Mapping; world?: World; inPayload?: false };

/** The workflow whose runs CD follows; a workflow_run from any other file must not deploy. */
export const CI_WORKFLOW_PATH = ".github/workflows/ci.yml";

const WORKFLOW_RUN_SCENARIOS: RunScenario[] = [
  { name: "CI succeeded on a push", mustRun: true, run: { event: "push" } },
  { name: "CI succeeded on a same-repo PR", mustRun: true, run: { event: "pull_request" } },
  {
    name: "CI succeeded on a push a bot made (a merge, say)",
    mustRun: true,
    run: { event: "push", actor: { login: "github-actions[bot]" } },
  },
  {
    name: "the run's path carries its ref, as in GitHub's REST reference",
    mustRun: true,
    run: { event: "push", path: `${CI_WORKFLOW_PATH}@refs/heads/main` },
  },
  { name: "CI failed", mustRun: false, run: { conclusion: "failure", event: "push" } },
  { name: "CI was cancelled", mustRun: false, run: { conclusion: "cancelled", event: "push" } },
  { name: "CI was skipped", mustRun: false, run: { conclusion: "skipped", event: "push" } },
  {
    name: "CI succeeded on a fork's PR",
    mustRun: false,
    run: { event: "pull_request", head_repository: { full_name: "mallory/service" } },
  },
  {
    name: "CI succeeded on a bot's PR",
    mustRun: false,
    run: { event: "pull_request", actor: { login: "dependabot[bot]" } },
  },
  { name: "CI ran on a schedule", mustRun: false, run: { event: "schedule" } },
  {
    name: "another workflow named CI succeeded",
    mustRun: false,
    run: { event: "push", path: ".github/workflows/not-ci.yml" },
  },
  {
    name: "a workflow whose file name only starts like CI's succeeded",
    mustRun: false,
    run: { event: "push", path: `${CI_WORKFLOW_PATH}.disabled` },
  },
  {
    name: "the run belongs to another repository",
    mustRun: false,
    run: { event: "push", repository: { full_name: "mallory/service" } },
  },
  {
    name: "CI succeeded on a bot's PR that a person pushed to last",
    mustRun: false,
    run: { event: "pull_request" },
    world: pullRequestsBy(BOT),
    inPayload: false,
  },
  {
    name: "CI succeeded on a commit that heads a person's PR and a bot's",
    mustRun: false,
    run: { event: "pull_request" },
    world: pullRequestsBy(PERSON, BOT),
    inPayload: false,
  },
  {
    name: "CI succeeded on a PR that the API does not list (nothing to tell its author by)",
    mustRun: false,
    run: { event: "pull_request" },
    world: pullRequestsBy(),
    inPayload: false,
  },
  {
    name: "CI ran from .github/workflows/CI.yml (GitHub's == ignores case)",
    mustRun: false,
    run: { event: "push", path: ".github/workflows/CI.yml" },
    inPayload: false,
  },
  {
    name: "CI ran from .github/workflows/Ci.yml@refs/heads/main",
    mustRun: false,
    run: { event: "push", path: ".github/workflows/Ci.yml@refs/heads/main" },
    inPayload: false,
  },
];

/**
 * Every job of a workflow_run workflow runs only when CI (this repository's ci.yml, byte for byte)
 * succeeded, for this repository's own branches, on a push or a person's pull request. Each scenario is
 * played (jobsRunning: `if:`, `needs`, and the steps of the jobs that others need, under bash with the
 * scenario's API answers). A job holding a write scope runs exactly when CD must deploy; every other job
 * runs when it must, and never for what the payload alone rules out. Every job has an `if:` of its own.
 */
export function checkWorkflowRunGuard(wf: WorkflowFile, model?: RunModel): string[] {
  if (!triggersOf(wf).includes("workflow_run")) return [];
  const found = jobsOf(wf)
    .filter((job) => typeof job.job.if !== "string")
    .map((job) => `${job.where}: no if: guard on a workflow_run job`);
  for (const { name, mustRun, run, world, inPayload } of WORKFLOW_RUN_SCENARIOS) {
    const context = workflowRunOf({ event: "push", ...run });
    const running = jobsRunning(
      wf,
      { name, context, world: world ?? pullRequestsBy(PERSON), inPayload: true },
      model,
    );
    for (const job of jobsOf(wf)) {
      const runs = running.has(job.id);
      const deploys = writeScopes(job.job.permissions).length > 0;
      if (runs === mustRun || (runs && !deploys && inPayload === false)) continue;
      found.push(`${job.where}: ${runs ? "runs" : "does not run"} when ${name}`);
    }
  }
  return found;
}

const UNTRUSTED_REF = /workflow_run\.head_|pull_request\.head\.|github\.head_ref/;
const GIT_FETCHES = /\b(git\s+(checkout|fetch|switch|pull|clone)|gh\s+pr\s+checkout)\b/;

/**
 * A privileged trigger (workflow_run, pull_request_target) never checks out or fetches the
 * triggering code: checkout takes only the default branch, and no run step fetches another ref.
 */
export function checkNoUntrustedCheckout(wf: WorkflowFile): string[] {
  const triggers = triggersOf(wf);
  if (!triggers.includes("workflow_run") && !triggers.includes("pull_request_target")) return [];
  return jobsOf(wf).flatMap((job) =>
    job.steps.flatMap(({ where, step }) => {
      const found: string[] = [];
      if (actionOf(step) === CHECKOUT_ACTION) {
        const inputs = withOf(step);
        for (const input of ["ref", "repository"]) {
          const value = scalarText(inputs[input]);
          if (value !== undefined && UNTRUSTED_REF.test(value)) {
            found.push(`${where}: checks out ${input} "${value}" of the triggering run`);
          }
        }
        const ref = scalarText(inputs.ref);
        if (ref !== undefined && !/^\$\{\{\s*github\.event\.repository\.default_branch\s*\}\}$/.test(ref)) {
          found.push(`${where}: checks out "${ref}", not the default branch`);
        }
      }
      if (GIT_FETCHES.test(runOf(step) ?? "")) found.push(`${where}: run fetches or checks out code`);
      return found;
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Concurrency, timeouts

/**
 * `concurrency` with a group, at the top or on every job that holds a write scope (a job that only
 * reads, such as CD's check of the CI run, may run side by side). A running push (a publish to main) is not
 * cancelled by a newer push, and a workflow_run (deploy) workflow never cancels a running deploy.
 * (GitHub still cancels a run that is pending in the group when a newer one queues, whatever
 * `cancel-in-progress` says: no setting here can prevent that.)
 */
export function checkConcurrency(wf: WorkflowFile): string[] {
  // A reusable workflow runs inside its caller's group (checkReusableShape forbids one of its own).
  if (isReusable(wf)) return [];
  const blocks: [string, unknown][] =
    wf.doc.concurrency !== undefined
      ? [[`${wf.name}: concurrency`, wf.doc.concurrency]]
      : jobsOf(wf)
          .filter(
            (job) => writeScopes(job.job.permissions).length > 0 || calledWorkflowOf(job.job) !== undefined,
          )
          .map((job) => [`${job.where}.concurrency`, job.job.concurrency]);
  if (blocks.length === 0) return [`${wf.name}: no concurrency`];
  const deploy = triggersOf(wf).includes("workflow_run");
  return blocks.flatMap(([where, block]) => {
    const group = isMapping(block) ? block.group : block;
    if (typeof group !== "string" || group.trim() === "") return [`${where}: no concurrency group`];
    const cancel = isMapping(block) ? block["cancel-in-progress"] : undefined;
    if (cancel === undefined || cancel === false) return [];
    if (deploy) return [`${where}: cancel-in-progress is set on a deploy workflow`];
    if (typeof cancel !== "string" && cancel !== true)
      return [`${where}: cancel-in-progress is not a boolean`];
    try {
      const cancelsPushes = evaluate(cancel, { github: { event_name: "push", ref: "refs/heads/main" } });
      return cancelsPushes ? [`${where}: cancel-in-progress is true for pushes`] : [];
    } catch (error) {
      return [`${where}: cancel-in-progress cannot be evaluated (${String(error)})`];
    }
  });
}

/**
 * A deploy job's concurrency group holds one environment: GitHub keeps one pending run per group and
 * cancels it when a newer one queues, whatever `cancel-in-progress` says, so a preview sharing a group
 * with production could cancel a production deploy waiting for its approval. Each job of a workflow_run
 * workflow with both `environment` and `concurrency` is played for a push and a pull request of main,
 * develop and a feature branch (its needs' outputs from their steps under `model`), and no two runs with
 * different environments may share its group.
 */
export function checkDeployGroups(wf: WorkflowFile, model?: RunModel): string[] {
  if (!triggersOf(wf).includes("workflow_run")) return [];
  const needed = new Set(jobsOf(wf).flatMap((job) => needsOf(job.job)));
  const byGroup = new Map<string, { run: string; environment: string }>();
  const found = new Set<string>();
  for (const event of ["push", "pull_request"]) {
    for (const branch of ["main", "develop", "feature/x"]) {
      const run = `a ${event} run of ${branch}`;
      const context = workflowRunOf({ event, head_branch: branch });
      playRun(wf, context, (job, jobContext, status) => {
        const { concurrency, environment } = job.job;
        if (concurrency !== undefined && environment !== undefined) {
          const evaluated = (value: unknown, key: string) =>
            interpolate(scalarText(isMapping(value) ? value[key] : value) ?? "", jobContext);
          const name = evaluated(environment, "name");
          const group = evaluated(concurrency, "group");
          const other = byGroup.get(`${job.id}\n${group}`);
          if (other === undefined) byGroup.set(`${job.id}\n${group}`, { run, environment: name });
          else if (other.environment !== name) {
            found.add(
              `${job.where}: ${run} (${name}) and ${other.run} (${other.environment}) share the concurrency group ${group}`,
            );
          }
        }
        return model !== undefined && needed.has(job.id)
          ? playSteps(job, jobContext, status, model.runScript, pullRequestsBy(PERSON))
          : "success";
      });
    }
  }
  return [...found];
}

/** Every job with steps has `timeout-minutes` (a job calling a reusable workflow cannot: the called job has it). */
export function checkTimeouts(wf: WorkflowFile): string[] {
  return jobsOf(wf)
    .filter(
      (job) => calledWorkflowOf(job.job) === undefined && typeof job.job["timeout-minutes"] !== "number",
    )
    .map((job) => `${job.where}: no timeout-minutes`);
}

// ---------------------------------------------------------------------------------------------
// Dagger

/**
 * Each job that runs `dagger` installs it first with dagger-for-github at exactly the engine
 * version of dagger.json (without its `v`): the CLI and the engine must match.
 */
export function checkDaggerVersion(wf: WorkflowFile, engineVersion: string): string[] {
  const expected = engineVersion.replace(/^v/, "");
  return jobsOf(wf).flatMap((job) => {
    const found: string[] = [];
    let installed = false;
    for (const { where, step } of job.steps) {
      if (actionOf(step) === DAGGER_ACTION) {
        installed = true;
        const version = scalarText(withOf(step).version);
        if (version !== expected) found.push(`${where}: dagger version "${version}", expected "${expected}"`);
      }
      if (/(^|[\s;&|(])dagger\s/m.test(runOf(step) ?? "") && !installed) {
        found.push(`${where}: runs dagger before a pinned dagger-for-github install`);
      }
    }
    return found;
  });
}

const ON_FAILURE = /\b(always|failure)\(\)|!\s*cancelled\(\)/;

/**
 * A job that runs `dagger call ci` exports the reports (`--exit-zero`: the module otherwise throws on a
 * failed gate before anything is exported), then (even when a gate failed) appends
 * the summary and uploads the reports with hidden files, and only after that fails on the verdict.
 */
export function checkReportsBeforeVerdict(wf: WorkflowFile): string[] {
  return jobsOf(wf).flatMap((job) => {
    const index = (test: (step: Mapping) => boolean) => job.steps.findIndex(({ step }) => test(step));
    const pipeline = index((s) => CALL_CI.test(runOf(s) ?? ""));
    if (pipeline < 0) return [];
    const found: string[] = [];
    const at = (i: number) => job.steps[i] ?? { where: job.where, step: {} };
    for (const { where, step } of job.steps.filter(({ step }) => CALL_CI.test(runOf(step) ?? ""))) {
      if (!/reports\s+export\s+--path[\s=]reports\b/.test(runOf(step) ?? "")) {
        found.push(`${where}: does not chain "reports export --path reports"`);
      }
      if (!/--exit-zero\b/.test(runOf(step) ?? "")) {
        found.push(`${where}: no --exit-zero, so a failed gate exports no reports`);
      }
    }
    const summary = index((s) => /summary\.md[\s\S]*GITHUB_STEP_SUMMARY/.test(runOf(s) ?? ""));
    const upload = index((s) => actionOf(s) === UPLOAD_ACTION);
    const verdict = index((s) => /jq\s+-e\s+'\.passed == true'\s+reports\/status\.json/.test(runOf(s) ?? ""));
    if (summary < 0) found.push(`${job.where}: no step appends reports/summary.md to GITHUB_STEP_SUMMARY`);
    else if (!ON_FAILURE.test(scalarText(at(summary).step.if) ?? "")) {
      found.push(`${at(summary).where}: the summary is skipped when the pipeline failed`);
    }
    if (upload < 0) return [...found, `${job.where}: the reports are not uploaded`];
    const { where, step } = at(upload);
    const inputs = withOf(step);
    if (!ON_FAILURE.test(scalarText(step.if) ?? "")) found.push(`${where}: skipped when the pipeline failed`);
    if (!/^reports\/?$/.test(scalarText(inputs.path) ?? "")) found.push(`${where}: path is not reports/`);
    if (scalarText(inputs["include-hidden-files"]) !== "true") {
      found.push(`${where}: include-hidden-files is not true (.coverage is dropped)`);
    }
    if (scalarText(inputs["if-no-files-found"]) !== "warn")
      found.push(`${where}: if-no-files-found is not warn`);
    if (verdict < 0) found.push(`${job.where}: no step fails the job on reports/status.json`);
    else if (verdict < upload) found.push(`${at(verdict).where}: the verdict comes before the upload`);
    return found;
  });
}

// ---------------------------------------------------------------------------------------------
// Signing, module inputs, code scanning, runner image

/** A script that calls one of the module's `functions`, whatever constructor flags (or arrays of them) come first. */
const calling = (functions: readonly string[]) => ({
  test: (run: string) => daggerCommands(run).some((c) => functions.includes(calledFunction(c) ?? "")),
});
/** The pipeline: `dagger call … ci` or `ci-run` (the run, so that its reports can be exported). */
const CALL_CI = calling(["ci", "ci-run"]);
/** The calls that act for an event: the pipeline, publish, deploy. */
const CALL_MODULE = calling(["ci", "ci-run", "publish", "deploy"]);
const OIDC_URL = '--oidc-request-url "$ACTIONS_ID_TOKEN_REQUEST_URL"';
const OIDC_TOKEN = "--oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN";

function grants(job: Job, scope: string): boolean {
  return writeScopes(job.job.permissions).includes(`${scope}: write`);
}

/**
 * A job that publishes also signs (`--sign`, keyless): it hands the module the runner's OIDC request
 * URL and token, the token as a Secret (`env:NAME`), and holds `id-token: write`, which the runner
 * needs to set them. No other job holds `id-token: write`.
 */
export function checkSigning(wf: WorkflowFile): string[] {
  return jobsOf(wf).flatMap((job) => {
    const found: string[] = [];
    // A job calling the reusable workflow with `publish: true` signs there, with this job's token.
    let signs = calledWorkflowOf(job.job) !== undefined && scalarText(withOf(job.job).publish) === "true";
    for (const { where, step } of job.steps) {
      const run = runOf(step) ?? "";
      if (CALL_CI.test(run) && /--publish\b/.test(run)) {
        if (!/--sign\b/.test(run)) found.push(`${where}: publishes without --sign`);
        if (!run.includes(OIDC_URL)) found.push(`${where}: publishes without ${OIDC_URL}`);
        if (!run.includes(OIDC_TOKEN)) found.push(`${where}: publishes without ${OIDC_TOKEN}`);
      }
      const token = /--oidc-request-token[\s=]+(\S+)/.exec(run)?.[1];
      if (token !== undefined && token !== "env:ACTIONS_ID_TOKEN_REQUEST_TOKEN") {
        found.push(
          `${where}: passes the OIDC request token as ${token}, not as env:ACTIONS_ID_TOKEN_REQUEST_TOKEN`,
        );
      }
      if (/--sign\b/.test(run)) signs = true;
    }
    // A reusable workflow's job holds what its caller grants (checked in the caller).
    if (isReusable(wf)) return found;
    if (signs && !grants(job, "id-token")) found.push(`${job.where}: signs without id-token: write`);
    if (!signs && grants(job, "id-token")) found.push(`${job.where}: has id-token: write but signs nothing`);
    return found;
  });
}

/**
 * Every `dagger call` of ci, ci-run, publish or deploy tells the module which event it serves (`--event "$EVENT"`, EVENT
 * being `github.event_name`, or under workflow_run the triggering run's `workflow_run.event`: the
 * module moves the main/develop tags and deploys to production/staging only for a push) and where
 * the GitHub API is (`--github-api-url "$GITHUB_API_URL"`, for GitHub Enterprise Server).
 */
export function checkModuleInputs(wf: WorkflowFile): string[] {
  const source = triggersOf(wf).includes("workflow_run")
    ? "github.event.workflow_run.event"
    : "github.event_name";
  return jobsOf(wf).flatMap((job) =>
    job.steps.flatMap(({ where, step }) => {
      const run = runOf(step) ?? "";
      if (!CALL_MODULE.test(run)) return [];
      const found: string[] = [];
      if (!run.includes('--event "$EVENT"')) found.push(`${where}: no --event "$EVENT"`);
      if (!run.includes('--github-api-url "$GITHUB_API_URL"')) {
        found.push(`${where}: no --github-api-url "$GITHUB_API_URL"`);
      }
      const env = isMapping(step.env) ? step.env : {};
      const event = scalarText(env.EVENT)?.replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, "$1");
      if (event !== source) found.push(`${where}: env.EVENT is ${JSON.stringify(event)}, expected ${source}`);
      return found;
    }),
  );
}

const UPLOAD_SARIF = /^github\/codeql-action\/upload-sarif@/;
export const SARIF_PATH = "reports/trivy.sarif";

/** When the SARIF upload must run (`true`) and must not (`false`); `publish` is the reusable workflow's input. */
const PUBLISHING = { publish: true };
const SARIF_SCENARIOS: [string, boolean, ExpressionContext, string[]][] = [
  [
    "a push",
    true,
    { github: { event_name: "push", repository: REPOSITORY }, inputs: PUBLISHING },
    [SARIF_PATH],
  ],
  [
    `a push whose scan left no ${SARIF_PATH}`,
    false,
    { github: { event_name: "push", repository: REPOSITORY }, inputs: PUBLISHING },
    [],
  ],
  [
    "a push of a run that does not publish (publish: false)",
    false,
    { github: { event_name: "push", repository: REPOSITORY }, inputs: { publish: false } },
    [SARIF_PATH],
  ],
  [
    "a pull request",
    false,
    {
      github: {
        event_name: "pull_request",
        repository: REPOSITORY,
        event: { pull_request: { head: { repo: SAME_REPO }, user: PERSON } },
      },
      inputs: PUBLISHING,
    },
    [SARIF_PATH],
  ],
];

/**
 * The publishing job sends the Trivy SARIF to code scanning with github/codeql-action/upload-sarif,
 * after the pipeline ran, only on push runs, only when the file exists, and only from a job that holds
 * `security-events: write` (which the scope table allows on that job alone).
 */
export function checkSarifUpload(wf: WorkflowFile): string[] {
  return jobsOf(wf).flatMap((job) => {
    const found: string[] = [];
    const pipeline = job.steps.findIndex(({ step }) => CALL_CI.test(runOf(step) ?? ""));
    const publishes = /--publish\b/.test(runOf(job.steps[pipeline]?.step ?? {}) ?? "");
    const uploads = job.steps
      .map((s, index) => ({ ...s, index }))
      .filter(({ step }) => typeof step.uses === "string" && UPLOAD_SARIF.test(step.uses));
    if (publishes && uploads.length === 0) {
      found.push(`${job.where}: publishes but does not upload ${SARIF_PATH} to code scanning`);
    }
    for (const { where, step, index } of uploads) {
      if (scalarText(withOf(step).sarif_file) !== SARIF_PATH)
        found.push(`${where}: sarif_file is not ${SARIF_PATH}`);
      if (!isReusable(wf) && !grants(job, "security-events"))
        found.push(`${job.where}: uploads SARIF without security-events: write`);
      if (pipeline < 0 || index < pipeline)
        found.push(`${where}: runs before the pipeline wrote ${SARIF_PATH}`);
      const condition = scalarText(step.if);
      for (const [name, mustRun, context, files] of SARIF_SCENARIOS) {
        let runs: boolean;
        try {
          runs = condition === undefined || evaluate(condition, context, { files });
        } catch (error) {
          found.push(`${where}: if: cannot be evaluated (${String(error)})`);
          break;
        }
        if (runs !== mustRun) found.push(`${where}: ${runs ? "uploads" : "does not upload"} for ${name}`);
      }
    }
    return found;
  });
}

/**
 * Whether a job sends SARIF to code scanning: one of its steps uses upload-sarif, or it calls a reusable
 * workflow (`called` resolves it) whose upload step can run with the inputs the job passes, on a push
 * that left the SARIF file (the only case the upload step is for).
 */
function uploadsSarif(job: Job, called: (uses: string) => WorkflowFile | undefined): boolean {
  const isUpload = (step: Mapping) => typeof step.uses === "string" && UPLOAD_SARIF.test(step.uses);
  if (job.steps.some(({ step }) => isUpload(step))) return true;
  const uses = calledWorkflowOf(job.job);
  const target = uses === undefined ? undefined : called(uses);
  if (target === undefined) return false;
  const on = isMapping(target.doc.on) ? target.doc.on : {};
  const declared =
    isMapping(on.workflow_call) && isMapping(on.workflow_call.inputs) ? on.workflow_call.inputs : {};
  const inputs: Mapping = Object.fromEntries(
    Object.entries(declared).map(([name, spec]) => [name, isMapping(spec) ? (spec.default ?? null) : null]),
  );
  Object.assign(inputs, withOf(job.job));
  const context: ExpressionContext = { github: { event_name: "push", repository: REPOSITORY }, inputs };
  return jobsOf(target).some((calledJob) =>
    calledJob.steps.some(({ step }) => isUpload(step) && stepRuns(step.if, context, [SARIF_PATH])),
  );
}

/**
 * A step that downloads another workflow run's artifact: download-artifact with `run-id`, which needs a token
 * with actions: read (download-artifact v8.0.1's README, "Download Artifacts from other Workflow Runs").
 */
function downloadsRunArtifact(job: Job): boolean {
  return job.steps.some(
    ({ step }) =>
      typeof step.uses === "string" &&
      step.uses.startsWith("actions/download-artifact@") &&
      isMapping(step.with) &&
      step.with["run-id"] !== undefined,
  );
}

/**
 * `actions: read` exactly where SARIF is uploaded or another run's artifact downloaded: github/codeql-action's
 * upload reads the workflow run, which a private repository refuses without it (GitHub's upload-sarif example:
 * "only required for workflows in private repositories"). Any other job holding an `actions` scope is reported.
 */
export function checkActionsRead(
  wf: WorkflowFile,
  called: (uses: string) => WorkflowFile | undefined,
): string[] {
  // A reusable workflow's job holds what its caller grants (checked in the caller).
  if (isReusable(wf)) return [];
  return jobsOf(wf).flatMap((job) => {
    const permissions = job.job.permissions;
    const level = isMapping(permissions)
      ? permissions.actions
      : permissions === "read-all"
        ? "read"
        : undefined;
    if (uploadsSarif(job, called)) {
      return level === "read" ? [] : [`${job.where}: uploads SARIF without actions: read`];
    }
    if (downloadsRunArtifact(job)) {
      return level === "read" ? [] : [`${job.where}: downloads another run's artifact without actions: read`];
    }
    return level === undefined
      ? []
      : [
          `${job.where}: has actions: ${String(level)} but uploads no SARIF and downloads no other run's artifact`,
        ];
  });
}

/** Every job runs on the pinned runner image (a `-latest` label moves under the workflow unannounced). */
export function checkRunner(wf: WorkflowFile, label: string): string[] {
  // A job calling a reusable workflow has no runs-on of its own: the called job's applies.
  return jobsOf(wf).flatMap((job) => {
    if (calledWorkflowOf(job.job) !== undefined) return [];
    const runsOn = job.job["runs-on"];
    return runsOn === label ? [] : [`${job.where}: runs-on ${JSON.stringify(runsOn)}, expected "${label}"`];
  });
}

// ---------------------------------------------------------------------------------------------
// The repository's own checks (checks.yml)

const SETUP_NODE_ACTION = "actions/setup-node";

/** The steps a self-check job may have besides its one command: check out the code, set up Node. */
const SETUP_ACTIONS = [CHECKOUT_ACTION, SETUP_NODE_ACTION];

/** A step or job setting that can turn a failed command into a green (or skipped) check. */
function mayPassOnFailure(where: string, block: Mapping): string[] {
  const found: string[] = [];
  if (block.if !== undefined) found.push(`${where}: has an if: (a skipped check shows as passed)`);
  const keepGoing = block["continue-on-error"];
  if (keepGoing !== undefined && keepGoing !== false) {
    found.push(`${where}: continue-on-error is ${JSON.stringify(keepGoing)} (a failure shows as passed)`);
  }
  return found;
}

/**
 * One job that runs `command` and nothing else of substance: its only `run:` step is exactly the
 * command, the only actions are checkout and setup-node (both before it), and nothing can skip it,
 * let it fail quietly (`if:`, `continue-on-error`) or change what it does (`env:`, `shell:`,
 * `working-directory:`, at any level).
 */
export function checkRunsOnly(wf: WorkflowFile, command: string): string[] {
  const jobs = jobsOf(wf);
  const found: string[] = [];
  if (jobs.length !== 1) found.push(`${wf.name}: ${jobs.length} jobs, expected one`);
  if (wf.doc.env !== undefined) found.push(`${wf.name}: sets env: at the top`);
  for (const job of jobs) {
    found.push(...mayPassOnFailure(job.where, job.job));
    if (job.job.env !== undefined) found.push(`${job.where}: sets env:`);
    const seen = new Set<string>();
    let runs = 0;
    for (const { where, step } of job.steps) {
      const action = actionOf(step);
      const run = runOf(step);
      if (action !== undefined) {
        if (SETUP_ACTIONS.includes(action)) seen.add(action);
        else found.push(`${where}: uses ${action}; only ${SETUP_ACTIONS.join(" and ")} may run here`);
      }
      if (run === undefined) continue;
      if (run.trim() !== command) {
        found.push(`${where}: runs ${JSON.stringify(run.trim())}; only "${command}" may run here`);
        continue;
      }
      runs++;
      found.push(...mayPassOnFailure(where, step));
      for (const key of ["env", "shell", "working-directory"]) {
        if (step[key] !== undefined) found.push(`${where}: sets ${key}:`);
      }
      for (const action of SETUP_ACTIONS.filter((a) => !seen.has(a))) {
        found.push(`${where}: runs "${command}" before ${action}`);
      }
    }
    if (runs !== 1) found.push(`${job.where}: runs "${command}" ${runs} times, expected once`);
  }
  return found;
}

const PRIVILEGED_TRIGGERS = ["pull_request_target", "workflow_run"];
const SECRET_REFERENCE = /\bsecrets\b|\bgithub\.token\b/;

/** Every string in a parsed YAML value, with where it is. */
function stringsOf(value: unknown, where: string): [string, string][] {
  if (typeof value === "string") return [[where, value]];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsOf(v, `${where}[${i}]`));
  if (isMapping(value)) return Object.entries(value).flatMap(([k, v]) => stringsOf(v, `${where}.${k}`));
  return [];
}

/**
 * Read-only and secret-free: `permissions: {}` at the top, exactly `contents: read` on each job, no
 * `secrets.*` or `github.token` in any expression, no `secrets: inherit`, and no trigger that runs
 * with a write token and the repository's secrets whoever opened the pull request.
 */
export function checkReadOnlyNoSecrets(wf: WorkflowFile): string[] {
  const found: string[] = [];
  const top = wf.doc.permissions;
  if (!isMapping(top) || Object.keys(top).length > 0) {
    found.push(`${wf.name}: top-level permissions are ${JSON.stringify(top ?? null)}, expected {}`);
  }
  for (const job of jobsOf(wf)) {
    const { permissions } = job.job;
    const readOnly =
      isMapping(permissions) && Object.keys(permissions).length === 1 && permissions.contents === "read";
    if (!readOnly) {
      found.push(
        `${job.where}: permissions are ${JSON.stringify(permissions ?? null)}, expected contents: read`,
      );
    }
    if (job.job.secrets !== undefined) found.push(`${job.where}: passes secrets`);
  }
  for (const trigger of triggersOf(wf).filter((t) => PRIVILEGED_TRIGGERS.includes(t))) {
    found.push(`${wf.name}: on: ${trigger} runs with a write token and the repository's secrets`);
  }
  for (const [where, text] of stringsOf(wf.doc, "")) {
    for (const source of expressions(text).filter((e) => SECRET_REFERENCE.test(e))) {
      found.push(`${wf.name}: ${where.slice(1)}: reads a secret ("\${{ ${source} }}")`);
    }
  }
  return found;
}

/**
 * A GitHub Actions path filter pattern as a regular expression: `**` any path, `*` any name
 * (no `/`); patterns are relative to the repository root. Returns undefined for the syntax the
 * workflows do not use (`?`, `+`, `[...]`), so a rule reports it instead of guessing.
 */
function filterPattern(pattern: string): RegExp | undefined {
  if (/[?+[\]]/.test(pattern)) return undefined;
  const source = pattern
    .split(/(\*\*\/|\*\*|\*)/)
    .map((part) => {
      if (part === "**/") return "(?:.*/)?";
      if (part === "**") return ".*";
      if (part === "*") return "[^/]*";
      return part.replace(/[.^${}()|\\]/g, "\\$&");
    })
    .join("");
  return new RegExp(`^${source}$`);
}

/** Whether a change to `file` alone triggers the event, under its `paths:` / `paths-ignore:`. */
function triggersFor(filter: Mapping, file: string, problems: Set<string>): boolean {
  const matches = (patterns: unknown[]): boolean | undefined => {
    // The last pattern that matches decides; a `!pattern` excludes what earlier ones included.
    let verdict: boolean | undefined;
    for (const raw of patterns) {
      const pattern = String(raw);
      const negated = pattern.startsWith("!");
      const re = filterPattern(negated ? pattern.slice(1) : pattern);
      if (!re) problems.add(`pattern ${JSON.stringify(pattern)} uses syntax this rule does not model`);
      else if (re.test(file)) verdict = !negated;
    }
    return verdict;
  };
  const { paths } = filter;
  const ignore = filter["paths-ignore"];
  if (Array.isArray(paths)) return matches(paths) === true;
  if (Array.isArray(ignore)) return matches(ignore) !== true;
  return true;
}

/**
 * Each of `events` triggers the workflow, and a change to any one of `files` (one file of each kind
 * the checks read) triggers it for each event; the events filter the same paths. No filter at all
 * triggers on everything, which passes.
 */
export function checkPathsFilter(
  wf: WorkflowFile,
  events: readonly string[],
  files: readonly string[],
): string[] {
  const triggers = triggersOf(wf);
  const on = isMapping(wf.doc.on) ? wf.doc.on : {};
  const found: string[] = [];
  const filters: [string, Mapping][] = [];
  for (const event of events) {
    if (!triggers.includes(event)) {
      found.push(`${wf.name}: does not run on ${event}`);
      continue;
    }
    const filter = isMapping(on[event]) ? on[event] : {};
    filters.push([event, filter]);
    const problems = new Set<string>();
    const missed = files.filter((file) => !triggersFor(filter, file, problems));
    found.push(...[...problems].map((p) => `${wf.name}: on.${event}: ${p}`));
    found.push(
      ...missed.map((file) => `${wf.name}: on.${event}: a change to ${file} does not run the checks`),
    );
  }
  const [first, ...rest] = filters;
  const sameAs = (a: Mapping, b: Mapping) =>
    JSON.stringify([a.paths, a["paths-ignore"]]) === JSON.stringify([b.paths, b["paths-ignore"]]);
  for (const [event, filter] of rest) {
    if (first && !sameAs(first[1], filter)) {
      found.push(`${wf.name}: on.${event} filters other paths than on.${first[0]}`);
    }
  }
  return found;
}

/**
 * Node comes from actions/setup-node at `version` (package.json's engines floor, as a fixed line,
 * never a range or a version file read as one), with the npm cache keyed on exactly `lockfiles`.
 */
export function checkNodeSetup(wf: WorkflowFile, version: string, lockfiles: readonly string[]): string[] {
  const setups = jobsOf(wf).flatMap((job) =>
    job.steps.filter(({ step }) => actionOf(step) === SETUP_NODE_ACTION),
  );
  if (setups.length === 0) return [`${wf.name}: no ${SETUP_NODE_ACTION} step`];
  return setups.flatMap(({ where, step }) => {
    const inputs = withOf(step);
    const found: string[] = [];
    const nodeVersion = scalarText(inputs["node-version"]);
    if (nodeVersion !== version) {
      found.push(`${where}: node-version is ${JSON.stringify(nodeVersion)}, expected "${version}"`);
    }
    if (inputs["node-version-file"] !== undefined) found.push(`${where}: sets node-version-file`);
    if (scalarText(inputs.cache) !== "npm") found.push(`${where}: cache is not npm`);
    const keyed = (scalarText(inputs["cache-dependency-path"]) ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
    if (JSON.stringify([...keyed].sort()) !== JSON.stringify([...lockfiles].sort())) {
      found.push(
        `${where}: cache-dependency-path is ${JSON.stringify(keyed)}, expected ${JSON.stringify(lockfiles)}`,
      );
    }
    return found;
  });
}

// ---------------------------------------------------------------------------------------------
// The reusable workflow (python-pipeline.yml): its interface, its trust split, the engine switch

/** A `workflow_call` input as the callers rely on it. */
export type CallInput = { type: "string" | "number" | "boolean"; default: string | number | boolean };

/**
 * Triggered by `workflow_call` only, with exactly `inputs` (type and default) and `secrets` (each
 * optional: nothing is required of a caller but its checkout), `publish` off by default, and no
 * `permissions` or `concurrency` of its own: the job inherits the calling job's token, which it can
 * only narrow (a scope the caller did not grant fails the run), and runs in the caller's group.
 */
export function checkReusableShape(
  wf: WorkflowFile,
  inputs: Readonly<Record<string, CallInput>>,
  secrets: readonly string[],
): string[] {
  const found: string[] = [];
  const triggers = triggersOf(wf);
  if (triggers.length !== 1 || triggers[0] !== "workflow_call") {
    found.push(`${wf.name}: triggered by ${JSON.stringify(triggers)}, expected workflow_call only`);
  }
  const on = isMapping(wf.doc.on) ? wf.doc.on : {};
  const call = isMapping(on.workflow_call) ? on.workflow_call : {};
  const declared = isMapping(call.inputs) ? call.inputs : {};
  for (const [name, spec] of Object.entries(inputs)) {
    const input = declared[name];
    if (!isMapping(input)) {
      found.push(`${wf.name}: no input ${name}`);
      continue;
    }
    if (input.type !== spec.type)
      found.push(`${wf.name}: input ${name} is ${String(input.type)}, expected ${spec.type}`);
    if (input.default !== spec.default) {
      found.push(
        `${wf.name}: input ${name} defaults to ${JSON.stringify(input.default)}, expected ${JSON.stringify(spec.default)}`,
      );
    }
    if (input.required === true) found.push(`${wf.name}: input ${name} is required`);
  }
  for (const name of Object.keys(declared).filter((n) => !(n in inputs))) {
    found.push(`${wf.name}: input ${name} is not documented for callers`);
  }
  const declaredSecrets = isMapping(call.secrets) ? call.secrets : {};
  for (const name of secrets) {
    const secret = declaredSecrets[name];
    if (!isMapping(secret)) found.push(`${wf.name}: no secret ${name}`);
    else if (secret.required !== false)
      found.push(`${wf.name}: secret ${name} is not optional (required: false)`);
  }
  for (const name of Object.keys(declaredSecrets).filter((n) => !secrets.includes(n))) {
    found.push(`${wf.name}: secret ${name} is not documented for callers`);
  }
  if (wf.doc.permissions !== undefined) {
    found.push(`${wf.name}: declares top-level permissions; the calling job's grant must be the only list`);
  }
  if (wf.doc.concurrency !== undefined) found.push(`${wf.name}: declares concurrency; the caller's applies`);
  for (const job of jobsOf(wf)) {
    if (job.job.permissions !== undefined) {
      found.push(`${job.where}: declares permissions; the calling job's grant must be the only list`);
    }
    if (job.job.concurrency !== undefined)
      found.push(`${job.where}: declares concurrency; the caller's applies`);
  }
  return found;
}

/** What makes a step privileged: publishing, signing, a token, the shared engine, Dagger Cloud. */
const PRIVILEGE_IN_RUN: [RegExp, string][] = CREDENTIAL_USES;
const PRIVILEGE_IN_ENV: [RegExp, string][] = [
  [/\bsecrets\./, "a secret"],
  [/\bvars\.DAGGER_ENGINE\b|_EXPERIMENTAL_DAGGER_RUNNER_HOST/, "the shared engine"],
  [/\bDAGGER_CLOUD_TOKEN\b/, "the Dagger Cloud token"],
];

function privilegesOf(step: Mapping): string[] {
  const run = runOf(step) ?? "";
  const settings = JSON.stringify([step.env ?? null, step.with ?? null]);
  return [
    ...PRIVILEGE_IN_RUN.filter(([re]) => re.test(run)).map(([, what]) => what),
    ...PRIVILEGE_IN_ENV.filter(([re]) => re.test(settings)).map(([, what]) => what),
  ];
}

/** Every event a caller may bring, with `publish` on and off, and whether the run is trusted. */
function callScenarios(): { name: string; trusted: boolean; context: ExpressionContext }[] {
  const scenarios: { name: string; trusted: boolean; context: ExpressionContext }[] = [];
  const events: [string, Mapping, boolean][] = [];
  for (const actor of [PERSON, BOT]) {
    events.push([
      `a push by ${actor.login}`,
      { event_name: "push", repository: REPOSITORY, actor: actor.login, event: {} },
      true,
    ]);
  }
  for (const [origin, repo] of [
    ["this repository", SAME_REPO],
    ["a fork", FORK],
    ["a deleted fork", null],
  ] as const) {
    for (const author of [PERSON, BOT]) {
      for (const actor of [PERSON, BOT]) {
        events.push([
          `a pull_request from ${origin} opened by ${author.login}, pushed by ${actor.login}`,
          {
            event_name: "pull_request",
            repository: REPOSITORY,
            actor: actor.login,
            event: { pull_request: { head: { repo }, user: author } },
          },
          repo === SAME_REPO && author === PERSON && actor === PERSON,
        ]);
      }
    }
  }
  events.push([
    "a workflow_dispatch",
    { event_name: "workflow_dispatch", repository: REPOSITORY, actor: PERSON.login, event: {} },
    false,
  ]);
  for (const [name, github, trustedEvent] of events) {
    for (const publish of [true, false]) {
      scenarios.push({
        name: `${name} with publish: ${publish}`,
        trusted: publish && trustedEvent,
        context: { github, inputs: { publish } },
      });
    }
  }
  return scenarios;
}

function stepRuns(condition: unknown, context: ExpressionContext, files: readonly string[] = []): boolean {
  if (condition === undefined) return true;
  if (typeof condition !== "string" && typeof condition !== "boolean") return true;
  try {
    return evaluate(condition, context, { files });
  } catch {
    return true;
  }
}

/**
 * In a reusable workflow, trust is decided per step: a privileged step (publish, sign, the OIDC token,
 * a secret, the shared engine, the Dagger Cloud token) runs only when the caller asked to publish and
 * the event is a push or a pull request from the repository itself that a person opened and last pushed
 * to, whatever job the caller put it in. Exactly one `dagger call ci` step runs for each event, and for a
 * trusted one it is the publishing step.
 */
export function checkStepsTrusted(wf: WorkflowFile): string[] {
  if (!isReusable(wf)) return [];
  return jobsOf(wf).flatMap((job) => {
    const found: string[] = [];
    for (const { name, trusted, context } of callScenarios()) {
      if (!stepRuns(job.job.if, context)) continue;
      const running = job.steps.filter(({ step }) => stepRuns(step.if, context));
      if (!trusted) {
        for (const { where, step } of running) {
          for (const what of privilegesOf(step)) found.push(`${where}: ${what} for ${name}`);
        }
      }
      const pipelines = running.filter(({ step }) => CALL_CI.test(runOf(step) ?? ""));
      if (pipelines.length !== 1) {
        found.push(`${job.where}: ${pipelines.length} dagger call ci steps run for ${name}, expected one`);
      } else if (trusted && !/--publish\b/.test(runOf(pipelines[0]?.step ?? {}) ?? "")) {
        found.push(`${job.where}: nothing publishes for ${name}`);
      }
    }
    return [...new Set(found)];
  });
}

const SECRET_VALUE = /\bsecrets\.|\bgithub\.token\b/;
/** Whether a secret is set, and nothing of its value: `${{ secrets.X != '' }}` is only true or false. */
const SECRET_IS_SET = /^\$\{\{\s*secrets\.[A-Za-z_][A-Za-z0-9_]*\s*!=\s*''\s*\}\}$/;

/**
 * The one way the engine switch is written: the shared engine for a push to a protected branch, empty
 * (the CLI's own engine) for anything else. `github.ref_protected` is "true if branch protections or
 * rulesets are configured for the ref that triggered the workflow run" (GitHub docs, "Variables
 * reference", GITHUB_REF_PROTECTED).
 */
export const ENGINE_SOURCE =
  "github.event_name == 'push' && github.ref_protected && vars.DAGGER_ENGINE || ''";

/**
 * The persistent-engine switch and the Dagger Cloud token, and secrets on command lines:
 * `_EXPERIMENTAL_DAGGER_RUNNER_HOST` is set only on a step that runs dagger, only as ENGINE_SOURCE
 * (empty when the variable is unset, which the CLI treats as unset);
 * `DAGGER_CLOUD_TOKEN` likewise only from `${{ secrets.DAGGER_CLOUD_TOKEN }}`; neither at the workflow
 * or job level (every step, read-only ones included, would get it). A secret held in a step's `env:`
 * is never expanded into a command line (`$NAME`): dagger reads it as `env:NAME`. No dagger-for-github
 * `cloud-token` input. With `required`, some step must carry the switch.
 */
export function checkEngineSwitch(wf: WorkflowFile, required: boolean): string[] {
  const found: string[] = [];
  const expected: Record<string, string> = {
    _EXPERIMENTAL_DAGGER_RUNNER_HOST: ENGINE_SOURCE,
    DAGGER_CLOUD_TOKEN: "secrets.DAGGER_CLOUD_TOKEN",
  };
  const blocks: [string, unknown][] = [
    [`${wf.name}: env`, wf.doc.env],
    ...jobsOf(wf).map((job): [string, unknown] => [`${job.where}.env`, job.job.env]),
  ];
  for (const [where, env] of blocks) {
    for (const name of Object.keys(expected)) {
      if (isMapping(env) && name in env) found.push(`${where}: sets ${name} for every step`);
    }
  }
  let switches = 0;
  for (const job of jobsOf(wf)) {
    for (const { where, step } of job.steps) {
      const env = isMapping(step.env) ? step.env : {};
      const run = runOf(step) ?? "";
      for (const [name, source] of Object.entries(expected)) {
        if (!(name in env)) continue;
        const value = scalarText(env[name])?.replace(/^\$\{\{\s*([\s\S]*?)\s*\}\}$/, "$1");
        if (value !== source)
          found.push(`${where}: ${name} is ${JSON.stringify(env[name])}, expected \${{ ${source} }}`);
        if (!/(^|[\s;&|(])dagger\s/m.test(run))
          found.push(`${where}: sets ${name} on a step that does not run dagger`);
        if (name === "_EXPERIMENTAL_DAGGER_RUNNER_HOST") switches++;
      }
      const secretNames = Object.entries(env)
        .filter(([, v]) => SECRET_VALUE.test(scalarText(v) ?? "") && !SECRET_IS_SET.test(scalarText(v) ?? ""))
        .map(([k]) => k)
        .concat("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
      for (const name of secretNames) {
        if (new RegExp(`\\$\\{?${name}\\b`).test(run))
          found.push(`${where}: expands $${name} into a command line`);
      }
      if (/--cloud-token\b|\bDAGGER_CLOUD_TOKEN=/.test(run)) {
        found.push(`${where}: puts the Dagger Cloud token on a command line`);
      }
      if (actionOf(step) === DAGGER_ACTION && withOf(step)["cloud-token"] !== undefined) {
        found.push(`${where}: gives dagger-for-github a cloud-token (its exec step pastes it into bash)`);
      }
    }
  }
  if (required && switches === 0) found.push(`${wf.name}: no step connects to vars.DAGGER_ENGINE`);
  return found;
}

const SHARED_ENGINE = "tcp://shared-engine.internal:1234";
const ENGINE_VAR = "_EXPERIMENTAL_DAGGER_RUNNER_HOST";

/**
 * Every event a workflow may run a step for, with whether a step may reach the shared engine there: only a
 * push to a protected branch. Pull requests from anywhere, by anyone (a same-repository branch's module and
 * workflow files are its author's, reviewed by nobody yet), a push to an unprotected branch, a manual run,
 * and under workflow_run the run of a pull request. `publish` on and off, for a reusable workflow.
 */
function engineScenarios(): { name: string; trusted: boolean; context: ExpressionContext }[] {
  const events: [string, Mapping, boolean][] = [
    ["a push to a protected branch", { event_name: "push", ref_protected: true, event: {} }, true],
    ["a push to an unprotected branch", { event_name: "push", ref_protected: false, event: {} }, false],
    ["a workflow_dispatch", { event_name: "workflow_dispatch", ref_protected: true, event: {} }, false],
  ];
  for (const [origin, repo] of [
    ["this repository", SAME_REPO],
    ["a fork", FORK],
  ] as const) {
    for (const author of [PERSON, BOT]) {
      for (const actor of [PERSON, BOT]) {
        const pullRequest = { head: { repo }, user: author };
        for (const event of ["pull_request", "pull_request_target"]) {
          events.push([
            `a ${event} from ${origin} opened by ${author.login}, pushed by ${actor.login}`,
            {
              event_name: event,
              actor: actor.login,
              ref_protected: false,
              event: { pull_request: pullRequest },
            },
            false,
          ]);
        }
      }
    }
  }
  for (const event of ["pull_request", "push"]) {
    events.push([
      `a workflow_run of a ${event} run`,
      {
        event_name: "workflow_run",
        ref_protected: true,
        event: {
          workflow_run: {
            conclusion: "success",
            event,
            path: CI_WORKFLOW_PATH,
            repository: SAME_REPO,
            head_repository: SAME_REPO,
            actor: PERSON,
          },
        },
      },
      false,
    ]);
  }
  return events.flatMap(([name, github, trusted]) =>
    [true, false].map((publish) => ({
      name: `${name} with publish: ${publish}`,
      trusted: trusted && publish,
      context: {
        github: { repository: REPOSITORY, actor: PERSON.login, ...github },
        inputs: { publish },
        vars: { DAGGER_ENGINE: SHARED_ENGINE },
        secrets: {},
        needs: {},
      },
    })),
  );
}

/**
 * The shared engine only for trusted runs: `vars.DAGGER_ENGINE` set, every step that can run for an event
 * other than a push to a protected branch (a pull request above all) gets an empty
 * `_EXPERIMENTAL_DAGGER_RUNNER_HOST` from the workflow, its job and itself, so the CLI starts the runner's
 * own engine. An engine's cache volumes are shared by all its clients (docs/scale.md, "Limits"), so
 * unreviewed code could otherwise write what the next push build of main reads. With `required`, the
 * publishing step of a protected push does reach it (the switch is not dead).
 */
export function checkEngineOnlyForProtectedPushes(wf: WorkflowFile, required: boolean): string[] {
  const found = new Set<string>();
  let reached = false;
  const valueIn = (env: unknown, context: ExpressionContext): string => {
    if (!isMapping(env) || !(ENGINE_VAR in env)) return "";
    return interpolate(scalarText(env[ENGINE_VAR]) ?? "", context);
  };
  for (const { name, trusted, context } of engineScenarios()) {
    for (const job of jobsOf(wf)) {
      if (!stepRuns(job.job.if, context)) continue;
      for (const { where, step } of job.steps) {
        if (!stepRuns(step.if, context)) continue;
        let value: string;
        try {
          value = valueIn(wf.doc.env, context) || valueIn(job.job.env, context) || valueIn(step.env, context);
        } catch (error) {
          found.add(`${where}: ${ENGINE_VAR} cannot be evaluated (${String(error)})`);
          continue;
        }
        if (value === "") continue;
        if (trusted) reached = true;
        else found.add(`${where}: the shared engine reaches it for ${name}`);
      }
    }
  }
  if (required && !reached) found.add(`${wf.name}: no step reaches the shared engine for a protected push`);
  return [...found];
}

/**
 * A job that calls a reusable workflow lists its token's scopes itself (the called job declares none
 * and inherits them): exactly `contents: read`, the read scopes `reads` gives that job and the write
 * scopes `allowed` gives it, so a publishing call has all it needs (a missing `security-events: write`
 * fails the SARIF upload, a missing `id-token: write` the signature) and a read-only call nothing more.
 */
export function checkCallerGrants(
  wf: WorkflowFile,
  allowed: WriteScopes,
  reads: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  return jobsOf(wf).flatMap((job) => {
    const called = calledWorkflowOf(job.job);
    if (called === undefined) return [];
    const { permissions } = job.job;
    if (!isMapping(permissions)) {
      return [`${job.where}: calls ${called} without permissions (it would get the repository default)`];
    }
    const expected: Record<string, string> = { contents: "read" };
    for (const scope of reads[job.id] ?? []) expected[scope] = "read";
    for (const scope of allowed[job.id] ?? []) expected[scope] = "write";
    const found: string[] = [];
    for (const [scope, level] of Object.entries(expected)) {
      if (permissions[scope] !== level) found.push(`${job.where}: does not grant ${scope}: ${level}`);
    }
    for (const [scope, level] of Object.entries(permissions)) {
      if (!(scope in expected)) found.push(`${job.where}: grants ${scope}: ${String(level)}`);
    }
    return found;
  });
}
