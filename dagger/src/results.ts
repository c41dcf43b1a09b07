/**
 * The edge's result objects: what `dagger call` returns. Each is built from the plain data a stage or the
 * pipeline produced, field by field: the SDK's loadResult refuses a result carrying any property that is not
 * a declared field (`could not find result property`), so nothing is spread into them. Object constructors are
 * part of the module's API, so each class keeps an argument-free one and a static `from`.
 */
import { type Directory, dag, type File, type float, func, object } from "@dagger.io/dagger";
import { formatTypecheckFinding, type TypecheckStatus } from "./report/mypy.js";
import { formatFinding } from "./report/ruff.js";
import type { DeployStatus, DiffCoverageStatus, GateStatus, LintStatus, ScanStatus } from "./report/types.js";
import { notReadyMessage } from "./settings/services.js";
import { versionSlug } from "./settings/validate.js";
import type { VersionRun } from "./stages/tests.js";

/** What one Python version's test run produced; returned even when tests fail. */
@object()
export class TestResult {
  // Stryker disable ArrayDeclaration,BooleanLiteral,StringLiteral,UnaryOperator: field defaults that TestResult's factories set on every path
  /** the Python version, e.g. 3.12 or 3.14t */
  @func() version = "";
  /** true when the tests passed (on the first run, or on the fresh rerun of a failed one: then flaky is set) */
  @func() passed = false;
  /** true when the first run failed and a fresh rerun passed: the suite is unreliable on this version */
  @func() flaky = false;
  /** how many times pytest ran: 1, or 2 when a failed run was executed once more, fresh; 0 if it never started */
  @func() attempts = 0;
  @func() tests = 0;
  @func() failures = 0;
  @func() errors = 0;
  @func() skipped = 0;
  /** this version's own coverage percent; -1 when it produced no readable coverage report */
  @func() coverage: float = -1;
  /** the exact interpreter the tests ran on, e.g. 3.14.0; empty when pytest did not get that far */
  @func() python = "";
  /** "on" or "off": the GIL as the test process ended (3.13 and later); empty before 3.13 or when unknown */
  @func() gil = "";
  /** why the run failed or produced no usable report; for a flaky version, why its first run failed */
  @func() error = "";
  /** the failed and errored tests (first 20), each as "path::test: first line of its message" */
  @func() failedTests: string[] = [];
  /** set when a service container never became ready, so pytest did not run: which, how long, what it last said */
  @func() serviceNotReady = "";
  /** pytest's output (tail) */
  @func() output = "";
  // Stryker restore ArrayDeclaration,BooleanLiteral,StringLiteral,UnaryOperator
  /** junit-<v>.xml, coverage-<v>.xml, coverage-<v>.json (coverage.py's own reports) and .coverage.<v>, whichever were written */
  @func() reports!: Directory;

  static from(run: VersionRun): TestResult {
    const { status } = run;
    const r = new TestResult();
    r.version = status.version;
    r.passed = status.passed;
    r.flaky = status.flaky ?? false;
    r.attempts = status.attempts ?? 0;
    r.tests = status.tests;
    r.failures = status.failures;
    r.errors = status.errors;
    r.skipped = status.skipped;
    r.coverage = status.coverage ?? -1;
    r.python = status.python ?? "";
    r.gil = status.gil === undefined ? "" : status.gil ? "on" : "off";
    r.error = status.error ?? "";
    r.failedTests = (status.failedTests ?? []).map((f) => (f.message ? `${f.test}: ${f.message}` : f.test));
    r.serviceNotReady = status.serviceNotReady ? notReadyMessage(status.serviceNotReady) : "";
    r.output = run.output;
    r.reports = run.reports;
    return r;
  }

  /** The JUnit XML report of this version. */
  @func()
  junit(): File {
    return this.reports.file(`junit-${versionSlug(this.version)}.xml`);
  }

  /** The Cobertura coverage.xml of this version. */
  @func()
  coverageXml(): File {
    return this.reports.file(`coverage-${versionSlug(this.version)}.xml`);
  }

