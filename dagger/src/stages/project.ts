import type { Directory } from "@dagger.io/dagger";
import { InputError } from "../settings/errors.js";
import {
  ancestors,
  isMember,
  layoutPackages,
  type Project,
  pinnedPython,
  readPyproject,
} from "../settings/project.js";
import { checkAppVersion, type Release } from "../settings/release.js";
import { inApp } from "../settings/validate.js";
import { pythonEnv, type SyncSpec, withScript } from "./python.js";

/** With the layout's packages when the build configuration names none. */
export async function readProject(source: Directory, app: string): Promise<Project> {
  const path = inApp(app, "pyproject.toml");
  const project = readPyproject(await source.file(path).contents(), path);
  if (project.declared) return project;
  const dir = app === "." ? source : source.directory(app);
  const inits = (await Promise.all([dir.glob("*/__init__.py"), dir.glob("src/*/__init__.py")])).flat();
  return { ...project, packages: layoutPackages(project, inits) };
}

/** A project name uv accepts after `--package` (PEP 508), safe in a shell line. */
const PROJECT_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?$/;

export type Workspace = { root: string; member?: string };

/** As uv finds it: the nearest pyproject.toml above the app decides (docs/engine-notes.md: uv). */
export async function readWorkspace(source: Directory, app: string, project: Project): Promise<Workspace> {
  for (const dir of ancestors(app)) {
    const path = inApp(dir, "pyproject.toml");
    if (!(await source.exists(path))) continue;
    const parent = readPyproject(await source.file(path).contents(), path);
    if (parent.workspace === undefined) break;
    if (!isMember(parent.workspace, dir === "." ? app : app.slice(dir.length + 1))) break;
    const name = project.name ?? "";
    if (!PROJECT_NAME.test(name)) {
      throw new InputError(
        `The workspace member '${app}' has no usable [project] name ('${name.slice(0, 80)}'), which uv sync --package needs. Expected a PEP 508 name in ${inApp(app, "pyproject.toml")}.`,
      );
    }
    return { root: dir, member: name };
  }
  return { root: app };
}

/** The root's `.python-version`, where uv looks from a member's folder too (docs/engine-notes.md: uv). */
export async function readPinnedPython(
  source: Directory,
  root: string,
): Promise<{ version: string; from: string } | undefined> {
  const path = inApp(root, ".python-version");
  if (!(await source.exists(path))) return undefined;
  const version = pinnedPython(await source.file(path).contents());
  return version === undefined ? undefined : { version, from: path };
}

/** A dynamic version as the project's build backend computed it when uv installed the project, against the release. */
export async function checkInstalledVersion(
  release: Release,
  project: { source: Directory; app: string; python: string; sync: SyncSpec; name: string },
): Promise<void> {
  const { source, app, python, sync, name } = project;
  const read = "import importlib.metadata as m, sys; print(m.version(sys.argv[1]))";
  const run = ["uv", "run", "--no-sync", "python", "-c", read, name];
  const out = await withScript(pythonEnv(source, app, python, sync), "synced.sh", sync, run, [
    "--no-dev",
  ]).stdout();
  checkAppVersion(release, out.trim(), `what ${name}'s build backend installed`);
}
