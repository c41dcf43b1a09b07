import type { Secret } from "@dagger.io/dagger";
import { InputError } from "../settings/errors.js";
import { parseEvent } from "../settings/tags.js";
import { type PipelineSettings, parsePlatforms } from "../settings/validate.js";
import { buildImages, locateImage } from "../stages/image.js";
import { planPublish, pushImages, requireAuth } from "../stages/publish.js";
import { requireFiles } from "../stages/python.js";
import { planSigner, signImage } from "../stages/sign.js";

export type PublishArgs = {
  repository: string;
  branch: string;
  sha: string;
  registryUsername: string;
  registryPassword?: Secret;
  platforms: string[];
  event: string;
  sign: boolean;
  oidcRequestUrl: string;
  oidcRequestToken?: Secret;
  cosignKey?: Secret;
  cosignPassword?: Secret;
  /** "" for api.github.com: keyless signing is refused elsewhere */
  apiUrl?: string;
};

/** The run's own tag is pushed and signed before the branch tag moves. */
export async function runPublish(settings: PipelineSettings, args: PublishArgs): Promise<string> {
  const target = planPublish(
    settings.registry,
    args.repository,
    args.branch,
    args.sha,
    parseEvent(args.event),
    settings.runId,
  );
  // the username defaults to the owner, so a missing password is what requireAuth reports
  const auth = requireAuth(args.registryUsername || target.owner, args.registryPassword, settings.registry);
  const signer = planSigner({ ...args, publish: true });
  await requireFiles(settings.source, settings.app);
  const image = await locateImage(settings.source, settings.app, settings.dockerfile, settings.buildContext);
  if ("skipped" in image) throw new InputError(`publish has nothing to build: ${image.skipped}.`);
  const variants = buildImages(settings.source, image, parsePlatforms(args.platforms), {
    source: `https://github.com/${args.repository}`,
    revision: args.sha,
    created: new Date().toISOString(),
  });
  const signFirst = signer
    ? (image: string) => signImage(image, undefined, signer, settings.registry, auth)
    : undefined;
  return (await pushImages(variants, target, auth, undefined, signFirst)).reference;
}
