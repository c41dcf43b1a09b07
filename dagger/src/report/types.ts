/** status.json, summary.md and the PR comments all come from one CiStatus, so they never disagree. */

import type { SeverityName } from "../settings/defaults.js";
import type { ServiceNotReady } from "../settings/services.js";
import type { FileCoverage } from "./coverage.js";
import type { FailedTest, TestCounts } from "./junit.js";
import type { TypecheckStatus } from "./mypy.js";

export type LintFinding = {
  file: string;
  line: number;
  column: number;
  code: string;
  message: string;
};

export type LintStatus = {
  passed: boolean;
  findings: LintFinding[];
  unformatted: string[];
  /** ruff itself could not run (bad config, crash): the lint fails */
  error?: string;
};

export type VersionStatus = TestCounts & {
  version: string;
  passed: boolean;
  /** failed, then passed on a fresh rerun */
  flaky?: boolean;
  /** 0 when pytest never started */
  attempts?: number;
  /** this version alone, coverage.py's unrounded total */
  coverage?: number;
  coverageDisplay?: string;
  failedTests?: FailedTest[];
  /** the exact interpreter, e.g. 3.14.0 */
  python?: string;
  /** at the end of the test session (3.13 and later) */
  gil?: boolean;
  serviceNotReady?: ServiceNotReady;
  /** no usable report (install failure, crash, bad junit), or why a flaky run first failed */
  error?: string;
};

export type GateStatus = {
  passed: boolean;
  threshold: number;
  /** combined; absent when no version produced coverage data */
  coverage?: number;
  display?: string;
  /** paths relative to the app */
  leastCovered?: FileCoverage[];
  message: string;
};

export type SeverityCounts = Record<SeverityName, number>;

export type ScanStatus = {
  passed: boolean;
  counts: SeverityCounts;
  /** absent: report-only */
  failOn?: string;
  scanner: string;
  /** display only: the verdict is judged on every severity */
  shown?: string[];
  /** RFC 3339, when Trivy reported it */
  dbUpdatedAt?: string;
  dbAgeHours?: number;
};

export type ImageStatus = {
  /** with digest when pushed, else a local name */
  reference: string;
  digest?: string;
  published: boolean;
  tags: string[];
  /** cosign signed the digest; sbomAttested, provenanceAttested: signed attestations of the SBOM, the SLSA provenance */
  signed?: boolean;
  sbomAttested?: boolean;
  provenanceAttested?: boolean;
  /** only when the registry is GHCR */
  page?: string;
  facts?: ImageFacts;
};

export type ImageFacts = {
  /** "" means root */
  user: string;
  nonRoot: boolean;
  /** of the compressed tarball */
  sizeBytes: number;
  layers?: number;
  /** from the Dockerfile's final stage */
  base?: string;
};

/** Against what the tests ran without the dev group. */
export type DependencyStatus = {
  passed: boolean;
  python: string;
  /** distributions in the image */
  count: number;
  differences: string[];
};

export type SmokeStatus = {
  passed: boolean;
  command: string;
  expected: string;
  output: string;
};

export type DiffCoverageStatus = {
  /** false only below a set --diff-threshold */
  passed: boolean;
  /** absent: report-only */
  threshold?: number;
  pullRequest?: number;
  coverage?: number;
  /** rounded down, so it never reads as meeting a threshold it misses */
  display?: string;
  /** changed lines coverage.py counts as statements */
  lines: number;
  covered: number;
  uncovered: { file: string; lines: string }[];
  notMeasured: { file: string; reason: string }[];
  /** files without a changed executable line: outside the app, not measured, deleted */
  skipped: number;
  files: number;
  /** past GitHub's cap of 3000 files, nothing is measured */
  truncated?: boolean;
  reason?: string;
};

/** The summary shows it as "stage: reason". */
export type Skip = { stage: string; reason: string };

export type CiStatus = {
  passed: boolean;
  lint: LintStatus;
  /** absent when the type check was off */
  typecheck?: TypecheckStatus;
  tests: VersionStatus[];
  services?: string[];
  gate: GateStatus;
  image?: ImageStatus;
  scan?: ScanStatus;
  smoke?: SmokeStatus;
  dependencies?: DependencyStatus;
  diffCoverage?: DiffCoverageStatus;
  skipped: Skip[];
  /** problems that do not change the verdict */
  warnings: string[];
  /** stages that could not run, so the run fails (a failed push, a required scan that never ran) */
  errors?: string[];
  /** the lines `ci` fails with, one per failed gate */
  failures?: string[];
  /** the app's folder, for paths a reader can open */
  app?: string;
  runUrl?: string;
  /** posted after summary.md was rendered, so not in it */
  comment?: { posted: boolean; pullRequest?: number; warning?: string };
  sha?: string;
  branch?: string;
  /** when each stage started and ended, in ms from the run's start, as the module measured them */
  timings?: StageTiming[];
};

export type StageTiming = { stage: string; startMs: number; endMs: number };

/** The deployed image's smoke run, and where it ran. */
export type DeployStatus = SmokeStatus & {
  environment: string;
  branch: string;
  /** a release's git tag, deployed instead of a branch */
  release?: string;
  /** the reference pulled (tag or digest) */
  image: string;
  digest?: string;
  /** what the signature check established, or that there was none */
  signature?: string;
  /** the commit the image's revision label names */
  revision?: string;
  warnings: string[];
  runUrl?: string;
  sha?: string;
};
