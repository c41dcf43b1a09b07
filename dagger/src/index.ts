/**
 * A portable CI/CD pipeline for uv/pyproject Python services: lint, tests on every supported Python in
 * parallel, a combined coverage gate, a slim non-root image, a vulnerability scan, publish to a registry by
 * branch, a smoke deploy, and pull-request comments. The same call runs on a laptop and in GitHub Actions.
 */
import {
  argument,
  type Container,
  check,
  type Directory,
  type File,
  type float,
  func,
  object,
  type Secret,
} from "@dagger.io/dagger";
import { runCi } from "./pipeline/ci.js";
import { runDeploy } from "./pipeline/deploy.js";
import { planCi } from "./pipeline/plan.js";
import { runPublish } from "./pipeline/publish.js";
import { TypecheckMode } from "./report/mypy.js";
import {
  CiRun,
  Deployment,
  LintResult,
  MatrixResult,
  ScanResult,
  TestResult,
  TypecheckResult,
} from "./results.js";
import { DEFAULT_PYTHON_VERSIONS, DEFAULT_SEVERITIES, SOURCE_IGNORE } from "./settings/defaults.js";
import { parseServices } from "./settings/services.js";
import { parseRepository } from "./settings/tags.js";
import {
  type PipelineSettings,
  parseAppPath,
  parseCommand,
  parsePlatforms,
  parsePythonVersion,
  parsePythonVersions,
  parseSeverities,
  parseSeverity,
  parseThreshold,
} from "./settings/validate.js";
import { fixReport, runFix } from "./stages/fix.js";
import { buildImages } from "./stages/image.js";
import { runLint } from "./stages/lint.js";
import { runMatrix } from "./stages/matrix.js";
import { requireFiles } from "./stages/python.js";
import { runScan } from "./stages/scan.js";
import { runTests } from "./stages/tests.js";
import { planTypecheck, runTypecheck } from "./stages/typecheck.js";

/** CI/CD for a Python service: every stage on its own, or all of them with `ci`. */
@object()
export class Pipeline {
  /** the repository the pipeline works on */
  source: Directory;
  /** the Python project's folder inside it */
  app: string;
  /** the test matrix */
  pythonVersions: string[];
  /** the coverage gate, percent */
  threshold: float;
  /** the container registry host */
  registry: string;
  /** the Dockerfile, relative to the repository root */
  dockerfile: string;
  /** the command the smoke run and deploy execute in the image */
  smokeCommand: string;
  /** what the smoke command must print */
  smokeExpect: string;

  constructor(
    /** The repository to work on; defaults to the one `dagger call` runs in. */
    @argument({ defaultPath: "/", ignore: SOURCE_IGNORE }) source: Directory,
    /** The Python project's folder in the repository (holds pyproject.toml). */
    app = "sample-app",
    /** Python versions of the test matrix (3.10 to 3.14, and 3.14t, the free-threaded build). */
    pythonVersions: string[] = DEFAULT_PYTHON_VERSIONS,
    /** Combined coverage below this percent fails the gate (0 to 100). */
    threshold: float = 90,
    /** Container registry host to publish to and deploy from. */
    registry = "ghcr.io",
    /** Dockerfile of the service image, relative to the repository root. */
    dockerfile = "Dockerfile",
    /** Command the smoke run and deploy execute in the image (plain words, no shell). */
    smokeCommand = "python -m sample_app 2 3",
    /** Output the smoke command must print. */
    smokeExpect = "5",
  ) {
    this.source = source;
    this.app = parseAppPath(app);
    this.pythonVersions = parsePythonVersions(pythonVersions);
    this.threshold = parseThreshold(threshold);
    this.registry = registry;
    this.dockerfile = dockerfile;
    parseCommand(smokeCommand);
    this.smokeCommand = smokeCommand;
    this.smokeExpect = smokeExpect;
  }

  /** Lint the app with ruff (check and format --check); fails listing every finding (file:line:col rule). */
  @func()
  async lint(): Promise<LintResult> {
    await requireFiles(this.source, this.app);
    const { status, reports } = await runLint(this.source, this.app);
    const result = LintResult.from(status, reports);
    if (!result.passed) throw new Error(result.summary());
    return result;
  }

  /**
   * Type-check the app with mypy (pinned, in the app's dev environment, with the app's own config); fails listing
   * every error (file:line:col: severity: message [code]). Runs even when the app configures no mypy.
   */
  @func()
  async typecheck(): Promise<TypecheckResult> {
    await requireFiles(this.source, this.app);
    const { config } = await planTypecheck(this.source, this.app, TypecheckMode.gate);
    const { status, reports } = await runTypecheck(this.source, this.app, TypecheckMode.gate, config);
    const result = TypecheckResult.from(status, reports);
    if (!result.passed) throw new Error(result.summary());
    return result;
  }

