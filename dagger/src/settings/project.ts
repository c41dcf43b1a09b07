/**
 * What a project's own pyproject.toml says the pipeline should do: which Pythons it supports, whether it
 * declares free-threading. Pure; the file is read by stages/project.ts. A flag overrides what the file says.
 */
import { satisfies } from "@renovatebot/pep440";
import { parse } from "smol-toml";
import { SUPPORTED_PYTHON_VERSIONS } from "./defaults.js";
import { InputError } from "./errors.js";

export type Project = {
  /** [project] requires-python, as written; undefined when the project states none */
  requiresPython?: string;
  /** a trove classifier `Programming Language :: Python :: Free Threading :: …` is declared */
  freeThreading: boolean;
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
  const classifiers = Array.isArray(project.classifiers) ? project.classifiers : [];
  return {
    ...(typeof requires === "string" ? { requiresPython: requires } : {}),
    freeThreading: classifiers.some(
      (c) => typeof c === "string" && c.startsWith("Programming Language :: Python :: Free Threading"),
    ),
  };
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
