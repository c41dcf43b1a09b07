import type { Directory } from "@dagger.io/dagger";
import { type ParseEntry, parse } from "shell-quote";
import { SEVERITIES, type SeverityName, SUPPORTED_PLATFORMS, SUPPORTED_PYTHON_VERSIONS } from "./defaults.js";
import { InputError } from "./errors.js";
import type { ServiceSpec } from "./services.js";

/**
 * The validation of everything a user can type. Plain functions, no engine: bad input is refused here, with the
 * bad value and the expected form, before any container starts.
 */

/** What every stage shares: the constructor's arguments, validated. */
export type PipelineSettings = {
  source: Directory;
  app: string;
  versions: string[];
  /** the coverage gate asked for; undefined: the project's own fail_under */
  threshold: number | undefined;
  registry: string;
  /** the Dockerfile as given, relative to the repository root; "" to look for one */
  dockerfile: string;
  /** its build context as given; "" for the Dockerfile's own folder */
  buildContext: string;
  smokeCommand: string;
  smokeExpect: string;
  /** the service containers every test container gets, one instance per leg; empty: none */
  services: ServiceSpec[];
  /** what the scan reports */
  severities: SeverityName[];
  /** dependency groups synced besides the project's default groups */
  groups: string[];
  /** extras synced; ["*"]: all */
  extras: string[];
  /** this CI run as <id>-<attempt>, for its own image tag; "": a run by hand (sha-<7>) */
  runId: string;
  /** the image's platforms; empty: the engine's own */
  platforms: string[];
};

/** "3.12" and "3.14t" are accepted; a version outside the supported list is named with the list. */
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

/** One version, e.g. for `test --python-version`. */
export function parsePythonVersion(version: string): string {
  const [parsed] = parsePythonVersions([version]);
  if (parsed === undefined) throw new InputError(`Unknown Python version '${version}'.`);
  return parsed;
}

export function parseThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
    throw new InputError(
      `Invalid coverage threshold '${threshold}'. Expected a number from 0 to 100, e.g. 90.`,
    );
  }
  return threshold;
}

/**
 * `--diff-threshold`: above 0 (up to 100) the changed lines' coverage is a gate; 0, the default, leaves it
 * report-only (a 0% gate could never fail anyway). Undefined means off. The default is 0 rather than -1 because
 * the SDK's introspector reads only plain literals as defaults: `-1` would be missing from `--help`.
 */
export function parseDiffThreshold(threshold: number): number | undefined {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
    throw new InputError(
      `Invalid --diff-threshold '${threshold}'. Expected a number from 0 to 100, e.g. 80 (0, the default, only reports).`,
    );
  }
  return threshold === 0 ? undefined : threshold;
}

/** `high`, `HIGH` or ` High ` name the same severity; "" means none (report only). */
export function parseSeverity(value: string, flag: string): SeverityName | undefined {
  const normalized = value.trim().toUpperCase();
  if (normalized === "" || normalized === "NONE") return undefined;
  if (!(SEVERITIES as readonly string[]).includes(normalized)) {
    throw new InputError(`Invalid ${flag} '${value}'. Expected one of: ${SEVERITIES.join(", ")} (or none).`);
  }
  return normalized as SeverityName;
}

/** `--severities`: none given means all of them. */
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

/** `--groups`: dependency-group names (PEP 735), each safe to hand to `uv sync --group`. */
export function parseGroups(groups: readonly string[]): string[] {
  for (const g of groups) {
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/.test(g)) {
      throw new InputError(
        `Invalid dependency group '${g.slice(0, 80)}'. Expected a group name from the project's [dependency-groups], e.g. testing.`,
      );
    }
  }
  return [...new Set(groups)];
}

/** `--extras`: extra names as uv takes them (`--extra NAME`), or `*` for all of them (`--all-extras`). */
export function parseExtras(extras: readonly string[]): string[] {
  for (const e of extras) {
    if (e !== "*" && !/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,62}[A-Za-z0-9])?$/.test(e)) {
      throw new InputError(
        `Invalid extra '${e.slice(0, 80)}'. Expected an extra from the project's [project.optional-dependencies], e.g. postgres, or * for all of them.`,
      );
    }
  }
  return extras.includes("*") ? ["*"] : [...new Set(extras)];
}

/** Where the image is built from: the Dockerfile and its build context, both relative to the repository root. */
export type ImageSource = { dockerfile: string; context: string };

/**
 * The build context of a Dockerfile: the one given, else the Dockerfile's own folder (`.` for the root). The
 * Dockerfile must lie inside it, since the build reads it from there.
 */
export function imageSource(dockerfile: string, context: string): ImageSource {
  const folder = context === "" ? dockerfile.split("/").slice(0, -1).join("/") || "." : parseAppPath(context);
  if (folder !== "." && !dockerfile.startsWith(`${folder}/`)) {
    throw new InputError(
      `The Dockerfile '${dockerfile}' is outside its build context '${folder}'. Expected a --build-context that holds it, e.g. ${dockerfile.split("/").slice(0, -1).join("/") || "."}.`,
    );
  }
  return { dockerfile, context: folder };
}

/** A folder inside the source: relative, no `..`, no leading slash. */
export function parseAppPath(app: string): string {
  const cleaned = app.trim().replace(/\/+$/, "");
  if (
    cleaned === "" ||
    cleaned.startsWith("/") ||
    cleaned.split("/").some((part) => part === ".." || part === "") ||
    !/^[A-Za-z0-9._/-]+$/.test(cleaned)
  ) {
    throw new InputError(
      `Invalid app folder '${app}'. Expected a relative path inside the repository, e.g. sample-app.`,
    );
  }
  return cleaned;
}

/** A file of the app, as a path in the source: `pyproject.toml` for an app at the root (`--app .`). */
export function inApp(app: string, file: string): string {
  return app === "." ? file : `${app}/${file}`;
}

/** The name an unpushed image goes by: the app folder's last part, or `app` for an app at the root. */
export function appName(app: string): string {
  const last = app.split("/").at(-1) ?? "";
  return /^[a-z0-9][a-z0-9._-]*$/.test(last) ? last : "app";
}

/** What a token that needs a shell is, for the refusal. */
function shellSyntax(token: Exclude<ParseEntry, string>): string {
  if ("comment" in token) return "a comment";
  if (token.op === "glob") return `the pattern '${token.pattern}'`;
  return `'${token.op}'`;
}

/**
 * The smoke command, quoted as in a shell (shell-quote's parser) and run without one: quotes group words, and
 * anything only a shell could do (operators, redirections, variables, globs) is refused rather than guessed.
 */
export function parseCommand(command: string): string[] {
  // a variable parses to an operator-like token, so it is refused with the rest instead of expanding to ""
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

/** The file-name-safe form of a version, for report names: 3.14t -> 3.14t, kept readable. */
export function versionSlug(version: string): string {
  return version.replace(/[^A-Za-z0-9.]/g, "-");
}