  /**
   * The app folder after ruff's safe fixes (`ruff check --fix`) and `ruff format`, with the pinned ruff and the
   * app's own config; prints the files it changed and the findings left for a person. Write it back with
   * `dagger call fix export --path sample-app` (your app's folder).
   */
  // Never cached as a function result, so every call prints what it did; the execs beneath still replay.
  @func({ cache: "never" })
  async fix(): Promise<Directory> {
    await requireFiles(this.source, this.app);
    const run = await runFix(this.source, this.app);
    process.stderr.write(`${fixReport(run, this.app)}\n`);
    return run.fixed;
  }

  /** Run the app's tests with coverage on one Python version; the result reports failures instead of failing. */
  // Not cached as a function result: a failed or flaky run must not be replayed for 7 days (the execs
  // themselves still replay a green run, and rerun a failed one fresh).
  @func({ cache: "never" })
  async test(
    /** e.g. 3.12, or 3.14t for the free-threaded build */
    pythonVersion: string,
    /** service containers the tests need: postgres (gives DATABASE_URL), redis (gives REDIS_URL); one instance per Python version; default none */
    services: string[] = [],
    /** another service container, NAME=IMAGE@sha256:<64 hex>:PORT (tests get NAME_HOST and NAME_PORT); repeatable; default none */
    service: string[] = [],
  ): Promise<TestResult> {
    const version = parsePythonVersion(pythonVersion);
    const needed = parseServices(services, service);
    await requireFiles(this.source, this.app);
    return TestResult.from(await runTests(this.source, this.app, version, needed));
  }

  /** Run the tests on every Python version concurrently, combine coverage, and judge it against the threshold. */
  @func({ cache: "never" })
  async testMatrix(
    /** service containers the tests need: postgres (gives DATABASE_URL), redis (gives REDIS_URL); one instance per Python version; default none */
    services: string[] = [],
    /** another service container, NAME=IMAGE@sha256:<64 hex>:PORT (tests get NAME_HOST and NAME_PORT); repeatable; default none */
    service: string[] = [],
  ): Promise<MatrixResult> {
    const needed = parseServices(services, service);
    await requireFiles(this.source, this.app);
    const { runs, gate, reports } = await runMatrix(
      this.source,
      this.app,
      this.pythonVersions,
      this.threshold,
      needed,
    );
    return MatrixResult.from(runs, gate, reports);
  }

  /** Build the service image from the Dockerfile, with OCI labels. */
  @func()
  build(
    /** e.g. linux/arm64; empty builds for the engine's own platform */
    platform = "",
    /** owner/name, for the org.opencontainers.image.source label */
    repository = "",
    /** commit SHA, for the org.opencontainers.image.revision label */
    revision = "",
    /** RFC 3339 time, for the org.opencontainers.image.created label */
    created = "",
  ): Container {
    const platforms = platform ? parsePlatforms([platform]) : [];
    if (repository) parseRepository(repository);
    return buildImages(this.source, this.dockerfile, platforms, {
      source: repository ? `https://github.com/${repository}` : "",
      revision,
      created,
    })[0];
  }

  /** Scan the image with Trivy: counts by severity, JSON/SARIF/table reports and a CycloneDX SBOM. */
  // Not cached as a function result: the scan is keyed on the DB's 6-hour slot, computed when it runs.
  @func({ cache: "never" })
  async scan(
    /** severities to report */
    severity: string[] = DEFAULT_SEVERITIES,
    /** fail when a finding at or above this severity exists (e.g. HIGH); empty only reports */
    failOn = "",
  ): Promise<ScanResult> {
    const severities = parseSeverities(severity);
    const floor = parseSeverity(failOn, "--fail-on");
    await requireFiles(this.source, this.app, this.dockerfile);
    const { status, table, reports } = await runScan(this.build(), severities, floor);
    const result = ScanResult.from(status, table, reports);
    if (!result.passed) throw new Error(`Scan failed: findings at or above ${floor}.\n${result.table}`);
    return result;
  }

