/**
 * Service containers for the tests, two ways:
 * - the plan, recorded by the stand-in engine session from the stages' real calls (runTests, runMatrix): which
 *   services each test container binds, what is in their definitions (so which instance each leg gets), the
 *   readiness command the engine's health check runs, how a never-ready service is reported, and that nothing
 *   changes without services;
 * - the readiness commands themselves, run by `sh -c` as the engine runs them: pg_isready against a real
 *   PostgreSQL, and the Redis check against a redis-cli stand-in.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VersionStatus } from "../../dagger/src/report/types.js";
import { PYTEST_COV_VERSION } from "../../dagger/src/settings/pins.js";
import {
  KNOWN_SERVICES,
  POSTGRES_IMAGE,
  parseServices,
  REDIS_IMAGE,
  type ServiceSpec,
} from "../../dagger/src/settings/services.js";
import { runMatrix } from "../../dagger/src/stages/matrix.js";
import { runTests } from "../../dagger/src/stages/tests.js";
import {
  allChains,
  type Chain,
  containersWith,
  directoryId,
  type Engine,
  enginesPerTest,
  execs,
  find,
  secretId,
} from "../helpers/engine.js";
import { bindsService, envOf, runsScript, type Scenario, scenario, versionOf } from "../helpers/scenario.js";

const startEngine = enginesPerTest();
const HEX = "ab".repeat(32);

async function source() {
  const { dag } = await import("@dagger.io/dagger");
  return dag.loadDirectoryFromID(directoryId() as never);
}

async function matrix(s: Scenario, versions: string[], services?: ServiceSpec[]) {
  const engine = await startEngine(scenario(s));
  const run = await engine.connect(async () =>
    services === undefined
      ? runMatrix(await source(), "sample-app", versions, 70)
      : runMatrix(await source(), "sample-app", versions, 70, services),
  );
  return { engine, run };
}

/** The test containers up to and including their test exec, one per distinct run definition. */
const testRuns = (engine: Engine): Chain[] =>
  containersWith(engine, (c) => execs(c).some(runsScript("run_tests.sh")))
    .map((c) => c.slice(0, c.map((call) => call.field).lastIndexOf("withExec") + 1))
    .filter((c, i, all) => all.findIndex((d) => JSON.stringify(d) === JSON.stringify(c)) === i);

/** The service chain bound under `alias` in a test container. */
const boundService = (run: Chain, alias: string): Chain => {
  const call = find(run, "withServiceBinding").find((c) => c.args.alias === alias);
  const service = call?.args.service as { $chain: Chain } | undefined;
  if (!service) throw new Error(`no service bound as ${alias}`);
  return service.$chain;
};

/** The test exec and what it reads from its env (dagger/scripts/run_tests.sh). */
const script = (run: Chain) => ({
  exec: execs(run).at(-1),
  env: Object.fromEntries(
    ["PIPELINE_PYTHON", "PIPELINE_SLUG", "PIPELINE_OUT", "PIPELINE_SYNC", "PIPELINE_LOCK"].map((n) => [
      n,
      envOf(run, n),
    ]),
  ),
});
const serviceCalls = (engine: Engine) =>
  allChains(engine).filter((c) =>
    c.some(
      (call) =>
        ["withServiceBinding", "asService", "withExposedPort"].includes(call.field) ||
        (call.field === "withEnvVariable" && String(call.args.name).startsWith("PIPELINE_SERVICE")),
    ),
  );
const sortedQueries = (engine: Engine) => engine.queries.map((q) => JSON.stringify(q)).sort();

