import type { Container, Directory } from "@dagger.io/dagger";
import {
  compareDistributions,
  imageInstalls,
  LIST_DISTRIBUTIONS,
  notTheSyncedPython,
  parseListing,
} from "../report/dependencies.js";
import { basePython } from "../report/image.js";
import type { DependencyStatus } from "../report/types.js";
import { DEFAULT_SYNC, pythonEnv, type SyncSpec, uvSync } from "./python.js";

/**
 * The image's installed distributions against the app's environment synced without its dev group (the
 * runtime dependencies and the app, non-editable, with the extras the Dockerfile installs) on the image's
 * Python version. One exec per side; both are plain reads of what is installed. What cannot be compared (an
 * image that installs from a URL, or whose `python` is not the environment it installed into) is an error
 * naming why, which `ci` reports as the comparison skipped with that reason.
 */
export async function checkDependencies(
  image: Container,
  source: Directory,
  app: string,
  dockerfile: string,
  sync: SyncSpec = DEFAULT_SYNC,
): Promise<DependencyStatus> {
  const text = await source.file(dockerfile).contents();
  const installs = imageInstalls(text);
  if (installs.cannotCompare !== undefined) throw new Error(installs.cannotCompare);
  const runtime: SyncSpec = { ...sync, groups: [], extras: installs.extras };
  const script = [
    "set -eu",
    `${uvSync(runtime, ["--no-dev", "--no-editable"])} > /dev/null`,
    // inside double quotes sh keeps the program as it is: it has no ", $ or `, and its one backslash is followed by
    // an n, which sh leaves alone (test/stages/release.test.ts runs this line through sh)
    `uv run --no-sync python -c "${LIST_DISTRIBUTIONS}"`,
  ].join("\n");
  const listTested = async (python: string) =>
    parseListing(
      await pythonEnv(source, app, python, sync)
        .withEnvVariable("UV_PROJECT_ENVIRONMENT", "/venv/runtime")
        .withExec(["sh", "-c", script])
        .stdout(),
      "the tests' environment without its dev group",
    );
  // The base image's tag names its Python: the tests' side starts with the build instead of after it, and is
  // listed again only when the image says otherwise.
  const guess = basePython(text);
  const [shipped, early] = await Promise.all([
    image
      .withExec(["python", "-c", LIST_DISTRIBUTIONS])
      .stdout()
      .then((out) => parseListing(out, "the image")),
    // a guess that fails (a Python the project excludes) costs nothing: the image's own version is tried next
    guess === undefined ? undefined : listTested(guess).catch(() => undefined),
  ]);
  const tested = early?.python === shipped.python ? early : await listTested(shipped.python);
  const elsewhere = notTheSyncedPython(shipped, tested);
  if (elsewhere !== undefined) throw new Error(elsewhere);
  const differences = compareDistributions(shipped, tested);
  return {
    passed: differences.length === 0,
    python: shipped.python,
    count: shipped.distributions.size,
    differences,
  };
}
