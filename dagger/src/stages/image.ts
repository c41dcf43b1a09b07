import type { Container, Directory, Platform } from "@dagger.io/dagger";
import type { SmokeStatus } from "../report/types.js";
import { parseCommand } from "../settings/validate.js";

export type ImageLabels = {
  /** the repository page, e.g. https://github.com/octo-org/my-service; GHCR links the package to it */
  source?: string;
  revision?: string;
  created?: string;
};

/**
 * The service image from the repository's Dockerfile, one container per platform (a single native one when
 * none are given). The OCI labels come in as build args so the Dockerfile stays usable with plain
 * `docker build`, where they default to empty.
 */
export function buildImages(
  source: Directory,
  dockerfile: string,
  platforms: string[],
  labels: ImageLabels,
): Container[] {
  const buildArgs = [
    { name: "SOURCE", value: labels.source ?? "" },
    { name: "REVISION", value: labels.revision ?? "" },
    { name: "CREATED", value: labels.created ?? "" },
  ].filter((arg) => arg.value !== "");
  if (platforms.length === 0) return [source.dockerBuild({ dockerfile, buildArgs })];
  return platforms.map((platform) =>
    source.dockerBuild({ dockerfile, buildArgs, platform: platform as Platform }),
  );
}

/** One image: for `platform`, or the engine's own platform when none is given. */
export function buildImage(
  source: Directory,
  dockerfile: string,
  platform: string | undefined,
  labels: ImageLabels,
): Container {
  const [image] = buildImages(source, dockerfile, platform ? [platform] : [], labels);
  if (image === undefined) throw new Error("No image to build.");
  return image;
}

/** Runs the smoke command in the image, without a shell, and compares its trimmed stdout. */
export async function smokeTest(image: Container, command: string, expected: string): Promise<SmokeStatus> {
  const args = parseCommand(command);
  const output = (await image.withExec(args).stdout()).trim();
  return { passed: output === expected, command, expected, output };
}
