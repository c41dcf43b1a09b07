import { type Container, type Directory, dag, type Platform } from "@dagger.io/dagger";
import { COUNT_LAYERS, finalBase, runsAsRoot } from "../report/image.js";
import type { ImageFacts, SmokeStatus } from "../report/types.js";
import { InputError } from "../settings/errors.js";
import { BASE_IMAGE } from "../settings/pins.js";
import { type ImageSource, imageSource, inApp, parseCommand } from "../settings/validate.js";

/**
 * The image a project ships, or why there is none: the --dockerfile given (which must exist), else a Dockerfile
 * in the app's folder, else one at the repository root. A project with none (a library) is tested, not built.
 */
export async function locateImage(
  source: Directory,
  app: string,
  dockerfile: string,
  context: string,
): Promise<ImageSource | { skipped: string }> {
  if (dockerfile !== "") {
    if (!(await source.exists(dockerfile))) {
      throw new InputError(
        `No Dockerfile at '${dockerfile}'. Expected --dockerfile to name it, relative to the repository root.`,
      );
    }
    return imageSource(dockerfile, context);
  }
  const candidates = [...new Set([inApp(app, "Dockerfile"), "Dockerfile"])];
  const found = await Promise.all(candidates.map((c) => source.exists(c)));
  const first = candidates.find((_, i) => found[i]);
  if (first !== undefined) return imageSource(first, context);
  return {
    skipped: `no Dockerfile (looked for ${candidates.join(" and ")}): the project is tested, not built; --dockerfile names one elsewhere`,
  };
}

export type ImageLabels = {
  /** the repository page, e.g. https://github.com/octo-org/my-service; GHCR links the package to it */
  source?: string;
  revision?: string;
  created?: string;
};

/**
 * The service image from the project's Dockerfile, one container per platform (a single native one when
 * none are given), with the OCI labels that are known set on the built image (`withLabel`): whatever the
 * Dockerfile, its image names its source, commit and build time, which deploy checks. By hand, `docker build
 * --label` does the same.
 */
export function buildImages(
  source: Directory,
  image: ImageSource,
  platforms: string[],
  labels: ImageLabels,
): [Container, ...Container[]] {
  const inRoot = image.context === ".";
  const context = inRoot ? source : source.directory(image.context);
  const dockerfile = inRoot ? image.dockerfile : image.dockerfile.slice(image.context.length + 1);
  const given = [
    ["org.opencontainers.image.source", labels.source ?? ""],
    ["org.opencontainers.image.revision", labels.revision ?? ""],
    ["org.opencontainers.image.created", labels.created ?? ""],
  ].filter(([, value]) => value !== "");
  // No platform builds for the engine's own: the SDK leaves an undefined argument out of the query
  // (@dagger.io/dagger 0.21.9, dist/src/common/graphql/compute_query.js, buildArgs).
  const build = (platform: string | undefined) =>
    given.reduce(
      (ctr, [name = "", value = ""]) => ctr.withLabel(name, value),
      context.dockerBuild({ dockerfile, platform: platform as Platform | undefined }),
    );
  const [first, ...rest] = platforms;
  return [build(first), ...rest.map(build)];
}

/** One image for the engine's own platform. */
export function buildImage(source: Directory, image: ImageSource, labels: ImageLabels): Container {
  return buildImages(source, image, [], labels)[0];
}

/** Runs the smoke command in the image, without a shell, and compares its trimmed stdout. */
export async function smokeTest(image: Container, command: string, expected: string): Promise<SmokeStatus> {
  const args = parseCommand(command);
  const output = (await image.withExec(args).stdout()).trim();
  // no expected output: the command's exit status (a failed exec throws) is the whole test
  return { passed: expected === "" || output === expected, command, expected, output };
}

/**
 * What the image is, read from it: its config's user, the size of its (compressed) tarball and its layer
 * count, and the base its Dockerfile's final stage resolves to. A fact that cannot be read is left out.
 */
export async function imageFacts(image: Container, dockerfileText: string): Promise<ImageFacts> {
  const tarball = image.asTarball();
  const [user, sizeBytes, layers] = await Promise.all([
    image.user(),
    tarball.size(),
    dag
      .container()
      .from(BASE_IMAGE)
      .withMountedFile("/image.tar", tarball)
      .withExec(["python3", "-c", COUNT_LAYERS])
      .stdout()
      // parseInt reads the leading digits: the newline print() ends with needs no trim
      .then((out) => Number.parseInt(out, 10))
      .catch(() => undefined),
  ]);
  const base = finalBase(dockerfileText);
  return {
    user,
    nonRoot: !runsAsRoot(user),
    sizeBytes,
    ...(Number.isInteger(layers) ? { layers } : {}),
    ...(base ? { base } : {}),
  };
}