  /** What a failed run fails with: the version and why, then the failed tests. */
  failureText(): string {
    return [`Tests failed on ${this.label()}.`, ...this.failedTests.map((t) => `- ${t}`)].join("\n");
  }

  label(): string {
    return `Python ${this.version}${this.error ? ` (${this.error})` : ""}`;
  }
}

/** The whole matrix: every version's result, the combined coverage and the gate's verdict on it. */
@object()
export class MatrixResult {
  /** one result per Python version, in the order asked */
  @func() results: TestResult[] = [];
  // Stryker disable BooleanLiteral,StringLiteral,UnaryOperator: field defaults that MatrixResult's factories set on every path
  /** combined coverage percent across versions; -1 when no version produced coverage data */
  @func() coverage: float = -1;
  /** the combined figure meets the threshold */
  @func() gatePassed = false;
  /** the gate's verdict, with the figure and the threshold */
  @func() gateMessage = "";
  // Stryker restore BooleanLiteral,StringLiteral,UnaryOperator
  /** every version's junit/coverage files plus the combined coverage.xml, coverage.json, .coverage and coverage.txt */
  @func() reports!: Directory;

  static from(runs: VersionRun[], gate: GateStatus, reports: Directory): MatrixResult {
    const m = new MatrixResult();
    m.results = runs.map(TestResult.from);
    m.coverage = gate.coverage ?? -1;
    m.gatePassed = gate.passed;
    m.gateMessage = gate.message;
    m.reports = reports;
    return m;
  }

  /** true when every version passed and the gate passed */
  @func()
  passed(): boolean {
    return this.gatePassed && this.results.every((r) => r.passed);
  }

  /** The versions whose tests failed, each with why; "" when none did. */
  testsFailureText(): string {
    const failed = this.results.filter((r) => !r.passed);
    return failed.length === 0 ? "" : `Tests failed on ${failed.map((r) => r.label()).join(", ")}.`;
  }

  /** What a failed matrix fails with: the failed versions, then the gate's verdict when it failed. */
  failureText(): string {
    return [this.testsFailureText(), this.gatePassed ? "" : this.gateMessage].filter(Boolean).join("\n");
  }
}

/** mypy's findings on the app: the pinned version, in the app's dev environment, with the app's own config. */
@object()
export class TypecheckResult {
  /** true when mypy ran to the end and reported no error (notes never fail) */
  // Stryker disable next-line BooleanLiteral: TypecheckResult.skip and from both set passed
  @func() passed = false;
  /** how many errors mypy reported */
  @func() errors = 0;
  /** one line per finding: file:line:col: severity: message  [code] */
  @func() findings: string[] = [];
  /** set when mypy crashed, refused its config or arguments, or could not be installed */
  @func() error = "";
  /** mypy.json (its -O json lines), mypy-stderr.txt and mypy-exit-code; mypy-error.txt when it never ran */
  @func() reports!: Directory;
  /** why mypy did not run (e.g. the app configures none); empty when it ran */
  @func() skipped = "";

  /** A check that did not run: it passes, and says why. */
  static skip(reason: string): TypecheckResult {
    const r = new TypecheckResult();
    r.passed = true;
    r.skipped = reason;
    r.reports = dag.directory();
    return r;
  }

  static from(status: TypecheckStatus, reports: Directory): TypecheckResult {
    const r = new TypecheckResult();
    r.passed = status.passed;
    r.errors = status.errors;
    r.findings = status.findings.map(formatTypecheckFinding);
    r.error = status.error ?? "";
    r.reports = reports;
    return r;
  }

  /** A readable account: the verdict, then every finding. */
  @func()
  summary(): string {
    if (this.skipped) return `mypy: skipped (${this.skipped})`;
    const lines = [this.passed ? "mypy: no errors" : `mypy: ${this.errors} error(s)`];
    if (this.error) lines.push(`error: ${this.error}`);
    lines.push(...this.findings);
    return lines.join("\n");
  }
}

