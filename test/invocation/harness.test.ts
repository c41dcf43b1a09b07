/**
 * The invocation harness on today's module: functions are called through the SDK's own entrypoint path
 * (test/helpers/invoke.ts) against a stand-in engine session (test/helpers/engine.ts), and what they ask
 * the engine for is read back from the recorded query chains.
 */
import { dag, type SecretID } from "@dagger.io/dagger";
import { describe, expect, it, vi } from "vitest";
import { Pipeline } from "../../dagger/src/index.js";
import { TestResult } from "../../dagger/src/results.js";
import {
  type Chain,
  chainOf,
  containersWith,
  defaultLeaf,
  directoryId,
  enginesPerTest,
  execError,
  execs,
  find,
  isSecret,
  leafOf,
  describe as line,
  type Resolver,
  secretId,
} from "../helpers/engine.js";
import { constructPipeline, invokeFunction } from "../helpers/invoke.js";
import { envOf } from "../helpers/scenario.js";

const engine = enginesPerTest();

const has = (chain: Chain, field: string, args: Record<string, unknown> = {}) =>
  find(chain, field).some((c) => Object.entries(args).every(([k, v]) => c.args[k] === v));

const JUNIT = `<testsuites><testsuite name="x" tests="3" failures="0" errors="0" skipped="0"></testsuite></testsuites>`;
const COVERAGE = `<?xml version="1.0" ?>
<coverage version="7.6.1" line-rate="0.95" branch-rate="0" lines-covered="19" lines-valid="20" branches-covered="0" branches-valid="0"></coverage>`;
/** The same run as coverage.py's JSON report (the file the module reads its figure from), precision 0. */
const COVERAGE_JSON = JSON.stringify({
  meta: { format: 3, version: "7.15.4", branch_coverage: false, show_contexts: false },
  files: {},
  totals: {
    covered_lines: 19,
    num_statements: 20,
    percent_covered: 95,
    percent_covered_display: "95",
    missing_lines: 1,
    excluded_lines: 0,
    percent_statements_covered: 95,
    percent_statements_covered_display: "95",
  },
});

describe("the stand-in engine", () => {
  it("records one chain per query and decodes IDs passed as arguments", async () => {
    const e = await engine();
    const out = await e.connect(() =>
      dag
        .container()
        .from("alpine:3.22")
        .withMountedCache("/cache", dag.cacheVolume("k"))
        .withExec(["echo", "hi"])
        .stdout(),
    );
    expect(out).toBe("");
    const stdout = e.queries.find((q) => leafOf(q).field === "stdout") as Chain;
    expect(line(stdout)).toBe(
      "container.from(alpine:3.22).withMountedCache(/cache, {cacheVolume(k)}).withExec([echo,hi]).stdout",
    );
    expect(execs(stdout)).toEqual([["echo", "hi"]]);
    // The cache volume was first resolved to its ID by a query of its own.
    expect(e.queries[0]).toEqual([
      { field: "cacheVolume", args: { key: "k" } },
      { field: "id", args: {} },
    ]);
  });

  it("records a Secret argument as the secret it is, never as a value", async () => {
    const e = await engine();
    await e.connect(async () => {
      const token = dag.loadSecretFromID(secretId("GITHUB_TOKEN") as SecretID);
      await dag.container().from("alpine").withSecretVariable("TOKEN", token).sync();
    });
    const [ctr] = containersWith(e, (c) => has(c, "withSecretVariable"));
    const call = find(ctr as Chain, "withSecretVariable")[0];
    expect(isSecret(call?.args.secret)).toBe(true);
    expect(line(ctr as Chain)).toContain("withSecretVariable(TOKEN, {secret(env:GITHUB_TOKEN)})");
    // Nothing asked for the plaintext, so the default answer for it appears nowhere.
    expect(JSON.stringify(e.queries)).not.toContain("fake-secret-value");
  });

  it("answers only its own token on loopback, restores the environment, and closes", async () => {
    const e = await engine();
    const url = `http://127.0.0.1:${e.port}/query`;
    const bad = await fetch(url, { method: "POST", body: "{}", headers: { authorization: "Basic eDo=" } });
    expect(bad.status).toBe(401);
    const before = process.env.DAGGER_SESSION_PORT;
    await e.connect(async () => expect(process.env.DAGGER_SESSION_PORT).toBe(String(e.port)));
    expect(process.env.DAGGER_SESSION_PORT).toBe(before);
    await e.close();
    await expect(fetch(url, { method: "POST", body: "{}" })).rejects.toThrow();
  });
});

