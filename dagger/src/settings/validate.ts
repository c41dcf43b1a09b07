import type { Directory } from "@dagger.io/dagger";
import { type ParseEntry, parse } from "shell-quote";
import { SEVERITIES, type SeverityName, SUPPORTED_PLATFORMS, SUPPORTED_PYTHON_VERSIONS } from "./defaults.js";
import { InputError } from "./errors.js";
import type { ServiceSpec } from "./services.js";

/** The constructor's arguments, validated: bad input is refused before any container starts. */
export type PipelineSettings = {
  source: Directory;
  app: string;
  versions: string[];
  /** undefined: the project's own fail_under */
  threshold: number | undefined;
  registry: string;
  /** "": look for one */
  dockerfile: string;
  /** "": the Dockerfile's own folder */
  buildContext: string;
  smokeCommand: string;
  smokeExpect: string;
  /** one instance per test leg */
  services: ServiceSpec[];
  severities: SeverityName[];
  /** besides the project's default groups */
  groups: string[];
  /** ["*"]: all */
  extras: string[];
  /** <id>-<attempt>; "": a run by hand, tagged sha-<7> */
  runId: string;
  /** empty: the engine's own */
  platforms: string[];
  /** one app of several: its image's path under the repository's name (settings/tags.ts appImagePath) */
  imagePath?: string;
};

export function parsePythonVersions(versions: readonly string[]): string[] {
  if (versions.length === 0) {
    throw new InputError(
      `No Python versions given. Expected one or more of: ${SUPPORTED_PYTHON_VERSIONS.join(", ")}.`,
    );
  }
  const seen = new Set<string>();
  for (const raw of versions) {
    const version = raw.trim();
    if (!SUPPORTED_PYTHON_VERSIONS.includes(version)) {
      throw new InputError(
        `Unknown Python version '${raw}'. Expected one of: ${SUPPORTED_PYTHON_VERSIONS.join(", ")}.`,
      );
    }
    seen.add(version);
  }
  return [...seen];
}

export function parsePythonVersion(version: string): string {
  const [parsed] = parsePythonVersions([version]);
  // Stryker disable next-line ConditionalExpression,StringLiteral: unreachable: parsePythonVersions([v]) either throws or returns one version
  if (parsed === undefined) throw new InputError(`Unknown Python version '${version}'.`);
  return parsed;
}

function percent(value: number, what: string, example: string): number {
  if (!Number.isFinite(value) || value < 0 || value > 100) {
    throw new InputError(`Invalid ${what} '${value}'. Expected a number from 0 to 100, e.g. ${example}.`);
  }
  return value;
}

export const parseThreshold = (threshold: number) => percent(threshold, "coverage threshold", "90");

/** Off is 0, not -1: `--help` shows only plain-literal defaults (docs/engine-notes.md: Dagger engine). */
export function parseDiffThreshold(threshold: number): number | undefined {
  return percent(threshold, "--diff-threshold", "80 (0, the default, only reports)") || undefined;
}

/** "" or none: report only. */
export function parseSeverity(value: string, flag: string): SeverityName | undefined {
  const normalized = value.trim().toUpperCase();
  if (normalized === "" || normalized === "NONE") return undefined;
  if (!(SEVERITIES as readonly string[]).includes(normalized)) {
    throw new InputError(`Invalid ${flag} '${value}'. Expected one of: ${SEVERITIES.join(", ")} (or none).`);
  }
  return normalized as SeverityName;
}

export function parseSeverities(values: readonly string[]): SeverityName[] {
  const parsed = values.map((v) => parseSeverity(v, "--severities")).filter((s) => s !== undefined);
  return parsed.length === 0 ? [...SEVERITIES] : [...new Set(parsed)];
}

export function parsePlatforms(platforms: readonly string[]): string[] {
  for (const p of platforms) {
    if (!(SUPPORTED_PLATFORMS as readonly string[]).includes(p)) {
      throw new InputError(
        `Unsupported platform '${p}'. Expected one of: ${SUPPORTED_PLATFORMS.join(", ")}.`,
      );
    }
  }
  return [...new Set(platforms)];
}

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/;

/** Safe to hand to `uv sync --group`. */
export function parseGroups(groups: readonly string[]): string[] {
  const bad = groups.find((g) => !NAME.test(g));
  if (bad === undefined) return [...new Set(groups)];
  throw new InputError(
    `Invalid dependency group '${bad.slice(0, 80)}'. Expected a group name from the project's [dependency-groups], e.g. testing.`,
  );
}

