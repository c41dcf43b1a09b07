import { CacheSharingMode, type Container, type Directory, dag } from "@dagger.io/dagger";
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
 * `parse_variant` there); `3.14t` already means the free-threaded build.
 */
export function interpreterRequest(version: string): string {
  return version.endsWith("t") ? version : `${version}+gil`;
}

/**
 * A container for one Python version with the app's source mounted, ready for `uv sync` into a virtualenv
 * outside the source tree. Official images have no free-threaded tags, so every version, 3.14t included, is
 * a uv-managed interpreter (`only-managed`: the base image's own Python never stands in). The install names
 * the plain version: a download's key has the default variant, which `+gil` would not match
 * (`satisfied_by_key` in crates/uv-python/src/downloads.rs at 0.10.3), and the default download is the GIL build.
 */
export function pythonEnv(source: Directory, app: string, version: string): Container {
  const workdir = appDir(app);
  return (
    uvBase()
      .withEnvVariable("UV_PYTHON_PREFERENCE", "only-managed")
      .withEnvVariable("UV_PYTHON", interpreterRequest(version))
      .withEnvVariable("UV_PROJECT_ENVIRONMENT", `/venv/${version}`)
      .withExec(["uv", "python", "install", version])
      // Only the app's folder: an edit elsewhere in the repository (README, workflows) keeps the cache.
      .withMountedDirectory(workdir, source.directory(app))
      .withWorkdir(workdir)
  );
}

/**
 * `uv sync` of the project's default groups (uv's `default-groups`, `dev` unless the project says otherwise) and
 * the `groups` named; with a committed uv.lock it must be current (`--locked`), so CI tests exactly the versions
 * the lock names instead of quietly re-resolving.
 */
export function uvSync(groups: readonly string[] = []): string {
  return ["uv sync", ...groups.map((g) => `--group ${g}`), "$(test -f uv.lock && echo --locked)"].join(" ");
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
