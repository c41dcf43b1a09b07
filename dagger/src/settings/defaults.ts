/** Argument defaults, kept literal for the SDK introspector (docs/engine-notes.md: Dagger engine). */

/** What `uv python install` can provide; 3.14t is the free-threaded build. */
export const SUPPORTED_PYTHON_VERSIONS: readonly string[] = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"];

/** Trivy's severities, lowest first: what --severities and --fail-on take. */
export enum Severity {
  UNKNOWN = "UNKNOWN",
  LOW = "LOW",
  MEDIUM = "MEDIUM",
  HIGH = "HIGH",
  CRITICAL = "CRITICAL",
}

export const SEVERITIES = ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type SeverityName = (typeof SEVERITIES)[number];

export const SUPPORTED_PLATFORMS = ["linux/amd64", "linux/arm64"] as const;

/** Only .git/config: the `git` argument reads just the origin remote. */
export const GIT_CONFIG_ONLY = ["*", "!.git/config"];

/** The only filter on `source`: small upload, stable cache keys (docs/engine-notes.md: Dagger engine). */
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
  "**/*.pyc",
  "**/junit*.xml",
  ".stryker-tmp",
  "reports",
];
