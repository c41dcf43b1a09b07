/**
 * The test matrix from the project's own pyproject.toml: requires-python intersected with the supported
 * Pythons, 3.14t when a Free Threading classifier declares it, a flag checked against requires-python; read on
 * the real projects' files in test/fixtures/projects (SOURCES.md names each).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  ancestors,
  importCheck,
  isMember,
  layoutPackages,
  matrixVersions,
  pinnedPython,
  readPyproject,
} from "../../dagger/src/settings/project.js";

const PROJECTS = join(import.meta.dirname, "../fixtures/projects");
const project = (path: string) => readPyproject(readFileSync(join(PROJECTS, path), "utf8"), path);
const pyproject = (lines: string[]) => readPyproject(lines.join("\n"), "pyproject.toml");

describe("matrixVersions on real projects' pyproject.toml", () => {
  it.each([
    // requires-python >=3.10, no Free Threading classifier
    ["starlette/pyproject.toml", ["3.10", "3.11", "3.12", "3.13", "3.14"]],
    // requires-python >=3.12
    ["uv-fastapi-example/pyproject.toml", ["3.12", "3.13", "3.14"]],
    // requires-python >=3.14 (a workspace member)
    ["full-stack-fastapi-template/workspace/backend/pyproject.toml", ["3.14"]],
    // `Programming Language :: Python :: Free Threading :: 2 - Beta`
    ["urllib3/pyproject.toml", ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"]],
  ])("%s -> %j", (path, versions) => {
    expect(matrixVersions(project(path), [], path)).toEqual(versions);
  });

  it("keeps the sample app's six legs: it states >=3.10 and free-threading in its own file", () => {
    const sample = readPyproject(
      readFileSync(join(import.meta.dirname, "../../sample-app/pyproject.toml"), "utf8"),
      "sample-app/pyproject.toml",
    );
    expect(matrixVersions(sample, [], "sample-app/pyproject.toml")).toEqual([
      "3.10",
      "3.11",
      "3.12",
      "3.13",
      "3.14",
      "3.14t",
    ]);
  });
});

describe("matrixVersions", () => {
  it.each([
    [">=3.10,<3.13", ["3.10", "3.11", "3.12"]],
    ["~=3.11", ["3.11", "3.12", "3.13", "3.14"]],
    ["==3.12.*", ["3.12"]],
    [">3.12", ["3.12", "3.13", "3.14"]],
    [">=3.12.4", ["3.12", "3.13", "3.14"]],
    ["!=3.11.*,>=3.10", ["3.10", "3.12", "3.13", "3.14"]],
  ])("requires-python %s -> %j", (spec, versions) => {
    expect(matrixVersions(pyproject(["[project]", `requires-python = "${spec}"`]), [], "p")).toEqual(
      versions,
    );
  });

  it("tests every supported GIL version when the project states no requires-python", () => {
    expect(matrixVersions(pyproject(["[project]", 'name = "x"']), [], "p")).toEqual([
      "3.10",
      "3.11",
      "3.12",
      "3.13",
      "3.14",
    ]);
  });

  it("adds 3.14t only when requires-python allows 3.14", () => {
    const capped = pyproject([
      "[project]",
      'requires-python = ">=3.10,<3.14"',
      'classifiers = ["Programming Language :: Python :: Free Threading :: 3 - Stable"]',
    ]);
    expect(matrixVersions(capped, [], "p")).toEqual(["3.10", "3.11", "3.12", "3.13"]);
  });

  it("takes the versions asked for, and refuses one requires-python excludes, naming both", () => {
    const p = pyproject(["[project]", 'requires-python = ">=3.12"']);
    expect(matrixVersions(p, ["3.13", "3.14t"], "app/pyproject.toml")).toEqual(["3.13", "3.14t"]);
    expect(() => matrixVersions(p, ["3.10", "3.12", "3.11"], "app/pyproject.toml")).toThrow(
      "Python 3.10, 3.11 is outside the project's requires-python '>=3.12' (app/pyproject.toml). Expected versions it allows, or no --python-versions to test all of them.",
    );
  });

  it("refuses a requires-python no supported Python meets", () => {
    expect(() =>
      matrixVersions(pyproject(["[project]", 'requires-python = "<3.9"']), [], "a/pyproject.toml"),
    ).toThrow(
      "The project's requires-python '<3.9' (a/pyproject.toml) allows none of the supported Pythons: 3.10, 3.11, 3.12, 3.13, 3.14, 3.14t.",
    );
  });

  it("names the file and the parser's reason for TOML it cannot read", () => {
    expect(() => readPyproject('[project\nname = "x"', "api/pyproject.toml")).toThrow(
      /^Invalid TOML in api\/pyproject\.toml: .+\. Expected a pyproject\.toml uv and pip can read\.$/,
    );
  });
});

describe("the default smoke run: import the project's packages", () => {
  it.each([
    // hatch's wheel packages
    ["../../../sample-app/pyproject.toml", "python -c 'import sample_app'"],
    ["attrs/pyproject.toml", "python -c 'import attr, attrs'"],
    // the project's name as an import name
    ["pydantic-settings/pyproject.toml", "python -c 'import pydantic_settings'"],
    ["uv-docker-example/pyproject.toml", "python -c 'import uv_docker_example'"],
    ["full-stack-fastapi-template/workspace/backend/pyproject.toml", "python -c 'import app'"],
    ["litestar/pyproject.toml", "python -c 'import litestar'"],
  ])("%s -> %s", (path, command) => {
    expect(importCheck(project(path))).toBe(command);
  });

  it("names no command when no package name is known", () => {
    expect(importCheck(pyproject(["[project]", 'name = "123-not-python"']))).toBeUndefined();
    expect(importCheck(pyproject(["[tool.ruff]", "line-length = 100"]))).toBeUndefined();
  });

  it("reads setuptools', uv's, flit's and poetry's package settings", () => {
    const packages = (lines: string[]) => pyproject(["[project]", 'name = "dist-name"', ...lines]).packages;
    expect(packages(["[tool.setuptools]", 'packages = ["core", "core.sub", "cli"]'])).toEqual([
      "core",
      "cli",
    ]);
    expect(packages(["[tool.uv.build-backend]", 'module-name = "fast_api"'])).toEqual(["fast_api"]);
    expect(packages(["[tool.flit.module]", 'name = "flitmod"'])).toEqual(["flitmod"]);
    expect(
      packages(["[tool.poetry]", 'packages = [{ include = "poet" }, { include = "x", from = "src" }]']),
    ).toEqual(["poet", "x"]);
    expect(packages(["[tool.setuptools.packages.find]", 'where = ["src"]'])).toEqual(["dist_name"]);
  });
});

describe("layoutPackages: a name guess checked against the app's layout", () => {
  const guessed = pyproject(["[project]", 'name = "uv-fastapi-example"']);
  it.each([
    [["app/__init__.py", "tests/__init__.py"], ["app"]],
    [["src/uv_fastapi_example/__init__.py", "src/other/__init__.py"], ["uv_fastapi_example"]],
    [
      ["src/b/__init__.py", "a/__init__.py", "docs/__init__.py", "my-scripts/__init__.py"],
      ["a", "b"],
    ],
    [[], ["uv_fastapi_example"]],
  ])("%j -> %j", (inits, packages) => {
    expect(layoutPackages(guessed, inits)).toEqual(packages);
  });

  it("keeps what the build configuration declares, whatever the layout", () => {
    const declared = pyproject(["[tool.hatch.build.targets.wheel]", 'packages = ["src/core"]']);
    expect(layoutPackages(declared, ["app/__init__.py"])).toEqual(["core"]);
  });
});

describe("edges the mutation run found untested", () => {
  it("names the TOML parser's first line only, and keeps the parser's error as the cause", () => {
    let thrown: unknown;
    try {
      readPyproject('[project\nname = "x"', "api/pyproject.toml");
    } catch (err) {
      thrown = err;
    }
    expect((thrown as Error).message).toBe(
      "Invalid TOML in api/pyproject.toml: Invalid TOML document: illegal character in key. Expected a pyproject.toml uv and pip can read.",
    );
    expect((thrown as Error).cause).toBeInstanceOf(Error);
  });

  it("reads only string classifiers (TOML arrays may mix types)", () => {
    const mixed = pyproject([
      "[project]",
      'classifiers = [1, "Programming Language :: Python :: Free Threading :: 3 - Stable"]',
    ]);
    expect(mixed.freeThreading).toBe(true);
  });

  it("takes the last part of a hatch package path, however deep, and folds runs of separators in a name", () => {
    expect(pyproject(["[tool.hatch.build.targets.wheel]", 'packages = ["libs/src/core"]']).packages).toEqual([
      "core",
    ]);
    expect(pyproject(["[project]", 'name = "My--Service..Api"']).packages).toEqual(["my_service_api"]);
  });

  it("falls back to the layout when the project's name is no import name", () => {
    const unnamed = pyproject(["[project]", 'name = "2fa-service"']);
    expect(unnamed.packages).toEqual([]);
    expect(layoutPackages(unnamed, ["src/twofa/__init__.py"])).toEqual(["twofa"]);
  });
});

describe("uv workspaces: which folder holds the lock", () => {
  const root = (path: string) => project(path).workspace;

  it("reads [tool.uv.workspace] from the real workspaces' root files", () => {
    expect(root("full-stack-fastapi-template/workspace/pyproject.toml")).toEqual({
      members: ["backend"],
      exclude: [],
    });
    expect(root("mcp-python-sdk/workspace/pyproject.toml")?.members).toContain("examples/servers/*");
    expect(root("starlette/pyproject.toml")).toBeUndefined();
  });

  it.each([
    // each real member against its workspace's own globs
    ["full-stack-fastapi-template/workspace/pyproject.toml", "backend", true],
    ["mcp-python-sdk/workspace/pyproject.toml", "src/mcp-types", true],
    ["mcp-python-sdk/workspace/pyproject.toml", "examples/servers/simple-tool", true],
    // `*` stays within one folder
    ["mcp-python-sdk/workspace/pyproject.toml", "examples/servers/a/b", false],
    ["mcp-python-sdk/workspace/pyproject.toml", "src/mcp", false],
    ["pydantic-ai/workspace/pyproject.toml", "pydantic_graph", true],
    ["pydantic-ai/workspace/pyproject.toml", "pydantic_graphs", false],
  ])("%s takes %s: %s", (path, member, expected) => {
    expect(isMember(root(path) ?? { members: [], exclude: [] }, member)).toBe(expected);
  });

  it("leaves out what `exclude` names, and reads `**` across folders", () => {
    const ws = { members: ["packages/*", "libs/**"], exclude: ["packages/legacy"] };
    expect(isMember(ws, "packages/api")).toBe(true);
    expect(isMember(ws, "packages/legacy")).toBe(false);
    expect(isMember(ws, "libs/a/b")).toBe(true);
    expect(isMember({ members: ["svc?"], exclude: [] }, "svc1")).toBe(true);
    expect(isMember({ members: ["a.b"], exclude: [] }, "axb")).toBe(false);
    // a trailing slash names the same folder; `?` is one character; `**/` spans any depth, none included
    expect(isMember({ members: ["backend//"], exclude: [] }, "backend")).toBe(true);
    expect(isMember({ members: ["svc?"], exclude: [] }, "svc12")).toBe(false);
    expect(isMember({ members: ["packages/*"], exclude: [] }, "packages/a/b")).toBe(false);
    expect(isMember({ members: ["packages/*"], exclude: [] }, "packages//api")).toBe(false);
    expect(isMember({ members: ["libs/**/core"], exclude: [] }, "libs/core")).toBe(true);
    expect(isMember({ members: ["libs/**/core"], exclude: [] }, "libs/a/b/core")).toBe(true);
    expect(isMember({ members: ["libs/**/core"], exclude: [] }, "libs/a/b/cores")).toBe(false);
    expect(isMember({ members: ["(x)"], exclude: [] }, "(x)")).toBe(true);
    // a workspace with no exclude key excludes nothing
    expect(readPyproject('[tool.uv.workspace]\nmembers = ["a"]\n', "p").workspace).toEqual({
      members: ["a"],
      exclude: [],
    });
    expect(readPyproject("[tool.uv]\nmanaged = true\n", "p").workspace).toBeUndefined();
    expect(readPyproject("[project]\nname = 3\n", "p").name).toBeUndefined();
    expect(readPyproject('[project]\nname = "x"\n', "p").name).toBe("x");
  });

  it("walks the folders above an app, nearest first, up to the repository's root", () => {
    expect(ancestors("services/api/app")).toEqual(["services/api", "services", "."]);
    expect(ancestors("backend")).toEqual(["."]);
    expect(ancestors(".")).toEqual([]);
  });
});

describe("pinnedPython: the first version a .python-version names, as uv reads it", () => {
  it.each([
    ["3.14\n", "3.14"],
    ["# the team's Python\n\n  3.12.4  \n3.13\n", "3.12.4"],
    ["pypy@3.11\n", "pypy@3.11"],
    ["\n# nothing\n", undefined],
  ])("%j -> %s", (text, version) => {
    expect(pinnedPython(text)).toBe(version);
  });

  it("reads the real projects' pins", () => {
    const read = (path: string) => pinnedPython(readFileSync(join(PROJECTS, path), "utf8"));
    expect(read("full-stack-fastapi-template/workspace/.python-version")).toBe("3.14");
    expect(read("fastmcp/.python-version")).toBe("3.12");
  });
});
