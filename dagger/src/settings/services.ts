import { InputError } from "./errors.js";

/** Service containers for integration tests, as plain data: a bad value is refused before any container starts. */

export type ServiceSpec = {
  /** the host name the tests reach it by (the binding alias), a DNS label */
  name: string;
  /** repository[:tag]@sha256:<64 hex>: the digest is what runs */
  image: string;
  port: number;
  /** the service's own readiness command, run in its container by the engine; absent: the engine's port check */
  ready?: string;
  /** the service container's environment */
  env: Readonly<Record<string, string>>;
  /** what the tests get: `<NAME>_HOST`, `<NAME>_PORT`, and for a known service its usual URL */
  testEnv: Readonly<Record<string, string>>;
};

/** postgres 17.11 on Alpine, by its multi-platform index digest (docker-library/repo-info). */
export const POSTGRES_IMAGE =
  "postgres:17.11-alpine@sha256:b0f9560a2de083e2cc7382e75f808c7381a32852a7ec49117deedb300e552b24";

/** redis 7.4.11 on Alpine, by digest; built with protected mode off, so it answers other hosts without a password. */
export const REDIS_IMAGE =
  "redis:7.4.11-alpine@sha256:ff02b58f971e7d7d156a1267e283fcbbeee91773b6aa36c49dac28ecfe28eadf";

/** A throwaway of one leg, reachable from it alone; the entrypoint refuses to start without a password. */
const PG = { user: "postgres", password: "postgres", db: "test" };

/** The services `--services` knows, by name. Each name is also the host name the tests reach it by. */
export const KNOWN_SERVICES: Readonly<Record<string, ServiceSpec>> = {
  postgres: {
    name: "postgres",
    image: POSTGRES_IMAGE,
    port: 5432,
    // TCP, not the socket: the entrypoint's init server listens on the socket only (listen_addresses='')
    ready: `pg_isready -h 127.0.0.1 -U ${PG.user} -d ${PG.db}`,
    env: { POSTGRES_USER: PG.user, POSTGRES_PASSWORD: PG.password, POSTGRES_DB: PG.db },
    testEnv: {
      DATABASE_URL: `postgresql://${PG.user}:${PG.password}@postgres:5432/${PG.db}`,
      POSTGRES_HOST: "postgres",
      POSTGRES_PORT: "5432",
    },
  },
  redis: {
    name: "redis",
    image: REDIS_IMAGE,
    port: 6379,
    // redis-cli's exit status does not tell PONG from an error reply such as LOADING; the reply does
    ready: 'reply=$(redis-cli -h 127.0.0.1 ping 2>&1); echo "$reply"; [ "$reply" = PONG ]',
    env: {},
    testEnv: { REDIS_URL: "redis://redis:6379/0", REDIS_HOST: "redis", REDIS_PORT: "6379" },
  },
};

/** How many services one test leg may start: each is a container per leg, so six legs times this many. */
export const MAX_SERVICES = 8;

/** How long the engine waits for a known service's own readiness command to succeed. */
export const SERVICE_READY_TIMEOUT_SECONDS = 90;

const GENERIC_FORM = "NAME=IMAGE@sha256:<64 hex>:PORT, e.g. mysql=mysql:8.4@sha256:<64 hex>:3306";
const known = () => Object.keys(KNOWN_SERVICES).join(", ");

