/**
 * A workflow run played out the way GitHub plays it, for the rules that depend on more than one `if:`:
 * which jobs run (their `if:` with the implicit `success()`, and `needs`), the `needs.<id>.result` each
 * later job reads, and the check runs the run reports by name, which is what branch protection matches a
 * required status check against.
 */
import {
  calledWorkflowOf,
  conditionHolds,
  type ExpressionContext,
  interpolate,
  isMapping,
  type Job,
  jobsOf,
  type Mapping,
  type RunStatus,
  runOf,
  scalarText,
  type WorkflowFile,
} from "./workflow-model";

/** `needs.<id>.result` as GitHub documents it ("Contexts reference", needs context). */
export type JobResult = "success" | "failure" | "cancelled" | "skipped";

/** A check run as the pull request and branch protection see it. */
export type CheckRun = { name: string; conclusion: JobResult };

/**
 * What GitHub's REST API answers while a step runs: `api` is what a stand-in `gh api` prints (the
 * scenario's pull requests, say). A step that calls nothing ignores it.
 */
export type World = { api?: unknown };

/**
 * How a script ended: its exit status, what it wrote to `$GITHUB_OUTPUT`, and the arguments of its
 * last `gh` call (empty when it made none).
 */
export type ScriptRun = { status: number; outputs: Record<string, string>; ghArgs: string[] };

/** Runs a `run:` script under bash with this environment, in a world, and says how it ended. */
export type ScriptRunner = (script: string, env: Record<string, string>, world: World) => ScriptRun;

/** A job's end as later jobs read it: `needs.<id>.result` and `needs.<id>.outputs`. */
export type Played = { result: JobResult; outputs: Mapping };

/** What playing a run needs besides the workflow: the called workflows' job names, and bash. */
export type RunModel = { calledJobs: (uses: string) => readonly string[]; runScript: ScriptRunner };

/** The ids a job lists in `needs` (a string or a list). */
export function needsOf(job: Mapping): string[] {
  const { needs } = job;
  if (typeof needs === "string") return [needs];
  return Array.isArray(needs) ? needs.filter((n): n is string => typeof n === "string") : [];
}

/**
 * How a job that runs ends. A job calling a reusable workflow ends as its called jobs do, which only the
 * scenario can say; a job with steps ends as its steps do (playSteps).
 */
export type Outcome = (job: Job, context: ExpressionContext, status: RunStatus) => JobResult | Played;

/**
 * Every job's result for one event: a job whose `if:` is false (or, without a status function, whose
 * needs did not all succeed) is skipped; the others end as `outcome` says. A job that ends "cancelled"
 * stands for the run being cancelled while it ran: the jobs that start after it (those that need it,
 * directly or not) see `cancelled()` true.
 */
export function playRun(
  wf: WorkflowFile,
  context: ExpressionContext,
  outcome: Outcome,
): Map<string, JobResult> {
  const jobs = jobsOf(wf);
  const results = new Map<string, JobResult>();
  const outputs = new Map<string, Mapping>();
  const cancelledBefore = new Map<string, boolean>();
  const visit = (job: Job, seen: readonly string[]): JobResult => {
    const known = results.get(job.id);
    if (known !== undefined) return known;
    if (seen.includes(job.id)) throw new Error(`${job.where}: needs form a cycle`);
    const needs: Mapping = {};
    let cancelled = false;
    for (const id of needsOf(job.job)) {
      const needed = jobs.find((j) => j.id === id);
      if (!needed) throw new Error(`${job.where}: needs an unknown job ${id}`);
      const result = visit(needed, [...seen, job.id]);
      needs[id] = { result, outputs: outputs.get(id) ?? {} };
      cancelled ||= result === "cancelled" || cancelledBefore.get(id) === true;
    }
    cancelledBefore.set(job.id, cancelled);
    const resultsOfNeeds = Object.values(needs).map((n) => (n as { result: JobResult }).result);
    const status: RunStatus = {
      cancelled,
      succeeded: resultsOfNeeds.every((r) => r === "success"),
      failed: resultsOfNeeds.includes("failure"),
    };
    const jobContext = { ...context, needs };
    const condition = job.job.if;
    if (condition !== undefined && typeof condition !== "string" && typeof condition !== "boolean") {
      throw new Error(`${job.where}: if: is not an expression`);
    }
    const ended = conditionHolds(condition, jobContext, status)
      ? outcome(job, jobContext, status)
      : "skipped";
    const played: Played = typeof ended === "string" ? { result: ended, outputs: {} } : ended;
    results.set(job.id, played.result);
    outputs.set(job.id, played.outputs);
    return played.result;
  };
  for (const job of jobs) visit(job, []);
  return results;
}