  /**
   * The whole pipeline: lint, test matrix, coverage gate, image build, scan and smoke run, concurrently.
   * With --publish and credentials it pushes the image and comments on the pull request; without them it
   * says what it skipped. Fails when a gate fails, unless --exit-zero (then read `passed` or status.json).
   */
  @func({ cache: "never" })
  async ci(
    /** push the image when every gate passes */
    publish = false,
    /** push to an in-engine registry instead and deploy from it: a full rehearsal, no credentials needed */
    rehearse = false,
    /** owner/name on GitHub, e.g. octo-org/my-service */
    repository = "",
    /** the branch being built (image tag and PR lookup) */
    branch = "",
    /** the commit being built (sha-<7> tag, label, PR lookup) */
    sha = "",
    /** link to this run, shown in the summary and the PR comment */
    runUrl = "",
    /** token to comment on the pull request (and to push to GHCR when no registry password is given) */
    githubToken?: Secret,
    /** registry login; defaults to the repository owner */
    registryUsername = "",
    /** registry password or token */
    registryPassword?: Secret,
    /** platforms of the published image, e.g. linux/amd64,linux/arm64 */
    platforms: string[] = [],
    /** severities the scan reports */
    severity: string[] = DEFAULT_SEVERITIES,
    /** the scan fails at or above this severity; empty only reports */
    failOn = "",
    /** return the result (and its reports) even when a gate failed, instead of failing */
    exitZero = false,
    /** the GitHub event of this run (github.event_name): only a push run moves the main and develop tags */
    event = "",
    /** the GitHub API root (GITHUB_API_URL); empty means api.github.com */
    githubApiUrl = "",
    /** sign the pushed digest with cosign and attach the SBOM as a signed attestation (needs --publish) */
    sign = false,
    /** keyless signing on GitHub Actions: the runner's ACTIONS_ID_TOKEN_REQUEST_URL */
    oidcRequestUrl = "",
    /** keyless signing on GitHub Actions: env:ACTIONS_ID_TOKEN_REQUEST_TOKEN (job permission id-token: write) */
    oidcRequestToken?: Secret,
    /** sign with this cosign private key instead, e.g. env:COSIGN_KEY */
    cosignKey?: Secret,
    /** the cosign private key's password, e.g. env:COSIGN_PASSWORD */
    cosignPassword?: Secret,
    /** fail when under this percent (0 to 100) of the PR's changed executable lines ran in tests; 0 only reports */
    diffThreshold: float = 0,
    /** mypy: off, report (list findings, never fail) or gate; default gate when the app configures mypy ([tool.mypy], mypy.ini, .mypy.ini or setup.cfg [mypy]), else off */
    typecheck?: TypecheckMode,
    /** service containers the tests need: postgres (gives DATABASE_URL), redis (gives REDIS_URL); one instance per Python version; default none */
    services: string[] = [],
    /** another service container, NAME=IMAGE@sha256:<64 hex>:PORT (tests get NAME_HOST and NAME_PORT); repeatable; default none */
    service: string[] = [],
  ): Promise<CiRun> {
    const plan = planCi(this.settings(), {
      publish,
      rehearse,
      repository,
      branch,
      sha,
      runUrl,
      githubToken,
      registryUsername,
      registryPassword,
      platforms,
      severity,
      failOn,
      event,
      githubApiUrl,
      sign,
      oidcRequestUrl,
      oidcRequestToken,
      cosignKey,
      cosignPassword,
      diffThreshold,
      ...(typecheck ? { typecheck } : {}),
      services,
      service,
    });
    await requireFiles(this.source, this.app, this.dockerfile);
    const { status, summary, reports } = await runCi(plan);
    if (!status.passed && !exitZero) {
      throw new Error(
        `CI failed:\n- ${(status.failures ?? []).join("\n- ")}\nRerun with --exit-zero and chain \`reports export --path reports\` to keep every report.`,
      );
    }
    return CiRun.from(status.passed, summary, JSON.stringify(status), reports, status.diffCoverage);
  }

  /**
   * Build the image and push it to <registry>/<owner>/<repo>:sha-<7> and :<branch tag> (main and develop only on
   * --event push), optionally signed; returns the pushed reference with its digest.
   */
  @func({ cache: "never" })
  async publish(
    /** owner/name, e.g. octo-org/my-service (lowercased in the image name) */
    repository: string,
    /** the branch; its tag follows docker/metadata-action's rule, made injective */
    branch: string,
    /** the commit; adds the sha-<7> tag and the revision label */
    sha = "",
    /** registry login; defaults to the repository owner */
    registryUsername = "",
    /** registry password or token, e.g. env:GITHUB_TOKEN */
    registryPassword?: Secret,
    /** platforms, e.g. linux/amd64,linux/arm64 for a multi-arch image */
    platforms: string[] = [],
    /** the GitHub event (push moves the main and develop tags; anything else leaves them) */
    event = "",
    /** sign the pushed digest with cosign (keyless needs the OIDC flags, else --cosign-key) */
    sign = false,
    /** keyless signing on GitHub Actions: the runner's ACTIONS_ID_TOKEN_REQUEST_URL */
    oidcRequestUrl = "",
    /** keyless signing on GitHub Actions: env:ACTIONS_ID_TOKEN_REQUEST_TOKEN */
    oidcRequestToken?: Secret,
    /** sign with this cosign private key, e.g. env:COSIGN_KEY */
    cosignKey?: Secret,
    /** the cosign private key's password, e.g. env:COSIGN_PASSWORD */
    cosignPassword?: Secret,
  ): Promise<string> {
    return runPublish(this.settings(), {
      repository,
      branch,
      sha,
      registryUsername,
      platforms,
      event,
      sign,
      oidcRequestUrl,
      ...(registryPassword ? { registryPassword } : {}),
      ...(oidcRequestToken ? { oidcRequestToken } : {}),
      ...(cosignKey ? { cosignKey } : {}),
      ...(cosignPassword ? { cosignPassword } : {}),
    });
  }

