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

/** Runs a `run:` script under bash with this environment and returns its exit status. */
export type ScriptRunner = (script: string, env: Record<string, string>) => number;

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
export type Outcome = (job: Job, context: ExpressionContext, status: RunStatus) => JobResult;

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
      needs[id] = { result, outputs: {} };
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
    const result = conditionHolds(condition, jobContext, status)
      ? outcome(job, jobContext, status)
      : "skipped";
    results.set(job.id, result);
    return result;
  };
  for (const job of jobs) visit(job, []);
  return results;
}

/**
 * A job with steps, step by step: each step runs when its `if:` holds (implicit `success()`: no earlier
 * step failed and the run was not cancelled); a `run:` step fails when `runScript` exits non-zero (its
 * `env:` evaluated with the job's context); an action step is taken to succeed. The job fails when a
 * step failed, is cancelled when the run was and no step ran, and succeeds otherwise.
 */
export function playSteps(
  job: Job,
  context: ExpressionContext,
  run: RunStatus,
  runScript: ScriptRunner,
): JobResult {
  let failed = false;
  let ran = false;
  for (const { where, step } of job.steps) {
    const status: RunStatus = { cancelled: run.cancelled, succeeded: !failed, failed };
    const condition = step.if;
    if (condition !== undefined && typeof condition !== "string" && typeof condition !== "boolean") {
      throw new Error(`${where}: if: is not an expression`);
    }
    if (!conditionHolds(condition, context, status)) continue;
    ran = true;
    const script = runOf(step);
    if (script === undefined) continue;
    const env = Object.fromEntries(
      Object.entries(isMapping(step.env) ? step.env : {}).map(([k, v]) => [
        k,
        interpolate(scalarText(v) ?? "", context),
      ]),
    );
    if (runScript(script, env) !== 0) failed = true;
  }
  if (failed) return "failure";
  return run.cancelled && !ran ? "cancelled" : "success";
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
