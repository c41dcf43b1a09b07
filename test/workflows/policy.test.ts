/**
 * The workflow security rules, each run on the real workflows (no violation) and on broken copies
 * of them (the specific violation), so that no rule can pass by being unable to fail.
 */
import { describe, expect, it } from "vitest";
import {
  type Breakage,
  breakWorkflow,
  calledPath,
  engineVersion,
  expr,
  nodeEnginesFloor,
  REQUIRED_CHECKS,
  RUN_MODEL,
  readRepoFile,
  readWorkflow,
  replaceText,
  WORKFLOW_PATHS,
  type WorkflowPath,
} from "../helpers/workflow-files";
import { loadWorkflow, type Mapping, type WorkflowFile } from "../helpers/workflow-model";
import {
  type CallInput,
  checkActionsRead,
  checkCallerGrants,
  checkCheckoutCredentials,
  checkConcurrency,
  checkContentsWriteOnlyOnTagPush,
  checkCredentialsOnlyForSameRepo,
  checkDaggerVersion,
  checkDeployGroups,
  checkEngineOnlyForProtectedPushes,
  checkEngineSwitch,
  checkJobsSplitEvents,
  checkModuleInputs,
  checkNodeSetup,
  checkNoTemplateInjection,
  checkNoUntrustedCheckout,
  checkPathsFilter,
  checkPinnedActions,
  checkReadOnlyNoSecrets,
  checkReportsBeforeVerdict,
  checkRequiredChecks,
  checkReusableShape,
  checkRunner,
  checkRunsOnly,
  checkSarifUpload,
  checkSigning,
  checkStepsTrusted,
  checkTimeouts,
  checkTopLevelPermissions,
  checkWorkflowRunGuard,
  checkWriteScopes,
  ENGINE_SOURCE,
  type Pin,
  type WriteScopes,
} from "../helpers/workflow-policy";

/**
 * The only action releases the workflows may use. Each SHA was resolved from a snapshot of the
 * action's own GitHub repository (the `fetch` tool) with `git rev-parse 'refs/tags/<tag>^{commit}'`,
 * which peels an annotated tag to its commit. checkout v7.0.1, upload-artifact v7.0.0 and
 * dagger-for-github v8.4.1 are lightweight tags (the ref is the commit); codeql-action v4.36.2 is an
 * annotated tag (tag object 1a818fd5f97ed0ee9a823421bd5b171add01227f), so the pin is the commit it
 * peels to, never the tag object. The floating majors of checkout and upload-artifact (v7) and of
 * codeql-action (v4) point at the same commits. dagger-for-github has no floating major tag (no v8):
 * v8.4.1 is its newest tag. setup-node v7.0.0 is the newest tag of its snapshot (2026-07-13, after v6.5.0 of
 * the same day); the floating v7 names the same commit.
 */