/** A DNS label (RFC 1123), lowercase, starting with a letter: it becomes a host name and an env prefix. */
const NAME = /^[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** Host names a binding must not shadow in the test container. */
const RESERVED = new Set(["localhost"]);
/** An image reference without digest: [registry[:port]/]path[:tag], as the distribution reference grammar allows. */
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const REFERENCE = new RegExp(
  `^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?/)?${COMPONENT}(?:/${COMPONENT})*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$`,
);
const GENERIC = /^([^=]*)=(.+)@sha256:([0-9a-f]{64}):([0-9]+)$/;

/** Known names in `--services`, comma-separated or repeated; unknown names are refused. */
function parseKnownServices(value: string): ServiceSpec[] {
  const specs: ServiceSpec[] = [];
  for (const name of value.split(",").map((v) => v.trim())) {
    if (name === "") continue;
    const spec = Object.hasOwn(KNOWN_SERVICES, name) ? KNOWN_SERVICES[name] : undefined;
    if (spec === undefined) {
      throw new InputError(
        `Unknown service '${name}' in --services. Expected a comma-separated list of: ${known()}, or ${GENERIC_FORM} for another image.`,
      );
    }
    specs.push(spec);
  }
  return specs;
}

/** The env prefix of a service name: `my-cache` -> `MY_CACHE`. */
export function envPrefix(name: string): string {
  return name.toUpperCase().replaceAll("-", "_");
}

/** A digest is required: a tag alone can move under the tests; readiness is the image's HEALTHCHECK, else its port. */
export function parseGenericService(value: string): ServiceSpec {
  const bad = (why: string) =>
    new InputError(`Invalid --services entry '${value}': ${why}. Expected ${GENERIC_FORM}.`);
  const match = GENERIC.exec(value);
  if (!match) {
    if (!value.includes("=")) throw bad("no NAME=");
    if (!/@sha256:[0-9a-f]{64}:/.test(value)) throw bad("the image needs a sha256 digest and a port");
    throw bad("not in the expected form");
  }
  // Stryker disable next-line StringLiteral: GENERIC always captures all four groups, so no default applies
  const [, name = "", reference = "", digest = "", portText = ""] = match;
  if (!NAME.test(name) || RESERVED.has(name)) {
    throw bad(`the name '${name}' is not a lowercase DNS label (a-z, 0-9, '-', starting with a letter)`);
  }
  if (!REFERENCE.test(reference)) throw bad(`'${reference}' is not an image reference`);
  const port = Number(portText);
  // Stryker disable next-line Regex: GENERIC lets only digits into the port, and port > 65535 refuses six digits alike
  if (!/^[1-9][0-9]{0,4}$/.test(portText) || port > 65535) {
    throw bad(`the port '${portText}' is not 1 to 65535`);
  }
  const prefix = envPrefix(name);
  return {
    name,
    image: `${reference}@sha256:${digest}`,
    port,
    env: {},
    testEnv: { [`${prefix}_HOST`]: name, [`${prefix}_PORT`]: String(port) },
  };
}

/** In the order given; a known service named twice is one, two services under one name are refused. */
export function parseServices(values: readonly string[]): ServiceSpec[] {
  const given = values.flatMap((v) =>
    v.includes("=") ? [parseGenericService(v.trim())] : parseKnownServices(v),
  );
  // a known service named twice is one service; two different ones under one name are a mistake
  const specs = given.filter((spec, i) => given.indexOf(spec) === i);
  const seen = new Set<string>();
  for (const spec of specs) {
    if (seen.has(spec.name)) {
      throw new InputError(`Service '${spec.name}' is given twice in --services. Expected each name once.`);
    }
    seen.add(spec.name);
  }
  if (specs.length > MAX_SERVICES) {
    throw new InputError(
      `${specs.length} services given. Expected at most ${MAX_SERVICES}: each one runs once per Python version.`,
    );
  }
  return specs;
}

/** What was seen of a service that never became ready. */
export type ServiceNotReady = { service: string; timeoutSeconds: number; last: string };

/** The service whose readiness command the engine's failed health check ran (its `cmd`); undefined for any other exec. */
export function notReadyFrom(
  specs: readonly ServiceSpec[],
  err: { cmd?: readonly string[]; stdout: string; stderr: string },
  timeoutSeconds = SERVICE_READY_TIMEOUT_SECONDS,
): ServiceNotReady | undefined {
  const command = err.cmd?.at(-1);
  const spec = specs.find((s) => s.ready !== undefined && s.ready === command);
  if (spec === undefined) return undefined;
  return { service: spec.name, timeoutSeconds, last: `${err.stdout}\n${err.stderr}`.trim() };
}

/** One line for the summary: `service postgres never became ready within 90s (last output: …)`. */
export function notReadyMessage(r: ServiceNotReady): string {
  const last = r.last.replace(/\s+/g, " ").trim().slice(0, 300);
  return `service ${r.service} never became ready within ${r.timeoutSeconds}s (last output: ${last || "none"})`;
}

/** A variable name the tests may be given: a shell name that no tool of the pipeline's containers relies on. */
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RESERVED_ENV =
  /^(PATH|HOME|PYTHONPATH|PYTHONHOME|VIRTUAL_ENV|COVERAGE_FILE|COVERAGE_CORE|UV_.*|PIPELINE_.*)$/;

/** `--env NAME=value` for the tests and the type check; `${NAME}` is a service's variable, e.g. `APP_DB_URL=${DATABASE_URL}`. */
export function parseTestEnv(
  values: readonly string[],
  services: readonly ServiceSpec[],
): Record<string, string> {
  const known: Record<string, string> = Object.assign({}, ...services.map((s) => s.testEnv));
  const env: Record<string, string> = {};
  for (const entry of values) {
    const at = entry.indexOf("=");
    const name = at < 0 ? entry : entry.slice(0, at);
    // Stryker disable next-line EqualityOperator: at 0 the name is '', which ENV_NAME refuses all the same
    if (at < 0 || !ENV_NAME.test(name)) {
      throw new InputError(
        `Invalid --env entry '${name.slice(0, 80)}'. Expected NAME=value, NAME a shell variable name, e.g. --env SECRET_KEY=test-only.`,
      );
    }
    if (RESERVED_ENV.test(name)) {
      throw new InputError(
        `--env cannot set ${name}: the pipeline's own tools use it. Expected another name for the tests' setting.`,
      );
    }
    env[name] = entry.slice(at + 1).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, ref: string) => {
      const value = Object.hasOwn(known, ref) ? known[ref] : undefined;
      if (value === undefined) {
        const offered = Object.keys(known).sort().join(", ") || "none: no --services given";
        throw new InputError(
          `--env ${name} names \${${ref}}, which no service gives. Expected one of the services' variables: ${offered}.`,
        );
      }
      return value;
    });
  }
  return env;
}
