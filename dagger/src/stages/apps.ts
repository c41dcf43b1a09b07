import type { Directory } from "@dagger.io/dagger";
import { type App, discoverApps, mayBeApp } from "../settings/apps.js";
import { InputError } from "../settings/errors.js";
import { inApp } from "../settings/validate.js";

/** More is a repository of fixtures, not of services: say so rather than read thousands of files. */
const MAX_PROJECTS = 200;

/** Every pyproject.toml of the source that may be an app, read, and whether each app has its own Dockerfile. */
export async function readApps(source: Directory): Promise<{ apps: App[]; images: string[] }> {
  const found = (await Promise.all([source.glob("pyproject.toml"), source.glob("**/pyproject.toml")])).flat();
  const paths = [...new Set(found)].filter(mayBeApp).sort();
  if (paths.length > MAX_PROJECTS) {
    throw new InputError(
      `The source holds ${paths.length} pyproject.toml files outside tests and environments, more than ${MAX_PROJECTS}. Expected --source to be a repository of services, not a tree of fixtures.`,
    );
  }
  const files = await Promise.all(
    paths.map(async (path) => ({ path, text: await source.file(path).contents() })),
  );
  const apps = discoverApps(files);
  const dockerfiles = await Promise.all(apps.map((a) => source.exists(inApp(a.path, "Dockerfile"))));
  return { apps, images: apps.filter((_, i) => dockerfiles[i]).map((a) => a.path) };
}
