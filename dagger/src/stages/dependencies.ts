import type { Container, Directory } from "@dagger.io/dagger";
import { compareDistributions, LIST_DISTRIBUTIONS, parseListing } from "../report/dependencies.js";
import type { DependencyStatus } from "../report/types.js";
import { pythonEnv } from "./python.js";

/**
 * The image's installed distributions against the app's environment synced without its dev group (the
 * runtime dependencies and the app, non-editable, as the Dockerfile installs them) on the image's Python
 * version. One exec per side; both are plain reads of what is installed.
 */
export async function checkDependencies(
  image: Container,
  source: Directory,
  app: string,
): Promise<DependencyStatus> {
  const shipped = parseListing(
    await image.withExec(["python", "-c", LIST_DISTRIBUTIONS]).stdout(),
    "the image",
  );
  const script = [
    "set -eu",
    "uv sync --no-dev --no-editable $(test -f uv.lock && echo --locked) > /dev/null",
    // inside double quotes sh keeps the program as it is: it has no ", $ or `, and its one backslash is followed by
    // an n, which sh leaves alone (test/stages/release.test.ts runs this line through sh)
    `uv run --no-sync python -c "${LIST_DISTRIBUTIONS}"`,
  ].join("\n");
  const tested = parseListing(
    await pythonEnv(source, app, shipped.python)
      .withEnvVariable("UV_PROJECT_ENVIRONMENT", "/venv/runtime")
      .withExec(["sh", "-c", script])
      .stdout(),
    "the tests' environment without its dev group",
  );
  const differences = compareDistributions(shipped, tested);
  return {
    passed: differences.length === 0,
    python: shipped.python,
    count: shipped.distributions.size,
    differences,
  };
}