const PINS: readonly Pin[] = [
  // https://github.com/actions/checkout/releases/tag/v7.0.1 (node24; refuses fork checkouts under workflow_run)
  { action: "actions/checkout", tag: "v7.0.1", sha: "3d3c42e5aac5ba805825da76410c181273ba90b1" },
  // https://github.com/dagger/dagger-for-github/releases/tag/v8.4.1 (composite action, inputs read from action.yml)
  { action: "dagger/dagger-for-github", tag: "v8.4.1", sha: "27b130bf0f79a7f6fbbbe0fbca6760dc9bb40a77" },
  // https://github.com/actions/upload-artifact/releases/tag/v7.0.0 (has include-hidden-files)
  { action: "actions/upload-artifact", tag: "v7.0.0", sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f" },
  // https://github.com/github/codeql-action/releases/tag/v4.36.2, the newest v3/v4 release tag of the
  // snapshot (v3.36.2 is the same release for the v3 line); upload-sarif/action.yml there: node24,
  // inputs sarif_file and category. Resolved: `git rev-parse 'v4.36.2^{commit}'`.
  { action: "github/codeql-action", tag: "v4.36.2", sha: "8aad20d150bbac5944a9f9d289da16a4b0d87c1e" },
  // https://github.com/actions/setup-node/releases/tag/v7.0.0 (node24; inputs cache and a multi-line
  // cache-dependency-path, read from action.yml there). Resolved: `git rev-parse 'v7.0.0^{commit}'`.
  { action: "actions/setup-node", tag: "v7.0.0", sha: "820762786026740c76f36085b0efc47a31fe5020" },
  // https://github.com/actions/download-artifact/releases/tag/v8.0.1, the newest tag of its snapshot (inputs
  // name and path, node24, read from action.yml there). Resolved: `git rev-parse 'v8.0.1^{commit}'`.
  { action: "actions/download-artifact", tag: "v8.0.1", sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c" },
];

/**
 * The write scopes each job may hold: CI's publishing job (push images, comment, sign with its OIDC
 * identity, upload SARIF) and CD's deploy job (comment). Every other job (checks.yml's too) is read-only.
 */
const WRITE_SCOPES: Record<WorkflowPath, WriteScopes> = {
  ".github/workflows/ci.yml": {
    ci: ["packages", "pull-requests", "id-token", "security-events"],
    release: ["contents"],
  },
  ".github/workflows/cd.yml": { deploy: ["pull-requests"] },
  ".github/workflows/checks.yml": {},
  // None declared: its job inherits the calling job's token (checkReusableShape).
  ".github/workflows/python-pipeline.yml": {},
};

/**
 * The read scopes (besides `contents: read`) a calling job grants: `actions: read` for the job whose
 * called workflow uploads SARIF (checkActionsRead says where that is).
 */
const READ_SCOPES: Record<WorkflowPath, Readonly<Record<string, readonly string[]>>> = {
  ".github/workflows/ci.yml": { ci: ["actions"] },
  ".github/workflows/cd.yml": {},
  ".github/workflows/checks.yml": {},
  ".github/workflows/python-pipeline.yml": {},
};

/** A workflow of this repository that a job calls, as `./…` or as the docs' `OWNER/REPO/…@<commit>`. */
function calledWorkflow(uses: string): WorkflowFile | undefined {
  const path = calledPath(uses);
  return (WORKFLOW_PATHS as readonly string[]).includes(path)
    ? readWorkflow(path as WorkflowPath)
    : undefined;
}

/** Jobs that split the workflow's events between them: exactly one runs for each. */
const SPLIT: Record<WorkflowPath, readonly string[]> = {
  ".github/workflows/ci.yml": ["ci", "ci-read-only"],
  ".github/workflows/cd.yml": [],
  ".github/workflows/checks.yml": [],
  // One job; the trust split is per step there (checkStepsTrusted).
  ".github/workflows/python-pipeline.yml": [],
};

/** The runner image every job is pinned to (a `-latest` label moves to a new image by itself). */
const RUNNER = "ubuntu-24.04";

type Rule = (wf: WorkflowFile) => string[];

const RULES: Record<string, Rule> = {
  "top-level permissions are {} or read-only": checkTopLevelPermissions,
  "each write scope only on the job allowed it, which never runs for a fork or a bot": (wf) =>
    checkWriteScopes(wf, WRITE_SCOPES[wf.name as WorkflowPath], RUN_MODEL),
  "--publish, --sign, the OIDC token and secrets only in jobs that never run for a fork or a bot": (wf) =>
    checkCredentialsOnlyForSameRepo(wf, RUN_MODEL),
  "the publishing and read-only jobs split every event: exactly one runs": (wf) =>
    checkJobsSplitEvents(wf, SPLIT[wf.name as WorkflowPath]),
  "the one required check reports on every event and passes exactly when CI passed": (wf) =>
    checkRequiredChecks(
      wf,
      REQUIRED_CHECKS[wf.name as WorkflowPath],
      SPLIT[wf.name as WorkflowPath],
      RUN_MODEL,
    ),
  "contents: write only on a job that runs for a push of a version tag and nothing else":
    checkContentsWriteOnlyOnTagPush,
  "publishing signs, with the OIDC token as a Secret, and only the signing job has id-token: write":
    checkSigning,
  "every dagger call passes --event from the right context and --github-api-url": checkModuleInputs,
  "the Trivy SARIF goes to code scanning from the publishing job, on pushes, when it exists":
    checkSarifUpload,
  "every job runs on the pinned runner image": (wf) => checkRunner(wf, RUNNER),
  "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit":
    (wf) => checkPinnedActions(wf, PINS, WORKFLOW_PATHS),
  "a job calling the reusable workflow grants exactly contents: read and its allowed read and write scopes": (
    wf,
  ) => checkCallerGrants(wf, WRITE_SCOPES[wf.name as WorkflowPath], READ_SCOPES[wf.name as WorkflowPath]),
  "actions: read only on the jobs that upload SARIF or download another run's artifact": (wf) =>
    checkActionsRead(wf, calledWorkflow),
  "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line":
    (wf) => checkEngineSwitch(wf, wf.name === PIPE),
  "the shared engine never reaches a step that can run for a pull request, only a protected push": (wf) =>
    checkEngineOnlyForProtectedPushes(wf, wf.name === PIPE),
  "every checkout has persist-credentials: false": checkCheckoutCredentials,
  "no expression in run: or in dagger-for-github's shell-pasted inputs": checkNoTemplateInjection,
  "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR": (wf) =>
    checkWorkflowRunGuard(wf, RUN_MODEL),
  "workflow_run never checks out or fetches the triggering code": checkNoUntrustedCheckout,
  "concurrency is set; a running push or deploy is never cancelled": checkConcurrency,
  "a deploy's concurrency group holds one environment: a preview never cancels production": (wf) =>
    checkDeployGroups(wf, RUN_MODEL),
  "every job has timeout-minutes": checkTimeouts,
  "dagger is installed at dagger.json's engine version before it runs": (wf) =>
    checkDaggerVersion(wf, engineVersion()),
  "reports are summarised and uploaded even on failure, before the verdict": checkReportsBeforeVerdict,
};

/**
 * One file of each kind the repository's checks read (typecheck, lint, the vitest suites): a change to
 * any of them must run checks.yml. The module, its tests, the sample app, the image, the workflows and
 * Dependabot, the tooling configuration (.gitignore: biome honours it), .ci/run, and the documents the
 * tests read.
 */
const CHECKED_FILES = [
  "dagger/src/index.ts",
  "dagger/package-lock.json",
  "dagger.json",
  "test/workflows/policy.test.ts",
  "test/fixtures/upstream/pytest-junit-pass.xml",
  "scripts/bench.mjs",
  "sample-app/pyproject.toml",
  "Dockerfile",
  ".dockerignore",
  ".github/workflows/ci.yml",
  ".github/dependabot.yml",
  ".github/CODEOWNERS",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "vitest.config.ts",
  "biome.json",
  ".gitignore",
  ".ci/run",
  "README.md",
  "docs/pr-comments.md",
  "SECURITY.md",
  "LICENSE",
] as const;

/** The one command checks.yml runs: every check, the way a contributor runs them locally. */
const CHECKS_COMMAND = "bash .ci/run";

/** The lockfiles .ci/run installs from (npm ci at the root and in dagger/), which key the npm cache. */
const LOCKFILES = ["package-lock.json", "dagger/package-lock.json"] as const;

/** Rules for checks.yml alone (the rules above hold for every workflow, checks.yml included). */
const SELF_CHECK_RULES: Record<string, Rule> = {
  "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance": (wf) =>
    checkRunsOnly(wf, CHECKS_COMMAND),
  "checks.yml has no write permission, no secret and no privileged trigger": checkReadOnlyNoSecrets,
  "checks.yml runs on push and pull_request for a change to any file the checks read": (wf) =>
    checkPathsFilter(wf, ["push", "pull_request"], CHECKED_FILES),
  "checks.yml sets up Node at package.json's engines floor, the npm cache keyed on both lockfiles": (wf) =>
    checkNodeSetup(wf, nodeEnginesFloor(), LOCKFILES),
};

/**
 * What callers of python-pipeline.yml rely on (docs/reusable-workflow.md lists the same): the inputs,
 * their types and defaults. `publish` is off unless asked for.
 */
const CALL_INPUTS: Record<string, CallInput> = {
  app: { type: "string", default: "." },
  apps: { type: "string", default: "" },
  "python-versions": { type: "string", default: "" },
  threshold: { type: "number", default: -1 },
  publish: { type: "boolean", default: false },
  module: { type: "string", default: "." },
  "smoke-command": { type: "string", default: "" },
  "smoke-expect": { type: "string", default: "" },
  dockerfile: { type: "string", default: "" },
  "build-context": { type: "string", default: "" },
  groups: { type: "string", default: "" },
  extras: { type: "string", default: "" },
  env: { type: "string", default: "" },
  services: { type: "string", default: "" },
  typecheck: { type: "string", default: "" },
  "diff-threshold": { type: "number", default: 0 },
};

/** Rules for the reusable workflow alone. */
const REUSABLE_RULES: Record<string, Rule> = {
  "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency":
    (wf) => checkReusableShape(wf, CALL_INPUTS, ["DAGGER_CLOUD_TOKEN", "TEST_ENV_FILE"]),
  "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event":
    checkStepsTrusted,
};

const ALL_RULES: Record<string, Rule> = { ...RULES, ...SELF_CHECK_RULES, ...REUSABLE_RULES };

const CI: WorkflowPath = ".github/workflows/ci.yml";
const CD: WorkflowPath = ".github/workflows/cd.yml";
const CHECKS: WorkflowPath = ".github/workflows/checks.yml";
const PIPE: WorkflowPath = ".github/workflows/python-pipeline.yml";

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

const CHECKOUT_SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1";
const CHECKOUT_PIN = `actions/checkout@${CHECKOUT_SHA} # v7.0.1`;
const UPLOAD_SHA = "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f";
const SARIF_PIN = "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2";
const ENGINE_ENV = `_EXPERIMENTAL_DAGGER_RUNNER_HOST: ${expr(ENGINE_SOURCE)}`;
const ACTIONS_READ_WHY =
  "private repositories: codeql-action's SARIF upload reads this run and is refused without it";
const CD_SAME_REPO = "\n      && github.event.workflow_run.head_repository.full_name == github.repository";
const READ_ONLY_PERMISSIONS = "      contents: read\n    uses:";
const SETUP_NODE_PIN = "actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0";
const CHECKS_STEP = "      - name: Typecheck, lint and test (.ci/run)\n        run: bash .ci/run\n";
const SARIF_IF = `if: ${expr("!cancelled() && inputs.publish && github.event_name == 'push' && hashFiles('reports/trivy.sarif') != ''")}`;
const READ_ONLY_STEP = "Run the pipeline (no publish, no signature, no comment)";
const PUBLISH_STEP = "Run the pipeline, publish, sign, comment";

type Broken = { rule: keyof typeof ALL_RULES; file: WorkflowPath; breakage: Breakage; expected: string };

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
  "the release job on every push": {
    rule: "contents: write only on a job that runs for a push of a version tag and nothing else",
    file: CI,
    breakage: text(
      "    if: github.event_name == 'push' && github.ref_type == 'tag'\n",
      "    if: github.event_name == 'push'\n",
    ),
    expected: "jobs.release: has contents: write and runs for a push of main",
  },
  "contents: write on the publishing job": {
    rule: "contents: write only on a job that runs for a push of a version tag and nothing else",
    file: CI,
    breakage: text(
      "      contents: read\n      packages: write",
      "      contents: write\n      packages: write",
    ),
    expected: "jobs.ci: has contents: write and runs for a push of main",
  },
  "pull-requests: write on the read-only job": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CI,
    breakage: text(READ_ONLY_PERMISSIONS, "      contents: read\n      pull-requests: write\n    uses:"),
    expected: "jobs.ci-read-only: grants pull-requests: write",
  },
  "id-token: write on the read-only job": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CI,
    breakage: text(READ_ONLY_PERMISSIONS, "      contents: read\n      id-token: write\n    uses:"),
    expected: "jobs.ci-read-only: grants id-token: write",
  },
  "security-events: write on the deploy job": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CD,
    breakage: text("      pull-requests: write", "      pull-requests: write\n      security-events: write"),
    expected: "jobs.deploy: grants security-events: write",
  },
  "the publishing job without its same-repo condition": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CI,
    breakage: text("        && github.event.pull_request.head.repo.full_name == github.repository\n", ""),
    expected: "id-token: write, security-events: write and runs for a fork's pull_request",
  },
  "the publishing job without its bot-author condition": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CI,
    breakage: text("        && !endsWith(github.event.pull_request.user.login, '[bot]')\n", ""),
    expected:
      "jobs.ci: has packages: write, pull-requests: write, id-token: write, security-events: write and runs for a bot's pull_request last pushed by a person",
  },
  "the publishing job without its bot-actor condition": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CI,
    breakage: text("\n        && !endsWith(github.actor, '[bot]'))", ")"),
    expected: "runs for a pull_request last pushed by a bot",
  },
  "the deploy job no longer needing the CI-run check": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CD,
    breakage: { doc: (doc) => void delete job(doc, "deploy").needs },
    expected: "jobs.deploy: has pull-requests: write and runs for a workflow_run of a fork's pull request",
  },
  "the deploy job without the author half of the bot rule": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CD,
    breakage: text("\n        && !endsWith(needs.ci-run.outputs.author, '[bot]')", ""),
    expected:
      "jobs.deploy: has pull-requests: write and runs for a workflow_run of a bot's pull request last pushed by a person",
  },
  "a deploy that trusts an author it could not find": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text('if [[ ! "$login" =~', 'if false && [[ ! "$login" =~'),
    expected: "jobs.deploy: runs when CI succeeded on a PR that the API does not list",
  },
  "a deploy that takes the first author of a commit heading two pull requests": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text('(map(select(endswith("[bot]"))) + .) | first', "first"),
    expected: "jobs.deploy: runs when CI succeeded on a commit that heads a person's PR and a bot's",
  },
  "--publish in the read-only job": {
    rule: "--publish, --sign, the OIDC token and secrets only in jobs that never run for a fork or a bot",
    file: CI,
    breakage: text("      publish: false", "      publish: true"),
    expected: "jobs.ci-read-only.with: publish: true in a job that runs for a fork's pull_request",
  },
  "secrets: inherit on a calling job": {
    rule: "--publish, --sign, the OIDC token and secrets only in jobs that never run for a fork or a bot",
    file: CI,
    breakage: text("      publish: false\n", "      publish: false\n    secrets: inherit\n"),
    expected: "jobs.ci-read-only: secrets: inherit hands the called workflow every secret",
  },
  "--publish in the reusable workflow's read-only step": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: text(
      "            --exit-zero \\\n",
      "            --publish \\\n            --exit-zero \\\n",
      2,
    ),
    expected: `"${READ_ONLY_STEP}": --publish for a pull_request from a fork opened by alice, pushed by alice with publish: true`,
  },
  "the publishing step without its fork condition": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: text(
      "              && github.event.pull_request.head.repo.full_name == github.repository\n",
      "",
    ),
    expected: `"${PUBLISH_STEP}": --publish for a pull_request from a fork opened by alice, pushed by alice with publish: true`,
  },
  "the publishing step without its bot-actor condition": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: text("\n              && !endsWith(github.actor, '[bot]')))", "))"),
    expected:
      "the shared engine for a pull_request from this repository opened by alice, pushed by dependabot[bot] with publish: true",
  },
  "the publishing step ignoring publish: false": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: text(
      "        if: >-\n          inputs.publish\n          && (",
      "        if: >-\n          (",
      1,
    ),
    expected: "the Dagger Cloud token for a push by alice with publish: false",
  },
  "a trusted push that publishes nothing": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: text("          !(inputs.publish", "          !(inputs.publish && false"),
    expected:
      "jobs.pipeline: 2 dagger call ci steps run for a push by alice with publish: true, expected one",
  },
  "no pipeline step for a fork": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: { doc: (doc) => void delete stepNamed(doc, "pipeline", /no publish/).run },
    expected:
      "jobs.pipeline: 0 dagger call ci steps run for a pull_request from a fork opened by alice, pushed by alice with publish: true, expected one",
  },
  "--sign in the read-only step": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: text("            --exit-zero \\\n", "            --sign \\\n            --exit-zero \\\n", 2),
    expected: `"${READ_ONLY_STEP}": --sign for a pull_request from a deleted fork opened by alice`,
  },
  "a token in the read-only job": {
    rule: "--publish, --sign, the OIDC token and secrets only in jobs that never run for a fork or a bot",
    file: CI,
    breakage: {
      doc: (doc) => {
        job(doc, "ci-read-only").secrets = { DAGGER_CLOUD_TOKEN: expr("secrets.DAGGER_CLOUD_TOKEN") };
      },
    },
    expected: "jobs.ci-read-only.secrets: a secret in a job that runs for a fork's pull_request",
  },
  "a token in the reusable workflow's read-only step": {
    rule: "python-pipeline.yml: privileged steps only for a trusted event asked to publish; one pipeline step per event",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const step = stepNamed(doc, "pipeline", /no publish/);
        step.env = { ...(step.env as Mapping), GITHUB_TOKEN: expr("secrets.GITHUB_TOKEN") };
      },
    },
    expected: `"${READ_ONLY_STEP}": a secret for a pull_request from a fork`,
  },
  "a bot's pull request that no job takes": {
    rule: "the publishing and read-only jobs split every event: exactly one runs",
    file: CI,
    breakage: text("        || endsWith(github.event.pull_request.user.login, '[bot]')\n", ""),
    expected:
      "none of ci, ci-read-only runs for a pull_request from this repository opened by dependabot[bot], pushed by alice",
  },
  "a push that both jobs take": {
    rule: "the publishing and read-only jobs split every event: exactly one runs",
    file: CI,
    breakage: text(
      "      github.event_name == 'pull_request'\n      && (",
      "      (github.event_name == 'push' || github.event_name == 'pull_request')\n      && (",
    ),
    expected: "ci and ci-read-only all run for a push by alice",
  },
  "a new trigger that no job takes": {
    rule: "the publishing and read-only jobs split every event: exactly one runs",
    file: CI,
    breakage: text("on:\n  push:", "on:\n  workflow_dispatch:\n  push:"),
    expected: "none of ci, ci-read-only runs for a workflow_dispatch",
  },
  "the result job skipped when the run is cancelled": {
    rule: "the one required check reports on every event and passes exactly when CI passed",
    file: CI,
    breakage: text("    if: always()\n", `    if: ${expr("!cancelled()")}\n`),
    expected: '"CI result" passes when ci was cancelled, for a push by alice',
  },
  "the result job without if: (skipped with the skipped caller)": {
    rule: "the one required check reports on every event and passes exactly when CI passed",
    file: CI,
    breakage: text("    if: always()\n", ""),
    expected: '"CI result" passes when ci failed, for a push by alice',
  },
  "the result job accepting a cancelled caller": {
    rule: "the one required check reports on every event and passes exactly when CI passed",
    file: CI,
    breakage: text(
      "success/skipped | skipped/success) ;;",
      "success/skipped | skipped/success | skipped/cancelled) ;;",
    ),
    expected:
      '"CI result" passes when ci-read-only was cancelled, for a pull_request from a fork opened by alice, pushed by alice',
  },
  "the result job not waiting for the read-only job": {
    rule: "the one required check reports on every event and passes exactly when CI passed",
    file: CI,
    breakage: text("needs: [ci, ci-read-only]", "needs: [ci]"),
    expected: 'jobs.ci-result: reports "CI result" without needing ci-read-only',
  },
  "the result job renamed": {
    rule: "the one required check reports on every event and passes exactly when CI passed",
    file: CI,
    breakage: text("    name: CI result\n", "    name: CI summary\n"),
    expected: '"CI result" never reports for a push by alice',
  },
  "publishing without --sign": {
    rule: "publishing signs, with the OIDC token as a Secret, and only the signing job has id-token: write",
    file: PIPE,
    breakage: text("            --sign \\\n", ""),
    expected: '"Run the pipeline, publish, sign, comment": publishes without --sign',
  },
  "signing without id-token: write": {
    rule: "publishing signs, with the OIDC token as a Secret, and only the signing job has id-token: write",
    file: CI,
    breakage: text(
      "      id-token: write # the OIDC token cosign exchanges for a short-lived signing certificate\n",
      "",
    ),
    expected: "jobs.ci: signs without id-token: write",
  },
  "the OIDC token as text on the command line": {
    rule: "publishing signs, with the OIDC token as a Secret, and only the signing job has id-token: write",
    file: PIPE,
    breakage: text(
      "--oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      '--oidc-request-token "$ACTIONS_ID_TOKEN_REQUEST_TOKEN"',
    ),
    expected: 'passes the OIDC request token as "$ACTIONS_ID_TOKEN_REQUEST_TOKEN"',
  },
  "publishing without the OIDC request URL": {
    rule: "publishing signs, with the OIDC token as a Secret, and only the signing job has id-token: write",
    file: PIPE,
    breakage: text('            --oidc-request-url "$ACTIONS_ID_TOKEN_REQUEST_URL" \\\n', ""),
    expected: 'publishes without --oidc-request-url "$ACTIONS_ID_TOKEN_REQUEST_URL"',
  },
  "CD telling the module its own event (workflow_run)": {
    rule: "every dagger call passes --event from the right context and --github-api-url",
    file: CD,
    breakage: text(expr("github.event.workflow_run.event"), expr("github.event_name")),
    expected: 'env.EVENT is "github.event_name", expected github.event.workflow_run.event',
  },
  "the read-only step without --event": {
    rule: "every dagger call passes --event from the right context and --github-api-url",
    file: PIPE,
    breakage: text('            --event "$EVENT" \\\n', "", 2),
    expected: `jobs.pipeline.steps[3] "${READ_ONLY_STEP}": no --event`,
  },
  "CI without --github-api-url": {
    rule: "every dagger call passes --event from the right context and --github-api-url",
    file: PIPE,
    breakage: text('            --github-api-url "$GITHUB_API_URL" \\\n', ""),
    expected: `jobs.pipeline.steps[2] "${PUBLISH_STEP}": no --github-api-url`,
  },
  "a SARIF upload on pull requests": {
    rule: "the Trivy SARIF goes to code scanning from the publishing job, on pushes, when it exists",
    file: PIPE,
    breakage: text(
      SARIF_IF,
      `if: ${expr("!cancelled() && inputs.publish && hashFiles('reports/trivy.sarif') != ''")}`,
    ),
    expected: '"Upload the Trivy findings to code scanning": uploads for a pull request',
  },
  "a SARIF upload when the scan left no file": {
    rule: "the Trivy SARIF goes to code scanning from the publishing job, on pushes, when it exists",
    file: PIPE,
    breakage: text(SARIF_IF, `if: ${expr("!cancelled() && inputs.publish && github.event_name == 'push'")}`),
    expected: "uploads for a push whose scan left no reports/trivy.sarif",
  },
  "a SARIF upload from a run that does not publish": {
    rule: "the Trivy SARIF goes to code scanning from the publishing job, on pushes, when it exists",
    file: PIPE,
    breakage: text(
      "!cancelled() && inputs.publish && github.event_name",
      "!cancelled() && github.event_name",
    ),
    expected: "uploads for a push of a run that does not publish (publish: false)",
  },
  "no SARIF upload": {
    rule: "the Trivy SARIF goes to code scanning from the publishing job, on pushes, when it exists",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const list = steps(doc, "pipeline");
        list.splice(list.indexOf(stepNamed(doc, "pipeline", /code scanning/)), 1);
      },
    },
    expected: "jobs.pipeline: publishes but does not upload reports/trivy.sarif to code scanning",
  },
  "the publishing call without security-events: write": {
    rule: "a job calling the reusable workflow grants exactly contents: read and its allowed read and write scopes",
    file: CI,
    breakage: text(
      "      security-events: write # upload the Trivy SARIF to code scanning (push runs only)\n",
      "",
    ),
    expected: "jobs.ci: does not grant security-events: write",
  },
  "the read-only call without permissions": {
    rule: "a job calling the reusable workflow grants exactly contents: read and its allowed read and write scopes",
    file: CI,
    breakage: { doc: (doc) => void delete job(doc, "ci-read-only").permissions },
    expected: "jobs.ci-read-only: calls ./.github/workflows/python-pipeline.yml without permissions",
  },
  "the read-only call granting actions: read": {
    rule: "a job calling the reusable workflow grants exactly contents: read and its allowed read and write scopes",
    file: CI,
    breakage: text(READ_ONLY_PERMISSIONS, "      contents: read\n      actions: read\n    uses:"),
    expected: "jobs.ci-read-only: grants actions: read",
  },
  "the SARIF upload's caller without actions: read": {
    rule: "actions: read only on the jobs that upload SARIF or download another run's artifact",
    file: CI,
    breakage: text(`      actions: read # ${ACTIONS_READ_WHY}\n`, ""),
    expected: "jobs.ci: uploads SARIF without actions: read",
  },
  "actions: read on the job that only checks the CI run": {
    rule: "actions: read only on the jobs that upload SARIF or download another run's artifact",
    file: CD,
    breakage: text("      pull-requests: read #", "      actions: read\n      pull-requests: read #"),
    expected: "jobs.ci-run: has actions: read but uploads no SARIF and downloads no other run's artifact",
  },
  "the download of the CI run's reports without actions: read": {
    rule: "actions: read only on the jobs that upload SARIF or download another run's artifact",
    file: CD,
    breakage: text(
      "      actions: read # download the CI run's ci-reports: its status.json says which apps it published\n",
      "",
    ),
    expected: "jobs.deploy: downloads another run's artifact without actions: read",
  },
  "the read-only call, whose upload never runs, with actions: read": {
    rule: "actions: read only on the jobs that upload SARIF or download another run's artifact",
    file: CI,
    breakage: text(READ_ONLY_PERMISSIONS, "      contents: read\n      actions: read\n    uses:"),
    expected:
      "jobs.ci-read-only: has actions: read but uploads no SARIF and downloads no other run's artifact",
  },
  "a SARIF upload before the pipeline": {
    rule: "the Trivy SARIF goes to code scanning from the publishing job, on pushes, when it exists",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const list = steps(doc, "pipeline");
        const upload = stepNamed(doc, "pipeline", /code scanning/);
        list.splice(list.indexOf(upload), 1);
        list.splice(1, 0, upload);
      },
    },
    expected: "runs before the pipeline wrote reports/trivy.sarif",
  },
  "a job on ubuntu-latest": {
    rule: "every job runs on the pinned runner image",
    file: CD,
    breakage: text("runs-on: ubuntu-24.04", "runs-on: ubuntu-latest"),
    expected: 'jobs.ci-run: runs-on "ubuntu-latest", expected "ubuntu-24.04"',
  },
  "a tag instead of a SHA": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: PIPE,
    breakage: text(CHECKOUT_PIN, "actions/checkout@v4"),
    expected: '"actions/checkout@v4" is not pinned to a full commit SHA',
  },
  "a local reusable workflow that is not in this repository": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: CI,
    breakage: text("uses: ./.github/workflows/python-pipeline.yml", "uses: ./.github/workflows/pipeline.yml"),
    expected: '"./.github/workflows/pipeline.yml" is not one of this repository\'s reusable workflows',
  },
  "a remote reusable workflow at a branch": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: CI,
    breakage: text(
      "uses: ./.github/workflows/python-pipeline.yml",
      "uses: octo-org/pipeline/.github/workflows/python-pipeline.yml@main",
    ),
    expected:
      '"octo-org/pipeline/.github/workflows/python-pipeline.yml@main" is not pinned to a full commit SHA',
  },
  "a SHA that is not the tag's commit": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: CD,
    breakage: text(CHECKOUT_PIN, `actions/checkout@${UPLOAD_SHA} # v7.0.1`),
    expected: `actions/checkout@${UPLOAD_SHA} is not the commit of v7.0.1`,
  },
  "upload-sarif pinned to another action's commit": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: PIPE,
    breakage: text(SARIF_PIN, `github/codeql-action/upload-sarif@${CHECKOUT_SHA} # v4.36.2`),
    expected: `github/codeql-action@${CHECKOUT_SHA} is not the commit of v4.36.2`,
  },
  "upload-sarif pinned to the annotated tag's object instead of its commit": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: PIPE,
    breakage: text(
      SARIF_PIN,
      "github/codeql-action/upload-sarif@1a818fd5f97ed0ee9a823421bd5b171add01227f # v4.36.2",
    ),
    expected: "is not the commit of v4.36.2 (8aad20d150bbac5944a9f9d289da16a4b0d87c1e)",
  },
  "a SHA without its version comment": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: CD,
    breakage: text(" # v8.4.1", ""),
    expected: 'has no "# vX.Y.Z" comment',
  },
  "a version that was never resolved": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: PIPE,
    breakage: text("# v7.0.0", "# v7.0.9"),
    expected: "actions/upload-artifact v7.0.9 is not in the table of resolved pins",
  },
  "a checkout that keeps its credentials": {
    rule: "every checkout has persist-credentials: false",
    file: PIPE,
    breakage: text("          persist-credentials: false\n", ""),
    expected: 'jobs.pipeline.steps[0] "Check out the commit under test": persist-credentials is not false',
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
    file: PIPE,
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
    file: PIPE,
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
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const install = stepNamed(doc, "pipeline", /^Install the Dagger CLI/);
        install.with = {
          ...(install.with as Mapping),
          call: `ci --title "${expr("github.event.pull_request.title")}"`,
        };
      },
    },
    expected: "with.call interpolates attacker-controlled github.event.pull_request.title",
  },
  "the Dagger Cloud token as dagger-for-github's cloud-token input": {
    rule: "no expression in run: or in dagger-for-github's shell-pasted inputs",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const install = stepNamed(doc, "pipeline", /^Install the Dagger CLI/);
        install.with = { ...(install.with as Mapping), "cloud-token": expr("secrets.DAGGER_CLOUD_TOKEN") };
      },
    },
    expected: `with.cloud-token interpolates "${expr("secrets.DAGGER_CLOUD_TOKEN")}"; pass it through env:`,
  },
  "the engine from an attacker-controlled context": {
    rule: "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line",
    file: PIPE,
    breakage: text(ENGINE_ENV, `_EXPERIMENTAL_DAGGER_RUNNER_HOST: ${expr("github.head_ref")}`),
    expected: `_EXPERIMENTAL_DAGGER_RUNNER_HOST is "${expr("github.head_ref")}", expected ${expr(ENGINE_SOURCE)}`,
  },
  "the engine for every step of the job": {
    rule: "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        job(doc, "pipeline").env = { _EXPERIMENTAL_DAGGER_RUNNER_HOST: expr("vars.DAGGER_ENGINE") };
      },
    },
    expected: "jobs.pipeline.env: sets _EXPERIMENTAL_DAGGER_RUNNER_HOST for every step",
  },
  "no engine switch": {
    rule: "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line",
    file: PIPE,
    breakage: text(`          ${ENGINE_ENV}\n`, ""),
    expected: ".github/workflows/python-pipeline.yml: no step connects to vars.DAGGER_ENGINE",
  },
  "the shared engine for every event (the switch before)": {
    rule: "the shared engine never reaches a step that can run for a pull request, only a protected push",
    file: PIPE,
    breakage: text(ENGINE_ENV, `_EXPERIMENTAL_DAGGER_RUNNER_HOST: ${expr("vars.DAGGER_ENGINE")}`),
    expected: `"${PUBLISH_STEP}": the shared engine reaches it for a pull_request from this repository opened by alice, pushed by alice with publish: true`,
  },
  "the shared engine for a push to an unprotected branch": {
    rule: "the shared engine never reaches a step that can run for a pull request, only a protected push",
    file: PIPE,
    breakage: text(
      ENGINE_ENV,
      `_EXPERIMENTAL_DAGGER_RUNNER_HOST: ${expr("github.event_name == 'push' && vars.DAGGER_ENGINE || ''")}`,
    ),
    expected: `"${PUBLISH_STEP}": the shared engine reaches it for a push to an unprotected branch with publish: true`,
  },
  "the shared engine on the read-only step": {
    rule: "the shared engine never reaches a step that can run for a pull request, only a protected push",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const step = stepNamed(doc, "pipeline", /no publish/);
        step.env = { ...(step.env as Mapping), _EXPERIMENTAL_DAGGER_RUNNER_HOST: expr("vars.DAGGER_ENGINE") };
      },
    },
    expected: `"${READ_ONLY_STEP}": the shared engine reaches it for a pull_request from a fork opened by alice`,
  },
  "the shared engine for every step of the job": {
    rule: "the shared engine never reaches a step that can run for a pull request, only a protected push",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        job(doc, "pipeline").env = { _EXPERIMENTAL_DAGGER_RUNNER_HOST: expr("vars.DAGGER_ENGINE") };
      },
    },
    expected:
      '"Check out the commit under test": the shared engine reaches it for a pull_request from a fork',
  },
  "the shared engine reached by no step": {
    rule: "the shared engine never reaches a step that can run for a pull request, only a protected push",
    file: PIPE,
    breakage: text(ENGINE_ENV, `_EXPERIMENTAL_DAGGER_RUNNER_HOST: ${expr("github.ref_protected && ''")}`),
    expected: ".github/workflows/python-pipeline.yml: no step reaches the shared engine for a protected push",
  },
  "the Dagger Cloud token from another secret": {
    rule: "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line",
    file: PIPE,
    breakage: text(
      `DAGGER_CLOUD_TOKEN: ${expr("secrets.DAGGER_CLOUD_TOKEN")}`,
      `DAGGER_CLOUD_TOKEN: ${expr("secrets.GITHUB_TOKEN")}`,
    ),
    expected: `DAGGER_CLOUD_TOKEN is "${expr("secrets.GITHUB_TOKEN")}", expected ${expr("secrets.DAGGER_CLOUD_TOKEN")}`,
  },
  "the Dagger Cloud token on the command line": {
    rule: "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line",
    file: PIPE,
    breakage: text(
      'dagger --progress=plain -m "$MODULE"',
      'DAGGER_CLOUD_TOKEN="$DAGGER_CLOUD_TOKEN" dagger --progress=plain -m "$MODULE"',
    ),
    expected: `"${PUBLISH_STEP}": expands $DAGGER_CLOUD_TOKEN into a command line`,
  },
  "the GitHub token expanded into an argument": {
    rule: "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line",
    file: PIPE,
    breakage: text("--github-token env:GITHUB_TOKEN", '--github-token "$GITHUB_TOKEN"'),
    expected: "expands $GITHUB_TOKEN into a command line",
  },
  "the engine on a step that does not run dagger": {
    rule: "the engine switch and the Dagger Cloud token come from vars/secrets, on a dagger step, never on a command line",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const summary = stepNamed(doc, "pipeline", /^Add the pipeline summary/);
        summary.env = { _EXPERIMENTAL_DAGGER_RUNNER_HOST: expr("vars.DAGGER_ENGINE") };
      },
    },
    expected:
      '"Add the pipeline summary to the job summary, and the annotations": sets _EXPERIMENTAL_DAGGER_RUNNER_HOST on a step that does not run dagger',
  },
  "a deploy without the fork guard": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text(CD_SAME_REPO, ""),
    expected: "jobs.deploy: runs when CI succeeded on a fork's PR",
  },
  "a deploy without the success guard": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text("github.event.workflow_run.conclusion == 'success'\n      && ", ""),
    expected: "jobs.deploy: runs when CI failed",
  },
  "a deploy whose guards are or-ed": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text(CD_SAME_REPO, CD_SAME_REPO.replace("&&", "||")),
    expected: "jobs.deploy: runs when CI succeeded on a fork's PR",
  },
  "a deploy for any triggering event": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: {
      doc: (doc) => {
        const weak =
          "github.event.workflow_run.conclusion == 'success' && github.event.workflow_run.head_repository.full_name == github.repository";
        job(doc, "ci-run").if = weak;
        job(doc, "deploy").if = weak;
      },
    },
    expected: "jobs.deploy: runs when CI ran on a schedule",
  },
  "a deploy after any workflow named CI": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text(
      "\n      && (github.event.workflow_run.path == '.github/workflows/ci.yml'\n        || startsWith(github.event.workflow_run.path, '.github/workflows/ci.yml@'))",
      "",
    ),
    expected: "jobs.ci-run: runs when another workflow named CI succeeded",
  },
  "a path check that takes any file name starting with ci.yml": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text("'.github/workflows/ci.yml@'", "'.github/workflows/ci.yml'"),
    expected: "jobs.ci-run: runs when a workflow whose file name only starts like CI's succeeded",
  },
  "a path check in the if: alone (GitHub's == ignores case)": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: { doc: (doc) => void steps(doc, "ci-run").shift() },
    expected: "jobs.deploy: runs when CI ran from .github/workflows/CI.yml (GitHub's == ignores case)",
  },
  "a path step that compares case-folded": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text('if [[ "$WORKFLOW_PATH" != ', 'if [[ "$(tr A-Z a-z <<< "$WORKFLOW_PATH")" != '),
    expected: "jobs.deploy: runs when CI ran from .github/workflows/CI.yml (GitHub's == ignores case)",
  },
  "a deploy for another repository's run": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text("\n      && github.event.workflow_run.repository.full_name == github.repository", ""),
    expected: "jobs.deploy: runs when the run belongs to another repository",
  },
  "a deploy for a bot's pull request": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
    file: CD,
    breakage: text("\n          && !endsWith(github.event.workflow_run.actor.login, '[bot]')", ""),
    expected: "jobs.ci-run: runs when CI succeeded on a bot's PR",
  },
  "a deploy with no if at all": {
    rule: "workflow_run jobs run only on success of this repository's ci.yml, for its push or a person's PR",
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
    rule: "concurrency is set; a running push or deploy is never cancelled",
    file: CI,
    breakage: { doc: (doc) => void delete doc.concurrency },
    expected: "jobs.ci.concurrency: no concurrency group",
  },
  "CI cancelling pushes": {
    rule: "concurrency is set; a running push or deploy is never cancelled",
    file: CI,
    breakage: text(
      `cancel-in-progress: ${expr("github.event_name == 'pull_request'")}`,
      "cancel-in-progress: true",
    ),
    expected: "cancel-in-progress is true for pushes",
  },
  "CD cancelling a running deploy": {
    rule: "concurrency is set; a running push or deploy is never cancelled",
    file: CD,
    breakage: text("cancel-in-progress: false", "cancel-in-progress: true"),
    expected: "jobs.deploy.concurrency: cancel-in-progress is set on a deploy workflow",
  },
  "CD's group per branch, as before": {
    rule: "a deploy's concurrency group holds one environment: a preview never cancels production",
    file: CD,
    breakage: text(
      `group: cd-${expr("needs.ci-run.outputs.environment")}-`,
      `group: cd-${expr("github.event.workflow_run.head_repository.full_name")}-`,
    ),
    expected:
      "jobs.deploy: a pull_request run of main (preview) and a push run of main (production) share the concurrency group cd-acme/service-main",
  },
  "CD's group per event and environment, without the branch": {
    rule: "a deploy's concurrency group holds one environment: a preview never cancels production",
    file: CD,
    breakage: text(
      `group: cd-${expr("needs.ci-run.outputs.environment")}-${expr("github.event.workflow_run.head_branch")}`,
      `group: cd-${expr("github.event.workflow_run.event")}`,
    ),
    expected: "share the concurrency group cd-push",
  },
  "CD without concurrency": {
    rule: "concurrency is set; a running push or deploy is never cancelled",
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
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const list = steps(doc, "pipeline");
        list.splice(1, 1);
      },
    },
    expected: "runs dagger before a pinned dagger-for-github install",
  },
  "reports uploaded only on success": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: PIPE,
    breakage: { doc: (doc) => void delete stepNamed(doc, "pipeline", /^Upload the reports/).if },
    expected: 'jobs.pipeline.steps[5] "Upload the reports": skipped when the pipeline failed',
  },
  "reports uploaded without .coverage": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: PIPE,
    breakage: text("          include-hidden-files: true # .coverage\n", ""),
    expected: 'jobs.pipeline.steps[5] "Upload the reports": include-hidden-files is not true',
  },
  "a summary only on success": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: PIPE,
    breakage: { doc: (doc) => void delete stepNamed(doc, "pipeline", /^Add the pipeline summary/).if },
    expected: "the summary is skipped when the pipeline failed",
  },
  "the verdict before the upload": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: PIPE,
    breakage: {
      doc: (doc) => {
        const list = steps(doc, "pipeline");
        const verdict = list.pop();
        if (verdict) list.splice(2, 0, verdict);
      },
    },
    expected: "the verdict comes before the upload",
  },
  "no verdict step": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: PIPE,
    breakage: { doc: (doc) => void steps(doc, "pipeline").pop() },
    expected: "jobs.pipeline: no step fails the job on reports/status.json",
  },
  "a failed gate that exports nothing": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: PIPE,
    breakage: text("            --exit-zero \\\n", "", 2),
    expected: `jobs.pipeline.steps[3] "${READ_ONLY_STEP}": no --exit-zero`,
  },
  "reports not exported": {
    rule: "reports are summarised and uploaded even on failure, before the verdict",
    file: PIPE,
    breakage: text(" \\\n            reports export --path reports", ""),
    expected: 'does not chain "reports export --path reports"',
  },

  // python-pipeline.yml's interface.
  "permissions declared in the reusable workflow": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text("\ndefaults:\n", "\npermissions: {}\n\ndefaults:\n"),
    expected: "declares top-level permissions; the calling job's grant must be the only list",
  },
  "write scopes requested by the reusable job": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text(
      "    timeout-minutes: 60\n",
      "    timeout-minutes: 60\n    permissions:\n      packages: write\n",
    ),
    expected: "jobs.pipeline: declares permissions",
  },
  "publish on by default": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text(
      "        type: boolean\n        default: false",
      "        type: boolean\n        default: true",
    ),
    expected: "input publish defaults to true, expected false",
  },
  "the Dagger Cloud token required": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text("        required: false", "        required: true"),
    expected: "secret DAGGER_CLOUD_TOKEN is not optional",
  },
  "an undocumented input": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text(
      "    secrets:\n      DAGGER_CLOUD_TOKEN:",
      "      runner:\n        type: string\n        default: ubuntu-24.04\n    secrets:\n      DAGGER_CLOUD_TOKEN:",
    ),
    expected: "input runner is not documented for callers",
  },
  "a threshold passed as a string": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text("        type: number", "        type: string"),
    expected: "input threshold is string, expected number",
  },
  "a concurrency group of its own": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text("\ndefaults:\n", `\nconcurrency:\n  group: pipeline-${expr("github.ref")}\n\ndefaults:\n`),
    expected: "declares concurrency; the caller's applies",
  },
  "callable from a push too": {
    rule: "python-pipeline.yml: workflow_call only, the documented inputs and optional secret, no permissions or concurrency",
    file: PIPE,
    breakage: text("on:\n  workflow_call:", "on:\n  push:\n  workflow_call:"),
    expected: 'triggered by ["push","workflow_call"], expected workflow_call only',
  },

  // checks.yml under the rules for every workflow.
  "checks.yml's setup-node at a floating tag": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: CHECKS,
    breakage: text(SETUP_NODE_PIN, "actions/setup-node@v7"),
    expected: '"actions/setup-node@v7" is not pinned to a full commit SHA',
  },
  "checks.yml's setup-node at v6.5.0's commit under a v7.0.0 comment": {
    rule: "every uses: is pinned to the resolved SHA of the tag in its comment, or is a reusable workflow of this commit",
    file: CHECKS,
    breakage: text(SETUP_NODE_PIN, "actions/setup-node@249970729cb0ef3589644e2896645e5dc5ba9c38 # v7.0.0"),
    expected: "actions/setup-node@249970729cb0ef3589644e2896645e5dc5ba9c38 is not the commit of v7.0.0",
  },
  "checks.yml's checkout keeps its credentials": {
    rule: "every checkout has persist-credentials: false",
    file: CHECKS,
    breakage: text("          persist-credentials: false\n", ""),
    expected: 'jobs.checks.steps[0] "Check out the commit under test": persist-credentials is not false',
  },
  "contents: write on checks.yml's job": {
    rule: "each write scope only on the job allowed it, which never runs for a fork or a bot",
    file: CHECKS,
    breakage: text("      contents: read", "      contents: write"),
    expected: "jobs.checks: grants contents: write",
  },
  "a branch name pasted into checks.yml's run": {
    rule: "no expression in run: or in dagger-for-github's shell-pasted inputs",
    file: CHECKS,
    breakage: text("run: bash .ci/run", `run: bash .ci/run "${expr("github.head_ref")}"`),
    expected: "run interpolates attacker-controlled github.head_ref",
  },
  "checks.yml cancelling pushes": {
    rule: "concurrency is set; a running push or deploy is never cancelled",
    file: CHECKS,
    breakage: text(
      `cancel-in-progress: ${expr("github.event_name == 'pull_request'")}`,
      "cancel-in-progress: true",
    ),
    expected: ".github/workflows/checks.yml: concurrency: cancel-in-progress is true for pushes",
  },
  "checks.yml on ubuntu-latest": {
    rule: "every job runs on the pinned runner image",
    file: CHECKS,
    breakage: text("runs-on: ubuntu-24.04", "runs-on: ubuntu-latest"),
    expected: 'jobs.checks: runs-on "ubuntu-latest", expected "ubuntu-24.04"',
  },
  // checks.yml under its own rules.
  "another command next to .ci/run": {
    rule: "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance",
    file: CHECKS,
    breakage: text(
      CHECKS_STEP,
      `${CHECKS_STEP}      - run: curl -fsSL https://example.com/install.sh | sh\n`,
    ),
    expected:
      'jobs.checks.steps[3]: runs "curl -fsSL https://example.com/install.sh | sh"; only "bash .ci/run" may run here',
  },
  "a command instead of .ci/run": {
    rule: "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance",
    file: CHECKS,
    breakage: text("run: bash .ci/run", "run: npm test"),
    expected: 'jobs.checks: runs "bash .ci/run" 0 times, expected once',
  },
  "a third-party action in the checks job": {
    rule: "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance",
    file: CHECKS,
    breakage: {
      doc: (doc) => {
        steps(doc, "checks").splice(2, 0, { uses: `some/linter@${CHECKOUT_SHA}` });
      },
    },
    expected:
      "jobs.checks.steps[2] (some/linter): uses some/linter; only actions/checkout and actions/setup-node",
  },
  "the checks allowed to fail": {
    rule: "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance",
    file: CHECKS,
    breakage: text(
      "        run: bash .ci/run\n",
      "        run: bash .ci/run\n        continue-on-error: true\n",
    ),
    expected: '"Typecheck, lint and test (.ci/run)": continue-on-error is true (a failure shows as passed)',
  },
  "the checks skipped on pull requests": {
    rule: "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance",
    file: CHECKS,
    breakage: {
      doc: (doc) => {
        job(doc, "checks").if = "github.event_name == 'push'";
      },
    },
    expected: "jobs.checks: has an if: (a skipped check shows as passed)",
  },
  "an env that changes what .ci/run does": {
    rule: "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance",
    file: CHECKS,
    breakage: {
      doc: (doc) => {
        stepNamed(doc, "checks", /\.ci\/run/).env = { SKIP_TESTS: "1" };
      },
    },
    expected: '"Typecheck, lint and test (.ci/run)": sets env:',
  },
  ".ci/run before Node is set up": {
    rule: "checks.yml runs `bash .ci/run` after checkout and setup-node, and nothing else of substance",
    file: CHECKS,
    breakage: {
      doc: (doc) => {
        const list = steps(doc, "checks");
        list.splice(1, 0, ...list.splice(2, 1));
      },
    },
    expected: 'runs "bash .ci/run" before actions/setup-node',
  },
  "read-all at the top of checks.yml": {
    rule: "checks.yml has no write permission, no secret and no privileged trigger",
    file: CHECKS,
    breakage: text("\npermissions: {}\n", "\npermissions: read-all\n"),
    expected: '.github/workflows/checks.yml: top-level permissions are "read-all", expected {}',
  },
  "a write scope on the checks job": {
    rule: "checks.yml has no write permission, no secret and no privileged trigger",
    file: CHECKS,
    breakage: text("      contents: read", "      contents: read\n      pull-requests: write"),
    expected:
      'jobs.checks: permissions are {"contents":"read","pull-requests":"write"}, expected contents: read',
  },
  "a secret in the checks job": {
    rule: "checks.yml has no write permission, no secret and no privileged trigger",
    file: CHECKS,
    breakage: {
      doc: (doc) => {
        stepNamed(doc, "checks", /^Set up Node/).env = { NODE_AUTH_TOKEN: expr("secrets.NPM_TOKEN") };
      },
    },
    expected: `.github/workflows/checks.yml: jobs.checks.steps[1].env.NODE_AUTH_TOKEN: reads a secret ("${expr("secrets.NPM_TOKEN")}")`,
  },
  "the job token handed to a step": {
    rule: "checks.yml has no write permission, no secret and no privileged trigger",
    file: CHECKS,
    breakage: {
      doc: (doc) => {
        stepNamed(doc, "checks", /\.ci\/run/).env = { GH_TOKEN: expr("github.token") };
      },
    },
    expected: `reads a secret ("${expr("github.token")}")`,
  },
  "checks.yml on pull_request_target": {
    rule: "checks.yml has no write permission, no secret and no privileged trigger",
    file: CHECKS,
    breakage: text("  pull_request:\n", "  pull_request_target:\n"),
    expected: "on: pull_request_target runs with a write token and the repository's secrets",
  },
  "a filter without dagger/**": {
    rule: "checks.yml runs on push and pull_request for a change to any file the checks read",
    file: CHECKS,
    breakage: text('      - "dagger/**"\n', "", 2),
    expected: "on.pull_request: a change to dagger/src/index.ts does not run the checks",
  },
  "a filter without test/**": {
    rule: "checks.yml runs on push and pull_request for a change to any file the checks read",
    file: CHECKS,
    breakage: text('      - "test/**"\n', ""),
    expected: "on.push: a change to test/workflows/policy.test.ts does not run the checks",
  },
  "a filter that narrows dagger/** to dagger/src/**": {
    rule: "checks.yml runs on push and pull_request for a change to any file the checks read",
    file: CHECKS,
    breakage: text('      - "dagger/**"\n', '      - "dagger/src/**"\n', 2),
    expected: "on.pull_request: a change to dagger/package-lock.json does not run the checks",
  },
  "a filter that excludes the module's sources": {
    rule: "checks.yml runs on push and pull_request for a change to any file the checks read",
    file: CHECKS,
    breakage: text("      - LICENSE\n", '      - LICENSE\n      - "!dagger/src/**"\n'),
    expected: "on.push: a change to dagger/src/index.ts does not run the checks",
  },
  "push and pull_request filtering different paths": {
    rule: "checks.yml runs on push and pull_request for a change to any file the checks read",
    file: CHECKS,
    breakage: text("      - LICENSE\n", '      - LICENSE\n      - "*.md"\n', 2),
    expected: "on.pull_request filters other paths than on.push",
  },
  "no pull_request trigger": {
    rule: "checks.yml runs on push and pull_request for a change to any file the checks read",
    file: CHECKS,
    breakage: { doc: (doc) => void delete (doc.on as Mapping).pull_request },
    expected: ".github/workflows/checks.yml: does not run on pull_request",
  },
  "Node from package.json read as a range": {
    rule: "checks.yml sets up Node at package.json's engines floor, the npm cache keyed on both lockfiles",
    file: CHECKS,
    breakage: text('node-version: "22"', "node-version-file: package.json"),
    expected: 'node-version is undefined, expected "22"',
  },
  "a Node other than the engines floor": {
    rule: "checks.yml sets up Node at package.json's engines floor, the npm cache keyed on both lockfiles",
    file: CHECKS,
    breakage: text('node-version: "22"', 'node-version: "24"'),
    expected: 'node-version is "24", expected "22"',
  },
  "the npm cache keyed on the root lockfile only": {
    rule: "checks.yml sets up Node at package.json's engines floor, the npm cache keyed on both lockfiles",
    file: CHECKS,
    breakage: text("            dagger/package-lock.json\n", ""),
    expected:
      'cache-dependency-path is ["package-lock.json"], expected ["package-lock.json","dagger/package-lock.json"]',
  },
  "no npm cache": {
    rule: "checks.yml sets up Node at package.json's engines floor, the npm cache keyed on both lockfiles",
    file: CHECKS,
    breakage: text("          cache: npm\n", ""),
    expected: "cache is not npm",
  },
};

