/**
 * Every function of every object, called the way the engine calls it: the SDK's own scan -> invoke ->
 * loadResult path (test/helpers/invoke.ts) against a stand-in engine session answering with the tools' real
 * outputs (test/helpers/scenario.ts). A result the SDK refuses (`could not find result property`), an
 * argument it cannot load, or a failure that does not fail is caught here, where no type check can see it.
 */
import { describe, expect, it, vi } from "vitest";
import { globRegex } from "../../dagger/src/settings/project.js";
import {
  allChains as allChainsOf,
  type Chain,
  chainOf,
  directoryId,
  type Engine,
  enginesPerTest,
  execs,
  find,
  idOf,
  isSecret,
  leafOf,
  type Resolver,
  secretId,
} from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { introspect } from "../helpers/introspect.js";
import { constructPipeline, type FunctionCall, invokeFunction, splitArgs } from "../helpers/invoke.js";
import { MULTI_APP_REPO } from "../helpers/multi-app.js";
import {
  bindsService,
  envOf,
  runsScript,
  SCENARIO_SHA,
  type Scenario,
  scenario,
  upstream,
} from "../helpers/scenario.js";

const startEngine = enginesPerTest();

/** Every (object, function) this file invoked, checked against the module's surface at the end. */
const invoked = new Set<string>();

type Run = { engine: Engine; parentArgs: Record<string, unknown>; ctor: Record<string, unknown> };

/** A stand-in engine for one scripted run and the Pipeline's constructed state (threshold 70: see scenario). */
async function session(s: Scenario | Resolver = {}, ctor: Record<string, unknown> = {}): Promise<Run> {
  const engine = await startEngine(typeof s === "function" ? s : scenario(s));
  invoked.add("Pipeline.");
  // coverage-real.xml (coverage.py's own report) totals 78.57%: a 70% gate passes on it.
  const settings = { threshold: 70, ...ctor };
  const parentArgs = await constructPipeline(engine, settings);
  return { engine, parentArgs, ctor: settings };
}

/** Calls a function; settings among `args` (repository, tokens, services...) go to the constructor, as typed. */
async function call(run: Run, fnName: string, args: Record<string, unknown> = {}, parentName = "Pipeline") {
  invoked.add(`${parentName}.${fnName}`);
  const { ctor, fn: fnArgs } =
    parentName === "Pipeline" ? await splitArgs(args, fnName) : { ctor: {}, fn: args };
  const parentArgs =
    Object.keys(ctor).length === 0
      ? run.parentArgs
      : await constructPipeline(run.engine, { ...run.ctor, ...ctor });
  const c: FunctionCall = { parentName, fnName, parentArgs, fnArgs };
  return (await run.engine.connect(() => invokeFunction(c))).value as Record<string, unknown>;
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  return promise.then(
    () => {
      throw new Error("expected the call to fail");
    },
    (err: unknown) => err as Error,
  );
}

/** A chain's readable first calls, to check what a returned ID stands for. */
const root = (id: unknown) => (chainOf(id) as Chain).map((c) => c.field);

