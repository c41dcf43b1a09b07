/**
 * `--services` as plain data: known names (`postgres,redis`) from the table, `NAME=IMAGE@sha256:…:PORT` entries
 * validated strictly, and a never-ready service found from the engine's failed health check. Hostile input is refused with the value and
 * the expected form, before anything starts.
 */
import { describe, expect, it } from "vitest";
import {
  envPrefix,
  KNOWN_SERVICES,
  MAX_SERVICES,
  notReadyFrom,
  notReadyMessage,
  POSTGRES_IMAGE,
  parseGenericService,
  parseServices,
  parseTestEnv,
  REDIS_IMAGE,
} from "../../dagger/src/settings/services.js";

const HEX = "0123456789abcdef".repeat(4);
const DIGEST_PIN = /^[a-z0-9./-]+:[0-9a-z.-]+@sha256:[0-9a-f]{64}$/;

describe("the known services", () => {
  it("pins each image by tag and digest, the tag naming what the digest is", () => {
    expect(POSTGRES_IMAGE).toMatch(DIGEST_PIN);
    expect(REDIS_IMAGE).toMatch(DIGEST_PIN);
    expect(POSTGRES_IMAGE).toMatch(/^postgres:17\.11-alpine@/);
    expect(REDIS_IMAGE).toMatch(/^redis:7\.4\.11-alpine@/);
  });

  it("gives the tests the usual URLs, at the service's own host name and port", () => {
    expect(KNOWN_SERVICES.postgres?.testEnv).toEqual({
      DATABASE_URL: "postgresql://postgres:postgres@postgres:5432/test",
      POSTGRES_HOST: "postgres",
      POSTGRES_PORT: "5432",
    });
    expect(KNOWN_SERVICES.redis?.testEnv).toEqual({
      REDIS_URL: "redis://redis:6379/0",
      REDIS_HOST: "redis",
      REDIS_PORT: "6379",
    });
  });

  it("gives postgres what its entrypoint needs to initialise, the database the URL names included", () => {
    const pg = KNOWN_SERVICES.postgres;
    expect(pg?.env.POSTGRES_PASSWORD).not.toBe("");
    const url = new URL(pg?.testEnv.DATABASE_URL ?? "");
    expect(url.username).toBe(pg?.env.POSTGRES_USER);
    expect(url.password).toBe(pg?.env.POSTGRES_PASSWORD);
    expect(url.pathname).toBe(`/${pg?.env.POSTGRES_DB}`);
    expect(Number(url.port)).toBe(pg?.port);
  });

  it("checks each one with its own tool, over TCP, against the database the tests get", () => {
    expect(KNOWN_SERVICES.postgres?.ready).toBe("pg_isready -h 127.0.0.1 -U postgres -d test");
    expect(KNOWN_SERVICES.redis?.ready).toMatch(/^reply=\$\(redis-cli -h 127\.0\.0\.1 ping 2>&1\)/);
  });
});

describe("--services", () => {
  it.each([
    [[], []],
    [["postgres"], ["postgres"]],
    [["postgres,redis"], ["postgres", "redis"]],
    [
      ["redis", "postgres"],
      ["redis", "postgres"],
    ],
    [[" postgres , redis "], ["postgres", "redis"]],
    [["postgres,,postgres"], ["postgres"]],
    [["redis\n"], ["redis"]],
    [[""], []],
  ])("%j is %j", (values, names) => {
    expect(parseServices(values).map((s) => s.name)).toEqual(names);
  });

  it.each([
    ["mysql"],
    ["Postgres"],
    ["postgres;rm -rf /"],
    ["__proto__"],
    ["constructor"],
    ["toString"],
    ["red is"],
  ])("refuses %j, listing the known ones", (bad) => {
    expect(() => parseServices([`postgres,${bad}`])).toThrow(
      `Unknown service '${bad.trim()}' in --services. Expected a comma-separated list of: postgres, redis, or NAME=IMAGE@sha256:<64 hex>:PORT, e.g. mysql=mysql:8.4@sha256:<64 hex>:3306 for another image.`,
    );
  });
});

