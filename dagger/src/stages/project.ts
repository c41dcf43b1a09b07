import type { Directory } from "@dagger.io/dagger";
import { layoutPackages, type Project, readPyproject } from "../settings/project.js";
import { inApp } from "../settings/validate.js";

/**
 * The app's pyproject.toml, read through the engine and parsed (requireFiles has checked it exists), with the
 * packages its layout holds when the build configuration names none.
 */
export async function readProject(source: Directory, app: string): Promise<Project> {
  const path = inApp(app, "pyproject.toml");
  const project = readPyproject(await source.file(path).contents(), path);
  if (project.declared) return project;
  const dir = app === "." ? source : source.directory(app);
  const inits = (await Promise.all([dir.glob("*/__init__.py"), dir.glob("src/*/__init__.py")])).flat();
  return { ...project, packages: layoutPackages(project, inits) };
}