describe("Pipeline functions through the SDK's invocation path", () => {
  it("lint: a clean app serializes a LintResult", async () => {
    const run = await session();
    expect(await call(run, "lint")).toMatchObject({ passed: true, findings: [], unformatted: [], error: "" });
  });

  it("lint: ruff's findings and unformatted files fail it, every one named (ruff 0.16.4 outputs)", async () => {
    const run = await session({
      ruffCheck: upstream("ruff-check.json"),
      ruffFormat: { stdout: upstream("ruff-format-check.json"), exit: 1 },
    });
    const err = await failure(call(run, "lint"));
    expect(err.message).toContain("input.py:1:8: F401 `os` imported but unused");
    expect(err.message).toContain("invalid-syntax");
    expect(err.message).toContain("\ninput.py: would be reformatted (ruff format)");
  });

  it("lint: ruff format crashing (exit 2) is an error, never a pass", async () => {
    const run = await session({ ruffFormat: { exit: 2, stderr: "ruff failed\nCause: TOML parse error" } });
    const err = await failure(call(run, "lint"));
    expect(err.message).toContain("ruff format failed (exit 2): ruff failed Cause: TOML parse error");
  });

  it("typecheck: the app's own config runs the pinned mypy, and a clean run serializes a TypecheckResult", async () => {
    const run = await session();
    expect(await call(run, "typecheck")).toMatchObject({ passed: true, errors: 0, findings: [], error: "" });
    const mypy = run.engine.queries.find((q) => runsScript("typecheck.sh")(execs(q).at(-1) ?? []));
    // the sample app's [tool.mypy] names its own files: mypy gets no target of ours
    expect(execs(mypy as Chain).at(-1)).toEqual([
      "sh",
      "/opt/pipeline/typecheck.sh",
      "-O",
      "json",
      "--no-error-summary",
    ]);
  });

  it("typecheck: mypy's errors fail it, each named with its place and code (mypy v2.3.1 records)", async () => {
    const run = await session({ mypy: { stdout: upstream("mypy/outputjson-with-hint.jsonl"), exit: 1 } });
    const err = await failure(call(run, "typecheck"));
    expect(err.message).toMatch(/^mypy: 2 error\(s\)/);
    expect(err.message).toContain(
      'main:14:1: error: No overload variant of "foo" matches argument type "str"  [call-overload]',
    );
    expect(err.message).toContain("main:12:13: note: Revealed type is");
  });

  it("typecheck: a mypy crash (exit 2) fails with its last lines, never a pass", async () => {
    const stderr =
      "version: 2.3.1\nTraceback (most recent call last):\nRuntimeError: boom\nmain:3: error: INTERNAL ERROR";
    const run = await session({ mypy: { exit: 2, stderr } });
    const err = await failure(call(run, "typecheck"));
    expect(err.message).toContain("INTERNAL ERROR");
  });

  it("typecheck: a failed install is an error naming it, not a clean run", async () => {
    const run = await session({ mypyInstallFails: "error: No solution found when resolving dependencies" });
    const err = await failure(call(run, "typecheck"));
    expect(err.message).toContain("mypy could not run");
    expect(err.message).toContain("No solution found");
  });

  it("fix: returns ruff's fixes as a changeset of the repository and prints what changed", async () => {
    const run = await session((chain) =>
      leafOf(chain).field === "modifiedPaths" ? ["src/sample_app/cli.py"] : scenario()(chain),
    );
    const printed: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((text) => {
      printed.push(String(text));
      return true;
    });
    try {
      const changes = chainOf(await call(run, "fix")) as Chain;
      // the whole source with the fixed app folder, against the source: paths the CLI applies from the root
      expect(changes.at(-1)?.field).toBe("changes");
      const app = find(changes, "withDirectory").at(-1);
      expect(app?.args.path).toBe("sample-app");
      const { $chain: chain } = (app?.args.source ?? { $chain: [] }) as { $chain: Chain };
      expect(execs(chain).map((a) => a.slice(1, 3))).toEqual([
        ["tool", "install"],
        ["check", "--no-cache"],
        ["format", "--no-cache"],
      ]);
      expect(chain.at(-1)).toEqual({ field: "directory", args: { path: "/src/sample-app" } });
    } finally {
      spy.mockRestore();
    }
    expect(printed.join("")).toContain(
      "ruff fixed or reformatted 1 file(s):\n  sample-app/src/sample_app/cli.py",
    );
  });

  it("test: --services binds a postgres of this run's own; an unknown service is refused before anything runs", async () => {
    const run = await session();
    await call(run, "test", { pythonVersion: "3.12", services: ["postgres"] });
    const bound = allChainsOf(run.engine).filter((c) => bindsService(c, "postgres"));
    expect(bound.length).toBeGreaterThan(0);
    const before = run.engine.queries.length;
    await expect(call(run, "test", { pythonVersion: "3.12", services: ["mysql"] })).rejects.toThrow(
      "Unknown service 'mysql' in --services",
    );
    await expect(call(run, "testMatrix", { services: ["cache=redis:7:6379"] })).rejects.toThrow(
      "Invalid --services entry 'cache=redis:7:6379'",
    );
    expect(run.engine.queries.length).toBe(before);
  });

  it("testMatrix: a service that never became ready is named as such, and is not failed tests", async () => {
    const run = await session({ serviceNeverReady: { service: "postgres", version: "3.12" } });
    const result = await call(run, "testMatrix", { services: ["postgres"], exitZero: true });
    const leg = (result.results as Record<string, unknown>[]).find((r) => r.version === "3.12");
    expect(leg).toMatchObject({ passed: false, tests: 0, failures: 0, attempts: 0 });
    expect(leg?.serviceNotReady).toContain("service postgres never became ready within 90s");
    expect(String(leg?.output)).toBe("127.0.0.1:5432 - no response");
    const others = (result.results as Record<string, unknown>[]).filter((r) => r.version !== "3.12");
    expect(others.every((r) => r.passed === true && r.serviceNotReady === "")).toBe(true);
  });

  it("test: a green run serializes its TestResult with the interpreter and GIL it ran on", async () => {
    const run = await session();
    const result = await call(run, "test", { pythonVersion: "3.13" });
    expect(result).toMatchObject({
      version: "3.13",
      passed: true,
      flaky: false,
      attempts: 1,
      tests: 5,
      failures: 0,
      python: "3.13.1",
      gil: "on",
      error: "",
    });
    expect(result.coverage).toBeCloseTo(78.57, 2);
  });

  it("test: failing tests fail it, after a fresh rerun confirmed them; --exit-zero returns what failed", async () => {
    const run = await session({ versions: { "3.12": "fail" } });
    expect((await failure(call(run, "test", { pythonVersion: "3.12" }))).message).toBe(
      [
        "Tests failed on Python 3.12.",
        "- test_mixed::test_fails: assert [1, 2, 3] == [1, 2, 4]",
        '- test_mixed::test_errors_in_fixture: failed on setup with "RuntimeError: fixture setup failed"',
      ].join("\n"),
    );
    expect(await call(run, "test", { pythonVersion: "3.12", exitZero: true })).toMatchObject({
      passed: false,
      flaky: false,
      attempts: 2,
      tests: 5,
      failures: 1,
      errors: 1,
      skipped: 2,
      failedTests: [
        "test_mixed::test_fails: assert [1, 2, 3] == [1, 2, 4]",
        'test_mixed::test_errors_in_fixture: failed on setup with "RuntimeError: fixture setup failed"',
      ],
    });
  });

  it("test: a run that collected no tests (pytest exit 5) is a failure that says so, never a pass", async () => {
    const run = await session({ versions: { "3.12": "no-tests" } });
    expect((await failure(call(run, "test", { pythonVersion: "3.12" }))).message).toBe(
      "Tests failed on Python 3.12 (pytest collected no tests).",
    );
    expect(await call(run, "test", { pythonVersion: "3.12", exitZero: true })).toMatchObject({
      passed: false,
      tests: 0,
      error: "pytest collected no tests",
    });
  });

  it("test: failed then passed is flaky, not green and not red", async () => {
    const run = await session({ versions: { "3.12": "flaky" } });
    const result = await call(run, "test", { pythonVersion: "3.12" });
    expect(result).toMatchObject({ passed: true, flaky: true, attempts: 2, failures: 0 });
    expect(result.error).toContain("failed on the first run");
  });

  it("test: a segfault names the signal and keeps what was written", async () => {
    const run = await session({ versions: { "3.14t": "segv" } });
    const result = await call(run, "test", { pythonVersion: "3.14t", exitZero: true });
    expect(result.passed).toBe(false);
    expect(result.error).toContain("pytest was killed by signal 11 (segmentation fault)");
    expect(result.output).toContain("Fatal Python error: Segmentation fault");
  });

  it("test: a failed uv sync says so with the resolver's words, and is not rerun", async () => {
    const run = await session({ versions: { "3.11": "sync-fail" } });
    const result = await call(run, "test", { pythonVersion: "3.11", exitZero: true });
    expect(result).toMatchObject({ passed: false, attempts: 0 });
    expect(result.error).toContain("uv sync failed for Python 3.11: error: Failed to fetch");
    // the output is what uv printed, without the blank line of an empty stdout before it
    expect(result.output).toMatch(/^error: Failed to fetch/);
  });

  it("test: an environment without pytest fails naming the group to add it to, and is not rerun", async () => {
    const run = await session({ versions: { "3.12": "no-pytest" } }, { groups: ["testing"] });
    expect((await failure(call(run, "test", { pythonVersion: "3.12" }))).message).toBe(
      "Tests failed on Python 3.12 (pytest is not installed in the environment uv synced (the default groups and testing). Expected pytest in the dev group (uv add --dev pytest), or --groups naming the group that has it, e.g. --groups testing.).",
    );
    const tests = run.engine.queries.filter((q) => execs(q).some(runsScript("run_tests.sh")));
    expect(tests.length).toBeGreaterThan(0);
    expect(tests.every((q) => envOf(q, "PIPELINE_SYNC") === "--group testing")).toBe(true);
    // nothing to rerun: a fresh run would find no pytest either
    expect(tests.some((q) => envOf(q, "PIPELINE_RERUN") !== undefined)).toBe(false);
  });

  it("test: 3.14t with the GIL on fails, saying why", async () => {
    const run = await session({ versions: { "3.14t": "gil-on" } });
    const result = await call(run, "test", { pythonVersion: "3.14t", exitZero: true });
    expect(result).toMatchObject({ passed: false, gil: "on" });
    expect(result.error).toContain("a free-threaded leg must run with the GIL off");
  });

  it("test: an unknown version is refused before anything runs", async () => {
    const run = await session();
    const before = run.engine.queries.length;
    await expect(call(run, "test", { pythonVersion: "3.9" })).rejects.toThrow("Unknown Python version '3.9'");
    expect(run.engine.queries.length).toBe(before);
  });

  it("testMatrix: every version reports and the gate decides on the combined figure", async () => {
    const run = await session({ versions: { "3.10": "fail" } });
    expect((await failure(call(run, "testMatrix"))).message).toBe("Tests failed on Python 3.10.");
    const result = await call(run, "testMatrix", { exitZero: true });
    const results = result.results as Record<string, unknown>[];
    expect(results.map((r) => [r.version, r.passed])).toEqual([
      ["3.10", false],
      ["3.11", true],
      ["3.12", true],
      ["3.13", true],
      ["3.14", true],
      ["3.14t", true],
    ]);
    expect(result.gatePassed).toBe(true);
    expect(result.gateMessage).toBe("Combined coverage 78.57% meets the 70% threshold.");
  });

  it("ci and the tests check: a failure names every failed gate and version, and ci says how to keep the reports", async () => {
    const run = await session({ versions: { "3.10": "fail", "3.11": "sync-fail" } });
    const sync =
      "uv sync failed for Python 3.11: error: Failed to fetch: `https://pypi.org/simple/pytest/`\nuv sync failed for Python 3.11";
    expect((await failure(call(run, "ci"))).message).toBe(
      `CI failed:\n- tests on Python 3.10: 1 failure(s), 1 error(s) of 5\n- tests on Python 3.11: ${sync}\nRerun with --exit-zero and chain \`reports export --path reports\` (ci-run) to keep every report.`,
    );
    expect((await failure(call(run, "tests"))).message).toBe(
      `Tests failed on Python 3.10, Python 3.11 (${sync}).`,
    );
    // an enum: the SDK refuses a value that is no member before the function runs (the CLI, earlier still)
    await expect(call(run, "scan", { failOn: "SEVERE" })).rejects.toThrow(
      "Enum Severity does not have member SEVERE",
    );
  });

  it("build: a Container from the Dockerfile", async () => {
    const run = await session();
    expect(root(await call(run, "build", { platforms: ["linux/arm64"] }))).toContain("dockerBuild");
  });

  it("build: the first of --platforms, and OCI labels naming the repository, commit and time given", async () => {
    const run = await session();
    const chain = chainOf(
      await call(run, "build", {
        platforms: ["linux/arm64", "linux/amd64"],
        repository: "octo-org/my-service",
        sha: "3f2a9c1",
        created: "2026-11-27T00:00:00Z",
      }),
    ) as Chain;
    expect(find(chain, "dockerBuild")).toEqual([
      { field: "dockerBuild", args: { dockerfile: "Dockerfile", platform: "linux/arm64" } },
    ]);
    // set on the built image, after the build, whatever the Dockerfile holds
    expect(chain.slice(chain.findIndex((c) => c.field === "dockerBuild") + 1)).toEqual([
      {
        field: "withLabel",
        args: { name: "org.opencontainers.image.source", value: "https://github.com/octo-org/my-service" },
      },
      { field: "withLabel", args: { name: "org.opencontainers.image.revision", value: "3f2a9c1" } },
      {
        field: "withLabel",
        args: { name: "org.opencontainers.image.created", value: "2026-11-27T00:00:00Z" },
      },
    ]);
    // nothing given: the engine's own platform (the argument left out) and no label to set
    const native = chainOf(await call(run, "build")) as Chain;
    expect(native.at(-1)).toEqual({ field: "dockerBuild", args: { dockerfile: "Dockerfile" } });
    await expect(call(run, "build", { repository: "not a repo" })).rejects.toThrow(
      "Invalid repository 'not a repo'",
    );
    await expect(call(run, "build", { platforms: ["windows/amd64"] })).rejects.toThrow(
      "Unsupported platform 'windows/amd64'",
    );
  });

  it("a project without a Dockerfile is tested, not built: ci passes and says so; build and scan say why not", async () => {
    const run = await session({ dockerfiles: [] }, { repository: "octo-org/lib" });
    const publish = {
      publish: true,
      branch: "main",
      event: "push",
      registryPassword: secretId("GITHUB_TOKEN"),
    };
    const result = await call(run, "ciRun", publish);
    expect(result.passed).toBe(true);
    const reason =
      "no Dockerfile (looked for sample-app/Dockerfile and Dockerfile): the project is tested, not built; --dockerfile names one elsewhere";
    expect(JSON.parse(String(result.status)).skipped).toEqual(
      expect.arrayContaining([
        { stage: "build", reason },
        { stage: "smoke", reason },
        { stage: "scan", reason },
        { stage: "publish", reason: "no image to push" },
      ]),
    );
    expect(run.engine.queries.some((q) => find(q, "dockerBuild").length > 0)).toBe(false);
    for (const fn of ["build", "scan", "publish"]) {
      const args =
        fn === "publish"
          ? { branch: "main", sha: SCENARIO_SHA, registryPassword: secretId("GITHUB_TOKEN") }
          : {};
      await expect(call(run, fn, args)).rejects.toThrow(`${fn} has nothing to build: ${reason}.`);
    }
    await expect(call(run, "build", { dockerfile: "api/Dockerfile" })).rejects.toThrow(
      "No Dockerfile at 'api/Dockerfile'. Expected --dockerfile to name it, relative to the repository root.",
    );
  });

  it("a Dockerfile in the app's folder is found and built from that folder, as `docker build <app>` would", async () => {
    const run = await session({ dockerfiles: ["sample-app/Dockerfile", "Dockerfile"] });
    const chain = chainOf(await call(run, "build")) as Chain;
    expect(chain.map((c) => c.field)).toEqual(["host", "directory", "directory", "dockerBuild"]);
    expect(chain[2]?.args).toEqual({ path: "sample-app" });
    expect(chain[3]?.args).toMatchObject({ dockerfile: "Dockerfile" });
    // a context that does not hold the Dockerfile is refused before any build
    await expect(
      call(run, "build", { dockerfile: "Dockerfile", buildContext: "sample-app" }),
    ).rejects.toThrow("The Dockerfile 'Dockerfile' is outside its build context 'sample-app'.");
  });

  it("without a smoke command, the image imports the project's packages, and its exit status is the test", async () => {
    const run = await session({ smoke: "" }, { smokeCommand: "", smokeExpect: "" });
    const result = await call(run, "ciRun");
    expect(JSON.parse(String(result.status)).smoke).toEqual({
      passed: true,
      command: "python -c 'import sample_app'",
      expected: "",
      output: "",
    });
    const smoke = run.engine.queries.find((q) => find(q, "dockerBuild").length > 0 && execs(q).length > 0);
    expect(execs(smoke as Chain).at(-1)).toEqual(["python", "-c", "import sample_app"]);
    expect(String(result.summary)).toContain("<code>python -c 'import sample\\_app'</code> exited 0");
  });

  it("scan: report-only serializes counts, the DB's date and the reports", async () => {
    const run = await session();
    const result = await call(run, "scan");
    expect(result).toMatchObject({ passed: true, critical: 1, low: 1, high: 0, failOn: "" });
    expect(result.dbUpdatedAt).toBe("2022-03-02T06:07:07.99504083Z");
  });

  it("scan with --severities LOW --fail-on HIGH fails on the CRITICAL finding it does not show", async () => {
    // Trivy's JSON holds only the severities asked for; the verdict must come from a scan of all of them.
    const run = await session();
    const err = await failure(call(run, "scan", { severities: ["LOW"], failOn: "HIGH" }));
    expect(err.message).toContain("Scan failed: findings at or above HIGH");
  });

  it("ci: a green run prints its summary; ci-run returns CiRun, whose summary is summary.md", async () => {
    const run = await session();
    const printed = (
      await run.engine.connect(() => invokeFunction({ fnName: "ci", parentArgs: run.parentArgs, fnArgs: {} }))
    ).value;
    expect(String(printed)).toMatch(/^## ✅ CI passed/);
    const result = await call(run, "ciRun");
    expect(result.summary).toBe(printed);
    expect(result.passed).toBe(true);
    expect(String(result.summary)).toContain("## ✅ CI passed");
    expect(JSON.parse(String(result.status))).toMatchObject({ passed: true });
    const reports = chainOf(result.reports) as Chain;
    const summaryFile = reports.find((c) => c.field === "withNewFile" && c.args.path === "summary.md");
    expect(summaryFile?.args.contents).toBe(result.summary);
  });

  it("ci-run: the result carries a DiffCoverage object, saying why there is no figure without a token", async () => {
    const run = await session();
    const result = await call(run, "ciRun");
    expect(result.diffCoverage).toEqual({
      measured: false,
      coverage: -1,
      passed: true,
      threshold: 0,
      pullRequest: 0,
      lines: 0,
      covered: 0,
      uncovered: [],
      notMeasured: [],
      skippedFiles: 0,
      reason: "no --github-token given",
    });
  });

  it("ci: a --diff-threshold outside 0..100 is refused before anything runs", async () => {
    const run = await session();
    const before = run.engine.queries.length;
    await expect(call(run, "ci", { diffThreshold: 150 })).rejects.toThrow(
      "Invalid --diff-threshold '150'. Expected a number from 0 to 100, e.g. 80 (0, the default, only reports).",
    );
    expect(run.engine.queries.length).toBe(before);
  });

  it("ci: a failed gate fails the call with one line per failure and the words of the tool", async () => {
    const run = await session({ versions: { "3.12": "segv", "3.11": "sync-fail" } });
    const err = await failure(call(run, "ci"));
    expect(err.message).toContain(
      "tests on Python 3.12: pytest was killed by signal 11 (segmentation fault)",
    );
    expect(err.message).toContain(
      "tests on Python 3.11: uv sync failed for Python 3.11: error: Failed to fetch",
    );
  });

  it("ci: the smoke output must match exactly, not merely contain what is expected", async () => {
    const run = await session({ smoke: "15" });
    const err = await failure(call(run, "ci"));
    expect(err.message).toContain("smoke run: 'python -m sample_app 2 3' printed '15', expected '5'");
  });

  it("ci --publish: a push that fails fails the run, and says so", async () => {
    const run = await session({ pushFails: "denied: permission_denied: write_package" });
    const args = {
      publish: true,
      event: "push",
      repository: "octo-org/my-service",
      branch: "main",
      sha: SCENARIO_SHA,
      registryPassword: secretId("GITHUB_TOKEN"),
    };
    const err = await failure(call(run, "ci", args));
    expect(err.message).toContain("publish: denied: permission_denied: write_package");
    const kept = await call(run, "ciRun", { ...args, exitZero: true });
    expect(kept.passed).toBe(false);
    expect(JSON.parse(String(kept.status)).errors).toEqual([
      "publish: denied: permission_denied: write_package",
    ]);
  });

  it("ci on an app at the repository root (--app .): the same stages, paths without a folder", async () => {
    const run = await session({}, { app: "." });
    const result = await call(run, "ciRun", { exitZero: true });
    expect(JSON.parse(String(result.status)).image.reference).toBe("app:local");
    const asked = run.engine.queries
      .filter((q) => q.at(-1)?.field === "exists")
      .map((q) => q.at(-1)?.args.path);
    expect(asked).toEqual(expect.arrayContaining(["pyproject.toml", "Dockerfile", "uv.lock"]));
    const mounts = run.engine.queries.flatMap((q) => q.filter((c) => c.field === "withMountedDirectory"));
    expect(mounts.length).toBeGreaterThan(0);
    for (const m of mounts) expect(m.args.path).toBe("/src");
  });

  it("ci --exit-zero prints the failed run's summary; ci-run --exit-zero still returns every report", async () => {
    const run = await session({ versions: { "3.12": "fail" } });
    expect(String(await call(run, "ci", { exitZero: true }))).toMatch(/^## ❌ CI failed/);
    await expect(call(run, "ciRun")).rejects.toThrow("CI failed:\n- tests on Python 3.12");
    const result = await call(run, "ciRun", { exitZero: true });
    expect(result.passed).toBe(false);
    expect(String(result.summary)).toContain("## ❌ CI failed");
  });

  it("publish: pushes and returns the reference with its digest; main moves only on a push run", async () => {
    const run = await session();
    const args = {
      repository: "Octo-Org/My-Service",
      branch: "main",
      sha: SCENARIO_SHA,
      registryPassword: secretId("GITHUB_TOKEN"),
    };
    const pushed = await call(run, "publish", { ...args, event: "push" });
    expect(String(pushed)).toMatch(/^ghcr\.io\/octo-org\/my-service:main@sha256:[0-9a-f]{64}$/);
    // the image carries its repository, commit and build time as OCI labels, set on the built image
    const built = allChainsOf(run.engine).filter((c) => c.some((call) => call.field === "dockerBuild"));
    expect(built.length).toBeGreaterThan(0);
    for (const chain of built) {
      expect(find(chain, "withLabel").map((l) => l.args)).toEqual([
        { name: "org.opencontainers.image.source", value: "https://github.com/Octo-Org/My-Service" },
        { name: "org.opencontainers.image.revision", value: SCENARIO_SHA },
        {
          name: "org.opencontainers.image.created",
          value: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        },
      ]);
    }
    const pr = await call(run, "publish", { ...args, event: "pull_request" });
    expect(String(pr)).toMatch(/^ghcr\.io\/octo-org\/my-service:sha-3f2a9c1@sha256:/);
  });

  it("publish --release: the app's version must equal the tag; then the version and the tags it may move", async () => {
    const TOKEN = "ghp_fakeTokenValue1234567890abcdef";
    const gh = new FakeGitHub({ token: TOKEN });
    gh.tags = ["v0.0.9", "v1.0.0"];
    await gh.start();
    try {
      const run = await session({ secret: TOKEN });
      const args = {
        repository: "octo-org/my-service",
        branch: "",
        sha: SCENARIO_SHA,
        event: "push",
        registryPassword: secretId("GITHUB_TOKEN"),
        githubToken: secretId("GITHUB_TOKEN"),
        githubApiUrl: gh.apiUrl,
      };
      // neither a branch nor a release: nothing to tag
      expect((await failure(call(run, "publish", args))).message).toBe(
        "Missing --branch. Expected the branch being built, e.g. main, or --release with a version tag, e.g. v1.2.3.",
      );
      // the sample's version is dynamic (hatch): what its build backend installed is 0.1.0
      const wrong = await failure(call(run, "publish", { ...args, release: "v0.2.0" }));
      expect(wrong.message).toBe(
        "The release tag 'v0.2.0' is version 0.2.0, but the app's version is '0.1.0' (what sample-app's build backend installed). Expected them equal: set the app's version to 0.2.0, or tag v0.1.0.",
      );
      expect(run.engine.queries.filter((q) => q.at(-1)?.field === "publish")).toEqual([]);
      const ref = await call(run, "publish", { ...args, release: "v0.1.0" });
      expect(String(ref)).toMatch(/^ghcr\.io\/octo-org\/my-service:0\.1\.0@sha256:[0-9a-f]{64}$/);
      const pushed = run.engine.queries
        .filter((q) => q.at(-1)?.field === "publish")
        .map((q) => String(q.at(-1)?.args.address).split(":").at(-1));
      // v1.0.0 is newer but of another major: 0 moves, latest stays on 1.0.0
      expect(pushed).toEqual(["sha-3f2a9c1", "0.1.0", "0.1", "0"]);
    } finally {
      await gh.close();
    }
  });

  it("release: the GitHub release of the tag's image, from the reports its CI run exported", async () => {
    const TOKEN = "ghp_fakeTokenValue1234567890abcdef";
    const digest = `sha256:${"a".repeat(64)}`;
    const status = (image: Record<string, unknown>, passed = true) =>
      JSON.stringify({
        passed,
        image: {
          reference: `ghcr.io/octo-org/my-service:1.2.3@${digest}`,
          digest,
          published: true,
          tags: ["1.2.3", "1.2", "1", "latest", "run-7001-1"],
          signed: true,
          sbomAttested: true,
          provenanceAttested: true,
          ...image,
        },
      });
    let files: Record<string, string> = {};
    const base = scenario({ secret: TOKEN });
    const gh = new FakeGitHub({ token: TOKEN });
    await gh.start();
    try {
      const run = await session((chain) => {
        if (find(chain, "directory").some((c) => c.args.path === "/reports")) {
          const leaf = leafOf(chain);
          const path = String(
            leaf.field === "exists" ? leaf.args.path : find(chain, "file").at(-1)?.args.path,
          );
          if (leaf.field === "exists") return path in files;
          if (leaf.field === "contents") return files[path] ?? base(chain);
        }
        return base(chain);
      });
      const args = {
        tag: "v1.2.3",
        reports: directoryId("/reports"),
        repository: "octo-org/my-service",
        githubToken: secretId("GITHUB_TOKEN"),
        githubApiUrl: gh.apiUrl,
      };
      files = {
        "status.json": status({}),
        "sbom.cdx.json": '{"bomFormat":"CycloneDX"}',
        "provenance.json": "{}",
      };
      expect(await call(run, "release", args)).toBe(
        "https://github.com/octo-org/my-service/releases/tag/v1.2.3",
      );
      const [release] = gh.releases;
      expect(release).toMatchObject({ draft: false, make_latest: "true" });
      expect(release?.assets.map((a) => a.name)).toEqual(["sbom.cdx.json", "provenance.json"]);
      expect(release?.body).toContain(`**Image:** \`ghcr.io/octo-org/my-service@${digest}\``);
      expect(release?.body).toContain(
        "--certificate-identity 'https://github.com/octo-org/my-service/.github/workflows/python-pipeline.yml@refs/tags/v1.2.3'",
      );

      // the reports of a run that failed, or of another version, release nothing
      gh.releases = [];
      files = { "status.json": status({}, false) };
      await expect(call(run, "release", args)).rejects.toThrow(
        "The reports hold no image published as 1.2.3 by a passing run (passed: false; image: ghcr.io/octo-org/my-service:1.2.3@",
      );
      files = { "status.json": status({ tags: ["1.2.2"] }) };
      await expect(call(run, "release", args)).rejects.toThrow("no image published as 1.2.3");
      files = {};
      await expect(call(run, "release", args)).rejects.toThrow(
        "The reports have no readable status.json. Expected the reports ci-run exported for the push of v1.2.3 (the ci-reports artifact), e.g. --reports reports.",
      );
      // a pre-release gets no GitHub release, and GitHub is not asked
      const asked = gh.requests.length;
      expect(await call(run, "release", { ...args, tag: "v1.3.0rc1" })).toBe(
        "No GitHub release: v1.3.0rc1 is a pre-release, published as the image tag 1.3.0rc1 only.",
      );
      expect(gh.requests.length).toBe(asked);
      expect(gh.releases).toEqual([]);
      await expect(call(run, "release", { ...args, githubToken: undefined })).rejects.toThrow(
        "release needs --github-token with contents: write.",
      );
    } finally {
      await gh.close();
    }
  });

  it("apps: the generated monorepo's projects, their images, and which a change runs", async () => {
    const files = MULTI_APP_REPO;
    const TOKEN = "ghp_fakeTokenValue1234567890abcdef";
    const base = scenario({ secret: TOKEN });
    const run = await session((chain) => {
      const leaf = leafOf(chain);
      if (leaf.field === "glob") {
        const re = globRegex(String(leaf.args.pattern));
        return Object.keys(files).filter((p) => re.test(p));
      }
      if (leaf.field === "exists") return String(leaf.args.path) in files;
      if (leaf.field === "contents" && find(chain, "directory").length > 0) {
        return files[String(find(chain, "file").at(-1)?.args.path)] ?? "";
      }
      return base(chain);
    });
    const table = String(await call(run, "apps", { changed: ["libs/core/src/core/__init__.py"] }));
    expect(table.split("\n").slice(0, 5)).toEqual([
      "4 of 5 apps run. Changed files: 1, given by --changed.",
      "",
      "| App | Project | Uses | Image | Runs | Why |",
      "| --- | --- | --- | --- | --- | --- |",
      "| <code>libs/core</code> | core | nothing | none (tested only) | yes | its file libs/core/src/core/\\_\\_init\\_\\_.py changed |",
    ]);
    expect(table).toContain("| <code>services/admin</code> | admin | nothing | Dockerfile | no |");
    expect(table).toContain(
      "| <code>services/legacy</code> | legacy | <code>libs/core</code> | none (tested only) | yes | it uses libs/core",
    );
    // no changed files given: not known, so every app runs
    expect(String(await call(run, "apps"))).toMatch(/^5 of 5 apps run\./);
    expect(String(await call(run, "apps", { changed: ["uv.lock"], shared: ["uv.lock"] }))).toMatch(
      /^5 of 5 apps run\./,
    );
    // from GitHub: the files of the pull request the commit heads
    const gh = new FakeGitHub({ token: TOKEN });
    await gh.start();
    try {
      gh.addPull({ number: 7, ref: "feature/x", sha: SCENARIO_SHA });
      gh.commitPulls.set(SCENARIO_SHA, [7]);
      gh.files.set(7, [gh.file({ filename: "services/admin/app.py" })]);
      const github = {
        repository: `${gh.owner}/${gh.repo}`,
        githubToken: secretId("GITHUB_TOKEN"),
        githubApiUrl: gh.apiUrl,
        sha: SCENARIO_SHA,
      };
      expect(String(await call(run, "apps", github)).split("\n")[0]).toBe(
        "1 of 5 apps run. Changed files: 1, from pull request #7.",
      );
      // without a token nothing is asked: not known
      const asked = gh.requests.length;
      expect(String(await call(run, "apps", { sha: SCENARIO_SHA })).split("\n")[0]).toBe(
        "5 of 5 apps run. Changed files: not known (give --changed, or --sha with a token): every app runs.",
      );
      expect(gh.requests.length).toBe(asked);
    } finally {
      await gh.close();
    }
  });

  /** publish of a feature branch, signed with a cosign key pair */
  const KEY_SIGNED = {
    repository: "o/r",
    branch: "feature/x",
    sha: SCENARIO_SHA,
    registryPassword: secretId("GITHUB_TOKEN"),
    sign: true,
    cosignKey: secretId("COSIGN_KEY"),
  };

  it("publish --sign: a failed signature fails the call, and the branch tag is never pushed", async () => {
    const run = await session({
      signFails: "Error: signing: getting signer: fetching ambient OIDC credentials",
    });
    const err = await failure(call(run, "publish", KEY_SIGNED));
    expect(err.message).toContain("fetching ambient OIDC credentials");
    const published = run.engine.queries
      .filter((q) => q.at(-1)?.field === "publish")
      .map((q) => q.at(-1)?.args.address);
    expect(published).toEqual(["ghcr.io/o/r:sha-3f2a9c1"]);
  });

  /** The one container that ran dagger/scripts/<verb>.sh (sign or verify). */
  function cosignRun(run: Run, verb: "sign" | "verify"): { chain: Chain } {
    const chains = run.engine.queries.filter((q) => execs(q).some(runsScript(`${verb}.sh`)));
    expect(chains).toHaveLength(1);
    return { chain: chains[0] as Chain };
  }
  const secretsOf = (chain: Chain) =>
    find(chain, "withSecretVariable").map((c) => [String(c.args.name), isSecret(c.args.secret)]);

  it("publish --sign on GitHub Actions: the runner's OIDC request token reaches cosign as a Secret", async () => {
    const run = await session();
    const ref = await call(run, "publish", {
      repository: "o/r",
      branch: "main",
      sha: SCENARIO_SHA,
      event: "push",
      registryPassword: secretId("GITHUB_TOKEN"),
      sign: true,
      oidcRequestUrl: "https://token.actions.example/req",
      oidcRequestToken: secretId("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
    });
    expect(String(ref)).toMatch(/^ghcr\.io\/o\/r:main@sha256:/);
    const { chain } = cosignRun(run, "sign");
    // signed, then the SBOM of the built image and the provenance attested (sign.sh attests each file given),
    // as ci --publish --sign does
    expect(envOf(chain, "COSIGN_KEY_FILE")).toBeUndefined();
    const source = (path: string): Chain => {
      const file = find(chain, "withFile").find((c) => c.args.path === path);
      return (file?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
    };
    expect(execs(source("/work/sbom.cdx.json")).at(-1)?.slice(0, 2)).toEqual(["trivy", "image"]);
    // of the image built here: its tarball is Trivy's input
    expect(JSON.stringify(source("/work/sbom.cdx.json"))).toContain("dockerBuild");
    const predicate = JSON.parse(String(find(source("/work/provenance.json"), "file").at(-1)?.args.contents));
    expect(predicate.runDetails.builder.id).toBe(
      "https://github.com/o/r/.github/workflows/python-pipeline.yml@refs/heads/main",
    );
    expect(predicate.buildDefinition.resolvedDependencies[0]).toEqual({
      uri: "git+https://github.com/o/r@refs/heads/main",
      digest: { gitCommit: SCENARIO_SHA },
    });
    expect(secretsOf(chain)).toEqual([
      ["REGISTRY_PASSWORD", true],
      ["ACTIONS_ID_TOKEN_REQUEST_TOKEN", true],
    ]);
    const token = find(chain, "withSecretVariable").find(
      (c) => c.args.name === "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
    );
    expect(token?.args.secret).toEqual({ $chain: chainOf(secretId("ACTIONS_ID_TOKEN_REQUEST_TOKEN")) });
  });

  it("publish --sign --cosign-key --cosign-password: the key is mounted and its password is a Secret", async () => {
    const run = await session();
    await call(run, "publish", { ...KEY_SIGNED, cosignPassword: secretId("COSIGN_PASSWORD") });
    const { chain } = cosignRun(run, "sign");
    expect(envOf(chain, "COSIGN_KEY_FILE")).toBe("/run/secrets/cosign.key");
    expect(find(chain, "withMountedSecret").map((c) => c.args.path)).toEqual(["/run/secrets/cosign.key"]);
    expect(secretsOf(chain)).toEqual([
      ["REGISTRY_PASSWORD", true],
      ["COSIGN_PASSWORD", true],
    ]);
  });

  const deployArgs = {
    branch: "develop",
    repository: "octo-org/my-service",
    sha: SCENARIO_SHA,
    event: "push",
  };

  it("deploy: verifies, checks the revision, runs and serializes the Deployment", async () => {
    const ok = await session();
    const result = await call(ok, "deploy", deployArgs);
    expect(result).toMatchObject({ passed: true, environment: "staging", output: "5" });
    expect(result.signature).toContain(
      "signed by ^https://github\\.com/octo-org/my-service/\\.github/workflows/python-pipeline\\.yml@refs/heads/develop$",
    );
    expect(result.image).toBe("ghcr.io/octo-org/my-service:sha-3f2a9c1");
  });

  it.each([
    [{ deployed: "6" }, "Deploy to staging failed: 6"],
    [{ unsigned: true }, "refused: the signature of ghcr.io/octo-org/my-service@sha256:"],
    [{ revisionLabel: "0".repeat(40) }, `was built from commit ${"0".repeat(40)}, not ${SCENARIO_SHA}`],
    [{ revisionLabel: "" }, "an unknown commit (no revision label)"],
    [{ revisionLabel: null }, "an unknown commit (no revision label)"],
    [
      { attestations: { missing: "sbom" as const } },
      "refused: the SBOM attestation of ghcr.io/octo-org/my-service@sha256:",
    ],
    [
      { attestations: { missing: "provenance" as const } },
      "refused: the provenance attestation of ghcr.io/octo-org/my-service@sha256:",
    ],
    [
      { attestations: { source: { repository: "evil-org/my-service", commit: SCENARIO_SHA } } },
      `does not match: it names evil-org/my-service@${SCENARIO_SHA}, not octo-org/my-service@${SCENARIO_SHA}`,
    ],
    [
      { attestations: { source: { repository: "octo-org/my-service", commit: "1".repeat(40) } } },
      `does not match: it names octo-org/my-service@${"1".repeat(40)}, not octo-org/my-service@${SCENARIO_SHA}`,
    ],
    [
      { attestations: { printed: "Verification for ghcr.io/x --" } },
      "does not match: cosign printed something that is not an attestation envelope: Verification for ghcr.io/x --",
    ],
    [{ attestations: { printed: "" } }, "does not match: it names no GitHub source repository and commit"],
  ])("deploy fails, saying why, when %j", async (s, message) => {
    const run = await session(s);
    const err = await failure(call(run, "deploy", deployArgs));
    expect(err.message).toContain(message);
  });

  it("deploy --cosign-public-key: verifies by that key instead of CI's keyless identity, and says so", async () => {
    const run = await session();
    const publicKey = idOf([{ field: "file", args: { path: "cosign.pub" } }]);
    const result = await call(run, "deploy", { ...deployArgs, cosignPublicKey: publicKey });
    expect(result).toMatchObject({ passed: true, signature: "signed with the given public key" });
    const { chain } = cosignRun(run, "verify");
    expect(envOf(chain, "IDENTITY")).toBeUndefined();
    expect(find(chain, "withFile").map((c) => c.args.path)).toContain("/work/cosign.pub");
  });

  it("deploy: --signer-workflow verifies the reusable workflow another repository names; a malformed one is refused", async () => {
    const ok = await session();
    const signer = "octo-org/pipelines/.github/workflows/python-pipeline.yml@refs/tags/v1.2.0";
    const result = await call(ok, "deploy", { ...deployArgs, signerWorkflow: signer });
    expect(result.signature).toContain(
      "signed by ^https://github\\.com/octo-org/pipelines/\\.github/workflows/python-pipeline\\.yml@refs/tags/v1\\.2\\.0$",
    );
    const { branch, sha, ...settings } = deployArgs;
    const bad = await session({}, { ...settings, signerWorkflow: "python-pipeline.yml@main" });
    const before = bad.engine.queries.length;
    await expect(call(bad, "deploy", { branch, sha })).rejects.toThrow(
      "Invalid --signer-workflow 'python-pipeline.yml@main'",
    );
    expect(bad.engine.queries.length).toBe(before);
  });

  it("deploy: says how to get past each refusal", async () => {
    const unsigned = await failure(call(await session({ unsigned: true }), "deploy", deployArgs));
    expect(unsigned.message).toContain("; an image nobody signed runs only with --allow-unsigned.");
    const noSbom = await session({ attestations: { missing: "sbom" } });
    expect((await failure(call(noSbom, "deploy", deployArgs))).message).toContain(
      "; ci --publish --sign attests it with the signature; an image without one runs only with --allow-unsigned.",
    );
  });

  it("deploy: the refusal names the signer it expected, a key's or a run's", async () => {
    const publicKey = idOf([{ field: "file", args: { path: "cosign.pub" } }]);
    const byKey = await failure(
      call(await session({ unsigned: true }), "deploy", { ...deployArgs, cosignPublicKey: publicKey }),
    );
    expect(byKey.message).toContain("Expected a signature by the key matching --cosign-public-key;");
    const digest = `sha256:${"d".repeat(64)}`;
    const anyRun = await failure(
      call(await session({ unsigned: true }), "deploy", { ...deployArgs, event: "", sha: "", digest }),
    );
    expect(anyRun.message).toContain(
      " from a run in octo-org/my-service (publish it with ci --publish --sign there",
    );
  });

  it("deploy without --sha holds the provenance to the commit the image's revision label names", async () => {
    const { sha, ...bySha } = deployArgs;
    const other = { repository: "octo-org/my-service", commit: "1".repeat(40) };
    const err = await failure(
      call(await session({ attestations: { source: other } }), "deploy", { ...bySha, event: "" }),
    );
    expect(err.message).toContain(`not octo-org/my-service@${SCENARIO_SHA}`);
    // --allow-unsigned verifies nothing, the provenance included
    const unchecked = await call(await session({ attestations: { source: other } }), "deploy", {
      ...deployArgs,
      allowUnsigned: true,
    });
    expect(unchecked).toMatchObject({ passed: true, signature: "not verified (--allow-unsigned)" });
  });

  it("deploy: a refused image never runs", async () => {
    const run = await session({ unsigned: true });
    await failure(call(run, "deploy", deployArgs));
    const ran = run.engine.queries.filter((q) => execs(q).some((a) => a[0] === "python"));
    expect(ran).toEqual([]);
  });

  /** A clone's .git/config as `git clone https://github.com/octo-org/my-service.git` writes it. */
  const CLONE_CONFIG = [
    "[core]",
    "\trepositoryformatversion = 0",
    "\tfilemode = true",
    "\tbare = false",
    "\tlogallrefupdates = true",
    '[remote "origin"]',
    "\turl = https://github.com/octo-org/my-service.git",
    "\tfetch = +refs/heads/*:refs/remotes/origin/*",
    '[branch "main"]',
    "\tremote = origin",
    "\tmerge = refs/heads/main",
    "",
  ].join("\n");
  const inClone = { git: directoryId("/checkout") };

  it("deploy --branch main in a clone: main's tag resolved to one digest, verified as main's push build, run by digest", async () => {
    const run = await session({ gitConfig: CLONE_CONFIG }, inClone);
    const result = await call(run, "deploy", { branch: "main" });
    expect(result).toMatchObject({ passed: true, environment: "production", output: "5" });
    expect(result.image).toBe("ghcr.io/octo-org/my-service:main");
    expect(String(result.digest)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(result.signature).toBe(
      "signed by ^https://github\\.com/octo-org/my-service/\\.github/workflows/python-pipeline\\.yml@refs/heads/main$ (issuer https://token.actions.githubusercontent.com; repository octo-org/my-service, ref refs/heads/main, event push)",
    );
    expect(String(result.summary)).toMatch(/^## ✅ Verified and smoke-tested for production/);
    expect(String(result.summary)).toMatch(new RegExp(`\\| Revision label \\| .*${SCENARIO_SHA}`));
    // everything after the pull runs by that digest: the verify, the label and the smoke run
    const { chain } = cosignRun(run, "verify");
    expect(envOf(chain, "IMAGE")).toBe(`ghcr.io/octo-org/my-service@${result.digest}`);
    const smoke = run.engine.queries.find((q) => execs(q).some((a) => a[0] === "python"));
    expect(find(smoke as Chain, "from").at(-1)?.args.address).toBe(
      `ghcr.io/octo-org/my-service@${result.digest}`,
    );
  });

  it("deploy --app: one app of several, its image under the repository's name, as ci --apps publishes it", async () => {
    const run = await session({ gitConfig: CLONE_CONFIG }, inClone);
    const result = await call(run, "deploy", { branch: "main", app: "sample-app" });
    expect(result).toMatchObject({ passed: true, environment: "production", output: "5" });
    expect(result.image).toBe("ghcr.io/octo-org/my-service/sample-app:main");
    const { chain } = cosignRun(run, "verify");
    expect(envOf(chain, "IMAGE")).toBe(`ghcr.io/octo-org/my-service/sample-app@${result.digest}`);
    // the folder is checked before anything is pulled
    const asked = run.engine.queries.length;
    expect((await failure(call(run, "deploy", { branch: "main", app: "../x" }))).message).toBe(
      "Invalid app folder '../x'. Expected a relative path inside the repository, e.g. sample-app.",
    );
    expect(
      run.engine.queries.slice(asked).filter((q) => leafOf(q).field === "publish" || execs(q).length > 0),
    ).toEqual([]);
  });

  it("deploy --release v1.2.3 with --production-from releases: the 1.2.3 image, signed by the tag's push, to production", async () => {
    const run = await session({ gitConfig: CLONE_CONFIG, signedRef: "refs/tags/v1.2.3" }, inClone);
    const result = await call(run, "deploy", { release: "v1.2.3", productionFrom: "releases" });
    expect(result).toMatchObject({
      passed: true,
      environment: "production",
      image: "ghcr.io/octo-org/my-service:1.2.3",
    });
    expect(result.signature).toContain("ref refs/tags/v1.2.3, event push");
    expect(String(result.summary)).toContain("| Release | <code>v1.2.3</code> |");
    // the same release without the setting is a preview; main with it is staging
    expect(await call(run, "deploy", { release: "v1.2.3" })).toMatchObject({ environment: "preview" });
    const main = await session({ gitConfig: CLONE_CONFIG }, { ...inClone, productionFrom: "releases" });
    expect(await call(main, "deploy", { branch: "main" })).toMatchObject({ environment: "staging" });
    // an image a branch named like the tag signed is refused: the certificate names refs/heads/v1.2.3
    const branch = await session({ gitConfig: CLONE_CONFIG, signedRef: "refs/heads/v1.2.3" }, inClone);
    const err = await failure(call(branch, "deploy", { release: "v1.2.3" }));
    expect(err.message).toContain("expected GitHub Workflow Ref not found in certificate");
  });

  it.each([
    [
      "an unsigned image",
      { unsigned: true },
      "Expected a signature by ^https://github\\.com/octo-org/my-service/\\.github/workflows/python-pipeline\\.yml@refs/heads/main$ from a push run of refs/heads/main in octo-org/my-service (publish it with ci --publish --sign there, or give --signer-workflow / --cosign-public-key); an image nobody signed runs only with --allow-unsigned.",
    ],
    [
      "an image another branch's run signed",
      { signedRef: "refs/heads/develop" },
      "Error: no matching signatures: expected GitHub Workflow Ref not found in certificate",
    ],
  ])("deploy --branch main refuses %s, saying what would be accepted", async (_, s, message) => {
    const run = await session({ gitConfig: CLONE_CONFIG, ...s }, inClone);
    const err = await failure(call(run, "deploy", { branch: "main" }));
    expect(err.message).toContain(
      "Deploy to production failed: refused: the signature of ghcr.io/octo-org/my-service@sha256:",
    );
    expect(err.message).toContain(message);
    expect(run.engine.queries.filter((q) => execs(q).some((a) => a[0] === "python"))).toEqual([]);
  });

  it("deploy --branch main outside a clone of a GitHub repository names --repository before pulling anything", async () => {
    for (const gitConfig of [
      null,
      "[core]\n\tbare = false\n",
      '[remote "origin"]\n\turl = /srv/git/app.git\n',
    ]) {
      const run = await session({ gitConfig }, inClone);
      const err = await failure(call(run, "deploy", { branch: "main" }));
      expect(err.message).toMatch(/^deploy needs the GitHub repository, and /);
      expect(err.message).toContain(
        "Expected --repository OWNER/REPO (a constructor flag: dagger call --repository octo-org/my-service deploy ...)",
      );
      expect(run.engine.queries.some((q) => find(q, "from").length > 0)).toBe(false);
    }
  });

  it("the one failure rule: each function with a gate fails on it, and --exit-zero returns its result instead", async () => {
    const red = await session(
      {
        versions: { "3.12": "fail" },
        ruffCheck: upstream("ruff-check.json"),
        mypy: { stdout: upstream("mypy/outputjson-simple.jsonl"), exit: 1 },
        deployed: "6",
      },
      { threshold: 95, repository: "octo-org/my-service" },
    );
    const calls: [string, Record<string, unknown>][] = [
      ["lint", {}],
      ["typecheck", {}],
      ["test", { pythonVersion: "3.12" }],
      ["testMatrix", {}],
      ["scan", { failOn: "LOW" }],
      ["ci", {}],
      ["ciRun", {}],
      ["deploy", { branch: "main" }],
    ];
    for (const [fn, args] of calls) {
      await expect(call(red, fn, args), fn).rejects.toThrow();
      const kept = await call(red, fn, { ...args, exitZero: true });
      // MatrixResult's passed is a function of its fields; ci returns the summary text
      if (fn === "ci") expect(String(kept), fn).toMatch(/^## ❌ CI failed/);
      else if (fn === "testMatrix")
        expect((kept.results as { passed: boolean }[]).map((r) => r.passed)).toContain(false);
      else expect(kept.passed, fn).toBe(false);
    }
  });

  it("deploy: a pull request's image goes to preview, whatever its branch is called", async () => {
    const run = await session();
    const result = await call(run, "deploy", { ...deployArgs, branch: "main", event: "pull_request" });
    expect(result.environment).toBe("preview");
    expect(result.signature).toContain("@refs/pull/[0-9]+/merge$");
  });

  it("checks: lint, typecheck, tests and coverage pass on a green run and fail on a red one", async () => {
    const green = await session();
    for (const fn of ["tests", "coverage"]) await expect(call(green, fn)).resolves.toBeNull();
    for (const fn of ["lint", "typecheck"]) expect((await call(green, fn)).passed, fn).toBe(true);
    const red = await session(
      { versions: { "3.12": "fail" }, ruffCheck: upstream("ruff-check.json") },
      { threshold: 95 },
    );
    await expect(call(red, "lint")).rejects.toThrow("F401");
    await expect(call(red, "tests")).rejects.toThrow("Python 3.12");
    await expect(call(red, "coverage")).rejects.toThrow("below the 95% threshold");
  });

  it("typecheck fails on mypy's errors, and runs nothing for an app that configures no mypy unless --mode gate", async () => {
    const red = await session({ mypy: { stdout: upstream("mypy/outputjson-simple.jsonl"), exit: 1 } });
    await expect(call(red, "typecheck")).rejects.toThrow("[call-arg]");
    const none = await session({ mypyFiles: { "pyproject.toml": '[project]\nname = "app"\n' } });
    expect(await call(none, "typecheck")).toMatchObject({
      passed: true,
      errors: 0,
      findings: [],
      error: "",
      skipped: "the app configures no mypy; --mode gate runs it anyway",
    });
    expect(none.engine.queries.some((q) => execs(q).length > 0)).toBe(false);
    expect((await call(none, "typecheck", { mode: "gate" })).passed).toBe(true);
    expect(none.engine.queries.some((q) => execs(q).length > 0)).toBe(true);
  });
});

describe("the result objects' own functions", () => {
  it("TestResult.junit and coverageXml; LintResult.report and summary; MatrixResult.passed; ScanResult.sbom and sarif", async () => {
    const run = await session({ ruffCheck: upstream("ruff-check.json") });
    const test = await call(run, "test", { pythonVersion: "3.12" });
    const as = (parentArgs: Record<string, unknown>): Run => ({ engine: run.engine, parentArgs, ctor: {} });
    expect(root(await call(as(test), "junit", {}, "TestResult")).at(-1)).toBe("file");
    expect(root(await call(as(test), "coverageXml", {}, "TestResult")).at(-1)).toBe("file");

    const matrix = await call(run, "testMatrix");
    expect(await call(as(matrix), "passed", {}, "MatrixResult")).toBe(true);

    const ci = await call({ ...run, parentArgs: { ...run.parentArgs } }, "ciRun", { exitZero: true });
    expect(ci.passed).toBe(false); // the lint finding

    const clean = await session();
    const lint = await call(clean, "lint");
    expect(root(await call(as(lint), "report", {}, "LintResult")).at(-1)).toBe("file");
    expect(await call(as(lint), "summary", {}, "LintResult")).toBe("ruff: no findings");

    const typed = await call(clean, "typecheck");
    expect(await call(as(typed), "summary", {}, "TypecheckResult")).toBe("mypy: no errors");

    const scan = await call(clean, "scan");
    expect(root(await call(as(scan), "sbom", {}, "ScanResult")).at(-1)).toBe("file");
    expect(root(await call(as(scan), "sarif", {}, "ScanResult")).at(-1)).toBe("file");
  });
});

// Last in the file: vitest runs a file's tests in order, so every call above is recorded by now.
describe("coverage of the surface", () => {
  it("invoked every function of every object the introspector registers", async () => {
    const mod = await introspect();
    const surface = Object.values(mod.objects).flatMap((o) =>
      Object.keys(o.methods).map((m) => `${o.name}.${m}`),
    );
    expect(surface.length).toBeGreaterThan(15);
    expect(surface.filter((fn) => !invoked.has(fn))).toEqual([]);
  });
});