describe("without services, nothing changes", () => {
  it("each leg runs the module's run_tests.sh with its version and the project's sync in its env", async () => {
    const { engine } = await matrix({}, ["3.12"]);
    const [r] = testRuns(engine) as [Chain];
    expect(script(r)).toEqual({
      exec: ["sh", "/opt/pipeline/run_tests.sh"],
      env: {
        PIPELINE_PYTHON: "3.12",
        PIPELINE_SLUG: "3.12",
        PIPELINE_OUT: "/out",
        PIPELINE_SYNC: "",
        PIPELINE_LOCK: "uv.lock",
      },
    });
    expect(envOf(r, "PYTEST_COV_VERSION")).toBe(PYTEST_COV_VERSION);
    // the program and the lib.sh it sources, from the module's own dagger/scripts/
    const mounted = find(r, "withMountedFile").map((c) => [
      c.args.path,
      (c.args.source as { $chain: Chain }).$chain.at(-1)?.args.path,
    ]);
    expect(mounted).toEqual(
      expect.arrayContaining([
        ["/opt/pipeline/lib.sh", "scripts/lib.sh"],
        ["/opt/pipeline/run_tests.sh", "scripts/run_tests.sh"],
      ]),
    );
  });

  it("syncs a workspace member from its root's lock, and sources the env file only when one is given", async () => {
    const engine = await startEngine(scenario({}));
    await engine.connect(async () =>
      runMatrix(
        await source(),
        "services/api",
        ["3.12"],
        70,
        [],
        { root: ".", member: "api", groups: [], extras: [] },
        {
          vars: {},
          file: (await import("@dagger.io/dagger")).dag.loadSecretFromID(secretId("TEST_ENV") as never),
        },
      ),
    );
    const [r] = testRuns(engine) as [Chain];
    expect(envOf(r, "PIPELINE_LOCK")).toBe("/src/uv.lock");
    expect(envOf(r, "PIPELINE_SYNC")).toBe("--package api");
    expect(envOf(r, "PIPELINE_ENV_FILE")).toBe("/run/pipeline/test.env");
    const plain = await matrix({}, ["3.12"]);
    expect(envOf(testRuns(plain.engine)[0] as Chain, "PIPELINE_ENV_FILE")).toBeUndefined();
  });

  it("the matrix asks the engine for exactly the same things with an empty list as with none", async () => {
    const versions = ["3.12", "3.14t"];
    const none = await matrix({}, versions);
    const empty = await matrix({}, versions, parseServices([]));
    expect(sortedQueries(empty.engine)).toEqual(sortedQueries(none.engine));
    expect(serviceCalls(none.engine)).toEqual([]);
    expect(serviceCalls(empty.engine)).toEqual([]);
    for (const run of testRuns(none.engine)) {
      expect(find(run, "withFile").map((c) => c.args.path)).toContain(
        "/opt/pipeline-probe/pipeline_probe.py",
      );
    }
    expect(none.run.runs.map((r) => r.status.passed)).toEqual([true, true]);
  });

  it("a single version's tests, the same", async () => {
    const record = async (services?: ServiceSpec[]) => {
      const engine = await startEngine(scenario({}));
      await engine.connect(async () =>
        services
          ? runTests(await source(), "sample-app", "3.11", services)
          : runTests(await source(), "sample-app", "3.11"),
      );
      return engine;
    };
    expect(sortedQueries(await record([]))).toEqual(sortedQueries(await record()));
  });
});

