import { type Container, dag, type Service } from "@dagger.io/dagger";
import { SERVICE_READY_TIMEOUT_SECONDS, type ServiceSpec } from "../settings/services.js";

/**
 * One leg's instance of a service, started with the image's own entrypoint. `leg` goes into the definition: the
 * engine shares one instance between identical definitions, and no two legs (nor a fresh rerun) may share a
 * database. Readiness is the engine's health check: the service's own command (pg_isready, redis-cli ping) run
 * in its container until it succeeds, failures allowed for `timeoutSeconds` (docs/engine-notes.md: Services).
 */
export function serviceFor(
  spec: ServiceSpec,
  leg: string,
  timeoutSeconds = SERVICE_READY_TIMEOUT_SECONDS,
): Service {
  let ctr = dag.container().from(spec.image);
  for (const [name, value] of Object.entries(spec.env)) ctr = ctr.withEnvVariable(name, value);
  ctr = ctr.withEnvVariable("PIPELINE_SERVICE_FOR", leg).withExposedPort(spec.port);
  if (spec.ready !== undefined) {
    ctr = ctr.withDockerHealthcheck([spec.ready], {
      shell: true,
      interval: "1s",
      startPeriod: `${timeoutSeconds}s`,
      retries: 1,
    });
  }
  return ctr.asService({ useEntrypoint: true });
}

/** The test container with every service bound under its name and the tests' environment set. */
export function withServices(
  ctr: Container,
  specs: readonly ServiceSpec[],
  leg: string,
  timeoutSeconds = SERVICE_READY_TIMEOUT_SECONDS,
): Container {
  let out = ctr;
  for (const spec of specs) {
    out = out.withServiceBinding(spec.name, serviceFor(spec, leg, timeoutSeconds));
    for (const [name, value] of Object.entries(spec.testEnv)) out = out.withEnvVariable(name, value);
  }
  return out;
}
