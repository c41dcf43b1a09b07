import type { File } from "@dagger.io/dagger";
import { parseGitHubApiUrl } from "../github/client.js";
import { commentOnPullRequest } from "../github/notify.js";
import { CD_MARKER, renderDeploySummary } from "../report/render-deploy.js";
import type { DeployStatus } from "../report/types.js";
import { InputError } from "../settings/errors.js";
import { parseRelease } from "../settings/release.js";
import {
  branchTag,
  environmentFor,
  imageName,
  imageReference,
  type ProductionFrom,
  parseEvent,
  parseRepository,
  runTag,
  shaTag,
} from "../settings/tags.js";
import type { PipelineSettings } from "../settings/validate.js";
import { deployImage, parseDigest } from "../stages/deploy.js";
import { type Credentials, requireAuth } from "../stages/publish.js";
import { signingIdentity, type Verifier } from "../stages/sign.js";

export type DeployArgs = Credentials & {
  branch: string;
  /** a release's git tag, e.g. v1.2.3: its X.Y.Z image, signed by the push of that tag */
  release?: string;
  /** where production deploys come from (default main) */
  productionFrom?: ProductionFrom;
  repository: string;
  sha: string;
  /** the CI run that built the image, <id>-<attempt>; "": none */
  run?: string;
  digest: string;
  environment: string;
  runUrl: string;
  githubApiUrl: string;
  allowUnsigned: boolean;
  cosignPublicKey?: File;
  /** OWNER/REPO/.github/workflows/FILE.yml@REF, when the signing workflow lives in another repository */
  signerWorkflow?: string;
};

/** Every argument is checked before anything is pulled. */
export function planDeploy(settings: PipelineSettings, args: DeployArgs) {
  const { owner, repo } = parseRepository(args.repository);
  const release = args.release ? parseRelease(args.release) : undefined;
  if (release && args.branch.trim() !== "") {
    throw new InputError(
      `--branch ${args.branch} and --release ${release.tag} exclude each other. Expected one of them: a release's image was built from its tag.`,
    );
  }
  if (!release && args.branch.trim() === "") {
    throw new InputError(
      "deploy needs --branch or --release. Expected the branch whose image to deploy, e.g. --branch main, or a release's tag, e.g. --release v1.2.3.",
    );
  }
  const event = parseEvent(args.event ?? "");
  const environment = environmentFor(args.branch, args.environment, event, {
    ...(release ? { release: release.tag } : {}),
    ...(args.productionFrom ? { from: args.productionFrom } : {}),
  });
  if (args.sha !== "" && !/^[0-9a-fA-F]{40}$/.test(args.sha)) {
    throw new InputError(
      `Invalid --sha '${args.sha.slice(0, 80)}'. Expected the full 40-hex commit id, e.g. "$(git rev-parse HEAD)": the image's revision label is compared with it.`,
    );
  }
  const path = settings.imagePath ?? "";
  const name = imageName(settings.registry, owner, repo, path);
  const run = args.run ?? "";
  const tag = run
    ? runTag(run)
    : (release?.version ?? (args.sha ? shaTag(args.sha) : branchTag(args.branch)));
  const reference = args.digest
    ? `${name}@${parseDigest(args.digest)}`
    : imageReference(settings.registry, owner, repo, tag, path);
  // by hand, a branch's moving tag was written and signed by that branch's push run, a release by its tag's
  const byHand = event === "" && args.digest === "" && run === "";
  const signedBy = byHand && (release !== undefined || args.sha === "") ? "push" : event;
  // no credentials: a public pull; a username alone is a mistake requireAuth names
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
            ...(release ? { release: release.tag } : {}),
            event: signedBy,
            ...(apiUrl ? { apiUrl } : {}),
            ...(args.signerWorkflow ? { signerWorkflow: args.signerWorkflow } : {}),
          }),
        };
  return { environment, reference, auth, apiUrl, verifier, event, release };
}

/** The comment is posted before a failed deploy fails (index.ts), so the PR says what happened either way. */
export async function runDeploy(
  settings: PipelineSettings,
  args: DeployArgs,
): Promise<{ status: DeployStatus; summary: string }> {
  const { branch, repository, sha, runUrl, githubToken } = args;
  const plan = planDeploy(settings, args);
  const run = await deployImage(
    plan.reference,
    settings.smokeCommand,
    settings.smokeExpect,
    plan.auth,
    settings.registry,
    undefined,
    {
      ...(plan.verifier ? { verifier: plan.verifier } : {}),
      ...(sha ? { revision: sha } : {}),
      repository,
    },
  );
  const status: DeployStatus = {
    passed: run.passed,
    environment: plan.environment,
    branch,
    ...(plan.release ? { release: plan.release.tag } : {}),
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
    const comment = await commentOnPullRequest(
      { repository, sha, branch, token: githubToken, ...(plan.apiUrl ? { apiUrl: plan.apiUrl } : {}) },
      // one comment per app of several, each updated by its own deploys
      settings.imagePath ? CD_MARKER.replace(" -->", `:${settings.imagePath} -->`) : CD_MARKER,
      summary,
    );
    // a failed comment cannot report itself: say it in the warnings and the log
    if (!comment.posted) {
      status.warnings.push(comment.warning);
      process.stderr.write(`warning: ${comment.warning}\n`);
    }
  }
  return { status, summary };
}
