import { type Container, dag, type Secret, type Service } from "@dagger.io/dagger";
import type { ImageStatus } from "../report/types.js";
import { InputError } from "../settings/errors.js";
import { REGISTRY_IMAGE } from "../settings/pins.js";
import { type Release, releaseTags } from "../settings/release.js";
import {
  branchTag,
  imageReference,
  PROTECTED_TAGS,
  parseRepository,
  runTag,
  shaTag,
} from "../settings/tags.js";

/** Rehearsals push here: no credentials, nothing leaves the machine (docs/engine-notes.md: Dagger engine). */
export const REHEARSAL_REGISTRY = "localhost:5000";

/** Storage is a cache volume: the service stops between the push and the pull. */
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
  /** the one its users pull first (the branch's, or the release's version), then moving ones, then `own` */
  tags: string[];
  addresses: string[];
  /** the run's immutable tag: pushed and signed before any other */
  own?: string;
  held?: string;
  /** the moving tags come from the repository's tags (withReleaseTags) */
  release?: Release;
  /** one app of several: its image is named under the repository's (settings/tags.ts appImagePath) */
  path?: string;
};

/** Branch tags move only on a push run, or by hand for an unprotected branch; a release's only on a push of its tag. */
export function planPublish(
  registry: string,
  repository: string,
  branch: string,
  sha: string,
  event = "",
  run = "",
  release?: Release,
  path = "",
): PublishPlan {
  const { owner, repo: name } = parseRepository(repository);
  const plan = { registry, owner, repo: name, ...(path === "" ? {} : { path }), tags: [], addresses: [] };
  const own = () => (run !== "" ? runTag(run) : sha.trim() ? shaTag(sha) : undefined);
  if (release) {
    if (event !== "push" && event !== "") {
      throw new InputError(
        `--release ${release.tag} publishes only from a push of its tag (this run's event: ${event}). Expected --event push, or no --release.`,
      );
    }
    return withTags({ ...plan, release }, [release.version], own());
  }
  if (branch.trim() === "") {
    throw new InputError(
      "Missing --branch. Expected the branch being built, e.g. main, or --release with a version tag, e.g. v1.2.3.",
    );
  }
  const tag = branchTag(branch);
  const held = event === "push" ? false : event !== "" || PROTECTED_TAGS.includes(tag);
  const ownTag = own();
  if (held && ownTag === undefined) {
    throw new InputError(
      `Nothing to push: the '${tag}' tag moves only on a push run (--event push), and neither --run-id nor --sha was given for the run's own tag. Expected --sha, or --event push.`,
    );
  }
  if (!held) return withTags(plan, [tag], ownTag);
  const why = `'${tag}' not moved: only a push run of ${tag} moves it (event: ${event || "none"})`;
  return withTags({ ...plan, held: why }, [], ownTag);
}

function withTags(plan: PublishPlan, tags: string[], own: string | undefined): PublishPlan {
  const all = own === undefined ? tags : [...tags, own];
  return {
    ...plan,
    tags: all,
    addresses: all.map((tag) => imageReference(plan.registry, plan.owner, plan.repo, tag, plan.path)),
    ...(own === undefined ? {} : { own }),
  };
}

/** A release's X.Y, X and latest, each only when no newer final release of the repository holds it. */
export function withReleaseTags(plan: PublishPlan, existing: readonly string[]): PublishPlan {
  if (!plan.release) return plan;
  const { tags, held } = releaseTags(plan.release, existing);
  return {
    ...withTags(plan, tags, plan.own),
    ...(held.length > 0 ? { held: held.join("; ") } : {}),
  };
}

export type RegistryAuth = { username: string; password: Secret };

/** The constructor's event, registry login, GitHub token and signing secrets, as publish, ci and deploy take them. */
export type Credentials = {
  event?: string;
  registryUsername: string;
  registryPassword?: Secret;
  githubToken?: Secret;
  oidcRequestUrl?: string;
  oidcRequestToken?: Secret;
  cosignKey?: Secret;
  cosignPassword?: Secret;
};

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

/** The run's own tag is pushed and signed first: a failure never leaves a branch tag that CD would pull. */
export async function pushImages(
  variants: [Container, ...Container[]],
  plan: PublishPlan,
  auth: RegistryAuth | undefined,
  registryService?: Service,
  beforeMovingTags?: (pinned: string) => Promise<void>,
): Promise<ImageStatus> {
  const [first, ...rest] = variants;
  let publisher = rest.length === 0 ? first : dag.container();
  if (auth) publisher = publisher.withRegistryAuth(plan.registry, auth.username, auth.password);
  const opts = {
    ...(rest.length > 0 ? { platformVariants: variants } : {}),
    ...(registryService ? { registryService } : {}),
  };
  // the run's own tag (when there is one) first, then in the plan's order: a version before what moves to it
  const order = [...plan.addresses.keys()];
  if (plan.own) order.unshift(order.pop() as number);
  const pushed: string[] = [];
  for (const i of order) {
    const reference = await publisher.publish(plan.addresses[i] as string, opts);
    if (i === order[0] && beforeMovingTags) await beforeMovingTags(pinned(reference));
    pushed[i] = reference;
  }
  const [reference] = pushed;
  // Stryker disable next-line StringLiteral: unreachable: planPublish refuses a plan with no tag
  if (reference === undefined) throw new Error("Nothing to publish: the plan names no tag.");
  const digest = reference.includes("@") ? reference.slice(reference.indexOf("@") + 1) : undefined;
  return { reference, ...(digest ? { digest } : {}), published: true, tags: plan.tags };
}

/** GitHub redirects this URL to the owner's package page (docs/engine-notes.md: GitHub). */
export function packagePage(plan: PublishPlan): string | undefined {
  if (plan.registry !== "ghcr.io") return undefined;
  const name = `${plan.repo}${plan.path ? `/${plan.path}` : ""}`.toLowerCase();
  return `https://github.com/${plan.owner}/${plan.repo}/pkgs/container/${encodeURIComponent(name)}`;
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
