import { readTagNames } from "../github/tags.js";
import { InputError } from "../settings/errors.js";
import { type Release, requirePublishInputs } from "../settings/release.js";
import { parseEvent } from "../settings/tags.js";
import { type PipelineSettings, parsePlatforms } from "../settings/validate.js";
import { buildImages, locateImage } from "../stages/image.js";
import {
  type Credentials,
  planPublish,
  pushImages,
  requireAuth,
  withReleaseTags,
} from "../stages/publish.js";
import { requireFiles } from "../stages/python.js";
import { imageSbom } from "../stages/scan.js";
import { planSigner, provenanceFile, signImage } from "../stages/sign.js";

export type PublishArgs = Credentials & {
  repository: string;
  branch: string;
  sha: string;
  platforms: string[];
  sign: boolean;
  /** "" for api.github.com: keyless signing is refused elsewhere */
  apiUrl?: string;
  /** checked against the app's version already; its moving tags need the repository's tags, read with the token */
  release?: Release;
};

/** The run's own tag is pushed and signed before the branch tag moves. */
export async function runPublish(settings: PipelineSettings, args: PublishArgs): Promise<string> {
  const planned = planPublish(
    settings.registry,
    args.repository,
    args.branch,
    args.sha,
    parseEvent(args.event ?? ""),
    settings.runId,
    args.release,
  );
  requirePublishInputs(args.release, args.sha, args.githubToken);
  // the username defaults to the owner, so a missing password is what requireAuth reports
  const auth = requireAuth(args.registryUsername || planned.owner, args.registryPassword, settings.registry);
  const signer = planSigner({ ...args, publish: true });
  await requireFiles(settings.source, settings.app);
  const image = await locateImage(settings.source, settings.app, settings.dockerfile, settings.buildContext);
  if ("skipped" in image) throw new InputError(`publish has nothing to build: ${image.skipped}.`);
  const platforms = parsePlatforms(args.platforms);
  const existing =
    args.release && args.githubToken
      ? await readTagNames({
          repository: args.repository,
          token: args.githubToken,
          ...(args.apiUrl ? { apiUrl: args.apiUrl } : {}),
        })
      : [];
  const target = withReleaseTags(planned, existing);
  if (target.release && target.held) process.stderr.write(`warning: publish: ${target.held}\n`);
  const variants = buildImages(settings.source, image, platforms, {
    source: `https://github.com/${args.repository}`,
    revision: args.sha,
    created: new Date().toISOString(),
  });
  // deploy verifies both attestations, so a signed publish makes them as ci does
  const run = {
    repository: args.repository,
    sha: args.sha,
    branch: args.branch,
    ...(args.release ? { release: args.release.tag } : {}),
    event: parseEvent(args.event ?? ""),
    platforms,
  };
  let signFirst: ((ref: string) => Promise<void>) | undefined;
  if (signer) {
    const sbom = imageSbom(variants[0]);
    const provenance = await provenanceFile(settings.source, image, run, signer);
    signFirst = (ref) => signImage(ref, sbom, signer, settings.registry, auth, provenance);
  }
  return (await pushImages(variants, target, auth, undefined, signFirst)).reference;
}