/** Every ruff finding and every file ruff would reformat. */
@object()
export class LintResult {
  // Stryker disable ArrayDeclaration,BooleanLiteral,StringLiteral: field defaults that LintResult's factories set on every path
  /** true when ruff check found nothing and ruff format would change nothing */
  @func() passed = false;
  /** one line per finding: file:line:col: CODE message */
  @func() findings: string[] = [];
  /** files `ruff format --check` would reformat */
  @func() unformatted: string[] = [];
  /** set when ruff itself could not run */
  @func() error = "";
  // Stryker restore ArrayDeclaration,BooleanLiteral,StringLiteral
  /** ruff.json (ruff check's JSON), ruff-format.json (format --check's JSON) and ruff-format.txt (its stderr) */
  @func() reports!: Directory;

  static from(status: LintStatus, reports: Directory): LintResult {
    const l = new LintResult();
    l.passed = status.passed;
    l.findings = status.findings.map(formatFinding);
    l.unformatted = status.unformatted;
    l.error = status.error ?? "";
    l.reports = reports;
    return l;
  }

  /** ruff check's JSON report. */
  @func()
  report(): File {
    return this.reports.file("ruff.json");
  }

  /** A readable account: the verdict, then every finding. */
  @func()
  summary(): string {
    const lines = [this.passed ? "ruff: no findings" : "ruff: findings"];
    if (this.error) lines.push(`error: ${this.error}`);
    lines.push(...this.findings, ...this.unformatted.map((f) => `${f}: would be reformatted (ruff format)`));
    return lines.join("\n");
  }
}

/** A Trivy scan of the image: counts by severity, the verdict, and the reports. */
@object()
export class ScanResult {
  // Stryker disable BooleanLiteral,StringLiteral: field defaults that ScanResult's factories set on every path
  /** false only when --fail-on is set and a finding at or above it exists (judged on every severity) */
  @func() passed = true;
  @func() critical = 0;
  @func() high = 0;
  @func() medium = 0;
  @func() low = 0;
  @func() unknown = 0;
  /** the severity that fails the scan, empty when report-only */
  @func() failOn = "";
  /** when the vulnerability DB was built (RFC 3339); empty when Trivy did not say */
  @func() dbUpdatedAt = "";
  /** a short table by severity, worst findings first */
  @func() table = "";
  // Stryker restore BooleanLiteral,StringLiteral
  /** trivy.json, trivy.sarif, trivy.txt, trivy-version.json and sbom.cdx.json (CycloneDX) */
  @func() reports!: Directory;

  static from(status: ScanStatus, table: string, reports: Directory): ScanResult {
    const r = new ScanResult();
    r.passed = status.passed;
    r.critical = status.counts.CRITICAL;
    r.high = status.counts.HIGH;
    r.medium = status.counts.MEDIUM;
    r.low = status.counts.LOW;
    r.unknown = status.counts.UNKNOWN;
    r.failOn = status.failOn ?? "";
    r.dbUpdatedAt = status.dbUpdatedAt ?? "";
    r.table = table;
    r.reports = reports;
    return r;
  }

  /** The CycloneDX SBOM of the image. */
  @func()
  sbom(): File {
    return this.reports.file("sbom.cdx.json");
  }

  /** The SARIF report, for GitHub code scanning. */
  @func()
  sarif(): File {
    return this.reports.file("trivy.sarif");
  }
}

/**
 * Coverage of the lines the pull request changed. Measured only with --github-token, --repository and --sha,
 * on a commit that heads an open pull request; otherwise `reason` says why there is no figure.
 */