  /**
   * Deploy what CI built for a commit: pull <registry>/<owner>/<repo>:sha-<7> (or an exact digest), resolve it to
   * its digest, verify its cosign signature (CI's workflow identity, or --cosign-public-key) and that its
   * revision label is the commit, then run the smoke command, comment on the pull request, and fail when
   * anything did not hold. A refused image never runs.
   */
  @func({ cache: "never" })
  async deploy(
    /** the branch CI built; with --event push, main -> production and develop -> staging; else preview */
    branch: string,
    /** owner/name, e.g. octo-org/my-service */
    repository: string,
    /** the full commit SHA CI built: its sha-<7> image is deployed and its revision label must match */
    sha = "",
    /** deploy this exact digest (sha256:…) instead of resolving sha-<7> */
    digest = "",
    /** override the environment the branch and event map to */
    environment = "",
    /** link to this run, shown in the comment */
    runUrl = "",
    /** token to comment on the pull request */
    githubToken?: Secret,
    /** registry login; defaults to the repository owner */
    registryUsername = "",
    /** registry password or token, for private packages */
    registryPassword?: Secret,
    /** the GitHub event of the CI run that built the image (workflow_run.event): push or pull_request */
    event = "",
    /** the GitHub API root (GITHUB_API_URL); empty means api.github.com */
    githubApiUrl = "",
    /** run an image whose signature was not verified (a laptop image nobody signed); said in the summary */
    allowUnsigned = false,
    /** verify with this cosign public key instead of CI's keyless identity */
    cosignPublicKey?: File,
    /** the reusable workflow that signed, as its certificate names it (OWNER/REPO/.github/workflows/python-pipeline.yml@<refs/heads/…, refs/tags/… or 40-hex commit>) when it lives in another repository; empty: this repository's own python-pipeline.yml at the ref CI ran on */
    signerWorkflow = "",
  ): Promise<Deployment> {
    const { status, summary } = await runDeploy(this.settings(), {
      branch,
      repository,
      sha,
      digest,
      environment,
      event,
      runUrl,
      githubApiUrl,
      githubToken,
      registryUsername,
      registryPassword,
      allowUnsigned,
      ...(cosignPublicKey ? { cosignPublicKey } : {}),
      signerWorkflow,
    });
    return Deployment.from(status, summary);
  }

  /** Lint, as a check for `dagger check`. */
  @func()
  @check()
  async checkLint(): Promise<void> {
    await this.lint();
  }

  /** mypy, as a check for `dagger check`; passes without running anything when the app configures no mypy. */
  @func()
  @check()
  async checkTypecheck(): Promise<void> {
    const { mode } = await planTypecheck(this.source, this.app, undefined);
    if (mode === TypecheckMode.off) return;
    await this.typecheck();
  }

  /** Every Python version's tests pass, as a check for `dagger check`. */
  @func()
  @check()
  async checkTests(): Promise<void> {
    const result = await this.testMatrix();
    const failed = result.results.filter((r) => !r.passed);
    if (failed.length > 0) {
      throw new Error(
        `Tests failed on ${failed.map((r) => `Python ${r.version}${r.error ? ` (${r.error})` : ""}`).join(", ")}.`,
      );
    }
  }

  /** Combined coverage meets the threshold, as a check for `dagger check`. */
  @func()
  @check()
  async checkCoverage(): Promise<void> {
    const result = await this.testMatrix();
    if (!result.gatePassed) throw new Error(result.gateMessage);
  }

  /** The settings every stage shares, as plain data for the stage files. */
  private settings(): PipelineSettings {
    return {
      source: this.source,
      app: this.app,
      versions: this.pythonVersions,
      threshold: this.threshold,
      registry: this.registry,
      dockerfile: this.dockerfile,
      smokeCommand: this.smokeCommand,
      smokeExpect: this.smokeExpect,
    };
  }
}