/** `*` stands for `--all-extras`. */
export function parseExtras(extras: readonly string[]): string[] {
  const bad = extras.find((e) => e !== "*" && !NAME.test(e));
  if (bad === undefined) return extras.includes("*") ? ["*"] : [...new Set(extras)];
  throw new InputError(
    `Invalid extra '${bad.slice(0, 80)}'. Expected an extra from the project's [project.optional-dependencies], e.g. postgres, or * for all of them.`,
  );
}

/** Both relative to the repository root. */
export type ImageSource = { dockerfile: string; context: string };

/** The Dockerfile must lie inside its context: the build reads it from there. */
export function imageSource(dockerfile: string, context: string): ImageSource {
  const folder = context === "" ? dockerfile.split("/").slice(0, -1).join("/") || "." : parseAppPath(context);
  if (folder !== "." && !dockerfile.startsWith(`${folder}/`)) {
    throw new InputError(
      `The Dockerfile '${dockerfile}' is outside its build context '${folder}'. Expected a --build-context that holds it, e.g. ${dockerfile.split("/").slice(0, -1).join("/") || "."}.`,
    );
  }
  return { dockerfile, context: folder };
}

export function parseAppPath(app: string): string {
  const cleaned = app.trim().replace(/\/+$/, "");
  if (
    // an empty or absolute path has an empty part
    cleaned.split("/").some((part) => part === ".." || part === "") ||
    !/^[A-Za-z0-9._/-]+$/.test(cleaned)
  ) {
    throw new InputError(
      `Invalid app folder '${app}'. Expected a relative path inside the repository, e.g. sample-app.`,
    );
  }
  return cleaned;
}

/**
 * `--apps`: folders, or * for every app found. What names one app's files (a Dockerfile, a build context, a
 * smoke command) cannot hold for several: each app's own Dockerfile and import check are used instead.
 */
export function parseApps(
  apps: readonly string[],
  single: { dockerfile: string; buildContext: string; smokeCommand: string },
): string[] {
  if (apps.length === 0) return [];
  for (const [flag, value] of [
    ["--dockerfile", single.dockerfile],
    ["--build-context", single.buildContext],
    ["--smoke-command", single.smokeCommand],
  ] as const) {
    if (value !== "") {
      throw new InputError(
        `${flag} names one app's, and --apps runs several. Expected each app's own <folder>/Dockerfile and its packages' import as the smoke run, without ${flag}; or --app <folder> without --apps.`,
      );
    }
  }
  return [...new Set(apps.map((a) => (a.trim() === "*" ? "*" : parseAppPath(a))))];
}

export function inApp(app: string, file: string): string {
  return app === "." ? file : `${app}/${file}`;
}

/** The name of an unpushed image. */
export function appName(app: string): string {
  // Stryker disable next-line StringLiteral: appName: split('/') always gives at least one part, so at(-1) is never undefined and the fallback never runs
  const last = app.split("/").at(-1) ?? "";
  return /^[a-z0-9][a-z0-9._-]*$/.test(last) ? last : "app";
}

function shellSyntax(token: Exclude<ParseEntry, string>): string {
  if ("comment" in token) return "a comment";
  if (token.op === "glob") return `the pattern '${token.pattern}'`;
  return `'${token.op}'`;
}

/** Shell quoting, but no shell: what only a shell could do is refused rather than guessed. */
export function parseCommand(command: string): string[] {
  // a variable becomes an operator, refused with the rest rather than expanded to ""
  const tokens = parse(command, (name) => ({ op: `$${name}` }) as unknown as string);
  const shell = tokens.find((t): t is Exclude<ParseEntry, string> => typeof t !== "string");
  if (shell !== undefined) {
    throw new InputError(
      `Unsupported smoke command '${command}': ${shellSyntax(shell)} needs a shell, and the command runs without one. Expected a command and its arguments, quoted as in a shell, e.g. python -c "import app".`,
    );
  }
  if (tokens.length === 0) {
    throw new InputError(
      `Empty smoke command. Expected a command and its arguments, e.g. python -c "import app".`,
    );
  }
  return tokens as string[];
}

/** File-name-safe, for report names. */
export function versionSlug(version: string): string {
  // Stryker disable next-line StringLiteral: versionSlug: only validated versions reach it (digits, dots and t), which have nothing to replace
  return version.replace(/[^A-Za-z0-9.]/g, "-");
}