@object()
export class DiffCoverage {
  /** true when there is a figure; false with `reason` saying why not */
  @func() measured = false;
  /** percent of the changed executable lines the tests executed; -1 when there is no figure */
  @func() coverage: float = -1;
  /** false only when --diff-threshold is set and the figure is below it */
  @func() passed = true;
  /** the --diff-threshold, percent; 0 when it is off (report-only) */
  @func() threshold: float = 0;
  /** the pull request whose changes were read; 0 when none was */
  @func() pullRequest = 0;
  /** changed executable lines (added or modified lines coverage.py counts as statements) */
  @func() lines = 0;
  /** of those, the ones the combined coverage executed */
  @func() covered = 0;
  /** the changed executable lines no test executed, one entry per file: path:10-12, 15 */
  @func() uncovered: string[] = [];
  /** changed files whose lines could not be read, each as "path: why" (e.g. GitHub sent no patch) */
  @func() notMeasured: string[] = [];
  /** changed files without a changed executable line (outside the app, not in the coverage data, deleted) */
  @func() skippedFiles = 0;
  // Stryker disable StringLiteral: field defaults that DiffCoverage's factories set on every path
  /** why there is no figure; empty when there is one */
  @func() reason = "";
  // Stryker restore StringLiteral

  static from(status: DiffCoverageStatus | undefined): DiffCoverage {
    const d = new DiffCoverage();
    if (status === undefined) {
      d.reason = "not measured";
      return d;
    }
    d.measured = status.coverage !== undefined;
    d.coverage = status.coverage ?? -1;
    d.passed = status.passed;
    d.threshold = status.threshold ?? 0;
    d.pullRequest = status.pullRequest ?? 0;
    d.lines = status.lines;
    d.covered = status.covered;
    d.uncovered = status.uncovered.map((u) => `${u.file}:${u.lines}`);
    d.notMeasured = status.notMeasured.map((n) => `${n.file}: ${n.reason}`);
    d.skippedFiles = status.skipped;
    d.reason = status.reason ?? "";
    return d;
  }
}

/** The outcome of `ci`: the verdict, a readable summary, and every report in one directory. */
@object()
export class CiRun {
  // Stryker disable BooleanLiteral,StringLiteral: field defaults that CiRun's factories set on every path
  /** true when every gate passed */
  @func() passed = false;
  /** the run as markdown (also summary.md, and the body of the PR comment) */
  @func() summary = "";
  /** the run as JSON (also status.json) */
  @func() status = "";
  // Stryker restore BooleanLiteral,StringLiteral
  /** junit and coverage per version, combined coverage, ruff, Trivy, SBOM, provenance.json when attested, summary.md, status.json */
  @func() reports!: Directory;
  /** coverage of the pull request's changed lines (also status.json's diffCoverage) */
  @func() diffCoverage!: DiffCoverage;

  static from(
    passed: boolean,
    summary: string,
    status: string,
    reports: Directory,
    diffCoverage?: DiffCoverageStatus,
  ): CiRun {
    const r = new CiRun();
    r.passed = passed;
    r.summary = summary;
    r.status = status;
    r.reports = reports;
    r.diffCoverage = DiffCoverage.from(diffCoverage);
    return r;
  }
}

/** What `deploy` did: where, which image, what was verified, what the smoke command printed. */
@object()
export class Deployment {
  // Stryker disable ArrayDeclaration,BooleanLiteral,StringLiteral: field defaults that Deployment's factories set on every path
  /** true when the image was verified, ran and printed what was expected */
  @func() passed = false;
  /** production, staging or preview (or the --environment given) */
  @func() environment = "";
  /** the reference that was pulled */
  @func() image = "";
  /** the image's digest, sha256:… */
  @func() digest = "";
  /** what the smoke command printed (trimmed), or why the image was refused */
  @func() output = "";
  /** what the signature check established, e.g. "signed by ^https://github.com/o/r/... (issuer ...)" */
  @func() signature = "";
  /** problems that did not change the verdict, e.g. a PR comment that could not be posted */
  @func() warnings: string[] = [];
  /** the deployment as markdown (the CD comment's body) */
  @func() summary = "";
  // Stryker restore ArrayDeclaration,BooleanLiteral,StringLiteral

  static from(status: DeployStatus, summary: string): Deployment {
    const d = new Deployment();
    d.passed = status.passed;
    d.environment = status.environment;
    d.image = status.image;
    d.digest = status.digest ?? "";
    d.output = status.output;
    d.signature = status.signature ?? "";
    d.warnings = status.warnings;
    d.summary = summary;
    return d;
  }
}
