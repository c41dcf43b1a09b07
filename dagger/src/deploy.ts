import { randomUUID } from "node:crypto";
import { dag, type File, func, object, type Secret, type Service } from "@dagger.io/dagger";
import { parseGitHubApiUrl } from "./github.js";
import { commentOnPullRequest } from "./notify.js";
import { type RegistryAuth, requireAuth } from "./publish.js";
import { CD_MARKER, renderDeploySummary } from "./render.js";
import type { DeployStatus } from "./report.js";
import { errorText, InputError, type PipelineSettings, parseCommand } from "./settings.js";
import { signingIdentity, type Verifier, verifyImage } from "./sign.js";
import { environmentFor, imageReference, parseEvent, parseRepository, shaTag } from "./tags.js";

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
  /** what the smoke command printed (trimmed), or why the image was refused */
  @func() output = "";
  /** what the signature check established, e.g. "signed by ^https://github.com/o/r/... (issuer ...)" */
  @func() signature = "";
  /** problems that did not change the verdict, e.g. a PR comment that could not be posted */
  @func() warnings: string[] = [];
  /** the deployment as markdown (the CD comment's body) */
  @func() summary = "";

  static of(status: DeployStatus, summary: string): Deployment {
    const d = new Deployment();
    d.passed = status.passed;
    d.environment = status.environment;
    d.image = status.image;
    d.digest = status.digest ?? "";
    d.output = status.output;
    d.signature = status.signature ?? "";
    d.warnings = status.warnings;
    d.summary = summary;
    return d;
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

/** What must hold before a pulled image may run: its signature, and the commit its label names. */
export type DeployChecks = {
  /** verify the signature this way; absent: not verified (a rehearsal, or --allow-unsigned) */
  verifier?: Verifier;
  /** the full commit SHA the image's org.opencontainers.image.revision label must carry */
  revision?: string;
};

export type DeployRun = {
  passed: boolean;
  output: string;
  digest?: string;
  /** what the signature check established, or why there was none */
  signature?: string;
  /** the revision label the image carries */
  revision?: string;
};

/**
 * Pulls the image, resolves it to its digest, and only then checks it (signature, revision label) and runs the
 * smoke command in it by that digest, exactly as a user of the image would. A refused image never runs. A pull,
 * check or run failure is a failed deployment with the reason as its output, not an exception: the CD comment
 * still says what happened.
 */
export async function deployImage(
  reference: string,
  command: string,
  expected: string,
  auth: RegistryAuth | undefined,
  registry: string,
  registryService?: Service,
  checks: DeployChecks = {},
): Promise<DeployRun> {
  const args = parseCommand(command);
  const facts: Omit<DeployRun, "passed" | "output"> = {};
  try {
    let base = dag.container();
    if (auth) base = base.withRegistryAuth(registry, auth.username, auth.password);
    const resolved = await base.from(reference, registryService ? { registryService } : {}).imageRef();
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(resolved)?.[1];
    if (digest) facts.digest = digest;
    // Everything below is about this digest: a tag that moves meanwhile changes nothing.
    const exact = digest ? pinnedReference(reference, digest) : reference;
    if (checks.verifier) {
      try {
        facts.signature = await verifyImage(exact, checks.verifier, registry, auth);
      } catch (err) {
        return {
          passed: false,
          output: `refused: the signature of ${exact} does not verify: ${errorText(err)}`,
          ...facts,
        };
      }
    } else {
      facts.signature = "not verified";
    }
    const image = base.from(exact, registryService ? { registryService } : {});
    if (checks.revision !== undefined) {
      const label = (await image.label(REVISION_LABEL)).trim();
      facts.revision = label;
      if (label.toLowerCase() !== checks.revision.toLowerCase()) {
        return {
          passed: false,
          output: `refused: ${exact} was built from ${label ? `commit ${label}` : "an unknown commit (no revision label)"}, not ${checks.revision}`,
          ...facts,
        };
      }
    }
    // `from` on a digest is keyed on the digest alone, so the same smoke exec would replay its cached output
    // (engine at v0.21.8): a value that changes on every deploy makes it run for real.
    const output = (
      await image.withEnvVariable("PIPELINE_DEPLOY_RUN", randomUUID()).withExec(args).stdout()
    ).trim();
    return { passed: output === expected, output, ...facts };
  } catch (err) {
    return { passed: false, output: `the deployment failed: ${errorText(err)}`, ...facts };
  }
}

/** The label CI's build writes from the commit it built (Dockerfile ARG REVISION). */
export const REVISION_LABEL = "org.opencontainers.image.revision";

/** What `deploy` was asked, as typed. */
export type DeployArgs = {
  branch: string;
  repository: string;
  sha: string;
  digest: string;
  environment: string;
  event: string;
  runUrl: string;
  githubApiUrl: string;
  githubToken?: Secret;
  registryUsername: string;
  registryPassword?: Secret;
  allowUnsigned: boolean;
  cosignPublicKey?: File;
};

/** Read -> plan: what to pull and what must hold, every argument checked before anything is pulled. */
export function planDeploy(settings: PipelineSettings, args: DeployArgs) {
  const { owner, repo } = parseRepository(args.repository);
  const event = parseEvent(args.event);
  const environment = environmentFor(args.branch, args.environment, event);
  if (args.sha === "" && args.digest === "") {
    throw new InputError(
      "deploy needs the commit CI built. Expected --sha <40-hex commit> (the image CI pushed as sha-<7>), or --digest sha256:<64 hex>.",
    );
  }
  if (args.sha !== "" && !/^[0-9a-fA-F]{40}$/.test(args.sha)) {
    throw new InputError(
      `Invalid --sha '${args.sha.slice(0, 80)}'. Expected the full 40-hex commit id, e.g. "$(git rev-parse HEAD)": the image's revision label is compared with it.`,
    );
  }
  const name = `${settings.registry}/${owner.toLowerCase()}/${repo.toLowerCase()}`;
  const reference = args.digest
    ? `${name}@${parseDigest(args.digest)}`
    : imageReference(settings.registry, owner, repo, shaTag(args.sha));
  // No credentials is a public pull; a username alone is a mistake worth naming.
  const auth =
    args.registryPassword || args.registryUsername
      ? requireAuth(args.registryUsername || owner, args.registryPassword, settings.registry)
      : undefined;
  const apiUrl = args.githubApiUrl === "" ? undefined : parseGitHubApiUrl(args.githubApiUrl);
  const verifier: Verifier | undefined = args.allowUnsigned
    ? undefined
    : args.cosignPublicKey
      ? { kind: "key", publicKey: args.cosignPublicKey }
      : {
          kind: "keyless",
          ...signingIdentity({
            repository: args.repository,
            branch: args.branch,
            event,
            ...(apiUrl ? { apiUrl } : {}),
          }),
        };
  return { environment, reference, auth, apiUrl, verifier, event };
}

/**
 * Validate, pull, verify and run, comment, then judge. The summary is rendered once: it is the comment's body
 * and the result's summary. The comment is posted before a failed deploy fails, so the pull request says what
 * happened either way.
 */
export async function runDeploy(settings: PipelineSettings, args: DeployArgs): Promise<Deployment> {
  const { branch, repository, sha, runUrl, githubToken } = args;
  const plan = planDeploy(settings, args);
  const run = await deployImage(
    plan.reference,
    settings.smokeCommand,
    settings.smokeExpect,
    plan.auth,
    settings.registry,
    undefined,
    { ...(plan.verifier ? { verifier: plan.verifier } : {}), ...(sha ? { revision: sha } : {}) },
  );
  const status: DeployStatus = {
    passed: run.passed,
    environment: plan.environment,
    branch,
    image: plan.reference,
    ...(run.digest ? { digest: run.digest } : {}),
    signature: args.allowUnsigned ? "not verified (--allow-unsigned)" : (run.signature ?? "not verified"),
    ...(run.revision !== undefined ? { revision: run.revision } : {}),
    command: settings.smokeCommand,
    expected: settings.smokeExpect,
    output: run.output,
    warnings: [],
    ...(runUrl ? { runUrl } : {}),
    ...(sha ? { sha } : {}),
  };
  if (!githubToken) status.warnings.push("PR comment: no --github-token given");
  else if (!sha) status.warnings.push("PR comment: no --sha given, so no pull request to find");
  const summary = renderDeploySummary(status);
  if (githubToken && sha) {
    const result = await commentOnPullRequest(
      { repository, sha, branch, token: githubToken, ...(plan.apiUrl ? { apiUrl: plan.apiUrl } : {}) },
      CD_MARKER,
      summary,
    );
    // The comment cannot report its own failure: it goes to the result's warnings and the log.
    status.warnings.push(...result.warnings);
    for (const w of result.warnings) process.stderr.write(`warning: ${w}\n`);
  }
  // The comment is posted first, so a failed deploy is reported on the PR before the call fails.
  if (!status.passed) throw new Error(`Deploy to ${plan.environment} failed: ${run.output}\n${summary}`);
  return Deployment.of(status, summary);
}
