/**
 * A generated repository of several Python projects, as the multi-app tests need it: a uv workspace at the root
 * (members `services/*` and `libs/*`, one root uv.lock), two services that use the shared library `libs/core`
 * through the workspace, a third service that uses nothing, and a project outside the workspace (`services/legacy`,
 * its own lock) that uses `libs/core` by a path source. A test's fixture project and a virtual environment hold
 * pyproject.toml files too, and are not apps.
 */
const project = (name: string, sources: Record<string, string> = {}) =>
  [
    "[project]",
    `name = "${name}"`,
    'version = "0.1.0"',
    'requires-python = ">=3.12"',
    `dependencies = [${Object.keys(sources)
      .map((d) => `"${d}"`)
      .join(", ")}]`,
    ...(Object.keys(sources).length > 0 ? ["", "[tool.uv.sources]"] : []),
    ...Object.entries(sources).map(([dep, spec]) => `${dep} = ${spec}`),
    "",
  ].join("\n");

export const MULTI_APP_REPO: Record<string, string> = {
  "pyproject.toml": [
    "[tool.uv.workspace]",
    'members = ["services/*", "libs/*"]',
    'exclude = ["services/legacy"]',
    "",
  ].join("\n"),
  "uv.lock": "version = 1\nrevision = 3\n",
  "services/api/pyproject.toml": project("api", { core: "{ workspace = true }" }),
  "services/api/Dockerfile": "FROM python:3.14-slim\n",
  "services/api/src/api/__init__.py": "",
  "services/api/tests/test_api.py": "def test_api(): pass\n",
  "services/api/tests/fixtures/demo/pyproject.toml": project("demo"),
  "services/worker/pyproject.toml": project("worker", { Core: "{ workspace = true }" }),
  "services/worker/Dockerfile": "FROM python:3.14-slim\n",
  "services/admin/pyproject.toml": project("admin"),
  "services/admin/Dockerfile": "FROM python:3.14-slim\n",
  "libs/core/pyproject.toml": project("core"),
  "libs/core/src/core/__init__.py": "",
  "services/legacy/pyproject.toml": project("legacy", { core: '{ path = "../../libs/core" }' }),
  "services/legacy/uv.lock": "version = 1\nrevision = 3\n",
  ".venv/lib/python3.14/site-packages/x/pyproject.toml": project("x"),
  "README.md": "# monorepo\n",
};

/** The pyproject.toml files, as discoverApps takes them. */
export const pyprojectsOf = (files: Record<string, string>) =>
  Object.entries(files)
    .filter(([path]) => path === "pyproject.toml" || path.endsWith("/pyproject.toml"))
    .map(([path, text]) => ({ path, text }));
