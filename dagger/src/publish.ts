import { type Container, dag, type Secret, type Service } from "@dagger.io/dagger";
import type { ImageStatus } from "./report.js";
import { InputError } from "./settings.js";
import { branchTag, imageReference, parseRepository, shaTag } from "./tags.js";

/**
 * An ephemeral registry inside the engine, for rehearsals: build -> publish -> deploy with no credentials and
 * nothing leaving the machine. Its address is `localhost:5000`, which the engine's resolver talks plain HTTP to.
 */
export const REHEARSAL_REGISTRY = "localhost:5000";
const REGISTRY_IMAGE =
  "registry:2.8.3@sha256:a3d8aaa63ed8681a604f1dea0aa03f100d5895b6a58ace528858a7b332415373";

/** The registry's storage is a cache volume: the service stops between the push and the pull. */
export function rehearsalRegistry(): Service {
  return dag
    .container()
    .from(REGISTRY_IMAGE)
    .withMountedCache("/var/lib/registry", dag.cacheVolume("pipeline-rehearsal-registry"))
    .withExposedPort(5000)
    .asService();
}

export type PublishPlan = {
  registry: string;
  owner: string;
  repo: string;
  /** branch tag first: it is the one deploy pulls */
  tags: string[];
  addresses: string[];
};

/** Where the image goes: `<registry>/<owner>/<repo>:<branch tag>` and `:sha-<7>`, owner and repo lowercased. */
export function planPublish(registry: string, repository: string, branch: string, sha: string): PublishPlan {
  const { owner, repo } = parseRepository(repository);
  if (branch.trim() === "") {
    throw new InputError("Missing --branch. Expected the branch being built, e.g. main.");
  }
  const tags = [branchTag(branch), ...(sha.trim() ? [shaTag(sha)] : [])];
  return {
    registry,
    owner,
    repo,
    tags,
    addresses: tags.map((tag) => imageReference(registry, owner, repo, tag)),
  };
}

export type RegistryAuth = { username: string; password: Secret };

/** A username without a password (or the reverse) is a mistake to name, not to ignore. */
export function requireAuth(
  username: string,
  password: Secret | undefined,
  registry: string,
): RegistryAuth | undefined {
  if (!username && !password) return undefined;
  if (!username) {
    throw new InputError(
      `Missing --registry-username for ${registry}. Expected the account that owns the token, e.g. your GitHub login.`,
    );
  }
  if (!password) {
    throw new InputError(
      `Missing --registry-password for ${registry}. Expected a secret, e.g. --registry-password=env:GITHUB_TOKEN.`,
    );
  }
  return { username, password };
}

/**
 * Pushes every variant under every tag of the plan and returns the branch tag's address with its digest. The
 * password only ever travels as a Secret through withRegistryAuth.
 */
export async function pushImages(
  variants: Container[],
  plan: PublishPlan,
  auth: RegistryAuth | undefined,
  registryService?: Service,
): Promise<ImageStatus> {
  const [first, ...rest] = variants;
  if (!first) throw new Error("Nothing to publish: no image was built.");
  // One variant is published as itself; several become one multi-platform index.
  let publisher = rest.length === 0 ? first : dag.container();
  if (auth) publisher = publisher.withRegistryAuth(plan.registry, auth.username, auth.password);
  const opts = {
    ...(rest.length > 0 ? { platformVariants: variants } : {}),
    ...(registryService ? { registryService } : {}),
  };
  // The branch tag goes last: it is what deploy pulls, so a push that breaks halfway leaves at most the
  // immutable sha-<7> tag behind, never a branch tag pointing at an image whose other tags are missing.
  const pushed: string[] = [];
  for (const address of [...plan.addresses].reverse()) {
    pushed.unshift(await publisher.publish(address, opts));
  }
  const reference = pushed[0] as string;
  const digest = reference.includes("@") ? reference.slice(reference.indexOf("@") + 1) : undefined;
  return { reference, ...(digest ? { digest } : {}), published: true, tags: plan.tags };
}
