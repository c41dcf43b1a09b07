/**
 * Service containers for the tests, two ways:
 * - the plan, recorded by the stand-in engine session from the stages' real calls (runTests, runMatrix): which
 *   services each test container binds, what is in their definitions (so which instance each leg gets), where
 *   readiness is waited for, how a never-ready service is reported, and that nothing changes without services;
 * - the readiness check itself (WAITER), run by the host Python against local servers that answer as
 *   PostgreSQL and Redis do while starting and once up, and against a port where nothing ever listens.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { VersionStatus } from "../../dagger/src/report/types.js";
import {
  POSTGRES_IMAGE,
  parseNotReady,
  parseServices,
  REDIS_IMAGE,
  type ServiceSpec,
} from "../../dagger/src/settings/services.js";
import { runMatrix } from "../../dagger/src/stages/matrix.js";
import { WAITER, WAITER_PATH, waiterConfig } from "../../dagger/src/stages/services.js";
import { runTests, SERVICE_NOT_READY, testScript } from "../../dagger/src/stages/tests.js";
import {
  allChains,
  type Chain,
  containersWith,
  directoryId,
  type Engine,
  enginesPerTest,
  execs,
  find,
} from "../helpers/engine.js";
import { findPython } from "../helpers/python.js";
import { bindsService, envOf, type Scenario, scenario, versionOf } from "../helpers/scenario.js";

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
  containersWith(engine, (c) => execs(c).some((a) => a[0] === "sh" && (a[2] ?? "").includes("--junitxml")))
    .map((c) => c.slice(0, c.map((call) => call.field).lastIndexOf("withExec") + 1))
    .filter((c, i, all) => all.findIndex((d) => JSON.stringify(d) === JSON.stringify(c)) === i);

/** The service chain bound under `alias` in a test container. */
const boundService = (run: Chain, alias: string): Chain => {
  const call = find(run, "withServiceBinding").find((c) => c.args.alias === alias);
  const service = call?.args.service as { $chain: Chain } | undefined;
  if (!service) throw new Error(`no service bound as ${alias}`);
  return service.$chain;
};

