import { type Container, dag, type Service } from "@dagger.io/dagger";
import { NOT_READY_MARKER, SERVICE_READY_TIMEOUT_SECONDS, type ServiceSpec } from "../settings/services.js";

/**
 * Service containers for one test leg. What the engine does, read at dagger v0.21.8:
 * - Binding a service starts it when an exec of the bound container runs and detaches it 10s after that exec
 *   ends (`StartBindings`, `DetachGracePeriod` in core/services.go). The same service definition bound to
 *   several containers is ONE instance (services are keyed by definition), so each leg's service carries the
 *   leg in its definition (`PIPELINE_SERVICE_FOR`) and no two Python versions share a database.
 * - Before the bound exec starts, the engine health-checks every exposed port by dialling it, with an
 *   exponential backoff that gives up only after backoff/v4's default 15 minutes (`portHealthChecker` in
 *   core/healthcheck.go), then fails the exec with "health check errored". An open port is also not a ready
 *   server: docker-library/postgres' entrypoint initialises with a socket-only server (`listen_addresses=''`
 *   in docker_temp_server_start) and then execs the real one, which listens before it accepts connections
 *   (SQLSTATE 57P03, "the database system is starting up").
 * So the port is exposed with `experimentalSkipHealthcheck` and readiness is checked by {@link WAITER} inside
 * the test exec, before pytest, with its own timeout and its own report. Inside the same exec, not in an exec of
 * its own: a separate readiness exec would be cached and replayed without starting anything, and its instance
 * may be detached before the pytest exec binds a fresh one that nobody waited for.
 */

/** Where the readiness check is written in the test container. */
export const WAITER_PATH = "/opt/pipeline-probe/pipeline_services.py";

/**
 * One leg's instance of a service: the pinned image with its environment, started with the image's own
 * entrypoint and command (`asService` with `useEntrypoint`: core/container.go `AsService` prepends the entrypoint
 * to the default command). `leg` goes into the definition, so each leg (and each fresh rerun) gets its own.
 */
export function serviceFor(spec: ServiceSpec, leg: string): Service {
  let ctr = dag.container().from(spec.image);
  for (const [name, value] of Object.entries(spec.env)) ctr = ctr.withEnvVariable(name, value);
  return ctr
    .withEnvVariable("PIPELINE_SERVICE_FOR", leg)
    .withExposedPort(spec.port, { experimentalSkipHealthcheck: true })
    .asService({ useEntrypoint: true });
}

/** What the readiness check reads: every service's host, port and probe, in order. */
export function waiterConfig(specs: readonly ServiceSpec[]): string {
  return JSON.stringify(specs.map((s) => ({ name: s.name, host: s.name, port: s.port, probe: s.probe })));
}

/**
 * The test container with every service bound under its name, the tests' environment set, and the readiness
 * check in place. Nothing changes for an empty list: the container is returned as it came.
 */
export function withServices(
  ctr: Container,
  specs: readonly ServiceSpec[],
  leg: string,
  timeoutSeconds = SERVICE_READY_TIMEOUT_SECONDS,
): Container {
  if (specs.length === 0) return ctr;
  let out = ctr
    .withNewFile(WAITER_PATH, WAITER)
    .withEnvVariable("PIPELINE_SERVICES", waiterConfig(specs))
    .withEnvVariable("PIPELINE_SERVICES_TIMEOUT", String(timeoutSeconds));
  for (const spec of specs) {
    out = out.withServiceBinding(spec.name, serviceFor(spec, leg));
    for (const [name, value] of Object.entries(spec.testEnv)) out = out.withEnvVariable(name, value);
  }
  return out;
}

/**
 * The readiness check, standard library only (it runs on every matrix Python, 3.10 on). It waits for each
 * service in turn until one shared deadline; exit 0 when all are ready, else exit 3 after printing one
 * `PIPELINE_SERVICE_NOT_READY {"service","timeout","last"}` line: the service, the timeout and the last thing
 * its probe saw (a refused connection, the server's own "starting up" message).
 */
export const WAITER = `"""Waits until every service the tests need answers, or says which one never did."""
import json, os, socket, struct, sys, time


class NotReady(Exception):
    pass


def recv_some(sock, size):
    data = sock.recv(size)
    if not data:
        raise NotReady("the connection closed without a reply")
    return data


def postgres(sock):
    # A protocol 3.0 StartupMessage. 'R' (an authentication request) means the server takes connections; an
    # 'E' with SQLSTATE 57P03 means it is starting up. Any other error also proves a live server (pg_isready).
    body = struct.pack("!I", 196608) + b"user\\0postgres\\0database\\0postgres\\0\\0"
    sock.sendall(struct.pack("!I", len(body) + 4) + body)
    reply = recv_some(sock, 4096)
    kind = reply[:1]
    if kind == b"R":
        return
    if kind == b"E":
        fields = dict((f[:1], f[1:].decode("utf-8", "replace")) for f in reply[5:].split(b"\\0") if f)
        if fields.get(b"C") == "57P03":
            raise NotReady(fields.get(b"M", "the database system is starting up"))
        return
    raise NotReady("not a PostgreSQL reply: %r" % reply[:40])


def redis(sock):
    sock.sendall(b"PING\\r\\n")
    reply = recv_some(sock, 512).decode("utf-8", "replace").strip()
    if reply.startswith("+PONG") or reply.startswith("-NOAUTH"):
        return
    raise NotReady(reply or "no reply to PING")


def tcp(sock):
    return


PROBES = {"postgres": postgres, "redis": redis, "tcp": tcp}


def check(service, seconds):
    with socket.create_connection((service["host"], service["port"]), timeout=seconds) as sock:
        sock.settimeout(seconds)
        PROBES[service["probe"]](sock)


def main():
    services = json.loads(os.environ["PIPELINE_SERVICES"])
    timeout = float(os.environ.get("PIPELINE_SERVICES_TIMEOUT", "90"))
    deadline = time.monotonic() + timeout
    for service in services:
        last = "not tried"
        while True:
            try:
                check(service, max(0.1, min(3.0, deadline - time.monotonic())))
                print("service %s is ready" % service["name"], file=sys.stderr)
                break
            except (OSError, NotReady) as err:
                last = "%s: %s" % (type(err).__name__, err)
            if time.monotonic() >= deadline:
                shown = int(timeout) if timeout == int(timeout) else timeout
                report = {"service": service["name"], "timeout": shown, "last": last}
                print("${NOT_READY_MARKER} " + json.dumps(report), file=sys.stderr)
                return 3
            time.sleep(0.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
`;
