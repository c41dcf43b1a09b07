/**
 * The workflow security rules, each run on the real workflows (no violation) and on broken copies
 * of them (the specific violation), so that no rule can pass by being unable to fail.
 */
import { describe, expect, it } from "vitest";
import {
  type Breakage,
  breakWorkflow,
  engineVersion,
  expr,
  readWorkflow,
  replaceText,
  WORKFLOW_PATHS,
  type WorkflowPath,
} from "../helpers/workflow-files";
import type { Mapping, WorkflowFile } from "../helpers/workflow-model";
import {
  checkCheckoutCredentials,
  checkConcurrency,
  checkCredentialsOnlyForSameRepo,
  checkDaggerVersion,
  checkNoTemplateInjection,
  checkNoUntrustedCheckout,
  checkPinnedActions,
  checkReportsBeforeVerdict,
  checkTimeouts,
  checkTopLevelPermissions,
  checkWorkflowRunGuard,
  checkWriteScopes,
  type Pin,
} from "../helpers/workflow-policy";

/**
 * The only action releases the workflows may use. Each SHA was resolved from a snapshot of the
 * action's own GitHub repository (the `fetch` tool) with `git rev-parse 'refs/tags/<tag>^{commit}'`;
 * all three tags are lightweight, so the tag object is the commit. The floating major tags (v7, v8)
 * pointed at the same commits; v8.4.1 is the newest tag of dagger-for-github.
 */