const script = (run: Chain): string => execs(run).at(-1)?.[2] ?? "";
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
  it("the test script is today's, line for line", () => {
    expect(testScript("3.12").split("\n")).toEqual([
      "set -u",
      "mkdir -p /out",
      'if ! { uv sync $(test -f uv.lock && echo --locked) && { uv run --no-sync python -c "import pytest_cov" 2> /dev/null || uv pip install --python "$UV_PROJECT_ENVIRONMENT/bin/python" pytest-cov==7.1.0; }; } > /out/sync.log 2>&1; then cat /out/sync.log >&2; echo "uv sync failed for Python 3.12" >&2; exit 97; fi',
      'if ! uv run --no-sync python -c "import pytest" 2> /dev/null; then echo "pytest is not in the environment uv synced for Python 3.12" >&2; exit 95; fi',
      // the env file, when --env-file mounted one (a no-op without)
      "if [ -f /run/pipeline/test.env ]; then set -a; . /run/pipeline/test.env; set +a; fi",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell parameter expansion, not a template
      "PYTHONPATH=/opt/pipeline-probe${PYTHONPATH:+:$PYTHONPATH} PIPELINE_PROBE_OUT=/out/python-3.12.json COVERAGE_FILE=/out/.coverage.3.12 uv run --no-sync pytest -p no:cacheprovider -p pipeline_probe --junitxml=/out/junit-3.12.xml -o junit_suite_name=python-3.12 --cov --cov-report=xml:/out/coverage-3.12.xml --cov-report=term --cov-fail-under=0",
      "echo $? > /out/exit-code",
      "COVERAGE_FILE=/out/.coverage.3.12 uv run --no-sync coverage json -o /out/coverage-3.12.json --fail-under=0",
      "exit 0",
    ]);
  });

  it("the matrix asks the engine for exactly the same things with an empty list as with none", async () => {
    const versions = ["3.12", "3.14t"];
    const none = await matrix({}, versions);
    const empty = await matrix({}, versions, parseServices([]));
    expect(sortedQueries(empty.engine)).toEqual(sortedQueries(none.engine));
    expect(serviceCalls(none.engine)).toEqual([]);
    expect(serviceCalls(empty.engine)).toEqual([]);
    for (const run of testRuns(none.engine)) {
      expect(find(run, "withNewFile").map((c) => c.args.path)).toEqual([
        "/opt/pipeline-probe/pipeline_probe.py",
      ]);
      expect(script(run)).not.toContain("pipeline_services");
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
      // the engine's own port check is skipped: readiness is the tests' wait, with its own timeout and report
      expect(find(pg, "withExposedPort").map((c) => c.args)).toEqual([
        { port: 5432, experimentalSkipHealthcheck: true },
      ]);
      expect(pg.at(-1)).toEqual({ field: "asService", args: { useEntrypoint: true } });
      const redis = boundService(r, "redis");
      expect(find(redis, "from").map((c) => c.args.address)).toEqual([REDIS_IMAGE]);
      expect(envOf(redis, "PIPELINE_SERVICE_FOR")).toBe(v);
      definitions.add(JSON.stringify(pg));
      definitions.add(JSON.stringify(redis));
    }
    // no two legs share an instance: services are deduplicated by definition
    expect(definitions.size).toBe(6);
    expect(run.runs.every((r) => r.status.passed)).toBe(true);
  });

  it("gives the tests DATABASE_URL and REDIS_URL, and waits for both after the sync and before pytest", async () => {
    const { engine } = await matrix({}, ["3.12"], services);
    const [r] = testRuns(engine) as [Chain];
    expect(envOf(r, "DATABASE_URL")).toBe("postgresql://postgres:postgres@postgres:5432/test");
    expect(envOf(r, "REDIS_URL")).toBe("redis://redis:6379/0");
    expect(JSON.parse(envOf(r, "PIPELINE_SERVICES") ?? "")).toEqual([
      { name: "postgres", host: "postgres", port: 5432, probe: "postgres" },
      { name: "redis", host: "redis", port: 6379, probe: "redis" },
    ]);
    expect(envOf(r, "PIPELINE_SERVICES_TIMEOUT")).toBe("90");
    expect(find(r, "withNewFile").find((c) => c.args.path === WAITER_PATH)?.args.contents).toBe(WAITER);
    const lines = script(r).split("\n");
    const at = (needle: string) => lines.findIndex((l) => l.includes(needle));
    const wait = at("pipeline_services.py");
    expect(lines[wait]).toBe(
      `if ! uv run --no-sync python ${WAITER_PATH}; then exit ${SERVICE_NOT_READY}; fi`,
    );
    expect(at("uv sync")).toBeLessThan(wait);
    expect(wait).toBeLessThan(at("uv run --no-sync pytest"));
    // the rest of the script is the one without services
    expect(lines.filter((_, i) => i !== wait)).toEqual(testScript("3.12").split("\n"));
  });

  it("binds nothing to the coverage combine", async () => {
    const { engine } = await matrix({}, ["3.12", "3.13"], services);
    const combines = containersWith(engine, (c) =>
      execs(c).some((a) => (a[2] ?? "").includes("coverage combine")),
    );
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
  const last = "NotReady: the database system is starting up";

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
    expect(byVersion("3.12")?.output).toContain("PIPELINE_SERVICE_NOT_READY");
    // one attempt only: no "fresh rerun" of tests that never ran
    expect(testRuns(engine).filter((r) => versionOf(r) === "3.12")).toHaveLength(1);
    expect(byVersion("3.11")?.status.passed).toBe(true);
    expect(byVersion("3.11")?.serviceNotReady).toBeUndefined();
    // the gate still judges what the other legs measured
    expect(run.gate.coverage).toBeGreaterThan(0);
  });

  it("names a generic --service by its name", async () => {
    const generic = parseServices([`cache=valkey/valkey:8@sha256:${HEX}:6379`]);
    const { engine, run } = await matrix(
      {
        serviceNeverReady: {
          service: "cache",
          last: "ConnectionRefusedError: [Errno 111] Connection refused",
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
    expect(run.runs[0]?.status.error).toBe(
      "service cache never became ready within 90s (last output: ConnectionRefusedError: [Errno 111] Connection refused)",
    );
  });

  it("a readiness check that broke without a report says so", async () => {
    const report = "Traceback (most recent call last):\n  File x\nKeyError: 'PIPELINE_SERVICES'\n";
    const { run } = await matrix({ serviceNeverReady: { service: "postgres", report } }, ["3.12"], services);
    expect(run.runs[0]?.status.error).toBe(
      "the service readiness check failed: Traceback (most recent call last):\n  File x\nKeyError: 'PIPELINE_SERVICES'",
    );
    expect(run.runs[0]?.serviceNotReady).toBeUndefined();
  });
});

// ---- the readiness check itself, under the host Python ----

const python = findPython();
const skipReason = python.ok ? "" : python.reason;
let work = "";

type Reply = (data: Buffer, socket: Socket, nth: number) => void;

/** A loopback server that answers each connection's first message with `reply` (nth counts connections). */
async function server(
  reply: Reply,
): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const srv: Server = createServer((socket) => {
    const nth = ++count;
    socket.once("data", (data) => reply(data, socket, nth));
    socket.on("error", () => {});
  });
  await new Promise<void>((ok) => srv.listen(0, "127.0.0.1", ok));
  const { port } = srv.address() as { port: number };
  return {
    port,
    connections: () => count,
    close: () => new Promise<void>((ok) => srv.close(() => ok())),
  };
}

/** A port where nothing listens: bound, then released. */
async function closedPort(): Promise<number> {
  const s = await server(() => {});
  await s.close();
  return s.port;
}

