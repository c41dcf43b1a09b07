import type { Container, Directory } from "@dagger.io/dagger";
import {
  compareDistributions,
  imageInstalls,
  notTheSyncedPython,
  parseListing,
} from "../report/dependencies.js";
import { basePython } from "../report/image.js";
import type { DependencyStatus } from "../report/types.js";
import { DEFAULT_SYNC, moduleScript, pythonEnv, SCRIPTS, type SyncSpec, withScript } from "./python.js";

const LIST = `${SCRIPTS}/list_distributions.py`;

/** Against the runtime sync (no dev group, non-editable) on the image's own Python, as the image installs. */
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
  const list = ["uv", "run", "--no-sync", "python", LIST];
  const listTested = async (python: string) =>
    parseListing(
      await withScript(
        pythonEnv(source, app, python, sync)
          .withMountedFile(LIST, moduleScript("list_distributions.py"))
          .withEnvVariable("UV_PROJECT_ENVIRONMENT", "/venv/runtime"),
        "synced.sh",
        runtime,
        list,
        ["--no-dev", "--no-editable"],
      ).stdout(),
      "the tests' environment without its dev group",
    );
  // the base image's tag guesses the Python, so the tests' side starts with the build, not after it
  const guess = basePython(text);
  const [shipped, early] = await Promise.all([
    image
      .withMountedFile(LIST, moduleScript("list_distributions.py"))
      .withExec(["python", LIST])
      .stdout()
      .then((out) => parseListing(out, "the image")),
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
