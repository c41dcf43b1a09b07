/**
 * The shapes of what one pipeline run found. `status.json` in the reports directory is a `CiStatus`
 * serialized; summary.md and the pull-request comments are rendered from the same value, so the three
 * never disagree. Plain data only: nothing here touches the engine.
 */

import type { TypecheckStatus } from "./mypy.js";

/** One ruff finding, as a reader needs it to jump to the line. */
export type LintFinding = {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
};

export type LintStatus = {
  passed: boolean;
  /** ruff check findings */
  findings: LintFinding[];
  /** files `ruff format --check` would reformat */
  unformatted: string[];
  /** set when ruff itself could not run (bad config, crash): the lint then fails */
  error?: string;
};

/** The outcome of the test suite on one Python version. */
export type VersionStatus = {
  version: string;
  passed: boolean;
  /** the first run failed and a fresh rerun passed */
  flaky?: boolean;
  /** how many times pytest ran (2 when a failed run was rerun fresh); 0 when it never started */
  attempts?: number;
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** this version's coverage percent alone (coverage.py's unrounded total of statements and branches) */
  coverage?: number;
  /** that figure as coverage.py shows it, with the app's precision */
  coverageDisplay?: string;
  /** the tests that failed or errored (first 20), each with the first line of its message */
  failedTests?: { test: string; message: string }[];
  /** the exact interpreter, e.g. 3.14.0 */
  python?: string;
  /** the GIL at the end of the test session (3.13 and later) */
  gil?: boolean;
  /** a service container never became ready, so pytest never ran: which, how long, what it last said */
  serviceNotReady?: { service: string; timeoutSeconds: number; last: string };
  /** set when the run produced no usable report (install failure, crash, malformed junit), or why a flaky run first failed */
  error?: string;
};

export type GateStatus = {
  passed: boolean;
  threshold: number;
  /** combined coverage percent across every version; absent when no version produced coverage data */
  coverage?: number;
  /** that figure as coverage.py shows it (percent_covered_display, the app's precision) */
  display?: string;
  /** the ten least-covered files (paths relative to the app), with coverage.py's figure and missing lines */
  leastCovered?: { file: string; display: string; missing: string }[];
  message: string;
};

export type SeverityCounts = {
  CRITICAL: number;
  HIGH: number;
  MEDIUM: number;
  LOW: number;
  UNKNOWN: number;
};

export type ScanStatus = {
  passed: boolean;
  counts: SeverityCounts;
  /** the severity at or above which the scan fails; absent means report-only */
  failOn?: string;
  scanner: string;
  /** the severities the counts and reports show (the verdict is judged on every severity) */
  shown?: string[];
  /** when the vulnerability DB was built upstream (RFC 3339), when Trivy reported it */
  dbUpdatedAt?: string;
  /** the DB's age in hours at the time of the scan */
  dbAgeHours?: number;
};

export type ImageStatus = {
  /** what the image is called: a pushed reference with digest, or a local name when nothing was pushed */
  reference: string;
  digest?: string;
  published: boolean;
  /** every tag the image was pushed under */
  tags: string[];
  /** cosign signed the digest; sbomAttested: the CycloneDX SBOM is attached as a signed attestation */
  signed?: boolean;
  sbomAttested?: boolean;
  /** the package's page on GitHub, when the registry is GHCR */
  page?: string;
  /** what the image is, read from it */
  facts?: ImageFacts;
};

/** The image as read from its config and tarball: user, size, layers, and its Dockerfile's final base. */
export type ImageFacts = {
  /** the config's User ("" means root) */
  user: string;
  nonRoot: boolean;
  /** the compressed tarball's size */
  sizeBytes: number;
  layers?: number;
  /** the reference the final stage's FROM resolves to, e.g. python:3.14-slim@sha256:… */
  base?: string;
};