async function waitFor(
  services: { name: string; port: number; probe: ServiceSpec["probe"] }[],
  timeout: number,
): Promise<{ code: number | null; stderr: string; seconds: number }> {
  const config = waiterConfig(services.map((s) => ({ ...s, image: "", env: {}, testEnv: {} }))).replaceAll(
    /"host":"[^"]*"/g,
    '"host":"127.0.0.1"',
  );
  const started = Date.now();
  const child = spawn(python.ok ? python.command : "python3", [join(work, "pipeline_services.py")], {
    env: { ...process.env, PIPELINE_SERVICES: config, PIPELINE_SERVICES_TIMEOUT: String(timeout) },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((ok) => child.on("close", ok));
  return { code, stderr, seconds: (Date.now() - started) / 1000 };
}

/** A PostgreSQL ErrorResponse with SQLSTATE `code` (fields S, V, C, M), as the server sends it. */
function pgError(code: string, message: string): Buffer {
  const fields = Buffer.from(`SFATAL\0VFATAL\0C${code}\0M${message}\0\0`);
  const head = Buffer.alloc(5);
  head.write("E");
  head.writeUInt32BE(fields.length + 4, 1);
  return Buffer.concat([head, fields]);
}

/** AuthenticationSASL offering SCRAM-SHA-256, as PostgreSQL 14+ answers a password-protected start-up. */
function pgSasl(): Buffer {
  const body = Buffer.concat([Buffer.from([0, 0, 0, 10]), Buffer.from("SCRAM-SHA-256\0\0")]);
  const head = Buffer.alloc(5);
  head.write("R");
  head.writeUInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

describe.skipIf(skipReason !== "")("the readiness check (WAITER) under the host Python", () => {
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "pipeline-waiter-"));
    writeFileSync(join(work, "pipeline_services.py"), WAITER);
  });
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("waits out PostgreSQL's 'starting up' (57P03) and takes its authentication request as ready", async () => {
    let startup: Buffer | undefined;
    const pg = await server((data, socket, nth) => {
      startup = data;
      socket.end(nth <= 2 ? pgError("57P03", "the database system is starting up") : pgSasl());
    });
    const { code, stderr } = await waitFor([{ name: "postgres", port: pg.port, probe: "postgres" }], 20);
    await pg.close();
    expect(code, stderr).toBe(0);
    expect(stderr).toContain("service postgres is ready");
    expect(pg.connections()).toBe(3);
    // a protocol 3.0 StartupMessage: length, 196608, user and database, a final NUL
    expect(startup?.readUInt32BE(0)).toBe(startup?.length);
    expect(startup?.readUInt32BE(4)).toBe(196608);
    expect(startup?.subarray(8).toString()).toBe("user\0postgres\0database\0postgres\0\0");
  });

  it("takes any other PostgreSQL error as a live server, as pg_isready does", async () => {
    const pg = await server((_, socket) => socket.end(pgError("28P01", "password authentication failed")));
    const { code } = await waitFor([{ name: "db", port: pg.port, probe: "postgres" }], 10);
    await pg.close();
    expect(code).toBe(0);
  });

  it("waits out Redis loading its dataset, then takes PONG as ready", async () => {
    const redis = await server((data, socket, nth) => {
      expect(data.toString()).toBe("PING\r\n");
      socket.end(nth === 1 ? "-LOADING Redis is loading the dataset in memory\r\n" : "+PONG\r\n");
    });
    const { code, stderr } = await waitFor([{ name: "redis", port: redis.port, probe: "redis" }], 20);
    await redis.close();
    expect(code, stderr).toBe(0);
    expect(redis.connections()).toBe(2);
  });

  it("reports a service that never listens, within its timeout, in the form the pipeline reads", async () => {
    const tcp = await server((_, socket) => socket.end());
    const port = await closedPort();
    const { code, stderr, seconds } = await waitFor(
      [
        { name: "up", port: tcp.port, probe: "tcp" },
        { name: "postgres", port, probe: "postgres" },
      ],
      1,
    );
    await tcp.close();
    expect(code).toBe(3);
    expect(seconds).toBeLessThan(8);
    expect(stderr).toContain("service up is ready");
    expect(parseNotReady(stderr)).toEqual({
      service: "postgres",
      timeoutSeconds: 1,
      last: expect.stringContaining("Connection refused"),
    });
  });

  it("does not take another protocol's answer for PostgreSQL", async () => {
    const http = await server((_, socket) => socket.end("HTTP/1.1 400 Bad Request\r\n\r\n"));
    const { code, stderr } = await waitFor([{ name: "pg", port: http.port, probe: "postgres" }], 1.5);
    await http.close();
    expect(code).toBe(3);
    expect(parseNotReady(stderr)).toMatchObject({
      service: "pg",
      timeoutSeconds: 1.5,
      last: expect.stringContaining("not a PostgreSQL reply: b'HTTP/1.1 400"),
    });
  });

  // A real server, when one is given (e.g. Debian's postgresql on loopback): PIPELINE_TEST_POSTGRES=host:port.
  const real = process.env.PIPELINE_TEST_POSTGRES ?? "";
  it.skipIf(real === "")(
    `takes a real PostgreSQL as ready${real ? ` (${real})` : " (skipped: set PIPELINE_TEST_POSTGRES=host:port)"}`,
    async () => {
      const [, port = "5432"] = real.split(":");
      const { code, stderr } = await waitFor(
        [{ name: "postgres", port: Number(port), probe: "postgres" }],
        10,
      );
      expect(code, stderr).toBe(0);
    },
  );
});