/** The variables the runner sets for every step that the workflows read, from the `github` context. */
function runnerEnv(context: ExpressionContext): Record<string, string> {
  const text = (key: string) => String(context.github[key] ?? "");
  const repository = text("repository");
  return {
    GITHUB_REPOSITORY: repository,
    GITHUB_REPOSITORY_OWNER: repository.split("/")[0] ?? "",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: "https://api.github.com",
    GITHUB_ACTOR: text("actor"),
    GITHUB_EVENT_NAME: text("event_name"),
    GITHUB_RUN_ID: "42",
    GITHUB_RUN_ATTEMPT: "1",
  };
}

/**
 * A job with steps, step by step: each step runs when its `if:` holds (implicit `success()`: no earlier
 * step failed and the run was not cancelled); a `run:` step runs under `runScript` with the runner's
 * variables and its `env:` evaluated with the job's context, fails when it exits non-zero, and its
 * `$GITHUB_OUTPUT` lines become `steps.<id>.outputs`; an action step is taken to succeed. The job fails
 * when a step failed, is cancelled when the run was and no step ran, and succeeds otherwise; its
 * `outputs:` are evaluated with the steps' outputs.
 */
export function playSteps(
  job: Job,
  context: ExpressionContext,
  run: RunStatus,
  runScript: ScriptRunner,
  world: World = {},
): Played {
  let failed = false;
  let ran = false;
  const steps: Mapping = {};
  // Every run has a job token and configuration variables (none set, unless the context says).
  const base: ExpressionContext = { secrets: { GITHUB_TOKEN: "ghs_stand-in-token" }, vars: {}, ...context };
  for (const { where, step } of job.steps) {
    const status: RunStatus = { cancelled: run.cancelled, succeeded: !failed, failed };
    const stepContext = { ...base, steps };
    const condition = step.if;
    if (condition !== undefined && typeof condition !== "string" && typeof condition !== "boolean") {
      throw new Error(`${where}: if: is not an expression`);
    }
    if (!conditionHolds(condition, stepContext, status)) continue;
    ran = true;
    const script = runOf(step);
    if (script === undefined) continue;
    const env = Object.fromEntries(
      Object.entries(isMapping(step.env) ? step.env : {}).map(([k, v]) => [
        k,
        interpolate(scalarText(v) ?? "", stepContext),
      ]),
    );
    const ended = runScript(script, { ...runnerEnv(context), ...env }, world);
    if (typeof step.id === "string") steps[step.id] = { outputs: ended.outputs };
    if (ended.status !== 0) failed = true;
  }
  const declared = isMapping(job.job.outputs) ? job.job.outputs : {};
  const outputs = Object.fromEntries(
    Object.entries(declared).map(([k, v]) => [k, interpolate(scalarText(v) ?? "", { ...base, steps })]),
  );
  if (failed) return { result: "failure", outputs };
  return { result: run.cancelled && !ran ? "cancelled" : "success", outputs };
}

/**
 * The check runs of a played run. A job with steps reports one check named after the job (`name:`, else
 * its id), skipped or not. A job calling a reusable workflow that runs reports one check per called job,
 * `<caller> / <called job>` (actions/runner#1917). One skipped by its `if:` never expands the called
 * workflow, so it is modelled as a single check under the caller's own name, as issue #27 reads #1917 and
 * the threads it links, and as a skipped matrix job reports its unexpanded name (jbcoe/cc-protocol#271);
 * no GitHub document states it, and a throwaway repository is where to confirm it. `calledJobs` gives the
 * job names of a called workflow.
 */
export function checkRunsOf(
  wf: WorkflowFile,
  results: ReadonlyMap<string, JobResult>,
  calledJobs: (uses: string) => readonly string[],
): CheckRun[] {
  return jobsOf(wf).flatMap((job) => {
    const name = typeof job.job.name === "string" ? job.job.name : job.id;
    const conclusion = results.get(job.id) ?? "skipped";
    const called = calledWorkflowOf(job.job);
    if (called === undefined || conclusion === "skipped") return [{ name, conclusion }];
    return calledJobs(called).map((calledName) => ({ name: `${name} / ${calledName}`, conclusion }));
  });
}

/** The names of a workflow's jobs as their checks show them (`name:`, else the id). */
export function jobNames(wf: WorkflowFile): string[] {
  return jobsOf(wf).map((job) => (typeof job.job.name === "string" ? job.job.name : job.id));
}