const PINS: readonly Pin[] = [
  // https://github.com/actions/checkout/releases/tag/v7.0.1 (node24; refuses fork checkouts under workflow_run)
  { action: "actions/checkout", tag: "v7.0.1", sha: "3d3c42e5aac5ba805825da76410c181273ba90b1" },
  // https://github.com/dagger/dagger-for-github/releases/tag/v8.4.1 (composite action, inputs read from action.yml)
  { action: "dagger/dagger-for-github", tag: "v8.4.1", sha: "27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77" },
  // https://github.com/actions/upload-artifact/releases/tag/v7.0.0 (has include-hidden-files)
  { action: "actions/upload-artifact", tag: "v7.0.0", sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f" },
];

/** The jobs allowed to hold write scopes: CI's publishing job and CD's deploy job. */
const WRITERS: Record<WorkflowPath, readonly string[]> = {
  ".github/workflows/ci.yml": ["ci"],
  ".github/workflows/cd.yml": ["deploy"],
};

type Rule = (wf: WorkflowFile) => string[];

const RULES: Record<string, Rule> = {
  "top-level permissions are {} or read-only": checkTopLevelPermissions,
  "write scopes only on the publishing or deploy job, which never runs for a fork": (wf) =>
    checkWriteScopes(wf, WRITERS[wf.name as WorkflowPath]),
  "--publish and secrets only in jobs that never run for a fork": checkCredentialsOnlyForSameRepo,
  "every uses: is pinned to the resolved SHA of the tag in its comment": (wf) => checkPinnedActions(wf, PINS),
  "every checkout has persist-credentials: false": checkCheckoutCredentials,
  "no expression in run: or in dagger-for-github's shell-pasted inputs": checkNoTemplateInjection,
  "workflow_run jobs run only on CI success for this repository's push or PR": checkWorkflowRunGuard,
  "workflow_run never checks out or fetches the triggering code": checkNoUntrustedCheckout,
  "concurrency is set; pushes and deploys are never cancelled": checkConcurrency,
  "every job has timeout-minutes": checkTimeouts,
  "dagger is installed at dagger.json's engine version before it runs": (wf) =>
    checkDaggerVersion(wf, engineVersion()),
  "reports are summarised and uploaded even on failure, before the verdict": checkReportsBeforeVerdict,
};

const CI: WorkflowPath = ".github/workflows/ci.yml";
const CD: WorkflowPath = ".github/workflows/cd.yml";

const text = (from: string, to: string, occurrence = 1): Breakage => ({
  text: (t) => replaceText(t, from, to, occurrence),
});

function job(doc: Mapping, id: string): Mapping {
  return (doc.jobs as Record<string, Mapping>)[id] as Mapping;
}

function steps(doc: Mapping, id: string): Mapping[] {
  return job(doc, id).steps as Mapping[];
}

function stepNamed(doc: Mapping, id: string, name: RegExp): Mapping {
  const step = steps(doc, id).find((s) => typeof s.name === "string" && name.test(s.name));
  if (!step) throw new Error(`no step ${name} in ${id}`);
  return step;
}

const CHECKOUT_PIN = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";
const UPLOAD_SHA = "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f";
const CD_SAME_REPO = "\n      && github.event.workflow_run.head_repository.full_name == github.repository";

type Broken = { rule: keyof typeof RULES; file: WorkflowPath; breakage: Breakage; expected: string };

const BROKEN: Record<string, Broken> = {
  "contents: write at the top": {
    rule: "top-level permissions are {} or read-only",
    file: CI,
    breakage: text("permissions: {}", "permissions:\n  contents: write"),
    expected: "top-level permissions grant contents: write",
  },
  "no top-level permissions": {
    rule: "top-level permissions are {} or read-only",
    file: CD,
    breakage: text("permissions: {}\n", ""),
    expected: "no top-level permissions",
  },
  "write-all at the top": {
    rule: "top-level permissions are {} or read-only",
    file: CD,
    breakage: text("permissions: {}", "permissions: write-all"),
    expected: 'top-level permissions "write-all"',
  },
  "pull-requests: write on the fork job": {
    rule: "write scopes only on the publishing or deploy job, which never runs for a fork",
    file: CI,
    breakage: text(
      "      contents: read\n    steps:",
      "      contents: read\n      pull-requests: write\n    steps:",
    ),
    expected: "jobs.ci-fork: grants pull-requests: write",
  },
  "the publishing job without its same-repo condition": {
    rule: "write scopes only on the publishing or deploy job, which never runs for a fork",
    file: CI,
    breakage: text(
      "github.event.pull_request.head.repo.full_name == github.repository\n",
      "github.event_name == 'pull_request'\n",
    ),
    expected: "jobs.ci: has packages: write, pull-requests: write and runs for a fork's pull_request",
  },
  "the deploy job without its same-repo condition": {
    rule: "write scopes only on the publishing or deploy job, which never runs for a fork",
    file: CD,
    breakage: text(CD_SAME_REPO, ""),
    expected: "runs for a workflow_run of a fork's pull request",
  },
  "--publish in the fork job": {
    rule: "--publish and secrets only in jobs that never run for a fork",
    file: CI,
    breakage: text(
      "call ci \\\n            --repository",
      "call ci \\\n            --publish \\\n            --repository",
    ),
    expected: "--publish in a job that runs for a fork's pull_request",
  },
  "a token in the fork job": {
    rule: "--publish and secrets only in jobs that never run for a fork",
    file: CI,
    breakage: {
      doc: (doc) => {
        stepNamed(doc, "ci-fork", /^Run the pipeline/).env = { GITHUB_TOKEN: expr("secrets.GITHUB_TOKEN") };
      },
    },
    expected: "a secret in a job that runs for a fork's pull_request",
  },
  "a tag instead of a SHA": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment",
    file: CI,
    breakage: text(CHECKOUT_PIN, "actions/checkout@v4"),
    expected: '"actions/checkout@v4" is not pinned to a full commit SHA',
  },
  "a SHA that is not the tag's commit": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment",
    file: CD,
    breakage: text(CHECKOUT_PIN, `actions/checkout@${UPLOAD_SHA} # v7.0.1`),
    expected: `actions/checkout@${UPLOAD_SHA} is not the commit of v7.0.1`,
  },
  "a SHA without its version comment": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment",
    file: CD,
    breakage: text(" # v8.4.1", ""),
    expected: 'has no "# vX.Y.Z" comment',
  },
  "a version that was never resolved": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment",
    file: CI,
    breakage: text("# v7.0.0", "# v7.0.9"),
    expected: "actions/upload-artifact v7.0.9 is not in the table of resolved pins",
  },
  "a checkout that keeps its credentials": {
    rule: "every checkout has persist-credentials: false",
    file: CI,
    breakage: text("          persist-credentials: false\n", "", 2),
    expected: 'jobs.ci-fork.steps[0] "Check out the commit under test": persist-credentials is not false',
  },
  "a checkout opted into fork code": {
    rule: "every checkout has persist-credentials: false",
    file: CD,
    breakage: text(
      "persist-credentials: false",
      "persist-credentials: false\n          allow-unsafe-pr-checkout: true",
    ),
    expected: "allow-unsafe-pr-checkout is true",
  },
  "the PR branch name pasted into run": {
    rule: "no expression in run: or in dagger-for-github's shell-pasted inputs",
    file: CI,
    breakage: text('--branch "$HEAD_BRANCH"', `--branch "${expr("github.head_ref")}"`),
    expected: `run interpolates attacker-controlled github.head_ref ("${expr("github.head_ref")}")`,
  },
  "the workflow_run branch pasted into run": {
    rule: "no expression in run: or in dagger-for-github's shell-pasted inputs",
    file: CD,
    breakage: text('--branch "$HEAD_BRANCH"', `--branch ${expr("github.event.workflow_run.head_branch")}`),
    expected: "run interpolates attacker-controlled github.event.workflow_run.head_branch",
  },
  "a harmless context pasted into run": {
    rule: "no expression in run: or in dagger-for-github's shell-pasted inputs",
    file: CI,
    breakage: text('--repository "$GITHUB_REPOSITORY"', `--repository ${expr("github.repository")}`),
    expected: `run interpolates "${expr("github.repository")}"; pass it through env:`,
  },
  "the workflow_run branch in dagger-for-github's args": {
    rule: "no expression in run: or in dagger-for-github's shell-pasted inputs",
    file: CD,
    breakage: {
      doc: (doc) => {
        const install = stepNamed(doc, "deploy", /^Install the Dagger CLI/);
        install.with = {
          ...(install.with as Mapping),
          args: `deploy --branch ${expr("github.event.workflow_run.head_branch")}`,
        };
      },
    },
    expected: "with.args interpolates attacker-controlled github.event.workflow_run.head_branch",
  },
  "a PR title in dagger-for-github's call": {
    rule: "no expression in run: or in dagger-for-github's shell-pasted inputs",
    file: CI,
    breakage: {
      doc: (doc) => {
        const install = stepNamed(doc, "ci", /^Install the Dagger CLI/);
        install.with = {
          ...(install.with as Mapping),
          call: `ci --title "${expr("github.event.pull_request.title")}"`,
        };
      },
    },
    expected: "with.call interpolates attacker-controlled github.event.pull_request.title",
  },
  "a deploy without the fork guard": {
    rule: "workflow_run jobs run only on CI success for this repository's push or PR",
    file: CD,
    breakage: text(CD_SAME_REPO, ""),
    expected: "jobs.deploy: runs when CI succeeded on a fork's PR",
  },
  "a deploy without the success guard": {
    rule: "workflow_run jobs run only on CI success for this repository's push or PR",
    file: CD,
    breakage: text("github.event.workflow_run.conclusion == 'success'\n      && ", ""),
    expected: "jobs.deploy: runs when CI failed",
  },
  "a deploy whose guards are or-ed": {
    rule: "workflow_run jobs run only on CI success for this repository's push or PR",
    file: CD,
    breakage: text(CD_SAME_REPO, CD_SAME_REPO.replace("&&", "||")),
    expected: "jobs.deploy: runs when CI succeeded on a fork's PR",
  },
  "a deploy for any triggering event": {
    rule: "workflow_run jobs run only on CI success for this repository's push or PR",
    file: CD,
    breakage: {
      doc: (doc) => {
        job(doc, "deploy").if =
          "github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.head_repository.full_name == github.repository";
      },
    },
    expected: "jobs.deploy: runs when CI ran on a schedule",
  },
  "a deploy with no if at all": {
    rule: "workflow_run jobs run only on CI success for this repository's push or PR",
    file: CD,
    breakage: { doc: (doc) => void delete job(doc, "deploy").if },
    expected: "jobs.deploy: no if: guard on a workflow_run job",
  },
  "checking out the triggering head_sha": {
    rule: "workflow_run never checks out or fetches the triggering code",
    file: CD,
    breakage: text(
      expr("github.event.repository.default_branch"),
      expr("github.event.workflow_run.head_sha"),
    ),
    expected: `checks out ref "${expr("github.event.workflow_run.head_sha")}" of the triggering run`,
  },
  "checking out the triggering head_branch": {
    rule: "workflow_run never checks out or fetches the triggering code",
    file: CD,
    breakage: text(
      expr("github.event.repository.default_branch"),
      expr("github.event.workflow_run.head_branch"),
    ),
    expected: "of the triggering run",
  },
  "fetching the triggering commit in a run step": {
    rule: "workflow_run never checks out or fetches the triggering code",
    file: CD,
    breakage: text(
      "run: |\n",
      'run: |\n          git fetch origin "$HEAD_SHA" && git checkout "$HEAD_SHA"\n',
    ),
    expected: "run fetches or checks out code",
  },
  "CI without concurrency": {
    rule: "concurrency is set; pushes and deploys are never cancelled",
    file: CI,
    breakage: { doc: (doc) => void delete doc.concurrency },
    expected: "jobs.ci.concurrency: no concurrency group",
  },
  "CI cancelling pushes": {
    rule: "concurrency is set; pushes and deploys are never cancelled",
    file: CI,
    breakage: text(
      `cancel-in-progress: ${expr("github.event_name == 'pull_request'")}`,
      "cancel-in-progress: true",
    ),
    expected: "cancel-in-progress is true for pushes",
  },
  "CD cancelling a running deploy": {
    rule: "concurrency is set; pushes and deploys are never cancelled",
    file: CD,
    breakage: text("cancel-in-progress: false", "cancel-in-progress: true"),
    expected: "jobs.deploy.concurrency: cancel-in-progress is set on a deploy workflow",
  },
  "CD without concurrency": {
    rule: "concurrency is set; pushes and deploys are never cancelled",
    file: CD,
    breakage: { doc: (doc) => void delete job(doc, "deploy").concurrency },
    expected: "jobs.deploy.concurrency: no concurrency group",
  },
  "a job without a timeout": {
    rule: "every job has timeout-minutes",
    file: CD,
    breakage: text("    timeout-minutes: 20\n", ""),
    expected: "jobs.deploy: no timeout-minutes",
  },
  "dagger at latest": {
    rule: "dagger is installed at dagger.json's engine version before it runs",
    file: CD,
    breakage: text('version: "0.21.8"', "version: latest"),
    expected: 'dagger version "latest", expected "0.21.8"',
  },
  "dagger run before it is installed": {
    rule: "dagger is installed at dagger.json's engine version before it runs",
    file: CI,
    breakage: {
      doc: (doc) => {
        const list = steps(doc, "ci");
        list.splice(1, 1);
      },
    },
    expected: "runs dagger before a pinned dagger-for-github install",
  },
  "reports uploaded only on success": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: CI,
    breakage: { doc: (doc) => void delete stepNamed(doc, "ci", /^Upload the reports/).if },
    expected: 'jobs.ci.steps[4] "Upload the reports": skipped when the pipeline failed',
  },
  "reports uploaded without .coverage": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: CI,
    breakage: text("          include-hidden-files: true # .coverage\n", "", 2),
    expected: 'jobs.ci-fork.steps[4] "Upload the reports": include-hidden-files is not true',
  },
  "a summary only on success": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: CI,
    breakage: { doc: (doc) => void delete stepNamed(doc, "ci", /^Add the pipeline summary/).if },
    expected: "the summary is skipped when the pipeline failed",
  },
  "the verdict before the upload": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: CI,
    breakage: {
      doc: (doc) => {
        const list = steps(doc, "ci");
        const verdict = list.pop();
        if (verdict) list.splice(2, 0, verdict);
      },
    },
    expected: "the verdict comes before the upload",
  },
  "no verdict step": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: CI,
    breakage: { doc: (doc) => void steps(doc, "ci-fork").pop() },
    expected: "jobs.ci-fork: no step fails the job on reports/status.json",
  },
  "a failed gate that exports nothing": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: CI,
    breakage: text("            --exit-zero \\\n", "", 2),
    expected: 'jobs.ci-fork.steps[2] "Run the pipeline (no publish, no comment)": no --exit-zero',
  },
  "reports not exported": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: CI,
    breakage: text(" \\\n            reports export --path reports", ""),
    expected: 'does not chain "reports export --path reports"',
  },
};

describe.each(WORKFLOW_PATHS)("%s", (path) => {
  const wf = readWorkflow(path);

  it.each(Object.entries(RULES))("%s", (_name, rule) => {
    expect(rule(wf)).toEqual([]);
  });
});

describe("each rule reports a broken copy of a workflow", () => {
  it.each(Object.entries(BROKEN))("%s", (_name, { rule, file, breakage, expected }) => {
    const broken = breakWorkflow(readWorkflow(file), breakage);
    const violations = RULES[rule]?.(broken) ?? [];
    expect(violations.join("\n")).toContain(expected);
  });

  it("has a broken copy for every rule", () => {
    const covered = new Set(Object.values(BROKEN).map((b) => b.rule));
    expect(Object.keys(RULES).filter((r) => !covered.has(r))).toEqual([]);
  });
});

describe("the pin table", () => {
  it("is used in full: every pinned release appears in a workflow", () => {
    const used = WORKFLOW_PATHS.flatMap((p) => readWorkflow(p).text);
    for (const pin of PINS) expect(used.join("\n")).toContain(`${pin.action}@${pin.sha} # ${pin.tag}`);
  });

  it("lists each action once", () => {
    expect(new Set(PINS.map((p) => p.action)).size).toBe(PINS.length);
  });
});