describe.each(WORKFLOW_PATHS)("%s", (path) => {
  const wf = readWorkflow(path);

  it.each(Object.entries(RULES))("%s", (_name, rule) => {
    expect(rule(wf)).toEqual([]);
  });
});

describe(`${CHECKS}: the repository's own checks`, () => {
  const wf = readWorkflow(CHECKS);

  it.each(Object.entries(SELF_CHECK_RULES))("%s", (_name, rule) => {
    expect(rule(wf)).toEqual([]);
  });

  it.each(CHECKED_FILES)("the checked file %s exists (the filter is tested on real paths)", (file) => {
    expect(() => readRepoFile(file)).not.toThrow();
  });
});

describe(`${PIPE}: the reusable workflow`, () => {
  const wf = readWorkflow(PIPE);

  it.each(Object.entries(REUSABLE_RULES))("%s", (_name, rule) => {
    expect(rule(wf)).toEqual([]);
  });
});

describe("docs/reusable-workflow.md: the caller's workflow meets the same rules as ci.yml", () => {
  const block = /```yaml\n([\s\S]*?)```/.exec(readRepoFile("docs/reusable-workflow.md"))?.[1] ?? "";
  const caller = loadWorkflow(
    "docs/reusable-workflow.md (caller)",
    block.replaceAll("<commit>", "a".repeat(40)),
  );
  const scopes = WRITE_SCOPES[CI];

  it.each<[string, Rule]>([
    ["top-level permissions", checkTopLevelPermissions],
    ["write scopes", (wf) => checkWriteScopes(wf, scopes, RUN_MODEL)],
    ["credentials only for the same repository", (wf) => checkCredentialsOnlyForSameRepo(wf, RUN_MODEL)],
    ["one job per event", (wf) => checkJobsSplitEvents(wf, SPLIT[CI])],
    ["signing", checkSigning],
    ["the calling jobs' grants", (wf) => checkCallerGrants(wf, scopes, READ_SCOPES[CI])],
    ["actions: read only where SARIF is uploaded", (wf) => checkActionsRead(wf, calledWorkflow)],
    ["concurrency", checkConcurrency],
    ["the one required check", (wf) => checkRequiredChecks(wf, REQUIRED_CHECKS[CI], SPLIT[CI], RUN_MODEL)],
    ["contents: write only for a version tag's push", checkContentsWriteOnlyOnTagPush],
    ["dagger at the engine version", (wf) => checkDaggerVersion(wf, engineVersion())],
  ])("%s", (_name, rule) => {
    expect(rule(caller)).toEqual([]);
  });
});

