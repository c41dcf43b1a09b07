/**
 * What a project's own pyproject.toml says the pipeline should do: which Pythons it supports, whether it
 * declares free-threading. Pure; the file is read by stages/project.ts. A flag overrides what the file says.
 */
import { satisfies } from "@renovatebot/pep440";
import { quote } from "shell-quote";
import { parse } from "smol-toml";
import { SUPPORTED_PYTHON_VERSIONS } from "./defaults.js";
import { InputError } from "./errors.js";

export type Project = {
  /** the import packages the project ships, from its build configuration, else its normalized name */
  packages: string[];
  /** whether `packages` came from the build configuration (else it is a guess from the name) */
  declared: boolean;
  /** [project] requires-python, as written; undefined when the project states none */
  requiresPython?: string;
  /** a trove classifier `Programming Language :: Python :: Free Threading :: …` is declared */
  freeThreading: boolean;
  /** [project] name, as written */
  name?: string;
  /** [tool.uv.workspace]: the member globs and exclusions, relative to this file's folder */
  workspace?: { members: string[]; exclude: string[] };
};

type Table = Record<string, unknown>;
const table = (value: unknown): Table =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Table) : {};

/** The project table of a pyproject.toml; a file TOML cannot parse is named with the parser's reason. */
export function readPyproject(text: string, path: string): Project {
  let doc: Table;
  try {
    doc = parse(text) as Table;
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new InputError(`Invalid TOML in ${path}: ${why}. Expected a pyproject.toml uv and pip can read.`, {
      cause: err,
    });
  }
  const project = table(doc.project);
  const requires = project["requires-python"];
  const name = typeof project.name === "string" ? project.name : undefined;
  const classifiers = Array.isArray(project.classifiers) ? project.classifiers : [];
  const workspace = table(doc.tool).uv === undefined ? undefined : table(table(doc.tool).uv).workspace;
  return {
    ...buildPackages(table(doc.tool), name),
    ...(name !== undefined ? { name } : {}),
    ...(workspace !== undefined
      ? {
          workspace: {
            members: strings(table(workspace).members ?? []),
            exclude: strings(table(workspace).exclude ?? []),
          },
        }
      : {}),
    ...(typeof requires === "string" ? { requiresPython: requires } : {}),
    freeThreading: classifiers.some(
      (c) => typeof c === "string" && c.startsWith("Programming Language :: Python :: Free Threading"),
    ),
  };
}

const strings = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
const IMPORT_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * The top-level packages a build backend is told to ship (hatch's wheel packages, setuptools' packages, uv's
 * module-name, flit's module, poetry's includes), else the project's name as an import name
 * (`my-service` -> `my_service`); what is not a valid import name is left out.
 */
function buildPackages(tool: Table, name: string | undefined): { packages: string[]; declared: boolean } {
  const wheel = table(table(table(table(tool.hatch).build).targets).wheel);
  const declared = [
    ...strings(wheel.packages).map((p) => p.split("/").at(-1) ?? ""),
    ...strings(table(tool.setuptools).packages).map((p) => p.split(".")[0] ?? ""),
    ...strings(table(table(tool.uv)["build-backend"])["module-name"]).map((m) => m.split(".")[0] ?? ""),
    ...strings(table(table(tool.flit).module).name),
    ...(Array.isArray(table(tool.poetry).packages) ? (table(tool.poetry).packages as unknown[]) : []).flatMap(
      (p) => strings(table(p).include),
    ),
  ].filter((p) => IMPORT_NAME.test(p));
  if (declared.length > 0) return { packages: [...new Set(declared)], declared: true };
  const normalized = name?.toLowerCase().replace(/[-_.]+/g, "_");
  return {
    packages: normalized !== undefined && IMPORT_NAME.test(normalized) ? [normalized] : [],
    declared: false,
  };
}

/** Folders that hold a package's tests or tooling, never what it ships. */
const NOT_SHIPPED = new Set(["tests", "test", "testing", "docs", "doc", "scripts", "examples", "benchmarks"]);

