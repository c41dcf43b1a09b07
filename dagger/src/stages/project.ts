import type { Directory } from "@dagger.io/dagger";
import { type Project, readPyproject } from "../settings/project.js";
import { inApp } from "../settings/validate.js";

/** The app's pyproject.toml, read once through the engine and parsed (requireFiles has checked it exists). */
export async function readProject(source: Directory, app: string): Promise<Project> {
  const path = inApp(app, "pyproject.toml");
  return readPyproject(await source.file(path).contents(), path);
}
