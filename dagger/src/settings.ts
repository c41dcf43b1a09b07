import type { Directory } from "@dagger.io/dagger";

/**
 * Pinned tool versions, defaults, and the validation of everything a user can type. Plain functions, no engine:
 * bad input is refused here, before any container starts.
 */

/** uv, pinned by version and digest (the same pin as the Dockerfile's builder). */
export const UV_IMAGE =
  "ghcr.io/astral-sh/uv:0.10.3@sha256:7a88d4c4e6f44200575000638453a5a381db0ae31ad5c3a51b14f8687c9d93a3";

/** The Debian base the uv-managed Pythons run on; same pin as the Dockerfile's runtime. */
export const BASE_IMAGE =
  "python:3.14-slim@sha256:486b8092bfb12997e10d4920897213a06563449c951c5506c2a2cfaf591c599f";

/**
 * Trivy 0.69.3, pinned by digest. 0.69.4 was a malicious release (CVE-2026-33634, GHSA-69fq-xp46-6x23):
 * never move to it.
 */
export const TRIVY_IMAGE =
  "aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c";

/** ruff, run through `uv tool run`; the same version the repository's own checks use (ruff-wasm-nodejs). */
export const RUFF_VERSION = "0.17.4";

/** Versions `uv python install` can provide; 3.14t is the free-threaded build. */
export const SUPPORTED_PYTHON_VERSIONS: readonly string[] = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"];
/** A literal, not a copy of the list above: the SDK's introspector reads defaults from the source text. */
export const DEFAULT_PYTHON_VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"];
export const DEFAULT_SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"];

export const DEFAULT_THRESHOLD = 90;
export const DEFAULT_APP = "sample-app";
export const DEFAULT_REGISTRY = "ghcr.io";
export const DEFAULT_SMOKE_COMMAND = "python -m sample_app 2 3";
export const DEFAULT_SMOKE_EXPECT = "5";

export const SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SUPPORTED_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;

/**
 * What never goes into the engine with the source: the upload stays small and cache keys stay stable.
 * The `source` argument is not filtered by .gitignore, so this list is the only filter.
 */
export const SOURCE_IGNORE = [
  "**/node_modules",
  ".git",
  "dagger/sdk",
  "**/.venv",
  "**/venv",
  "**/__pycache__",
  "**/.pytest_cache",
  "**/.ruff_cache",
  "**/.mypy_cache",
  "**/.coverage",
  "**/.coverage.*",
  "**/coverage.xml",
  "**/htmlcov",
  "**/dist",
  "**/build",
  "**/*.egg-info",
  "reports",
];

/** What every stage shares: the constructor's arguments, validated. */
export type PipelineSettings = {
  source: Directory;
  app: string;
  versions: string[];
  threshold: number;
  registry: string;
  dockerfile: string;
  smokeCommand: string;
  smokeExpect: string;
};

export class InputError extends Error {
  override name = "InputError";
}

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

export function parseThreshold(threshold: number): number {
  if (!Number.isFinite(threshold) || threshold < 0 || threshold > 100) {
    throw new InputError(
      `Invalid coverage threshold '${threshold}'. Expected a number from 0 to 100, e.g. 90.`,
    );
  }
  return threshold;
}

/** `high`, `HIGH` or ` High ` name the same severity; "" means none (report only). */
export function parseSeverity(value: string, flag: string): Severity | undefined {
  const normalized = value.trim().toUpperCase();
  if (normalized === "" || normalized === "NONE") return undefined;
  if (!(SEVERITIES as readonly string[]).includes(normalized)) {
    throw new InputError(`Invalid ${flag} '${value}'. Expected one of: ${SEVERITIES.join(", ")} (or none).`);
  }
  return normalized as Severity;
}

export function parseSeverities(values: readonly string[]): Severity[] {
  const parsed = values.map((v) => parseSeverity(v, "--severity")).filter((s) => s !== undefined);
  if (parsed.length === 0) {
    throw new InputError(`No severities given. Expected one or more of: ${SEVERITIES.join(", ")}.`);
  }
  return [...new Set(parsed)];
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

/**
 * The smoke command is split on whitespace and run without a shell, so nothing in it is interpreted.
 * Quoting is not supported; say so rather than guess.
 */
export function parseCommand(command: string): string[] {
  if (/["'`$\\|;&<>]/.test(command)) {
    throw new InputError(
      `Unsupported smoke command '${command}'. Expected plain words separated by spaces (no quotes or shell syntax), e.g. python -m sample_app 2 3.`,
    );
  }
  const args = command.trim().split(/\s+/).filter(Boolean);
  if (args.length === 0) {
    throw new InputError("Empty smoke command. Expected e.g. python -m sample_app 2 3.");
  }
  return args;
}

/** The file-name-safe form of a version, for report names: 3.14t -> 3.14t, kept readable. */
export function versionSlug(version: string): string {
  return version.replace(/[^A-Za-z0-9.]/g, "-");
}

/** How many of stderr's last lines an engine error carries into a message. */
const STDERR_LINES = 8;

/** The last `count` non-empty lines of a command's output, for a message that must stay short. */
export function lastLines(output: string, count = STDERR_LINES): string {
  return output
    .split("\n")
    .map((line) => line.trimEnd())
    .filter((line) => line !== "")
    .slice(-count)
    .join("\n");
}

/**
 * The message of anything thrown. An engine ExecError's message is only "exit code: N" (its output is in its
 * `stdout`/`stderr` fields), so the last lines of stderr (else stdout) are added. The engine's bundled SDK
 * exports no ExecError class to test with `instanceof`: the error is recognised by its name.
 */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  if (err.name !== "ExecError") return err.message;
  const { stdout, stderr } = err as Error & { stdout?: unknown; stderr?: unknown };
  const output = lastLines(
    typeof stderr === "string" && stderr.trim() !== "" ? stderr : String(stdout ?? ""),
  );
  return output === "" ? err.message : `${err.message}: ${output}`;
}

/** Whether an error is the engine's report of a command that exited non-zero. */
export function isExecError(
  err: unknown,
): err is Error & { exitCode: number; stdout: string; stderr: string } {
  return err instanceof Error && err.name === "ExecError";
}
