import { dag, func, object, type Service } from "@dagger.io/dagger";
import type { RegistryAuth } from "./publish.js";
import type { DeployStatus } from "./report.js";
import { errorText, InputError, parseCommand } from "./settings.js";

/** What `deploy` did: where, which image, what the smoke command printed. */
@object()
export class Deployment {
  /** true when the image ran and printed what was expected */
  @func() passed = false;
  /** production, staging or preview (or the --environment given) */
  @func() environment = "";
  /** the reference that was pulled */
  @func() image = "";
  /** the image's digest, sha256:… */
  @func() digest = "";
  /** what the smoke command printed (trimmed) */
  @func() output = "";
  /** problems that did not change the verdict, e.g. a PR comment that could not be posted */
  @func() warnings: string[] = [];
  /** the deployment as markdown (the CD comment's body) */
  @func() summary = "";

  static of(status: DeployStatus, summary: string): Deployment {
    return Object.assign(new Deployment(), {
      passed: status.passed,
      environment: status.environment,
      image: status.image,
      digest: status.digest ?? "",
      output: status.output,
      warnings: status.warnings,
      summary,
    });
  }
}

/** `sha256:` and 64 hex: the only digest form a pull by digest accepts. */
export function parseDigest(digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new InputError(
      `Invalid digest '${digest}'. Expected sha256: followed by 64 lowercase hex characters.`,
    );
  }
  return digest;
}

/** `ghcr.io/o/r:main` pinned to a digest becomes `ghcr.io/o/r@sha256:…` (the tag no longer matters). */
export function pinnedReference(address: string, digest: string): string {
  const name = address.replace(/@sha256:[0-9a-f]{64}$/, "");
  const lastSlash = name.lastIndexOf("/");
  const colon = name.lastIndexOf(":");
  const repository = colon > lastSlash ? name.slice(0, colon) : name;
  return `${repository}@${parseDigest(digest)}`;
}

/**
 * Pulls the image and runs the smoke command in it, exactly as a user of the image would. A pull or run
 * failure is a failed deployment with the reason as its output, not an exception: the CD comment still says
 * what happened.
 */
export async function deployImage(
  reference: string,
  command: string,
  expected: string,
  auth: RegistryAuth | undefined,
  registry: string,
  registryService?: Service,
): Promise<{ passed: boolean; output: string; digest?: string }> {
  const args = parseCommand(command);
  try {
    let base = dag.container();
    if (auth) base = base.withRegistryAuth(registry, auth.username, auth.password);
    const image = base.from(reference, registryService ? { registryService } : {});
    const resolved = await image.imageRef();
    const output = (await image.withExec(args).stdout()).trim();
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(resolved)?.[1];
    return { passed: output === expected, output, ...(digest ? { digest } : {}) };
  } catch (err) {
    return { passed: false, output: `the deployment failed: ${errorText(err)}` };
  }
}
