import { randomUUID } from "node:crypto";
import { dag, func, object, type Secret, type Service } from "@dagger.io/dagger";
import { commentOnPullRequest } from "./notify.js";
import { type RegistryAuth, requireAuth } from "./publish.js";
import { CD_MARKER, renderDeploySummary } from "./render.js";
import type { DeployStatus } from "./report.js";
import { errorText, InputError, type PipelineSettings, parseCommand } from "./settings.js";
import { branchTag, environmentFor, imageReference, parseRepository } from "./tags.js";

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
    // `from` on a digest is keyed on the digest alone, so the same smoke exec would replay its cached output
    // (engine at v0.21.8): a value that changes on every deploy makes it run for real.
    const output = (
      await image.withEnvVariable("PIPELINE_DEPLOY_RUN", randomUUID()).withExec(args).stdout()
    ).trim();
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(resolved)?.[1];
    return { passed: output === expected, output, ...(digest ? { digest } : {}) };
  } catch (err) {
    return { passed: false, output: `the deployment failed: ${errorText(err)}` };
  }
}

/** What `deploy` was asked, as typed. */
export type DeployArgs = {
  branch: string;
  repository: string;
  sha: string;
  digest: string;
  environment: string;
  runUrl: string;
  githubToken?: Secret;
  registryUsername: string;
  registryPassword?: Secret;
};

/**
 * Validate, pull and run, comment, then judge. The comment is posted before a failed deploy fails, so the
 * pull request says what happened either way.
 */
export async function runDeploy(settings: PipelineSettings, args: DeployArgs): Promise<Deployment> {
  const {
    branch,
    repository,
    sha,
    digest,
    environment,
    runUrl,
    githubToken,
    registryUsername,
    registryPassword,
  } = args;
  const { owner, repo } = parseRepository(repository);
  const env = environmentFor(branch, environment);
  const tagged = imageReference(settings.registry, owner, repo, branchTag(branch));
  const reference = digest ? pinnedReference(tagged, parseDigest(digest)) : tagged;
  // No credentials is a public pull; a username alone is a mistake worth naming.
  const auth =
    registryPassword || registryUsername
      ? requireAuth(registryUsername || owner, registryPassword, settings.registry)
      : undefined;

  const run = await deployImage(
    reference,
    settings.smokeCommand,
    settings.smokeExpect,
    auth,
    settings.registry,
  );
  const status: DeployStatus = {
    passed: run.passed,
    environment: env,
    branch,
    image: reference,
    ...(run.digest ? { digest: run.digest } : {}),
    command: settings.smokeCommand,
    expected: settings.smokeExpect,
    output: run.output,
    warnings: [],
    ...(runUrl ? { runUrl } : {}),
    ...(sha ? { sha } : {}),
  };
  if (githubToken && sha) {
    const result = await commentOnPullRequest(
      { repository, sha, branch, token: githubToken },
      CD_MARKER,
      renderDeploySummary(status),
    );
    status.warnings.push(...result.warnings);
  } else {
    status.warnings.push(
      githubToken
        ? "PR comment: no --sha given, so no pull request to find"
        : "PR comment: no --github-token given",
    );
  }
  const summary = renderDeploySummary(status);
  // The comment is posted first, so a failed deploy is reported on the PR before the call fails.
  if (!status.passed) throw new Error(`Deploy to ${env} failed.\n${summary}`);
  return Deployment.of(status, summary);
}