describe("with --services postgres,redis", () => {
  const services = parseServices(["postgres,redis"]);

  it("binds each version to its own instance of each, started from the pinned image with its entrypoint", async () => {
    const { engine, run } = await matrix({}, ["3.11", "3.12", "3.14t"], services);
    const runs = testRuns(engine);
    expect(runs.map(versionOf).sort()).toEqual(["3.11", "3.12", "3.14t"]);
    const definitions = new Set<string>();
    for (const r of runs) {
      const v = versionOf(r) as string;
      expect(find(r, "withServiceBinding").map((c) => c.args.alias)).toEqual(["postgres", "redis"]);
      const pg = boundService(r, "postgres");
      expect(find(pg, "from").map((c) => c.args.address)).toEqual([POSTGRES_IMAGE]);
      expect(envOf(pg, "POSTGRES_PASSWORD")).toBe("postgres");
      expect(envOf(pg, "POSTGRES_DB")).toBe("test");
      expect(envOf(pg, "PIPELINE_SERVICE_FOR")).toBe(v);
      // readiness is the engine's health check running the image's own pg_isready, failures allowed for 90 s
      expect(find(pg, "withExposedPort").map((c) => c.args)).toEqual([{ port: 5432 }]);
      expect(find(pg, "withDockerHealthcheck").map((c) => c.args)).toEqual([
        {
          args: ["pg_isready -h 127.0.0.1 -U postgres -d test"],
          shell: true,
          interval: "1s",
          startPeriod: "90s",
          retries: 1,
        },
      ]);
      expect(pg.at(-1)).toEqual({ field: "asService", args: { useEntrypoint: true } });
      const redis = boundService(r, "redis");
      expect(find(redis, "from").map((c) => c.args.address)).toEqual([REDIS_IMAGE]);
      expect(envOf(redis, "PIPELINE_SERVICE_FOR")).toBe(v);
      expect(find(redis, "withDockerHealthcheck").map((c) => c.args.args)).toEqual([
        [KNOWN_SERVICES.redis?.ready],
      ]);
      definitions.add(JSON.stringify(pg));
      definitions.add(JSON.stringify(redis));
    }
    // no two legs share an instance: services are deduplicated by definition
    expect(definitions.size).toBe(6);
    expect(run.runs.every((r) => r.status.passed)).toBe(true);
  });

  it("gives the tests DATABASE_URL and REDIS_URL; the test script is the one without services", async () => {
    const { engine } = await matrix({}, ["3.12"], services);
    const [r] = testRuns(engine) as [Chain];
    expect(envOf(r, "DATABASE_URL")).toBe("postgresql://postgres:postgres@postgres:5432/test");
    expect(envOf(r, "REDIS_URL")).toBe("redis://redis:6379/0");
    const plain = await matrix({}, ["3.12"]);
    expect(script(r)).toEqual(script(testRuns(plain.engine)[0] as Chain));
  });

  it("binds nothing to the coverage combine", async () => {
    const { engine } = await matrix({}, ["3.12", "3.13"], services);
    const combines = containersWith(engine, (c) => execs(c).some(runsScript("combine.sh")));
    expect(combines.length).toBeGreaterThan(0);
    for (const c of combines) expect(find(c, "withServiceBinding")).toEqual([]);
  });

  it("a fresh rerun of a failed version binds fresh instances: it never finds the failed run's data", async () => {
    const { engine, run } = await matrix({ versions: { "3.12": "fail" } }, ["3.12"], services);
    const [first, rerun] = testRuns(engine) as [Chain, Chain];
    expect(testRuns(engine)).toHaveLength(2);
    const nonce = envOf(rerun, "PIPELINE_RERUN") as string;
    expect(nonce).toMatch(/^[0-9a-f-]{36}$/);
    expect(envOf(boundService(first, "postgres"), "PIPELINE_SERVICE_FOR")).toBe("3.12");
    expect(envOf(boundService(rerun, "postgres"), "PIPELINE_SERVICE_FOR")).toBe(`3.12 ${nonce}`);
    expect(run.runs[0]?.status).toMatchObject({ passed: false, attempts: 2 });
  });
});

describe("a service that never becomes ready", () => {
  const services = parseServices(["postgres"]);
  const last = "127.0.0.1:5432 - rejecting connections";

  it("is reported as such, not as failed tests, and pytest is not run again", async () => {
    const { engine, run } = await matrix(
      { serviceNeverReady: { service: "postgres", version: "3.12", last } },
      ["3.11", "3.12"],
      services,
    );
    const byVersion = (v: string) => run.runs.find((r) => r.status.version === v);
    expect(byVersion("3.12")?.status).toEqual({
      version: "3.12",
      passed: false,
      attempts: 0,
      tests: 0,
      failures: 0,
      errors: 0,
      skipped: 0,
      error: `service postgres never became ready within 90s (last output: ${last})`,
      serviceNotReady: { service: "postgres", timeoutSeconds: 90, last },
    } satisfies VersionStatus);
    expect(byVersion("3.12")?.serviceNotReady).toEqual({ service: "postgres", timeoutSeconds: 90, last });
    expect(byVersion("3.12")?.output).toBe(last);
    // one attempt only: no "fresh rerun" of tests that never ran
    expect(testRuns(engine).filter((r) => versionOf(r) === "3.12")).toHaveLength(1);
    expect(byVersion("3.11")?.status.passed).toBe(true);
    expect(byVersion("3.11")?.serviceNotReady).toBeUndefined();
    // the gate still judges what the other legs measured
    expect(run.gate.coverage).toBeGreaterThan(0);
  });

  it("a generic --service is bound by its name and its readiness is the engine's port check, whose error the leg reports", async () => {
    const generic = parseServices([`cache=valkey/valkey:8@sha256:${HEX}:6379`]);
    const { engine, run } = await matrix(
      {
        serviceNeverReady: {
          service: "cache",
          last: "dial tcp 10.87.0.4:6379: connect: connection refused",
        },
      },
      ["3.13"],
      generic,
    );
    const [r] = testRuns(engine) as [Chain];
    expect(bindsService(r, "cache")).toBe(true);
    expect(envOf(r, "CACHE_HOST")).toBe("cache");
    expect(envOf(r, "CACHE_PORT")).toBe("6379");
    expect(envOf(r, "DATABASE_URL")).toBeUndefined();
    expect(find(boundService(r, "cache"), "from").map((c) => c.args.address)).toEqual([
      `valkey/valkey:8@sha256:${HEX}`,
    ]);
    expect(find(boundService(r, "cache"), "withExposedPort").map((c) => c.args)).toEqual([{ port: 6379 }]);
    expect(find(boundService(r, "cache"), "withDockerHealthcheck")).toEqual([]);
    expect(run.runs[0]?.status).toMatchObject({ passed: false, tests: 0 });
    expect(run.runs[0]?.status.error).toContain("the test container failed:");
    expect(run.runs[0]?.status.error).toContain(
      "health check errored: checking for port: dial tcp 10.87.0.4:6379",
    );
    expect(run.runs[0]?.serviceNotReady).toBeUndefined();
  });
});

