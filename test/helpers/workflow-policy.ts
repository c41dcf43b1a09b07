/**
 * The repository's workflow security rules (DESIGN.md, "Security rules"), one function per rule.
 * Each returns the list of violations, `<file>: <where>: <what>`, so the same function is run on the
 * real workflow (expect []) and on a broken copy of it (expect the specific violation).
 */
import {
  actionOf,
  type ExpressionContext,
  evaluate,
  isMapping,
  type Job,
  jobsOf,
  type Mapping,
  runOf,
  scalarText,
  triggersOf,
  type WorkflowFile,
  withOf,
} from "./workflow-model";

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

/** Top-level `permissions` is `{}` or read-only; a missing block means the repository default. */
export function checkTopLevelPermissions(wf: WorkflowFile): string[] {
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

/** Fork scenarios for the triggers of a workflow: a job with write access must not run in any. */
function forkScenarios(wf: WorkflowFile): [string, ExpressionContext][] {
  const repository = "acme/service";
  const fork = { full_name: "mallory/service" };
  const triggers = triggersOf(wf);
  const scenarios: [string, ExpressionContext][] = [];
  for (const event of ["pull_request", "pull_request_target"]) {
    if (triggers.includes(event)) {
      scenarios.push([
        `a fork's ${event}`,
        { github: { event_name: event, repository, event: { pull_request: { head: { repo: fork } } } } },
      ]);
    }
  }
  if (triggers.includes("workflow_run")) {
    scenarios.push([
      "a workflow_run of a fork's pull request",
      {
        github: {
          event_name: "workflow_run",
          repository,
          event: { workflow_run: { conclusion: "success", event: "pull_request", head_repository: fork } },
        },
      },
    ]);
  }
  return scenarios;
}

/** The fork scenarios in which a job would run (its `if:` is true); unparseable counts as running. */
function runsForForks(wf: WorkflowFile, job: Job): string[] {
  const condition = job.job.if;
  return forkScenarios(wf)
    .filter(([, context]) => {
      if (typeof condition !== "string" && typeof condition !== "boolean") return true;
      try {
        return evaluate(condition, context);
      } catch {
        return true;
      }
    })
    .map(([name]) => name);
}

/**
 * Write scopes only on the named jobs, and those jobs never run for a fork (their `if:` is
 * evaluated against a fork's event with GitHub's expression engine).
 */
export function checkWriteScopes(wf: WorkflowFile, allowedJobs: readonly string[]): string[] {
  return jobsOf(wf).flatMap((job) => {
    const scopes = writeScopes(job.job.permissions);
    if (scopes.length === 0) return [];
    if (!allowedJobs.includes(job.id)) return [`${job.where}: grants ${scopes.join(", ")}`];
    return runsForForks(wf, job).map((s) => `${job.where}: has ${scopes.join(", ")} and runs for ${s}`);
  });
}

/** Publishing and tokens (`--publish`, `secrets.*`) only in jobs that never run for a fork. */
export function checkCredentialsOnlyForSameRepo(wf: WorkflowFile): string[] {
  return jobsOf(wf).flatMap((job) => {
    const uses = job.steps.flatMap(({ where, step }) => {
      const found: string[] = [];
      if (/--publish\b/.test(runOf(step) ?? "")) found.push(`${where}: --publish`);
      if (/\bsecrets\./.test(JSON.stringify([step.env, step.with]))) found.push(`${where}: a secret`);
      return found;
    });
    if (/\bsecrets\./.test(JSON.stringify(job.job.env ?? null))) uses.push(`${job.where}.env: a secret`);
    const forks = runsForForks(wf, job);
    return forks.length === 0 ? [] : uses.map((u) => `${u} in a job that runs for ${forks.join(", ")}`);
  });
}

// ---------------------------------------------------------------------------------------------
// Supply chain

const USES_LINE = /^\s*(?:-\s+)?uses:\s*["']?([^"'\s#]+)["']?\s*(?:#\s*(.*?))?\s*$/;
const PINNED = /^([\w.-]+\/[\w.-]+)(?:\/[^@]*)?@([0-9a-f]{40})$/;
const VERSION_COMMENT = /^(v\d+\.\d+\.\d+)$/;

/**
 * Every `uses:` (read from the raw lines, where the version comment lives) is
 * `owner/repo@<40-hex> # vX.Y.Z`, and that pair is one of the resolved pins.
 */
export function checkPinnedActions(wf: WorkflowFile, pins: readonly Pin[]): string[] {
  const violations: string[] = [];
  const lines = wf.text.split("\n");
  let seen = 0;
  for (const [i, line] of lines.entries()) {
    const match = USES_LINE.exec(line);
    if (!match) continue;
    seen++;
    const [, uses = "", comment = ""] = match;
    const where = `${wf.name}:${i + 1}`;
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
  const parsed = jobsOf(wf).flatMap((job) => job.steps.filter(({ step }) => step.uses !== undefined)).length;
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

type RunScenario = { name: string; mustRun: boolean; run: Mapping };

const SAME_REPO = { full_name: "acme/service" };
const WORKFLOW_RUN_SCENARIOS: RunScenario[] = [
  { name: "CI succeeded on a push", mustRun: true, run: { conclusion: "success", event: "push" } },
  {
    name: "CI succeeded on a same-repo PR",
    mustRun: true,
    run: { conclusion: "success", event: "pull_request" },
  },
  { name: "CI failed", mustRun: false, run: { conclusion: "failure", event: "push" } },
  { name: "CI was cancelled", mustRun: false, run: { conclusion: "cancelled", event: "push" } },
  { name: "CI was skipped", mustRun: false, run: { conclusion: "skipped", event: "push" } },
  {
    name: "CI succeeded on a fork's PR",
    mustRun: false,
    run: { conclusion: "success", event: "pull_request", head_repository: { full_name: "mallory/service" } },
  },
  { name: "CI ran on a schedule", mustRun: false, run: { conclusion: "success", event: "schedule" } },
];

/**
 * Every job of a workflow_run workflow runs only when CI succeeded, for this repository's own
 * branches, on push or pull_request: its `if:` is evaluated in each scenario.
 */
export function checkWorkflowRunGuard(wf: WorkflowFile): string[] {
  if (!triggersOf(wf).includes("workflow_run")) return [];
  return jobsOf(wf).flatMap((job) => {
    const condition = job.job.if;
    if (typeof condition !== "string") return [`${job.where}: no if: guard on a workflow_run job`];
    return WORKFLOW_RUN_SCENARIOS.flatMap(({ name, mustRun, run }) => {
      const context = {
        github: {
          event_name: "workflow_run",
          repository: SAME_REPO.full_name,
          event: { workflow_run: { head_repository: SAME_REPO, ...run } },
        },
      };
      let runs: boolean;
      try {
        runs = evaluate(condition, context);
      } catch (error) {
        return [`${job.where}: if: cannot be evaluated (${String(error)})`];
      }
      if (runs === mustRun) return [];
      return [`${job.where}: ${runs ? "runs" : "does not run"} when ${name}`];
    });
  });
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
 * `concurrency` with a group, at the top or on every job. A push (a publish to main) is never
 * cancelled by a newer push, and a workflow_run (deploy) workflow never cancels a deploy.
 */
export function checkConcurrency(wf: WorkflowFile): string[] {
  const blocks: [string, unknown][] =
    wf.doc.concurrency !== undefined
      ? [[`${wf.name}: concurrency`, wf.doc.concurrency]]
      : jobsOf(wf).map((job) => [`${job.where}.concurrency`, job.job.concurrency]);
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

export function checkTimeouts(wf: WorkflowFile): string[] {
  return jobsOf(wf)
    .filter((job) => typeof job.job["timeout-minutes"] !== "number")
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
    const pipeline = index((s) => /\bcall\s+ci\b/.test(runOf(s) ?? ""));
    if (pipeline < 0) return [];
    const found: string[] = [];
    const at = (i: number) => job.steps[i] ?? { where: job.where, step: {} };
    if (!/reports\s+export\s+--path[\s=]reports\b/.test(runOf(at(pipeline).step) ?? "")) {
      found.push(`${at(pipeline).where}: does not chain "reports export --path reports"`);
    }
    if (!/--exit-zero\b/.test(runOf(at(pipeline).step) ?? "")) {
      found.push(`${at(pipeline).where}: no --exit-zero, so a failed gate exports no reports`);
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
