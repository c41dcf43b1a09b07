import { CacheSharingMode, type Container, type Directory, dag } from "@dagger.io/dagger";
import { BASE_IMAGE, UV_IMAGE } from "./settings.js";

/** Where the source is mounted in every tool container. */
export const SRC = "/src";

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
 * A container for one Python version with the app's source mounted and its dev group synced into a
 * virtualenv outside the source tree. Official images have no free-threaded tags, so every version,
 * 3.14t included, is a uv-managed interpreter (`only-managed`: the base image's own Python never stands in).
 */
export function pythonEnv(source: Directory, app: string, version: string): Container {
  const workdir = `${SRC}/${app}`;
  return uvBase()
    .withEnvVariable("UV_PYTHON_PREFERENCE", "only-managed")
    .withEnvVariable("UV_PYTHON", version)
    .withEnvVariable("UV_PROJECT_ENVIRONMENT", `/venv/${version}`)
    .withExec(["uv", "python", "install", version])
    .withMountedDirectory(SRC, source)
    .withWorkdir(workdir);
}
