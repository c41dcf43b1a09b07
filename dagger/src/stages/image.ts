import { type Container, type Directory, dag, type Platform } from "@dagger.io/dagger";
import { finalBase, runsAsRoot } from "../report/image.js";
import type { ImageFacts, SmokeStatus } from "../report/types.js";
import { InputError } from "../settings/errors.js";
import { BASE_IMAGE } from "../settings/pins.js";
import { type ImageSource, imageSource, inApp, parseCommand } from "../settings/validate.js";
import { moduleScript, SCRIPTS } from "./python.js";

/** --dockerfile, else the app's Dockerfile, else the root's; with none (a library): tested, not built. */
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
  /** GHCR links the package to this repository page (docs/engine-notes.md: GitHub) */
  source?: string;
  revision?: string;
  created?: string;
};

/** withLabel: whatever the Dockerfile, the image names the source, commit and time that deploy checks. */
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
  // no platform builds for the engine's own (docs/engine-notes.md: Dagger TypeScript SDK)
  const build = (platform: string | undefined) =>
    given.reduce(
      (ctr, [name = "", value = ""]) => ctr.withLabel(name, value),
      context.dockerBuild({ dockerfile, platform: platform as Platform | undefined }),
    );
  const [first, ...rest] = platforms;
  return [build(first), ...rest.map(build)];
}

export function buildImage(source: Directory, image: ImageSource, labels: ImageLabels): Container {
  return buildImages(source, image, [], labels)[0];
}

export async function smokeTest(image: Container, command: string, expected: string): Promise<SmokeStatus> {
  const args = parseCommand(command);
  const output = (await image.withExec(args).stdout()).trim();
  // no expected output: the exit status alone is the test (a failed exec throws)
  return { passed: expected === "" || output === expected, command, expected, output };
}

/** A fact that cannot be read is left out. */
export async function imageFacts(image: Container, dockerfileText: string): Promise<ImageFacts> {
  const tarball = image.asTarball();
  const [user, sizeBytes, layers] = await Promise.all([
    image.user(),
    tarball.size(),
    dag
      .container()
      .from(BASE_IMAGE)
      .withMountedFile("/image.tar", tarball)
      .withMountedFile(`${SCRIPTS}/count_layers.py`, moduleScript("count_layers.py"))
      .withExec(["python3", `${SCRIPTS}/count_layers.py`, "/image.tar"])
      .stdout()
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
