/**
 * The project's layout as the stand-in engine serves it: which uv workspace an app belongs to (the nearest
 * pyproject.toml above it decides, as uv's `find_workspace` does) and which `.python-version` pins its Python.
 */
import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { readPyproject } from "../../dagger/src/settings/project.js";
import { readPinnedPython, readWorkspace } from "../../dagger/src/stages/project.js";
import { defaultLeaf, directoryId, enginesPerTest, find, leafOf } from "../helpers/engine.js";

const startEngine = enginesPerTest();
const WORKSPACE = '[tool.uv.workspace]\nmembers = ["services/*"]\nexclude = ["services/old"]\n';
const MEMBER = '[project]\nname = "api"\n';

/** A repository holding `files` (path -> text), read through the engine. */
async function layout(files: Record<string, string>, app: string) {
  const engine = await startEngine((chain) => {
    const { field, args } = leafOf(chain);
    const path = String(field === "exists" ? args.path : find(chain, "file").at(-1)?.args.path);
    if (field === "exists") return path in files;
    if (field === "contents") return files[path] ?? "";
    return defaultLeaf(chain);
  });
  return engine.connect(async () => {
    const source = dag.loadDirectoryFromID(directoryId() as never);
    const project = readPyproject(files[`${app}/pyproject.toml`] ?? "", "p");
    const workspace = await readWorkspace(source, app, project).catch((err: Error) => err.message);
    const pinned = typeof workspace === "string" ? undefined : await readPinnedPython(source, workspace.root);
    return { workspace, pinned };
  });
}

describe("readWorkspace and readPinnedPython", () => {
  it("finds the workspace root of a member, and the root's .python-version", async () => {
    const r = await layout(
      {
        "pyproject.toml": WORKSPACE,
        "services/api/pyproject.toml": MEMBER,
        ".python-version": "3.13\n",
        // uv reads the root's pin for a member, never the member's own
        "services/api/.python-version": "3.11\n",
      },
      "services/api",
    );
    expect(r).toEqual({
      workspace: { root: ".", member: "api" },
      pinned: { version: "3.13", from: ".python-version" },
    });
  });

  it("keeps an app its own root when the nearest pyproject.toml above is no workspace, or excludes it", async () => {
    const nested = await layout(
      {
        "pyproject.toml": WORKSPACE,
        "services/pyproject.toml": '[project]\nname = "umbrella"\n',
        "services/api/pyproject.toml": MEMBER,
        "services/api/.python-version": "3.11\n",
      },
      "services/api",
    );
    expect(nested).toEqual({
      workspace: { root: "services/api" },
      pinned: { version: "3.11", from: "services/api/.python-version" },
    });
    const excluded = await layout(
      { "pyproject.toml": WORKSPACE, "services/old/pyproject.toml": MEMBER },
      "services/old",
    );
    expect(excluded).toEqual({ workspace: { root: "services/old" }, pinned: undefined });
  });

  it("refuses a member without a project name uv can sync by", async () => {
    const r = await layout(
      { "pyproject.toml": WORKSPACE, "services/api/pyproject.toml": "[tool.ruff]\n" },
      "services/api",
    );
    expect(r.workspace).toBe(
      "The workspace member 'services/api' has no usable [project] name (''), which uv sync --package needs. Expected a PEP 508 name in services/api/pyproject.toml.",
    );
  });
});
