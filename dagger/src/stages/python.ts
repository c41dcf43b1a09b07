import {
  CacheSharingMode,
  type Container,
  type Directory,
  dag,
  type File,
  type Secret,
} from "@dagger.io/dagger";
import { InputError } from "../settings/errors.js";
import { BASE_IMAGE, PYTEST_COV_VERSION, UV_IMAGE } from "../settings/pins.js";
import { inApp } from "../settings/validate.js";

export const SRC = "/src";

/** A program the module ships in dagger/scripts/, from the module's own source (docs/engine-notes.md: Module files). */
export const moduleScript = (name: string): File => dag.currentModule().source().file(`scripts/${name}`);

/** Where a container finds the module's programs it runs. */
export const SCRIPTS = "/opt/pipeline";

export function appDir(app: string): string {
  return app === "." ? SRC : `${SRC}/${app}`;
}

/** Caches shared, not locked: uv locks them itself, so the matrix's containers use them concurrently. */
export function uvBase(): Container {
  const uv = dag.container().from(UV_IMAGE);
  return (
    dag
      .container()
      .from(BASE_IMAGE)
      .withFile("/usr/local/bin/uv", uv.file("/uv"))
      .withFile("/usr/local/bin/uvx", uv.file("/uvx"))
      .withMountedCache("/root/.cache/uv", dag.cacheVolume("pipeline-uv-cache"), {
        sharing: CacheSharingMode.Shared,
      })
      .withMountedCache("/root/.local/share/uv/python", dag.cacheVolume("pipeline-uv-python"), {
        sharing: CacheSharingMode.Shared,
      })
      .withEnvVariable("UV_CACHE_DIR", "/root/.cache/uv")
      .withEnvVariable("UV_PYTHON_INSTALL_DIR", "/root/.local/share/uv/python")
      // the cache is another filesystem: copy, as a hardlink would fail
      .withEnvVariable("UV_LINK_MODE", "copy")
      .withEnvVariable("UV_NO_PROGRESS", "1")
      .withEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
  );
}

/** `+gil`: uv lets a plain `3.14` match the 3.14t in the shared volume (docs/engine-notes.md: uv). */
export function interpreterRequest(version: string): string {
  return /^\d+\.\d+(\.\d+)?$/.test(version) ? `${version}+gil` : version;
}

/** Managed Pythons only, for 3.14t; lib.sh installs the plain version in the exec that uses it (docs/engine-notes.md: uv). */
export function pythonEnv(
  source: Directory,
  app: string,
  version: string,
  sync: SyncSpec = DEFAULT_SYNC,
): Container {
  return withProject(
    uvBase()
      .withEnvVariable("UV_PYTHON_PREFERENCE", "only-managed")
      .withEnvVariable("UV_PYTHON", interpreterRequest(version))
      .withEnvVariable("UV_PROJECT_ENVIRONMENT", `/venv/${version}`)
      .withEnvVariable("PIPELINE_PYTHON_INSTALL", version),
    source,
    app,
    sync.root,
  );
}

/** Only the project's folder (a member's workspace root) is mounted, so edits elsewhere keep the cache. */
export function withProject(ctr: Container, source: Directory, app: string, root: string = app): Container {
  return ctr.withMountedDirectory(appDir(root), source.directory(root)).withWorkdir(appDir(app));
}

export type SyncSpec = {
  /** the workspace root holding a member's lock; absent: the app's own folder */
  root?: string;
  /** the member's name, for `uv sync --package` */
  member?: string;
  /** besides the project's default groups */
  groups: readonly string[];
  /** ["*"]: all of them */
  extras: readonly string[];
};

export const DEFAULT_SYNC: SyncSpec = { groups: [], extras: [] };

/** `uv sync`'s flags for the project, as words; lib.sh adds `--locked` when the lock is committed. */
export function syncFlags(sync: SyncSpec = DEFAULT_SYNC, more: readonly string[] = []): string {
  const extras = sync.extras.includes("*") ? ["--all-extras"] : sync.extras.map((e) => `--extra ${e}`);
  return [
    ...(sync.member === undefined ? [] : [`--package ${sync.member}`]),
    ...sync.groups.map((g) => `--group ${g}`),
    ...extras,
    ...more,
  ].join(" ");
}

/** dagger/scripts/`name` (with lib.sh) as one exec: the sync flags (plus `more`) and lock in its env, `args` as its arguments. */
export function withScript(
  ctr: Container,
  name: string,
  sync: SyncSpec = DEFAULT_SYNC,
  args: readonly string[] = [],
  more: readonly string[] = [],
): Container {
  return ctr
    .withMountedFile(`${SCRIPTS}/lib.sh`, moduleScript("lib.sh"))
    .withMountedFile(`${SCRIPTS}/${name}`, moduleScript(name))
    .withEnvVariable("PIPELINE_SYNC", syncFlags(sync, more))
    .withEnvVariable("PIPELINE_LOCK", sync.root === undefined ? "uv.lock" : `${appDir(sync.root)}/uv.lock`)
    .withEnvVariable("PYTEST_COV_VERSION", PYTEST_COV_VERSION)
    .withExec(["sh", `${SCRIPTS}/${name}`, ...args]);
}

/** The env file is a Secret lib.sh sources: its values are in no definition, argument or log. */
export type TestEnv = { vars: Readonly<Record<string, string>>; file?: Secret };

const ENV_FILE = "/run/pipeline/test.env";

export function withTestEnv(ctr: Container, env: TestEnv | undefined): Container {
  let out = ctr;
  for (const [name, value] of Object.entries(env?.vars ?? {})) out = out.withEnvVariable(name, value);
  return env?.file
    ? out.withMountedSecret(ENV_FILE, env.file).withEnvVariable("PIPELINE_ENV_FILE", ENV_FILE)
    : out;
}

/** A wrong --app is named at once, not as a failed container minutes later. */
export async function requireFiles(source: Directory, app: string): Promise<void> {
  if (!(await source.exists(inApp(app, "pyproject.toml")))) {
    throw new InputError(
      `No pyproject.toml in '${app}'. Expected --app to name the Python project's folder, e.g. sample-app.`,
    );
  }
}