describe("invoking module functions as the engine does", () => {
  it("constructor: the parent state serializes, source as the ID it was given", async () => {
    const state = await constructPipeline(await engine(), { pythonVersions: ["3.12", "3.14t"] });
    expect(state).toMatchObject({
      source: directoryId(),
      app: "sample-app",
      pythonVersions: ["3.12", "3.14t"],
      registry: "ghcr.io",
      dockerfile: "",
    });
  });

  it("constructor: bad input fails before any query", async () => {
    const e = await engine();
    await expect(constructPipeline(e, { threshold: 101 })).rejects.toThrow(/101/);
    expect(e.queries).toEqual([]);
  });

  it("build returns a Container ID: a Dockerfile build of the source", async () => {
    const e = await engine();
    const parentArgs = await constructPipeline(e, { dockerfile: "Dockerfile" });
    const { json, value } = await e.connect(() => invokeFunction({ parentArgs, fnName: "build" }));
    expect(json).toBe(JSON.stringify(value));
    const chain = chainOf(value) as Chain;
    expect(line(chain)).toMatch(/^host\.directory\(\/repo\)\.dockerBuild\(.*Dockerfile/);
  });

  it("lint returns a serialized LintResult when ruff finds nothing", async () => {
    const e = await engine((chain) => {
      // ruff check's and ruff format --check's JSON reports: no findings; format exits 0 (the default).
      if (leafOf(chain).field === "contents" && has(chain, "file", { path: "/tmp/ruff.json" })) return "[]";
      if (leafOf(chain).field === "stdout" && execs(chain).some((a) => a.includes("format"))) return "[]";
      return defaultLeaf(chain);
    });
    const parentArgs = await constructPipeline(e);
    const { value } = await e.connect(() => invokeFunction({ parentArgs, fnName: "lint" }));
    expect(value).toMatchObject({ passed: true, findings: [], unformatted: [], error: "" });
    expect(chainOf((value as { reports: string }).reports)?.[0]?.field).toBe("directory");

    const ruff = containersWith(e, (c) => execs(c).some((args) => args.includes("check")));
    expect(ruff.length).toBeGreaterThan(0);
    const cache = find(ruff[0] as Chain, "withMountedCache").map((c) =>
      line((c.args.cache as { $chain: Chain }).$chain),
    );
    expect(cache).toContain("cacheVolume(pipeline-uv-cache)");
  });

  /** One green pytest run on 3.12: the files the test script leaves in /out. */
  const testResolver: Resolver = (chain) => {
    const { field } = leafOf(chain);
    const file = (name: string) => field === "contents" && has(chain, "file", { path: name });
    if (field === "entries" && has(chain, "directory", { path: "/out" })) {
      return [
        "exit-code",
        "junit-3.12.xml",
        "coverage-3.12.xml",
        "coverage-3.12.json",
        ".coverage.3.12",
        "python-3.12.json",
      ];
    }
    if (file("exit-code")) return "0\n";
    if (file("junit-3.12.xml")) return JUNIT;
    if (file("coverage-3.12.xml")) return COVERAGE;
    if (file("coverage-3.12.json")) return COVERAGE_JSON;
    if (file("python-3.12.json")) return `{"python": "3.12.11", "gil": true}`;
    if (field === "stdout") return "3 passed";
    return defaultLeaf(chain);
  };

  it("test --python-version 3.12 returns a serialized TestResult", async () => {
    const e = await engine(testResolver);
    const parentArgs = await constructPipeline(e);
    const { value } = await e.connect(() =>
      invokeFunction({ parentArgs, fnName: "test", fnArgs: { pythonVersion: "3.12" } }),
    );
    expect(value).toMatchObject({
      version: "3.12",
      passed: true,
      tests: 3,
      failures: 0,
      coverage: 95,
      error: "",
    });
    expect(typeof (value as { reports: unknown }).reports).toBe("string");
    // One container ran the per-version script.
    const runs = containersWith(
      e,
      (c) =>
        execs(c).some((a) => a[1] === "/opt/pipeline/run_tests.sh") && envOf(c, "PIPELINE_SLUG") === "3.12",
    );
    expect(runs.length).toBeGreaterThan(0);
  });

  // The bug of commit 027e3fb: runTests spread parseJunit's summary into the TestResult, whose `failed` list is
  // not a declared field, so the SDK's loadResult (entrypoint/load.js) refused the result. The fixed code builds
  // it from named fields; this keeps the harness honest about catching that class of bug on the real class.
  it("a result carrying an undeclared property fails as in the engine: could not find result property", async () => {
    const e = await engine(testResolver);
    const parentArgs = await constructPipeline(e);
    const bad = Object.assign(new TestResult(), { version: "3.12", failed: ["tests/test_x.py::test_y"] });
    const spy = vi.spyOn(Pipeline.prototype, "test").mockResolvedValue(bad);
    try {
      await expect(
        e.connect(() => invokeFunction({ parentArgs, fnName: "test", fnArgs: { pythonVersion: "3.12" } })),
      ).rejects.toThrow("could not find result property failed");
    } finally {
      spy.mockRestore();
    }
  });

  it("an engine exec failure reaches module code as an ExecError with its stderr", async () => {
    const e = await engine((chain) => {
      // an exit code the test stage does not handle (neither 95 nor 97) reaches module code as it came
      if (execs(chain).some((a) => a[1] === "/opt/pipeline/run_tests.sh")) {
        throw execError({
          exitCode: 2,
          stderr: "error: no download for 3.12",
          cmd: ["sh", "/opt/pipeline/run_tests.sh"],
        });
      }
      return testResolver(chain);
    });
    const parentArgs = await constructPipeline(e);
    const err = await e
      .connect(() => invokeFunction({ parentArgs, fnName: "test", fnArgs: { pythonVersion: "3.12" } }))
      .then(
        () => undefined,
        (x: unknown) => x as Error & { stderr?: string; exitCode?: number },
      );
    expect(err?.name).toBe("ExecError");
    expect(err?.message).toBe("exit code: 2");
    expect(err?.stderr).toBe("error: no download for 3.12");
    expect(err?.exitCode).toBe(2);
  });

  it("a plain resolver error is a GraphQL error, and unscripted leaves get the default answer", async () => {
    const e = await engine((chain) => {
      if (leafOf(chain).field === "exists") throw new Error("no such path");
      return defaultLeaf(chain);
    });
    const parentArgs = await constructPipeline(e);
    await expect(e.connect(() => invokeFunction({ parentArgs, fnName: "lint" }))).rejects.toMatchObject({
      name: "GraphQLRequestError",
      message: "no such path",
    });
    expect(defaultLeaf([{ field: "somethingNew", args: {} }])).toBeNull();
    expect(defaultLeaf([{ field: "publish", args: { address: "ghcr.io/o/r:main" } }])).toMatch(
      /^ghcr\.io\/o\/r:main@sha256:[0-9a-f]{64}$/,
    );
  });
});
