import { CacheSharingMode, type Container, type Directory, dag, type Secret } from "@dagger.io/dagger";
import { InputError } from "../settings/errors.js";
import { BASE_IMAGE, PYTEST_COV_VERSION, UV_IMAGE } from "../settings/pins.js";
import { inApp } from "../settings/validate.js";

/** Where the source is mounted in every tool container. */
export const SRC = "/src";

/** The app's folder in the containers: SRC itself for an app at the repository's root. */
export function appDir(app: string): string {
  return app === "." ? SRC : `${SRC}/${app}`;
}

/**
 * The one base every Python stage starts from: Debian slim with the pinned uv, uv's download cache and its
 * managed Pythons in cache volumes. uv locks its caches itself, so they are shared, not serialized: the
 * matrix's six containers fill and read them concurrently.
 */
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
      // The cache is another filesystem: copy instead of failing to hardlink, quietly.
      .withEnvVariable("UV_LINK_MODE", "copy")
      .withEnvVariable("UV_NO_PROGRESS", "1")
      .withEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
  );
}

/**
 * The interpreter request uv resolves for a matrix version. uv 0.10.3 lets a plain `3.14` match a
 * free-threaded interpreter ("For Python 3.14+, the free-threaded build ... can satisfy the default variant",
 * `PythonVariant::matches_interpreter` in crates/uv-python/src/discovery.rs), and the matrix installs 3.14t
 * into the same shared volume, so every GIL version asks for the `+gil` variant explicitly (parsed by
 * `parse_variant` there, with or without a patch); `3.14t` already means the free-threaded build, and a
 * project's `.python-version` in another form (`pypy@3.11`, `cpython-3.12`) is passed to uv as written.
 */
export function interpreterRequest(version: string): string {
  return /^\d+\.\d+(\.\d+)?$/.test(version) ? `${version}+gil` : version;
}

/**
 * A container for one Python version with the app's source mounted, ready for `uv sync` into a virtualenv
 * outside the source tree. Official images have no free-threaded tags, so every version, 3.14t included, is
 * a uv-managed interpreter (`only-managed`: the base image's own Python never stands in). The install names
 * the plain version: a download's key has the default variant, which `+gil` would not match
 * (`satisfied_by_key` in crates/uv-python/src/downloads.rs at 0.10.3), and the default download is the GIL build.
 */
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
      .withExec(["uv", "python", "install", version]),
    source,
    app,
    sync.root,
  );
}

/**
 * The project's folder mounted at its place under SRC, the app's folder made the workdir: the app's own folder,
 * or for a workspace member the workspace's root, which holds the lock. Only that folder: an edit elsewhere in
 * the repository (README, workflows) keeps the cache.
 */
export function withProject(ctr: Container, source: Directory, app: string, root: string = app): Container {
  return ctr.withMountedDirectory(appDir(root), source.directory(root)).withWorkdir(appDir(app));
}

/** How the app's environment is synced: from the project's own files, with the groups and extras asked for. */
export type SyncSpec = {
  /** the folder holding the lock: a workspace's root for a member; absent: the app's own folder */
  root?: string;
  /** the member's project name, for `uv sync --package`, when `root` is a workspace's */
  member?: string;
  /** dependency groups synced besides the project's default groups */
  groups: readonly string[];
  /** extras synced; ["*"]: all of them */
  extras: readonly string[];
};

/** The project's default groups, no extras, the app its own root. */
export const DEFAULT_SYNC: SyncSpec = { groups: [], extras: [] };

/**
 * `uv sync` of the project's default groups (uv's `default-groups`, `dev` unless the project says otherwise) and
 * the groups and extras named; a workspace member is synced from the workspace's lock (`--package`). With a
 * committed uv.lock it must be current (`--locked`), so CI tests exactly the versions the lock names instead
 * of quietly re-resolving. `flags` go before the lock check, e.g. `--no-dev`.
 */
export function uvSync(sync: SyncSpec = DEFAULT_SYNC, flags: readonly string[] = []): string {
  const extras = sync.extras.includes("*") ? ["--all-extras"] : sync.extras.map((e) => `--extra ${e}`);
  const lock = sync.root === undefined ? "uv.lock" : `${appDir(sync.root)}/uv.lock`;
  return [
    "uv sync",
    ...(sync.member === undefined ? [] : [`--package ${sync.member}`]),
    ...sync.groups.map((g) => `--group ${g}`),
    ...extras,
    ...flags,
    `$(test -f ${lock} && echo --locked)`,
  ].join(" ");
}

/**
 * What the tests and the type check are given besides the services' variables: plain variables (`--env`), and
 * an env file (`--env-file`), a Secret mounted as a file and read by the script itself (`set -a; . FILE`), so its
 * values are in no container definition, argument or log.
 */
export type TestEnv = { vars: Readonly<Record<string, string>>; file?: Secret };

/** Where the env file is mounted in the test and type-check containers. */
export const ENV_FILE = "/run/pipeline/test.env";

/** The script line that exports the env file's variables, when one is mounted. */
export const LOAD_ENV_FILE = `if [ -f ${ENV_FILE} ]; then set -a; . ${ENV_FILE}; set +a; fi`;

/** `ctr` with the tests' variables and env file. */
export function withTestEnv(ctr: Container, env: TestEnv | undefined): Container {
  let out = ctr;
  for (const [name, value] of Object.entries(env?.vars ?? {})) out = out.withEnvVariable(name, value);
  return env?.file ? out.withMountedSecret(ENV_FILE, env.file) : out;
}

/** The sync with the project's default groups alone. */
export const UV_SYNC = uvSync();

/**
 * pytest-cov in the synced environment: the project's own when it has one, else the pinned one installed into
 * that environment (`uv pip install`), leaving the project's lock as it is.
 */
export const ENSURE_PYTEST_COV = `{ uv run --no-sync python -c "import pytest_cov" 2> /dev/null || uv pip install --python "$UV_PROJECT_ENVIRONMENT/bin/python" pytest-cov==${PYTEST_COV_VERSION}; }`;

/**
 * The file everything else assumes, checked first: a wrong --app is named in one line instead of surfacing as a
 * failed container minutes later (a wrong --dockerfile is named by stages/image.ts locateImage).
 */
export async function requireFiles(source: Directory, app: string): Promise<void> {
  if (!(await source.exists(inApp(app, "pyproject.toml")))) {
    throw new InputError(
      `No pyproject.toml in '${app}'. Expected --app to name the Python project's folder, e.g. sample-app.`,
    );
  }
}
