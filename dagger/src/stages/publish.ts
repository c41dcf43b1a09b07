import { type Container, dag, type Secret, type Service } from "@dagger.io/dagger";
import type { ImageStatus } from "../report/types.js";
import { InputError } from "../settings/errors.js";
import { REGISTRY_IMAGE } from "../settings/pins.js";
import {
  branchTag,
  imageReference,
  PROTECTED_TAGS,
  parseRepository,
  runTag,
  shaTag,
} from "../settings/tags.js";

/**
 * An ephemeral registry inside the engine, for rehearsals: build -> publish -> deploy with no credentials and
 * nothing leaving the machine. Its address is `localhost:5000`, which the engine's resolver talks plain HTTP to.
 */
export const REHEARSAL_REGISTRY = "localhost:5000";

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
  /** branch tag first (it is the one a branch's users pull), then run-<id>-<attempt> (a CI run) or sha-<7> */
  tags: string[];
  addresses: string[];
  /** a protected tag (main, develop) this run may not move, with why */
  held?: string;
};

/**
 * Where the image goes: `<registry>/<owner>/<repo>:<branch tag>` and the run's own tag, owner and repo
 * lowercased. The run's own tag is `run-<id>-<attempt>` for a CI run (`run`), which no other run writes, else
 * (a run by hand) `sha-<7>`. Branch tags move only on a push run, or by hand for an unprotected branch: a pull
 * request run (whose commit a push run of its branch also builds) writes its run tag alone, and the `main` and
 * `develop` tags move only on a push (a pull request whose branch is called `develop` leaves `:develop` to what
 * was merged).
 */
export function planPublish(
  registry: string,
  repository: string,
  branch: string,
  sha: string,
  event = "",
  run = "",
): PublishPlan {
  const { owner, repo } = parseRepository(repository);
  if (branch.trim() === "") {
    throw new InputError("Missing --branch. Expected the branch being built, e.g. main.");
  }
  const branchTagName = branchTag(branch);
  const held = event === "push" ? false : event !== "" || PROTECTED_TAGS.includes(branchTagName);
  const own = run !== "" ? [runTag(run)] : sha.trim() ? [shaTag(sha)] : [];
  const tags = [...(held ? [] : [branchTagName]), ...own];
  if (tags.length === 0) {
    throw new InputError(
      `Nothing to push: the '${branchTagName}' tag moves only on a push run (--event push), and neither --run-id nor --sha was given for the run's own tag. Expected --sha, or --event push.`,
    );
  }
  return {
    registry,
    owner,
    repo,
    tags,
    addresses: tags.map((tag) => imageReference(registry, owner, repo, tag)),
    ...(held
      ? {
          held: `'${branchTagName}' not moved: only a push run of ${branchTagName} moves it (event: ${event || "none"})`,
        }
      : {}),
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
 * Pushes every variant under every tag of the plan and returns the first tag's address with its digest. The
 * password only ever travels as a Secret through withRegistryAuth. The run's own immutable tag is pushed first and
 * `beforeMovingTags` (signing) runs on its digest before any branch tag moves: a push or a signature that fails
 * halfway leaves at most an unsigned run or sha tag behind, never a branch tag that CD would pull.
 */
export async function pushImages(
  variants: [Container, ...Container[]],
  plan: PublishPlan,
  auth: RegistryAuth | undefined,
  registryService?: Service,
  beforeMovingTags?: (pinned: string) => Promise<void>,
): Promise<ImageStatus> {
  const [first, ...rest] = variants;
  // One variant is published as itself; several become one multi-platform index.
  let publisher = rest.length === 0 ? first : dag.container();
  if (auth) publisher = publisher.withRegistryAuth(plan.registry, auth.username, auth.password);
  const opts = {
    ...(rest.length > 0 ? { platformVariants: variants } : {}),
    ...(registryService ? { registryService } : {}),
  };
  const order = [...plan.addresses].reverse(); // the run's own tag (when there is one) first, the branch tag last
  const pushed: string[] = [];
  for (const address of order) {
    const reference = await publisher.publish(address, opts);
    if (pushed.length === 0 && beforeMovingTags) await beforeMovingTags(pinned(reference));
    pushed.unshift(reference);
  }
  const [reference] = pushed;
  if (reference === undefined) throw new Error("Nothing to publish: the plan names no tag.");
  const digest = reference.includes("@") ? reference.slice(reference.indexOf("@") + 1) : undefined;
  return { reference, ...(digest ? { digest } : {}), published: true, tags: plan.tags };
}

/** GHCR's page of the package a repository publishes (GitHub redirects it to the owner's package page). */
export function packagePage(plan: PublishPlan): string | undefined {
  if (plan.registry !== "ghcr.io") return undefined;
  const repo = plan.repo.toLowerCase();
  return `https://github.com/${plan.owner}/${plan.repo}/pkgs/container/${encodeURIComponent(repo)}`;
}

/** `ghcr.io/o/r:tag@sha256:…` -> `ghcr.io/o/r@sha256:…`: what a signature is attached to. */
export function pinned(reference: string): string {
  const at = reference.indexOf("@");
  if (at === -1) throw new Error(`The registry returned '${reference}' without a digest.`);
  const name = reference.slice(0, at);
  const slash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  return `${colon > slash ? name.slice(0, colon) : name}${reference.slice(at)}`;
}