describe("--services NAME=IMAGE@sha256:<64 hex>:PORT", () => {
  it.each([
    [`mysql=mysql:8.4@sha256:${HEX}:3306`, "mysql", `mysql:8.4@sha256:${HEX}`, 3306],
    [`my-cache=ghcr.io/o/valkey@sha256:${HEX}:6379`, "my-cache", `ghcr.io/o/valkey@sha256:${HEX}`, 6379],
    [
      `db=registry.example.com:5000/team/pg:16.4@sha256:${HEX}:1`,
      "db",
      `registry.example.com:5000/team/pg:16.4@sha256:${HEX}`,
      1,
    ],
    [`x=a__b/c-d.e@sha256:${HEX}:65535`, "x", `a__b/c-d.e@sha256:${HEX}`, 65535],
  ])("%s", (value, name, image, port) => {
    const spec = parseGenericService(value);
    expect(spec).toMatchObject({ name, image, port, env: {} });
    expect(spec.ready).toBeUndefined();
  });

  it("gives the tests <NAME>_HOST and <NAME>_PORT", () => {
    expect(parseGenericService(`my-cache=valkey@sha256:${HEX}:6379`).testEnv).toEqual({
      MY_CACHE_HOST: "my-cache",
      MY_CACHE_PORT: "6379",
    });
    expect(envPrefix("a-b-c9")).toBe("A_B_C9");
  });

  it.each([
    ["mysql", "no NAME="],
    [`mysql:8.4@sha256:${HEX}:3306`, "no NAME="],
    ["mysql=mysql:8.4:3306", "the image needs a sha256 digest and a port"],
    [`mysql=mysql:8.4@sha256:${HEX}`, "the image needs a sha256 digest and a port"],
    [`mysql=mysql@sha256:${HEX.slice(1)}:3306`, "the image needs a sha256 digest and a port"],
    [`mysql=mysql@sha256:${HEX.toUpperCase()}:3306`, "the image needs a sha256 digest and a port"],
    [`mysql=mysql@sha512:${HEX}${HEX}:3306`, "the image needs a sha256 digest and a port"],
    [`=mysql@sha256:${HEX}:3306`, "the name '' is not a lowercase DNS label"],
    [`MySQL=mysql@sha256:${HEX}:3306`, "the name 'MySQL' is not a lowercase DNS label"],
    [`my_sql=mysql@sha256:${HEX}:3306`, "the name 'my_sql' is not a lowercase DNS label"],
    [`1db=mysql@sha256:${HEX}:3306`, "the name '1db' is not a lowercase DNS label"],
    [`db-=mysql@sha256:${HEX}:3306`, "the name 'db-' is not a lowercase DNS label"],
    [`${"a".repeat(64)}=mysql@sha256:${HEX}:3306`, "is not a lowercase DNS label"],
    [`localhost=mysql@sha256:${HEX}:3306`, "the name 'localhost' is not a lowercase DNS label"],
    [`db;id=mysql@sha256:${HEX}:3306`, "the name 'db;id' is not a lowercase DNS label"],
    [`db=$(id)@sha256:${HEX}:3306`, "'$(id)' is not an image reference"],
    [`db=My/Image@sha256:${HEX}:3306`, "'My/Image' is not an image reference"],
    [`db=mysql 8@sha256:${HEX}:3306`, "'mysql 8' is not an image reference"],
    [`db=mysql@sha256:${HEX}@sha256:${HEX}:3306`, "is not an image reference"],
    [`db=https://mysql@sha256:${HEX}:3306`, "is not an image reference"],
    [`db=mysql@sha256:${HEX}:0`, "the port '0' is not 1 to 65535"],
    [`db=mysql@sha256:${HEX}:65536`, "the port '65536' is not 1 to 65535"],
    [`db=mysql@sha256:${HEX}:03306`, "the port '03306' is not 1 to 65535"],
    [`db=mysql@sha256:${HEX}:99999999999999999999`, "the port '99999999999999999999' is not 1 to 65535"],
    [`db=mysql@sha256:${HEX}:-1`, "not in the expected form"],
    [`db=mysql@sha256:${HEX}:3306\n`, "not in the expected form"],
    [`db=mysql@sha256:${HEX}:3306/udp`, "not in the expected form"],
  ])("refuses %j: %s", (value, why) => {
    let message = "";
    try {
      parseGenericService(value);
    } catch (err) {
      expect((err as Error).name).toBe("InputError");
      message = (err as Error).message;
    }
    expect(message).toContain(`Invalid --services entry '${value}': `);
    expect(message).toContain(why);
    expect(message).toContain("Expected NAME=IMAGE@sha256:<64 hex>:PORT, e.g. mysql=mysql:8.4@sha256:");
  });
});

describe("known and other services in one --services list", () => {
  const generic = (name: string) => `${name}=valkey@sha256:${HEX}:6379`;

  it("is nothing when neither is given", () => {
    expect(parseServices([])).toEqual([]);
  });

  it("keeps them in the order given", () => {
    expect(parseServices(["redis,postgres", generic("cache")]).map((s) => s.name)).toEqual([
      "redis",
      "postgres",
      "cache",
    ]);
    expect(parseServices([generic("cache"), "redis"]).map((s) => s.name)).toEqual(["cache", "redis"]);
  });

  it("refuses two services under one name, known or not", () => {
    expect(() => parseServices(["postgres", generic("postgres")])).toThrow(
      "Service 'postgres' is given twice in --services. Expected each name once.",
    );
    expect(() => parseServices([generic("a"), generic("a")])).toThrow("Service 'a' is given twice");
  });

  it(`refuses more than ${MAX_SERVICES}`, () => {
    const many = Array.from({ length: MAX_SERVICES }, (_, i) => generic(`s${i}`));
    expect(parseServices(many)).toHaveLength(MAX_SERVICES);
    expect(() => parseServices(["redis", ...many])).toThrow(
      `${MAX_SERVICES + 1} services given. Expected at most ${MAX_SERVICES}`,
    );
  });
});

