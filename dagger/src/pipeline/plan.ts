import { parseGitHubApiUrl } from "../github/client.js";
import type { CommentTarget } from "../github/notify.js";
import type { TagsSource } from "../github/tags.js";
import type { PullRequestChanges } from "../report/diff.js";
import { parseTypecheckMode, type TypecheckMode } from "../report/mypy.js";
import type { SeverityName } from "../settings/defaults.js";
import { InputError } from "../settings/errors.js";
import { parseRelease, type Release, requirePublishInputs } from "../settings/release.js";
import { branchTag, parseEvent, parseRepository } from "../settings/tags.js";
import {
  appName,
  type ImageSource,
  type PipelineSettings,
  parseDiffThreshold,
  parseSeverity,
} from "../settings/validate.js";
import type { ImageLabels } from "../stages/image.js";
import {
  type Credentials,
  type PublishPlan,
  planPublish,
  REHEARSAL_REGISTRY,
  type RegistryAuth,
  requireAuth,
} from "../stages/publish.js";
import type { SyncSpec, TestEnv } from "../stages/python.js";
import { planSigner, type Signer } from "../stages/sign.js";

/** The constructor's settings (versions and smokeCommand as the project decides them), and what ci adds. */
export type CiPlan = PipelineSettings & {
  sync: SyncSpec;
  testEnv?: TestEnv;
  /** mypy's Python; absent: the first matrix version */
  python?: { version: string; from: string };
  /** undefined: gate when the app configures mypy, else off */
  typecheck?: TypecheckMode;
  /** mypy's target when its config names none */
  packages?: string[];
  /** absent: no image, imageSkipped says why */
  image?: ImageSource;
  imageSkipped?: string;
  failOn?: SeverityName;
  labels: ImageLabels;
  /** the release's tags move past the repository's own tags (`tags`; none in a rehearsal) */
  publish?: {
    plan: PublishPlan;
    auth?: RegistryAuth;
    rehearsal: boolean;
    signer?: Signer;
    tags?: TagsSource;
  };
  /** `--release`: the app's version must equal it, even when nothing is published */
  release?: Release;
  /** the project's name when its version is dynamic: the engine reads what its build backend installs */
  dynamicVersionOf?: string;
  publishSkipped?: string;
  comment?: CommentTarget;
  commentSkipped?: string;
  /** undefined: report-only; changes are read with `comment`'s token, else commentSkipped is why there are none */
  diffThreshold?: number;
  runUrl?: string;
  sha?: string;
  branch?: string;
  event?: string;
  /** the image's name when it is not pushed */
  localName: string;
  /** one app of several: the run's one comment is posted by the whole (pipeline/apps.ts) */
  partOfMany?: boolean;
  /** the pull request's changes, read once for every app of several */
  changes?: Promise<PullRequestChanges>;
};

/** `ci`'s own flags; the rest comes from the constructor's settings. */
export type CiFlags = {
  publish: boolean;
  rehearse: boolean;
  sign: boolean;
  branch: string;
  sha: string;
  failOn?: string | undefined;
  /** 0 (or absent): report-only */
  diffThreshold?: number;
  /** off, report or gate */
  typecheck?: string | undefined;
  /** the git tag being released, e.g. v1.2.3 */
  release?: string;
};

/** Every argument is validated before any container starts. */
export function planCi(
  settings: PipelineSettings,
  args: CiFlags & Credentials & { repository: string; runUrl: string; githubApiUrl?: string },
): CiPlan {
  if (args.repository) parseRepository(args.repository);
  const diffThreshold = parseDiffThreshold(args.diffThreshold ?? 0);
  const typecheck = args.typecheck ? parseTypecheckMode(args.typecheck) : undefined;
  const event = parseEvent(args.event ?? "");
  const release = args.release ? parseRelease(args.release) : undefined;
  const apiUrl = args.githubApiUrl ? parseGitHubApiUrl(args.githubApiUrl) : undefined;
  const signer = planSigner({ ...args, apiUrl });
  const plan: CiPlan = {
    ...settings,
    sync: { groups: settings.groups, extras: settings.extras },
    ...(typecheck ? { typecheck } : {}),
    labels: {
      source: args.repository ? `https://github.com/${args.repository}` : "",
      revision: args.sha,
      created: args.publish || args.rehearse ? new Date().toISOString() : "",
    },
    localName: `${appName(settings.app)}:${release ? release.version : args.branch ? branchTag(args.branch) : "local"}`,
    ...(args.runUrl ? { runUrl: args.runUrl } : {}),
    ...(args.sha ? { sha: args.sha } : {}),
    ...(args.branch ? { branch: args.branch } : {}),
    ...(event ? { event } : {}),
    ...(release ? { release } : {}),
  };
  const failOn = parseSeverity(args.failOn ?? "", "--fail-on");
  if (failOn) plan.failOn = failOn;
  if (diffThreshold !== undefined) plan.diffThreshold = diffThreshold;

  if (args.publish && args.rehearse) {
    throw new InputError("--publish and --rehearse exclude each other. Expected one of them.");
  }
  if (args.rehearse) {
    const target = planPublish(
      REHEARSAL_REGISTRY,
      args.repository || "rehearsal/app",
      args.branch || "rehearsal",
      args.sha,
      // the in-engine registry serves no one else: no tag in it is protected
      "push",
      "",
      release,
      settings.imagePath,
    );
    plan.publish = { plan: target, rehearsal: true };
  } else if (args.publish) {
    if (!args.repository) {
      throw new InputError(
        "--publish needs the GitHub repository. Expected --repository OWNER/REPO (a constructor flag: dagger call --repository octo-org/my-service ci --publish), or a clone whose origin is on GitHub.",
      );
    }
    requirePublishInputs(release, args.sha, args.githubToken);
    const target = planPublish(
      settings.registry,
      args.repository,
      args.branch,
      args.sha,
      event,
      settings.runId,
      release,
      settings.imagePath,
    );
    const password = args.registryPassword ?? args.githubToken;
    if (!password) {
      throw new InputError(
        `--publish needs a credential for ${settings.registry}. Expected the constructor flag --registry-password=env:NAME or --github-token=env:GITHUB_TOKEN (dagger call --github-token=env:GITHUB_TOKEN ci --publish).`,
      );
    }
    const auth = requireAuth(args.registryUsername || target.owner, password, settings.registry);
    plan.publish = {
      plan: target,
      ...(auth ? { auth } : {}),
      rehearsal: false,
      ...(signer ? { signer } : {}),
      ...(release && args.githubToken
        ? { tags: { repository: args.repository, token: args.githubToken, ...(apiUrl ? { apiUrl } : {}) } }
        : {}),
    };
  } else {
    plan.publishSkipped = "not requested (pass --publish with credentials, or --rehearse)";
  }

  if (args.githubToken && args.repository && args.sha) {
    plan.comment = {
      repository: args.repository,
      sha: args.sha,
      token: args.githubToken,
      ...(args.branch ? { branch: args.branch } : {}),
      ...(apiUrl ? { apiUrl } : {}),
    };
  } else {
    plan.commentSkipped = args.githubToken
      ? "needs the repository and --sha to find the pull request"
      : "no --github-token given";
  }
  return plan;
}
