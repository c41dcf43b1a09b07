import { type Container, dag } from "@dagger.io/dagger";
import { SERVICE_READY_TIMEOUT_SECONDS, type ServiceSpec } from "../settings/services.js";

/**
 * Every service bound under its name, started with its image's entrypoint, and the tests' environment set. `leg`
 * is in each definition: no two legs (nor a fresh rerun) may share an instance (docs/engine-notes.md: Services).
 */
export function withServices(ctr: Container, specs: readonly ServiceSpec[], leg: string): Container {
  let out = ctr;
  for (const spec of specs) {
    let svc = dag.container().from(spec.image);
    for (const [name, value] of Object.entries(spec.env)) svc = svc.withEnvVariable(name, value);
    svc = svc.withEnvVariable("PIPELINE_SERVICE_FOR", leg).withExposedPort(spec.port);
    if (spec.ready !== undefined) {
      svc = svc.withDockerHealthcheck([spec.ready], {
        shell: true,
        interval: "1s",
        startPeriod: `${SERVICE_READY_TIMEOUT_SECONDS}s`,
        retries: 1,
      });
    }
    out = out.withServiceBinding(spec.name, svc.asService({ useEntrypoint: true }));
    for (const [name, value] of Object.entries(spec.testEnv)) out = out.withEnvVariable(name, value);
  }
  return out;
}