/**
 * The packages to import, given the app's layout (the folders with an `__init__.py` at its root or under
 * `src/`): a declared list as it is; a name guess when the layout has that package, else the layout's own
 * packages (`app/` for a project named `uv-fastapi-example`), else the guess.
 */
export function layoutPackages(project: Project, initFiles: readonly string[]): string[] {
  if (project.declared) return project.packages;
  const layout = [
    ...new Set(
      initFiles
        .map((path) => path.split("/").at(-2) ?? "")
        .filter((name) => IMPORT_NAME.test(name) && !NOT_SHIPPED.has(name)),
    ),
  ].sort();
  if (layout.length === 0 || project.packages.some((p) => layout.includes(p))) return project.packages;
  return layout;
}

/**
 * The smoke run when none is given: import the project's packages in the image (its exit status is the test;
 * no output is expected). Undefined when no package name is known.
 */
export function importCheck(project: Project): string | undefined {
  return project.packages.length === 0
    ? undefined
    : quote(["python", "-c", `import ${project.packages.join(", ")}`]);
}

/** Whether some release of `minor` (e.g. 3.12: 3.12.0 to 3.12.40) satisfies the specifier (PEP 440). */
function allows(specifier: string, minor: string): boolean {
  for (let patch = 0; patch <= 40; patch++) {
    if (satisfies(`${minor}.${patch}`, specifier)) return true;
  }
  return false;
}

/**
 * The test matrix: the versions asked for, each checked against requires-python; or, when none was asked, the
 * supported GIL versions requires-python allows, with 3.14t when the project declares free-threading.
 */
export function matrixVersions(project: Project, asked: readonly string[], path: string): string[] {
  const spec = project.requiresPython;
  const fits = (v: string) => spec === undefined || allows(spec, v.replace(/t$/, ""));
  if (asked.length > 0) {
    const outside = asked.filter((v) => !fits(v));
    if (outside.length > 0) {
      throw new InputError(
        `Python ${outside.join(", ")} is outside the project's requires-python '${spec}' (${path}). Expected versions it allows, or no --python-versions to test all of them.`,
      );
    }
    return [...asked];
  }
  const gil = SUPPORTED_PYTHON_VERSIONS.filter((v) => !v.endsWith("t") && fits(v));
  const versions = [...gil, ...(project.freeThreading && fits("3.14") ? ["3.14t"] : [])];
  if (versions.length === 0) {
    throw new InputError(
      `The project's requires-python '${spec}' (${path}) allows none of the supported Pythons: ${SUPPORTED_PYTHON_VERSIONS.join(", ")}. Expected a requires-python that includes one of them.`,
    );
  }
  return versions;
}

/** A workspace member glob as uv matches it against a member's path: `*` within one folder, `**` across. */
function globRegex(glob: string): RegExp {
  const body = glob
    .replace(/\/+$/, "")
    .split(/(\*\*\/?|\*|\?)/)
    .map((part) =>
      part === "**/"
        ? "(?:.*/)?"
        : part === "**"
          ? ".*"
          : part === "*"
            ? "[^/]*"
            : part === "?"
              ? "[^/]"
              : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${body}$`);
}

/** Whether `relative` (a folder, from the workspace root) is a member: matched by a member glob, by no exclusion. */
export function isMember(workspace: { members: string[]; exclude: string[] }, relative: string): boolean {
  const matches = (globs: string[]) => globs.some((g) => globRegex(g).test(relative));
  return matches(workspace.members) && !matches(workspace.exclude);
}

/**
 * The folders above `app`, nearest first, up to the repository's root ("."): where uv looks for the workspace
 * that holds it, and for a `.python-version`.
 */
export function ancestors(app: string): string[] {
  if (app === ".") return [];
  const parts = app.split("/");
  return parts.map((_, i) => parts.slice(0, parts.length - 1 - i).join("/") || ".");
}

/** The Python a `.python-version` pins: its first line that is neither blank nor a comment, as uv reads it. */
export function pinnedPython(text: string): string | undefined {
  return text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("#"));
}