// ---- the services' own readiness commands, run as the engine runs them (`/bin/sh -c <ready>`) ----

const sh = (command: string, env: Record<string, string>) =>
  spawnSync("sh", ["-c", command], { env: { ...process.env, ...env }, encoding: "utf8", timeout: 20_000 });

describe("redis: ready on PONG only, whatever redis-cli's exit status", () => {
  const ready = KNOWN_SERVICES.redis?.ready ?? "";
  let bin = "";
  beforeAll(() => {
    bin = mkdtempSync(join(tmpdir(), "pipeline-redis-cli-"));
    // a redis-cli stand-in that prints what the server would answer and exits as redis-cli does (0 on a reply)
    writeFileSync(
      join(bin, "redis-cli"),
      '#!/bin/sh\n[ -n "$REPLY" ] || { echo "$REFUSED" >&2; exit 1; }\necho "$REPLY"\n',
      {
        mode: 0o755,
      },
    );
  });
  afterAll(() => rmSync(bin, { recursive: true, force: true }));
  const run = (env: Record<string, string>) => sh(ready, { PATH: `${bin}:${process.env.PATH}`, ...env });

  it.each([
    ["PONG", 0],
    ["LOADING Redis is loading the dataset in memory", 1],
    ["NOAUTH Authentication required.", 1],
  ])("%s -> exit %i, the reply printed for the report", (reply, code) => {
    const r = run({ REPLY: reply });
    expect(r.status).toBe(code);
    expect(r.stdout.trim()).toBe(reply);
  });

  it("a refused connection is not ready, and what redis-cli said is the output", () => {
    const refused = "Could not connect to Redis at 127.0.0.1:6379: Connection refused";
    const r = run({ REPLY: "", REFUSED: refused });
    expect(r.status).not.toBe(0);
    expect(r.stdout.trim()).toBe(refused);
  });
});

// A real PostgreSQL and its pg_isready, when .ci/run started one: PIPELINE_TEST_POSTGRES=host:port.
const realPg = process.env.PIPELINE_TEST_POSTGRES ?? "";
const pgBin = spawnSync("sh", ["-c", "ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1"], {
  encoding: "utf8",
}).stdout.trim();
const pgSkip =
  realPg === ""
    ? "set PIPELINE_TEST_POSTGRES=host:port"
    : !existsSync(join(pgBin, "pg_isready"))
      ? "no pg_isready"
      : "";
if (pgSkip) console.warn(`postgres readiness command: skipped: ${pgSkip}`);
describe.skipIf(pgSkip !== "")(`postgres: pg_isready over TCP against a real server (${realPg})`, () => {
  const ready = KNOWN_SERVICES.postgres?.ready ?? "";
  const port = realPg.split(":")[1] ?? "5432";
  const run = (env: Record<string, string>) => sh(ready, { PATH: `${pgBin}:${process.env.PATH}`, ...env });

  it("is ready when the server accepts connections", () => {
    const r = run({ PGPORT: port });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain("accepting connections");
  });

  it("is not ready, saying so, where nothing listens on TCP", async () => {
    const free = createServer();
    await new Promise<void>((ok) => free.listen(0, "127.0.0.1", ok));
    const closed = String((free.address() as { port: number }).port);
    await new Promise<void>((ok) => free.close(() => ok()));
    const r = run({ PGPORT: closed });
    expect(r.status).toBe(2);
    expect(r.stdout).toContain(`127.0.0.1:${closed} - no response`);
  });
});