/** The image's installed distributions against what the tests ran (without the dev group). */
export type DependencyStatus = {
  passed: boolean;
  /** the Python version both sides ran */
  python: string;
  /** how many distributions the image holds */
  count: number;
  /** one line per difference; empty when the image ships exactly what was tested */
  differences: string[];
};

export type SmokeStatus = {
  passed: boolean;
  command: string;
  expected: string;
  output: string;
};

/**
 * Coverage of the lines a pull request changed: its changed executable lines (added or modified lines that
 * coverage.py counts as statements) and how many of them the combined coverage executed.
 */
export type DiffCoverageStatus = {
  /** false only when --diff-threshold is set and the figure is below it */
  passed: boolean;
  /** the --diff-threshold, percent; absent when it is off (the figure is then report-only) */
  threshold?: number;
  /** the pull request whose changes were read */
  pullRequest?: number;
  /** percent of the changed executable lines the tests executed; absent when there is no figure (see reason) */
  coverage?: number;
  /** that figure with one decimal, rounded down: it never reads as meeting a threshold it misses */
  display?: string;
  /** changed executable lines */
  lines: number;
  /** of those, the ones the combined coverage executed */
  covered: number;
  /** per file (a repository path), the changed executable lines no test executed, as ranges: "10-12, 15" */
  uncovered: { file: string; lines: string }[];
  /** changed files whose changed lines could not be read: GitHub sent no patch (binary, too large), or a bad one */
  notMeasured: { file: string; reason: string }[];
  /** changed files without a changed executable line: outside the app, not in the coverage data, deleted */
  skipped: number;
  /** how many files the pull request's file list held */
  files: number;
  /** the list stopped at GitHub's cap of 3000 files: the files past it are not measured */
  truncated?: boolean;
  /** why there is no figure: no token, no pull request, an API error, no coverage data, nothing executable */
  reason?: string;
};

/** A stage that did not run, and why: the summary shows it as "stage: reason". */
export type Skip = { stage: string; reason: string };

export type CiStatus = {
  passed: boolean;
  lint: LintStatus;
  /** mypy's findings and verdict; absent when the type check was off */
  typecheck?: TypecheckStatus;
  tests: VersionStatus[];
  /** service containers bound to every test container, e.g. ["postgres", "redis"]; absent when none */
  services?: string[];
  gate: GateStatus;
  image?: ImageStatus;
  scan?: ScanStatus;
  smoke?: SmokeStatus;
  /** the image's dependencies against the tested ones */
  dependencies?: DependencyStatus;
  /** coverage of the pull request's changed lines, or why there is no figure */
  diffCoverage?: DiffCoverageStatus;
  /** stages left out and why, e.g. { stage: "publish", reason: "no --github-token given" } */
  skipped: Skip[];
  /** problems that do not change the verdict, e.g. "PR comment: token cannot write (403)" */
  warnings: string[];
  /** stages that could not run and so fail the run, e.g. a push that failed, or a required scan that never ran */
  errors?: string[];
  /** one line per failed gate, the lines `ci` fails with (e.g. "typecheck: 1 mypy error(s)"); absent when it passed */
  failures?: string[];
  /** the app's folder in the repository, for paths a reader can open */
  app?: string;
  /** where the run can be seen, e.g. the GitHub Actions run page */
  runUrl?: string;
  /** what became of the pull-request comment (posted after summary.md was rendered, so not in it) */
  comment?: { posted: boolean; pullRequest?: number; warning?: string };
  /** the commit the run was for */
  sha?: string;
  branch?: string;
};

/** What `deploy` did, for its result and the CD comment. */
export type DeployStatus = {
  passed: boolean;
  environment: string;
  branch: string;
  /** the reference that was pulled (tag or digest) */
  image: string;
  digest?: string;
  /** what the signature check established, or that there was none */
  signature?: string;
  /** the commit the image's revision label names */
  revision?: string;
  command: string;
  expected: string;
  output: string;
  warnings: string[];
  runUrl?: string;
  sha?: string;
};