describe("a service that never became ready", () => {
  const specs = parseServices(["postgres", "redis", `cache=valkey@sha256:${HEX}:6379`]);
  const check = (ready: string | undefined) => ["/bin/sh", "-c", ready ?? ""];

  it("is the service whose own readiness command the engine's failed check ran, with that command's output", () => {
    const err = { cmd: check(KNOWN_SERVICES.redis?.ready), stdout: "LOADING Redis is loading", stderr: "" };
    expect(notReadyFrom(specs, err)).toEqual({
      service: "redis",
      timeoutSeconds: 90,
      last: "LOADING Redis is loading",
    });
    const pg = {
      cmd: check(KNOWN_SERVICES.postgres?.ready),
      stdout: "127.0.0.1:5432 - no response",
      stderr: "x",
    };
    expect(notReadyFrom(specs, pg, 5)).toEqual({
      service: "postgres",
      timeoutSeconds: 5,
      last: "127.0.0.1:5432 - no response\nx",
    });
  });

  it.each([
    ["the tests' own exec", { cmd: ["sh", "-c", "set -u\nmkdir -p /out"], stdout: "", stderr: "" }],
    ["an exec error without its command", { stdout: "", stderr: "" }],
    ["a command no service runs", { cmd: check("true"), stdout: "", stderr: "" }],
  ])("is no service for %s", (_, err) => {
    expect(notReadyFrom(specs, err)).toBeUndefined();
  });

  it("says which service, how long it was given and what it last saw, on one line", () => {
    expect(
      notReadyMessage({
        service: "postgres",
        timeoutSeconds: 90,
        last: "NotReady: the database system is starting up\n",
      }),
    ).toBe(
      "service postgres never became ready within 90s (last output: NotReady: the database system is starting up)",
    );
    expect(notReadyMessage({ service: "db", timeoutSeconds: 5, last: "a  \n\t b" })).toBe(
      "service db never became ready within 5s (last output: a b)",
    );
    expect(notReadyMessage({ service: "db", timeoutSeconds: 5, last: "  " })).toBe(
      "service db never became ready within 5s (last output: none)",
    );
    expect(notReadyMessage({ service: "db", timeoutSeconds: 5, last: "x".repeat(1000) })).toHaveLength(
      "service db never became ready within 5s (last output: )".length + 300,
    );
  });
});

/** `${NAME}` as --env takes it: a service variable's reference. */
const ref = (name: string) => ["$", "{", name, "}"].join("");

describe("parseTestEnv", () => {
  const postgres = [KNOWN_SERVICES.postgres as never];

  it("keeps values as written, resolving a service variable's reference only", () => {
    expect(
      parseTestEnv(
        [
          `DB=${ref("DATABASE_URL")}?sslmode=disable`,
          `HOST=${ref("POSTGRES_HOST")}:${ref("POSTGRES_PORT")}`,
          "KEY=a=b $HOME",
          "EMPTY=",
        ],
        postgres,
      ),
    ).toEqual({
      DB: "postgresql://postgres:postgres@postgres:5432/test?sslmode=disable",
      HOST: "postgres:5432",
      KEY: "a=b $HOME",
      EMPTY: "",
    });
  });

  it.each([
    ["NOVALUE", "Invalid --env entry 'NOVALUE'. Expected NAME=value"],
    ["1X=y", "Invalid --env entry '1X'. Expected NAME=value"],
    ["A-B=y", "Invalid --env entry 'A-B'."],
    ["PATH=/x", "--env cannot set PATH: the pipeline's own tools use it."],
    ["PIPELINE_PROBE_OUT=/x", "--env cannot set PIPELINE_PROBE_OUT"],
    ["COVERAGE_FILE=/x", "--env cannot set COVERAGE_FILE"],
    [
      `U=${ref("REDIS_URL")}`,
      `--env U names ${ref("REDIS_URL")}, which no service gives. Expected one of the services' variables: DATABASE_URL, POSTGRES_HOST, POSTGRES_PORT.`,
    ],
  ])("refuses %s", (entry, message) => {
    expect(() => parseTestEnv([entry], postgres)).toThrow(message);
  });

  it("never echoes a value, and quotes at most 80 characters of a bad name", () => {
    expect(() => parseTestEnv(["=s3cret"], postgres)).toThrow("Invalid --env entry ''.");
    expect(() => parseTestEnv([`${"A-".repeat(60)}=x`], postgres)).toThrow(
      `Invalid --env entry '${"A-".repeat(40)}'.`,
    );
  });

  it("offers the services' variables sorted, or says there are none", () => {
    const both = [KNOWN_SERVICES.redis as never, KNOWN_SERVICES.postgres as never];
    expect(() => parseTestEnv([`X=${ref("NOPE")}`], both)).toThrow(
      "Expected one of the services' variables: DATABASE_URL, POSTGRES_HOST, POSTGRES_PORT, REDIS_HOST, REDIS_PORT, REDIS_URL.",
    );
    expect(() => parseTestEnv([`X=${ref("NOPE")}`], [])).toThrow(
      "Expected one of the services' variables: none: no --services given.",
    );
  });
});
