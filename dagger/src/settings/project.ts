/** What pyproject.toml says the pipeline should do; a flag overrides it. */
import { satisfies } from "@renovatebot/pep440";
import { quote } from "shell-quote";
import { parse } from "smol-toml";
import { SUPPORTED_PYTHON_VERSIONS } from "./defaults.js";
import { InputError } from "./errors.js";

export type Project = {
  packages: string[];
  /** false: `packages` is a guess from the name */
  declared: boolean;
  requiresPython?: string;
  freeThreading: boolean;
  name?: string;
  /** `[project].version` */
  version?: string;
  /** `version` is in `[project].dynamic`: the build backend computes it */
  dynamicVersion?: true;
  /** globs relative to this file's folder */
  workspace?: { members: string[]; exclude: string[] };
};

export type Table = Record<string, unknown>;
/** A TOML table or JSON object: a plain object, not an array. */
export const isTable = (v: unknown): v is Table => typeof v === "object" && v !== null && !Array.isArray(v);
/** An optional table read as empty when it is anything else. */
export const table = (value: unknown): Table => (isTable(value) ? value : {});

export function parseToml(text: string, path: string): Table {
  try {
    return parse(text) as Table;
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new InputError(`Invalid TOML in ${path}: ${why}. Expected a pyproject.toml uv and pip can read.`, {
      cause: err,
    });
  }
}

export function readPyproject(text: string, path: string): Project {
  const doc = parseToml(text, path);
  const project = table(doc.project);
  const requires = project["requires-python"];
  const name = typeof project.name === "string" ? project.name : undefined;
  const classifiers = Array.isArray(project.classifiers) ? project.classifiers : [];
  const workspace = table(doc.tool).uv === undefined ? undefined : table(table(doc.tool).uv).workspace;
  return {
    ...buildPackages(table(doc.tool), name),
    ...(name !== undefined ? { name } : {}),
    ...(typeof project.version === "string" ? { version: project.version } : {}),
    ...(strings(project.dynamic ?? []).includes("version") ? { dynamicVersion: true as const } : {}),
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

/** What the build backend ships, else the name as an import name (`my-service` -> `my_service`). */
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

const NOT_SHIPPED = new Set(["tests", "test", "testing", "docs", "doc", "scripts", "examples", "benchmarks"]);

/** A wrong name guess yields to the layout: `app/` for a project named `uv-fastapi-example`. */
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

/** The default smoke run: its exit status is the test. */
export function importCheck(project: Project): string | undefined {
  return project.packages.length === 0
    ? undefined
    : quote(["python", "-c", `import ${project.packages.join(", ")}`]);
}

/** Any patch counts: `>=3.12.4` still allows 3.12. */
function allows(specifier: string, minor: string): boolean {
  for (let patch = 0; patch <= 40; patch++) {
    if (satisfies(`${minor}.${patch}`, specifier)) return true;
  }
  return false;
}

/** 3.14t joins the default matrix only when the project declares free-threading. */
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

/** Matches member globs as uv does (docs/engine-notes.md: uv). */
export function globRegex(glob: string): RegExp {
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

/** `relative` is from the workspace root. */
export function isMember(workspace: { members: string[]; exclude: string[] }, relative: string): boolean {
  const matches = (globs: string[]) => globs.some((g) => globRegex(g).test(relative));
  return matches(workspace.members) && !matches(workspace.exclude);
}

/** Nearest first: where uv looks for the workspace and `.python-version` (docs/engine-notes.md: uv). */
export function ancestors(app: string): string[] {
  if (app === ".") return [];
  const parts = app.split("/");
  return parts.map((_, i) => parts.slice(0, parts.length - 1 - i).join("/") || ".");
}

/** As uv reads `.python-version` (docs/engine-notes.md: uv). */
export function pinnedPython(text: string): string | undefined {
  return text
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith("#"));
}