describe("each rule reports a broken copy of a workflow", () => {
  it.each(Object.entries(BROKEN))("%s", (_name, { rule, file, breakage, expected }) => {
    const broken = breakWorkflow(readWorkflow(file), breakage);
    const violations = ALL_RULES[rule]?.(broken) ?? [];
    expect(violations.join("\n")).toContain(expected);
  });

  it("has a broken copy for every rule", () => {
    const covered = new Set(Object.values(BROKEN).map((b) => b.rule));
    expect(Object.keys(ALL_RULES).filter((r) => !covered.has(r))).toEqual([]);
  });
});

describe("the pin table", () => {
  it("is used in full: every pinned release appears in a workflow", () => {
    const used = WORKFLOW_PATHS.flatMap((p) => readWorkflow(p).text);
    for (const pin of PINS) {
      // `owner/repo@sha` or, for an action in a sub-folder, `owner/repo/path@sha`.
      const literal = (t: string) => t.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      const uses = new RegExp(`${literal(pin.action)}(/[\\w./-]+)?@${pin.sha} # ${literal(pin.tag)}\\n`);
      expect(used.join("\n")).toMatch(uses);
    }
  });

  it("lists each action once", () => {
    expect(new Set(PINS.map((p) => p.action)).size).toBe(PINS.length);
  });
});
