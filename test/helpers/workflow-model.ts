/**
 * Loading a GitHub Actions workflow for policy checks: the parsed YAML (plain data, navigated
 * defensively because a broken copy may have any shape) plus the raw text (for the `# vX.Y.Z`
 * comments the parser drops), and an evaluator for `if:` expressions built on GitHub's own
 * expression engine (@actions/expressions, shipped with @actions/workflow-parser).
 */
import { data, Evaluator, Lexer, Parser } from "@actions/expressions";
import { truthy } from "@actions/expressions/result";
import { parse } from "yaml";

export type Mapping = Record<string, unknown>;

export type WorkflowFile = {
  /** Path relative to the repository root; it prefixes every violation. */
  name: string;
  text: string;
  doc: Mapping;
};

export type Step = { where: string; step: Mapping };

export type Job = { id: string; where: string; job: Mapping; steps: Step[] };

export function isMapping(value: unknown): value is Mapping {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function loadWorkflow(name: string, text: string): WorkflowFile {
  const doc: unknown = parse(text);
  if (!isMapping(doc)) throw new Error(`${name}: expected a YAML mapping at the top level`);
  return { name, text, doc };
}

export function jobsOf(wf: WorkflowFile): Job[] {
  const jobs = wf.doc.jobs;
  if (!isMapping(jobs)) return [];
  return Object.entries(jobs).flatMap(([id, job]) => {
    if (!isMapping(job)) return [];
    const where = `${wf.name}: jobs.${id}`;
    const steps = Array.isArray(job.steps) ? job.steps : [];
    return [
      {
        id,
        where,
        job,
        steps: steps.flatMap((step, i) =>
          isMapping(step) ? [{ where: `${where}.steps[${i}]${label(step)}`, step }] : [],
        ),
      },
    ];
  });
}

function label(step: Mapping): string {
  if (typeof step.name === "string") return ` "${step.name}"`;
  if (typeof step.uses === "string") return ` (${step.uses.split("@")[0]})`;
  return "";
}

/** The triggers of a workflow, whatever form `on:` takes (string, list or mapping). */
export function triggersOf(wf: WorkflowFile): string[] {
  const on = wf.doc.on;
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return on.filter((t): t is string => typeof t === "string");
  if (isMapping(on)) return Object.keys(on);
  return [];
}

/** The workflows triggered only by `workflow_call`: reusable workflows, run as a job of their caller. */
export function isReusable(wf: WorkflowFile): boolean {
  const triggers = triggersOf(wf);
  return triggers.length > 0 && triggers.every((t) => t === "workflow_call");
}

/** The reusable workflow a job calls (`jobs.<id>.uses`), or undefined for a job with steps. */
export function calledWorkflowOf(job: Mapping): string | undefined {
  return typeof job.uses === "string" ? job.uses : undefined;
}

/** `owner/repo` of a step's `uses:`, without a sub-path or ref; undefined for run steps. */
export function actionOf(step: Mapping): string | undefined {
  if (typeof step.uses !== "string") return undefined;
  const [path = ""] = step.uses.split("@");
  return path.split("/").slice(0, 2).join("/");
}

export function withOf(step: Mapping): Mapping {
  return isMapping(step.with) ? step.with : {};
}

export function runOf(step: Mapping): string | undefined {
  return typeof step.run === "string" ? step.run : undefined;
}

/** A YAML scalar as written, `${{ }}` wrapper kept: `if: false` and `if: "false"` compare equal. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || typeof value === "number") return String(value);
  return undefined;
}

/**
 * The contexts an expression is evaluated with: `github` always; a reusable workflow's expressions also
 * read `inputs`, `vars` (the caller's configuration variables) and `secrets`.
 */
export type ExpressionContext = {
  github: Mapping;
  inputs?: Mapping;
  vars?: Mapping;
  secrets?: Mapping;
  /** `needs.<job>.result` and `needs.<job>.outputs`, for a job that needs others. */
  needs?: Mapping;
  /** `steps.<id>.outputs`, for a job's `outputs:`. */
  steps?: Mapping;
};

/**
 * What the status functions read (GitHub docs, "Expressions", status check functions): whether the
 * workflow run was cancelled, and whether what comes before (the earlier steps of the job, or for a job's
 * own `if:` the jobs in its `needs`) all succeeded or any failed. `success()` is `succeeded && !cancelled`,
 * `failure()` is `failed`, `cancelled()` is `cancelled`, `always()` is true.
 */
export type RunStatus = { cancelled: boolean; succeeded: boolean; failed: boolean };

/** A run in which everything so far succeeded and nothing was cancelled. */
export const ALL_SUCCEEDED: RunStatus = { cancelled: false, succeeded: true, failed: false };

const STATUS_FUNCTION = /\b(success|failure|cancelled|always)\s*\(/;

/**
 * What the runner's workspace holds when an expression is evaluated, for `hashFiles()`: the paths
 * (relative to the workspace) that exist. Patterns are compared as exact paths, which is all the
 * workflows use; a glob would hash nothing here.
 */
export type Workspace = { files: readonly string[] };

const EMPTY_WORKSPACE: Workspace = { files: [] };

/** A stand-in for the hash of the matched files: any non-empty string, as the runner's is. */
const SOME_HASH = "0".repeat(64);

/**
 * Evaluates an expression (with or without `${{ }}`) the way the runner does and returns its value.
 * Status functions (`success()`, `always()`, `!cancelled()`) read `status` (by default, every earlier
 * step succeeded); `hashFiles()` is empty unless one of its arguments is a file of `workspace`. Throws on
 * an expression GitHub would reject.
 */
export function evaluateValue(
  expression: string,
  context: ExpressionContext,
  workspace: Workspace = EMPTY_WORKSPACE,
  status: RunStatus = ALL_SUCCEEDED,
): data.ExpressionData {
  const source = expression.trim().replace(/^\$\{\{([\s\S]*)\}\}$/, "$1");
  const { tokens } = new Lexer(source).lex();
  const statusValues: Record<string, boolean> = {
    success: status.succeeded && !status.cancelled,
    failure: status.failed,
    cancelled: status.cancelled,
    always: true,
  };
  const statusFunctions = Object.entries(statusValues).map(([name, value]) => ({
    name,
    description: name,
    minArgs: 0,
    maxArgs: 0,
    call: () => new data.BooleanData(value),
  }));
  const hashFiles = {
    name: "hashFiles",
    description: "hashFiles",
    minArgs: 1,
    maxArgs: 255,
    call: (...patterns: data.ExpressionData[]) => {
      const found = patterns.some((p) => workspace.files.includes(p.coerceString()));
      return new data.StringData(found ? SOME_HASH : "");
    },
  };
  const extensions = [...statusFunctions, hashFiles];
  const ast = new Parser(tokens, Object.keys(context), extensions).parse();
  const revived = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  // The evaluator looks functions up by their lower-cased name.
  const functions = new Map(extensions.map((f) => [f.name.toLowerCase(), f]));
  return new Evaluator(ast, revived, functions).evaluate();
}

/** Whether an `if:` (or a boolean-valued expression such as `cancel-in-progress`) is true. */
export function evaluate(
  expression: string | boolean,
  context: ExpressionContext,
  workspace: Workspace = EMPTY_WORKSPACE,
  status: RunStatus = ALL_SUCCEEDED,
): boolean {
  return typeof expression === "boolean"
    ? expression
    : truthy(evaluateValue(expression, context, workspace, status));
}

/**
 * Whether a job or step with this `if:` runs: GitHub applies `success()` to a condition that calls no
 * status function, and to a missing one (GitHub docs, "Expressions", status check functions).
 */
export function conditionHolds(
  condition: string | boolean | undefined,
  context: ExpressionContext,
  status: RunStatus,
  workspace: Workspace = EMPTY_WORKSPACE,
): boolean {
  const explicit = typeof condition === "string" && STATUS_FUNCTION.test(condition);
  if (!explicit && !(status.succeeded && !status.cancelled)) return false;
  return condition === undefined || evaluate(condition, context, workspace, status);
}

/**
 * A string with `${{ }}` expressions replaced by their values, as the runner does for `env:` and
 * `with:` values (an absent context property is the empty string).
 */
export function interpolate(text: string, context: ExpressionContext): string {
  return text.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, source: string) =>
    evaluateValue(source, context).coerceString(),
  );
}
