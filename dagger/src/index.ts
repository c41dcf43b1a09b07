/**
 * A portable CI/CD pipeline for uv/pyproject Python services: lint, tests on every supported Python in
 * parallel, a combined coverage gate, a slim non-root image, a vulnerability scan, publish to a registry by
 * branch, a smoke deploy, and pull-request comments. The same call runs on a laptop and in GitHub Actions.
 */
import {
  argument,
  type Changeset,
  type Container,
  check,
  type Directory,
  type File,
  type float,
  func,
  generate,
  object,
  type Platform,
  type Secret,
} from "@dagger.io/dagger";
import { readChangedPaths } from "./github/changes.js";
import { readPullRequestChanges } from "./github/files.js";
import { type AppPart, runApps } from "./pipeline/apps.js";
import { runCi } from "./pipeline/ci.js";
import { type DeployArgs, planDeploy, runDeploy } from "./pipeline/deploy.js";
import { type CiFlags, planCi } from "./pipeline/plan.js";
import { runPublish } from "./pipeline/publish.js";
import { runRelease } from "./pipeline/release.js";
import type { PullRequestChanges } from "./report/diff.js";
import { TypecheckMode } from "./report/mypy.js";
import { renderApps } from "./report/render-apps.js";
import {
  CiRun,
  Deployment,
  LintResult,
  MatrixResult,
  ScanResult,
  TestResult,
  TypecheckResult,
} from "./results.js";
import { affectedApps, selectApps } from "./settings/apps.js";
import { GIT_CONFIG_ONLY, type Severity, SOURCE_IGNORE } from "./settings/defaults.js";
import { errorText, InputError } from "./settings/errors.js";
import { requireRepository } from "./settings/git-remote.js";
import { importCheck, matrixVersions, type Project } from "./settings/project.js";
import { parseRelease, type Release, versionToRead } from "./settings/release.js";
import { parseServices, parseTestEnv } from "./settings/services.js";
import {
  appImagePath,
  appImagePaths,
  type ProductionFrom,
  parseRepository,
  runTag,
} from "./settings/tags.js";
import {
  type ImageSource,
  inApp,
  type PipelineSettings,
  parseAppPath,
  parseApps,
  parseCommand,
  parseExtras,
  parseGroups,
  parsePlatforms,
  parsePythonVersion,
  parsePythonVersions,
  parseSeverities,
  parseSeverity,
  parseThreshold,
} from "./settings/validate.js";
import { readApps } from "./stages/apps.js";
import { fixReport, runFix } from "./stages/fix.js";
import { buildImages, locateImage } from "./stages/image.js";
import { runLint } from "./stages/lint.js";
import { runMatrix } from "./stages/matrix.js";
import { checkInstalledVersion, readPinnedPython, readProject, readWorkspace } from "./stages/project.js";
import { requireFiles, type TestEnv } from "./stages/python.js";
import { runScan } from "./stages/scan.js";
import { runTests } from "./stages/tests.js";
import { planTypecheck, runTypecheck } from "./stages/typecheck.js";

/**
 * CI/CD for a Python service: every stage on its own, or all of them with `ci`. Settings are given once, here,
 * and shared by every function; in a project, set them in `.env` (PIPELINE_APP=backend) or dagger.json.
 */
@object()
export class Pipeline {
  source: Directory;
  git?: Directory;
  app: string;
  /** --apps (a field of another name: `apps` is a function) */
  appsToRun: string[];
  shared: string[];
  pythonVersions: string[];
  threshold?: float;
  registry: string;
  dockerfile: string;
  buildContext: string;
  smokeCommand: string;
  smokeExpect: string;
  services: string[];
  env: string[];
  envFile?: Secret;
  groups: string[];
  extras: string[];
  severities: string[];
  platforms: string[];
  repository: string;
  githubToken?: Secret;
  githubApiUrl: string;
  registryUsername: string;
  registryPassword?: Secret;
  cosignKey?: Secret;
  cosignPassword?: Secret;
  cosignPublicKey?: File;
  signerWorkflow: string;
  productionFrom?: ProductionFrom;
  oidcRequestUrl: string;
  oidcRequestToken?: Secret;
  event: string;
  before: string;
  runUrl: string;
  runId: string;

  constructor(
    /** The repository to work on; defaults to the one `dagger call` runs in. */
    @argument({ defaultPath: "/", ignore: SOURCE_IGNORE }) source: Directory,
    /** The checkout's .git/config, read only for the origin remote (owner/name) when --repository is not given. */
    @argument({ defaultPath: "/", ignore: GIT_CONFIG_ONLY }) git?: Directory,
    /** The Python project's folder in the repository (holds pyproject.toml). */
    app = "sample-app",
    /** Run `ci` on several of the repository's Python projects as one run (see `apps`): their folders, or * for every one; each with its own settings and, where it has its own Dockerfile, its own image <registry>/<owner>/<repo>/<folder>; only those a change touches run. Default none: --app alone. */
    apps: string[] = [],
    /** With --apps: files or globs whose change runs every app, e.g. uv.lock,ci/*.Dockerfile; default none (a workspace's own uv.lock runs its members). */
    shared: string[] = [],
    /** Python versions of the test matrix (3.10 to 3.14, and 3.14t, the free-threaded build); default those the project's requires-python allows, with 3.14t when it declares free-threading (a Free Threading classifier). */
    pythonVersions: string[] = [],
    /** Combined coverage below this percent fails the gate (0 to 100); default the fail_under of the project's coverage config, decided by coverage.py itself; with neither, the figure is only reported. */
    threshold?: float,
    /** Container registry host to publish to and deploy from. */
    registry = "ghcr.io",
    /** Dockerfile of the service image, relative to the repository root; default <app>/Dockerfile, else Dockerfile at the root, else none: the project is tested, not built. */
    dockerfile = "",
    /** The image's build context, relative to the repository root; default the Dockerfile's own folder. */
    buildContext = "",
    /** Command the smoke run and deploy execute in the image, quoted as in a shell and run without one; default: import the project's packages (python -c 'import app'). */
    smokeCommand = "",
    /** What the smoke command must print; empty: its exit status 0 is the test. */
    smokeExpect = "",
    /** Service containers the tests need: postgres (DATABASE_URL), redis (REDIS_URL), or NAME=IMAGE@sha256:<64 hex>:PORT (NAME_HOST, NAME_PORT); one instance per Python version; default none. */
    services: string[] = [],
    /** Variables for the tests and the type check, NAME=value; ${NAME} in a value is a service's variable, e.g. APP_DB_URL=${DATABASE_URL}; default none. Values are plain: pass secrets with --env-file. */
    env: string[] = [],
    /** An env file (NAME=value lines, read by sh as `set -a; . FILE`) for the tests and the type check, as a secret, e.g. file:.env.test or env:TEST_ENV. */
    envFile?: Secret,
    /** Dependency groups to sync besides the project's default-groups (uv's default: dev), e.g. testing; default none. */
    groups: string[] = [],
    /** Extras to sync for the tests and the type check, or * for all of them; default none. */
    extras: string[] = [],
    /** Severities the scan reports; default all. */
    severities: Severity[] = [],
    /** Platforms of the built and published image, e.g. linux/amd64,linux/arm64; default the engine's own. */
    platforms: Platform[] = [],
    /** owner/name on GitHub, e.g. octo-org/my-service; default the checkout's origin remote. */
    repository = "",
    /** Token for pull-request comments and changed files, and to push to GHCR when no registry password is given, e.g. env:GITHUB_TOKEN. */
    githubToken?: Secret,
    /** The GitHub API root (GITHUB_API_URL); empty means api.github.com. */
    githubApiUrl = "",
    /** Registry login; defaults to the repository owner. */
    registryUsername = "",
    /** Registry password or token, e.g. env:GITHUB_TOKEN; none pulls anonymously. */
    registryPassword?: Secret,
    /** Sign with this cosign private key instead of keyless, e.g. env:COSIGN_KEY. */
    cosignKey?: Secret,
    /** The cosign private key's password, e.g. env:COSIGN_PASSWORD. */
    cosignPassword?: Secret,
    /** Verify deployed images with this cosign public key instead of CI's keyless identity. */
    cosignPublicKey?: File,
    /** The reusable workflow that signed (OWNER/REPO/.github/workflows/python-pipeline.yml@<refs/heads/…, refs/tags/… or 40-hex commit>) when it lives in another repository; empty: this repository's own. */
    signerWorkflow = "",
    /** Where deploy's production comes from: main (default: main -> production, develop -> staging, a release -> preview) or releases (a release tag -> production, main and develop -> staging). */
    productionFrom?: ProductionFrom,
    /** Keyless signing on GitHub Actions: the runner's ACTIONS_ID_TOKEN_REQUEST_URL. */
    oidcRequestUrl = "",
    /** Keyless signing on GitHub Actions: env:ACTIONS_ID_TOKEN_REQUEST_TOKEN (job permission id-token: write). */
    oidcRequestToken?: Secret,
    /** The GitHub event of this run (github.event_name); only a push moves the main and develop tags. Empty: a run by hand. */
    event = "",
    /** With --apps, a push's previous commit (github.event.before): only the apps that its changes up to --sha touch run. Empty: a pull request's files, found from --sha. */
    before = "",
    /** Link to this run, shown in summaries and comments. */
    runUrl = "",
    /** This CI run as <id>-<attempt> ("$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"): it publishes run-<id>-<attempt>, a tag no other run writes, instead of sha-<7>; only a push run then moves a branch tag. */
    runId = "",
  ) {
    this.source = source;
    this.git = git;
    this.app = parseAppPath(app);
    this.appsToRun = parseApps(apps, { dockerfile, buildContext, smokeCommand });
    this.shared = shared;
    this.pythonVersions = pythonVersions.length === 0 ? [] : parsePythonVersions(pythonVersions);
    this.threshold = threshold === undefined ? undefined : parseThreshold(threshold);
    this.registry = registry;
    this.dockerfile = dockerfile;
    this.buildContext = buildContext;
    if (smokeCommand !== "") parseCommand(smokeCommand);
    this.smokeCommand = smokeCommand;
    this.smokeExpect = smokeExpect;
    parseTestEnv(env, parseServices(services));
    this.services = services;
    this.env = env;
    this.envFile = envFile;
    this.groups = parseGroups(groups);
    this.extras = parseExtras(extras);
    this.severities = parseSeverities(severities);
    this.platforms = parsePlatforms(platforms);
    if (repository) parseRepository(repository);
    this.repository = repository;
    this.githubToken = githubToken;
    this.githubApiUrl = githubApiUrl;
    this.registryUsername = registryUsername;
    this.registryPassword = registryPassword;
    this.cosignKey = cosignKey;
    this.cosignPassword = cosignPassword;
    this.cosignPublicKey = cosignPublicKey;
    this.signerWorkflow = signerWorkflow;
    this.productionFrom = productionFrom;
    this.oidcRequestUrl = oidcRequestUrl;
    this.oidcRequestToken = oidcRequestToken;
    this.event = event;
    this.before = before;
    this.runUrl = runUrl;
    if (runId !== "") runTag(runId);
    this.runId = runId;
  }

  /** Lint the app with ruff (check and format --check); fails listing every finding (file:line:col rule). */
  @func()
  @check()
  async lint(
    /** return the result instead of failing when the gate fails */
    exitZero = false,
  ): Promise<LintResult> {
    await requireFiles(this.source, this.app);
    const { status, reports } = await runLint(this.source, this.app, await this.workspaceRoot());
    return gate(LintResult.from(status, reports), exitZero, (r) => r.summary());
  }

  /**
   * Type-check the app with mypy (pinned, in the app's dev environment, with the app's own config); fails listing
   * every error (file:line:col: severity: message [code]).
   */
  @func()
  @check()
  async typecheck(
    /** off, report (never fails) or gate; default gate when the app configures mypy ([tool.mypy], mypy.ini, .mypy.ini or setup.cfg [mypy]), else off */
    mode?: TypecheckMode,
    /** return the result instead of failing when the gate fails */
    exitZero = false,
  ): Promise<TypecheckResult> {
    await requireFiles(this.source, this.app);
    const plan = await planTypecheck(this.source, this.app, mode);
    if (plan.mode === TypecheckMode.off)
      return TypecheckResult.skip(
        mode === TypecheckMode.off ? "--mode off" : "the app configures no mypy; --mode gate runs it anyway",
      );
    const { packages, sync, python } = await this.project();
    const { status, reports } = await runTypecheck(this.source, this.app, {
      mode: plan.mode,
      config: plan.config,
      python,
      sync,
      packages,
      env: this.testEnv(),
    });
    return gate(TypecheckResult.from(status, reports), exitZero, (r) => r.summary());
  }

  /**
   * ruff's safe fixes (`ruff check --fix`) and `ruff format` over the app, with the pinned ruff and the app's own
   * config, as a changeset that `dagger call fix` previews and applies (`dagger -y call fix` without asking;
   * run it from the repository's root). Prints the findings left for a person.
   */
  // Never cached as a function result, so every call prints what it did; the execs beneath still replay.
  @func({ cache: "never" })
  @generate()
  async fix(): Promise<Changeset> {
    await requireFiles(this.source, this.app);
    const run = await runFix(this.source, this.app, await this.workspaceRoot());
    process.stderr.write(`${fixReport(run, this.app)}\n`);
    return this.source.withDirectory(this.app, run.fixed).changes(this.source);
  }

  /** Run the app's tests with coverage on one Python version; fails when they fail. */
  // Not cached as a function result: a failed or flaky run must not be replayed for 7 days (the execs
  // themselves still replay a green run, and rerun a failed one fresh).
  @func({ cache: "never" })
  async test(
    /** e.g. 3.12, or 3.14t for the free-threaded build */
    pythonVersion: string,
    /** return the result instead of failing when the tests fail */
    exitZero = false,
  ): Promise<TestResult> {
    const asked = parsePythonVersion(pythonVersion);
    const needed = parseServices(this.services);
    const { project, sync } = await this.project();
    const [version = asked] = matrixVersions(project, [asked], this.pyproject());
    const run = await runTests(this.source, this.app, version, needed, sync, this.testEnv());
    return gate(TestResult.from(run), exitZero, (r) => r.failureText());
  }

  /** Run the tests on every Python version concurrently and gate the combined coverage; fails when either fails. */
  @func({ cache: "never" })
  async testMatrix(
    /** return the result instead of failing when a version's tests or the coverage gate fail */
    exitZero = false,
  ): Promise<MatrixResult> {
    const { versions, sync } = await this.project();
    const s = this.settings();
    const m = await runMatrix(s.source, s.app, versions, s.threshold, s.services, sync, this.testEnv());
    return gate(MatrixResult.from(m.runs, m.gate, m.reports), exitZero, (r) => r.failureText());
  }

  /** Every Python version's tests pass (the check behind `dagger check tests`). */
  @func({ cache: "never" })
  @check()
  async tests(): Promise<void> {
    const result = await this.testMatrix(true);
    const text = result.testsFailureText();
    if (text !== "") throw new Error(text);
  }

  /** Combined coverage meets the threshold (the check behind `dagger check coverage`). */
  @func({ cache: "never" })
  @check()
  async coverage(): Promise<void> {
    const result = await this.testMatrix(true);
    if (!result.gatePassed) throw new Error(result.gateMessage);
  }

  /** Build the service image from the Dockerfile, with OCI labels, for the first of --platforms (default the engine's own). */
  @func()
  async build(
    /** the commit, for the org.opencontainers.image.revision label */
    sha = "",
    /** RFC 3339 time, for the org.opencontainers.image.created label */
    created = "",
  ): Promise<Container> {
    const repository = await this.repositoryOrEmpty();
    return buildImages(this.source, await this.image("build"), this.platforms.slice(0, 1), {
      source: repository ? `https://github.com/${repository}` : "",
      revision: sha,
      created,
    })[0];
  }

  /** Scan the image with Trivy: counts by severity, JSON/SARIF/table reports and a CycloneDX SBOM. */
  // Not cached as a function result: the scan is keyed on the DB's 6-hour slot, computed when it runs.
  @func({ cache: "never" })
  async scan(
    /** fail when a finding at or above this severity exists; unset only reports */
    failOn?: Severity,
    /** return the result instead of failing when the gate fails */
    exitZero = false,
  ): Promise<ScanResult> {
    const floor = parseSeverity(failOn ?? "", "--fail-on");
    const image = buildImages(this.source, await this.image("scan"), [], {})[0];
    const { status, table, reports } = await runScan(image, this.settings().severities, floor);
    return gate(
      ScanResult.from(status, table, reports),
      exitZero,
      (r) => `Scan failed: findings at or above ${floor}.\n${r.table}`,
    );
  }

  /**
   * The repository's Python projects (every pyproject.toml with a [project] name, outside tests and environments):
   * what each uses of the others (uv path sources and workspace members), whether it has its own Dockerfile, and which
   * of them a change runs and why (its own files, what it uses, its workspace's lock, or a shared file). Prints a table.
   */
  @func()
  async apps(
    /** the changed files, from the repository's root, e.g. from `git diff --name-only main...`; default not known, so every app runs */
    changed: string[] = [],
    /** files or globs whose change runs every app, besides the constructor's --shared, e.g. uv.lock,ci/*.Dockerfile; default none (a workspace's own uv.lock runs its members) */
    shared: string[] = [],
    /** without --changed: the commit whose changes to read from GitHub (needs --github-token), those of the pull request it heads */
    sha = "",
    /** with --sha: a push's previous commit (github.event.before), so the changes are base...sha instead; default the constructor's --before */
    base = "",
  ): Promise<string> {
    let files: string[] | undefined = changed.length > 0 ? changed : undefined;
    let source = files
      ? `${files.length}, given by --changed`
      : "not known (give --changed, or --sha with a token): every app runs";
    if (!files && sha && this.githubToken) {
      const target = { repository: await this.requireRepository("apps"), sha, token: this.githubToken };
      const read = await readChangedPaths(
        this.githubApiUrl ? { ...target, apiUrl: this.githubApiUrl } : target,
        base || this.before,
      );
      files = read.files;
      source = files ? `${files.length}, from ${read.source}` : read.source;
    }
    const { apps, images } = await readApps(this.source);
    return renderApps(affectedApps(apps, files, [...this.shared, ...shared]), images, source);
  }

  /**
   * The whole pipeline: lint, type check, test matrix, coverage gate, image build, scan and smoke run,
   * concurrently; with --publish and credentials it pushes (and with --sign signs) the image, and comments on the
   * pull request. Prints the run's summary; fails with the failure lines when a gate fails, unless --exit-zero.
   * `ci-run` takes the same flags and returns the run with its reports.
   */
  @func({ cache: "never" })
  async ci(
    /** push the image when every gate passes */
    publish = false,
    /** push to an in-engine registry instead and deploy from it: a full rehearsal, no credentials needed */
    rehearse = false,
    /** sign the pushed digest with cosign and attach the SBOM as a signed attestation (needs --publish) */
    sign = false,
    /** the branch being built (image tag and PR lookup) */
    branch = "",
    /** the commit being built (revision label, PR lookup; the sha-<7> tag without --run-id) */
    sha = "",
    /** the git tag being released (vX.Y.Z or a pre-release such as v1.3.0rc1): the app's version must equal it; published as X.Y.Z instead of the branch, and a final release also moves X.Y, X and latest unless a newer release has them */
    release = "",
    /** the scan fails at or above this severity; unset only reports */
    failOn?: Severity,
    /** fail when under this percent (0 to 100) of the PR's changed executable lines ran in tests; 0 only reports */
    diffThreshold: float = 0,
    /** mypy: off, report or gate; default gate when the app configures mypy, else off */
    typecheck?: TypecheckMode,
    /** print the summary instead of failing when a gate fails */
    exitZero = false,
  ): Promise<string> {
    const flags = { publish, rehearse, sign, branch, sha, release, failOn, diffThreshold, typecheck };
    return (await this.runCi(flags, exitZero)).summary;
  }

  /** `ci` with the same flags, returning the run (passed, summary, status, reports, diff-coverage) instead of printing it. */
  @func({ cache: "never" })
  async ciRun(
    /** push the image when every gate passes */
    publish = false,
    /** push to an in-engine registry instead and deploy from it: a full rehearsal, no credentials needed */
    rehearse = false,
    /** sign the pushed digest with cosign and attach the SBOM as a signed attestation (needs --publish) */
    sign = false,
    /** the branch being built (image tag and PR lookup) */
    branch = "",
    /** the commit being built (revision label, PR lookup; the sha-<7> tag without --run-id) */
    sha = "",
    /** the git tag being released (vX.Y.Z or a pre-release such as v1.3.0rc1): the app's version must equal it; published as X.Y.Z instead of the branch, and a final release also moves X.Y, X and latest unless a newer release has them */
    release = "",
    /** the scan fails at or above this severity; unset only reports */
    failOn?: Severity,
    /** fail when under this percent (0 to 100) of the PR's changed executable lines ran in tests; 0 only reports */
    diffThreshold: float = 0,
    /** mypy: off, report or gate; default gate when the app configures mypy, else off */
    typecheck?: TypecheckMode,
    /** return the run (and its reports) instead of failing when a gate fails */
    exitZero = false,
  ): Promise<CiRun> {
    const flags = { publish, rehearse, sign, branch, sha, release, failOn, diffThreshold, typecheck };
    return this.runCi(flags, exitZero);
  }

  /**
   * Build the image and push it to <registry>/<owner>/<repo>:run-<id>-<attempt> (--run-id) or :sha-<7>, and
   * :<branch tag> (main and develop only with --event push), or a release's tags with --release, optionally signed;
   * prints the pushed reference with its digest.
   */
  @func({ cache: "never" })
  async publish(
    /** the branch; its tag follows docker/metadata-action's rule, made injective (or --release) */
    branch = "",
    /** the commit; the revision label, and the sha-<7> tag without --run-id */
    sha = "",
    /** sign the pushed digest with cosign (keyless needs the OIDC settings, else --cosign-key) */
    sign = false,
    /** the git tag being released (vX.Y.Z): the app's version must equal it; tags X.Y.Z instead of the branch, and for a final release X.Y, X and latest unless a newer release has them */
    release = "",
  ): Promise<string> {
    const repository = await this.requireRepository("publish");
    return runPublish(this.settings(), {
      ...this.credentials(),
      repository,
      branch,
      sha,
      ...(release ? { release: await this.checkRelease(release) } : {}),
      platforms: this.platforms,
      sign,
      apiUrl: this.githubApiUrl,
    });
  }

  /**
   * The GitHub release of a final version tag, from the reports that tag's CI run exported: the image by digest
   * and how to verify it in its notes, the SBOM and the provenance attached. Made as a draft and published once
   * complete; marked latest only when the image's latest tag moved to it. A pre-release tag gets none. Prints the
   * release's URL.
   */
  @func({ cache: "never" })
  async release(
    /** the version tag, e.g. v1.2.3 */
    tag: string,
    /** the reports `ci-run` exported for that tag's push (status.json, sbom.cdx.json, provenance.json) */
    reports: Directory,
  ): Promise<string> {
    const repository = await this.requireRepository("release");
    return runRelease({
      repository,
      tag,
      reports,
      apiUrl: this.githubApiUrl,
      ...(this.githubToken ? { token: this.githubToken } : {}),
    });
  }

  /**
   * Verify and smoke-test a branch's or a release's published image for its environment (main: production, develop:
   * staging, else preview; with --production-from releases a release is production and main staging): resolve
   * <registry>/<owner>/<repo>:<branch tag> (<X.Y.Z> with --release, run-<id>-<attempt> with --run, sha-<7> with --sha, or --digest) to one
   * digest, verify its cosign signature (that branch's push run in CI, or --cosign-public-key), show its revision
   * label (checked with --sha), run the smoke command in it, and comment on the pull request. A refused image
   * never runs. The result names the digest, for a real deployer to roll out.
   */
  @func({ cache: "never" })
  async deploy(
    /** the branch whose image to deploy, e.g. main (or --release) */
    branch = "",
    /** the full commit CI built: its image's revision label must match; without --run, deploy its sha-<7> image */
    sha = "",
    /** the CI run that built the image, <id>-<attempt>: deploy its run-<id>-<attempt> image (what cd.yml passes) */
    run = "",
    /** deploy this exact digest (sha256:…) instead of resolving a tag */
    digest = "",
    /** override the environment the branch (and --event) map to */
    environment = "",
    /** run an image whose signature was not verified (a laptop image nobody signed); said in the summary */
    allowUnsigned = false,
    /** deploy a release instead of a branch: its tag, e.g. v1.2.3 (the X.Y.Z image, signed by the push of that tag) */
    release = "",
    /** one app of several (its folder, e.g. services/api): its image <registry>/<owner>/<repo>/<folder>, as ci with --apps publishes it, and its own smoke run */
    app = "",
    /** return the result instead of failing when the deploy is refused or its smoke run fails */
    exitZero = false,
  ): Promise<Deployment> {
    // the run's flags from this; the app's settings and project from one
    const one = app === "" ? this : this.forApp(parseAppPath(app));
    const repository = await this.requireRepository("deploy");
    const args: DeployArgs = {
      branch,
      ...(release ? { release } : {}),
      ...(this.productionFrom ? { productionFrom: this.productionFrom } : {}),
      repository,
      sha,
      run,
      digest,
      environment,
      event: this.event,
      runUrl: this.runUrl,
      githubApiUrl: this.githubApiUrl,
      githubToken: this.githubToken,
      registryUsername: this.registryUsername,
      registryPassword: this.registryPassword,
      allowUnsigned,
      ...(this.cosignPublicKey ? { cosignPublicKey: this.cosignPublicKey } : {}),
      signerWorkflow: this.signerWorkflow,
    };
    // every flag is checked before the project's files are read for the smoke command
    const settings = { ...one.settings(), imagePath: app === "" ? "" : appImagePath(one.app) };
    planDeploy(settings, args);
    const smokeCommand = one.smokeCommandOf(await one.checkedProject());
    const { status, summary } = await runDeploy({ ...settings, smokeCommand }, args);
    return gate(
      Deployment.from(status, summary),
      exitZero,
      (d) => `Deploy to ${d.environment} failed: ${d.output}\n${d.summary}`,
    );
  }

  /** One `ci` run (of every affected app with --apps): run, then fail or return by the one failure rule. */
  private async runCi(flags: CiFlags, exitZero: boolean): Promise<CiRun> {
    if (this.appsToRun.length > 0) return this.runApps(flags, exitZero);
    const { status, summary, reports } = await this.ciOutcome(flags);
    const run = CiRun.from(status.passed, summary, JSON.stringify(status), reports, status.diffCoverage);
    return gate(run, exitZero, () => failedMessage(status.failures));
  }

  /** Every flag and setting checked, before any project file is read. */
  private async planFor(flags: CiFlags, part?: AppOfMany) {
    const repository = await this.repositoryOrEmpty();
    const settings = part ? { ...this.settings(), imagePath: part.imagePath } : this.settings();
    const plan = planCi(settings, {
      ...flags,
      ...this.credentials(),
      repository,
      // one app of several: the whole run's summary carries the link
      runUrl: part ? "" : this.runUrl,
      githubApiUrl: this.githubApiUrl,
    });
    return part ? { ...plan, partOfMany: true, ...(part.changes ? { changes: part.changes } : {}) } : plan;
  }

  /** One app's run as plain data; `part`: one app of several, its image named under the repository's. */
  private async ciOutcome(flags: CiFlags, part?: AppOfMany) {
    const plan = await this.planFor(flags, part);
    // every flag is checked first; then the project's own files decide the rest
    const { project, versions, smokeCommand, packages, sync, python } = await this.project();
    const dynamicVersionOf = plan.release
      ? versionToRead(plan.release, project, this.pyproject())
      : undefined;
    const image =
      part && !part.hasImage
        ? { skipped: `no ${inApp(this.app, "Dockerfile")}: the app is tested, not built` }
        : await this.locate();
    return runCi({
      ...plan,
      versions,
      smokeCommand,
      packages,
      sync,
      python,
      testEnv: this.testEnv(),
      ...(dynamicVersionOf !== undefined ? { dynamicVersionOf } : {}),
      ...("skipped" in image ? { imageSkipped: image.skipped } : { image }),
    });
  }

  /** `ci` over --apps: the apps the change touches, each as its own run, at once; one report and one comment. */
  private async runApps(flags: CiFlags, exitZero: boolean): Promise<CiRun> {
    if (flags.release) {
      throw new InputError(
        `--release ${flags.release} releases one app, and --apps runs several. Expected --app <folder> without --apps for a release.`,
      );
    }
    const plan = await this.planFor(flags);
    const { apps, images } = await readApps(this.source);
    const chosen = selectApps(apps, this.appsToRun);
    const names = appImagePaths(chosen.map((a) => a.path));
    // the pull request's changes, read once: which apps run, and each app's changed-line coverage
    const pullRequest = plan.comment ? readPullRequestChanges(plan.comment) : undefined;
    const { files, source } =
      plan.comment && pullRequest
        ? await readChangedPaths(plan.comment, this.before, () => pullRequest).catch((err: unknown) => ({
            files: undefined,
            source: `could not be read (${errorText(err)}): every app runs`,
          }))
        : { files: undefined, source: "not known (give --github-token and --sha): every app runs" };
    const changes = files ? `${files.length}, from ${source}` : source;
    const affected = affectedApps(chosen, files, this.shared);
    const parts: AppPart[] = affected
      .filter((a) => a.affected)
      .map(({ app }) => ({
        app: app.path,
        run: () =>
          this.forApp(app.path).ciOutcome(flags, {
            imagePath: names.get(app.path) ?? "",
            hasImage: images.includes(app.path),
            ...(pullRequest ? { changes: pullRequest } : {}),
          }),
      }));
    const { status, summary, reports } = await runApps(
      parts,
      affected.filter((a) => !a.affected).map((a) => ({ app: a.app.path, reason: a.reason })),
      {
        changes,
        ...(this.runUrl ? { runUrl: this.runUrl } : {}),
        ...(flags.sha ? { sha: flags.sha } : {}),
        ...(flags.branch ? { branch: flags.branch } : {}),
        ...(plan.comment ? { comment: plan.comment } : {}),
      },
    );
    return gate(CiRun.from(status.passed, summary, JSON.stringify(status), reports), exitZero, () =>
      failedMessage(status.failures),
    );
  }

  /** The same settings on another of the repository's apps. */
  private forApp(app: string): Pipeline {
    const one = Object.assign(Object.create(Pipeline.prototype) as Pipeline, this);
    one.app = app;
    one.appsToRun = [];
    return one;
  }

  private pyproject(): string {
    return inApp(this.app, "pyproject.toml");
  }

  /** The app's pyproject.toml, after the app's folder was checked to hold one. */
  private async checkedProject() {
    await requireFiles(this.source, this.app);
    return readProject(this.source, this.app);
  }

  /** The project's files, with the flags that override them: matrix, smoke command, mypy's packages and Python, sync. */
  private async project() {
    const project = await this.checkedProject();
    const workspace = await readWorkspace(this.source, this.app, project);
    const pinned = await readPinnedPython(this.source, workspace.root);
    const [lowest = ""] = matrixVersions(project, [], this.pyproject());
    return {
      project,
      packages: project.packages,
      versions: matrixVersions(project, this.pythonVersions, this.pyproject()),
      smokeCommand: this.smokeCommandOf(project),
      sync: {
        ...(workspace.member === undefined ? {} : { root: workspace.root, member: workspace.member }),
        groups: this.groups,
        extras: this.extras,
      },
      python: pinned ?? { version: lowest, from: "requires-python's lowest" },
    };
  }

  /** The release tag, once the app's version (static, or as its build backend installs it) equals it. */
  private async checkRelease(tag: string): Promise<Release> {
    const release = parseRelease(tag);
    const { project, sync, python } = await this.project();
    const name = versionToRead(release, project, this.pyproject());
    if (name !== undefined) {
      await checkInstalledVersion(release, {
        source: this.source,
        app: this.app,
        python: python.version,
        sync,
        name,
      });
    }
    return release;
  }

  /** The smoke command: the one given, else an import of the project's packages ("" when none is known). */
  private smokeCommandOf(project: Project): string {
    return this.smokeCommand || (importCheck(project) ?? "");
  }

  /** The folder holding the app's lock: its workspace's root for a member, else the app's own folder. */
  private async workspaceRoot(): Promise<string> {
    return (await readWorkspace(this.source, this.app, await this.checkedProject())).root;
  }

  /** What the tests and the type check are given: `--env` (service references resolved) and `--env-file`. */
  private testEnv(): TestEnv {
    const vars = parseTestEnv(this.env, parseServices(this.services));
    return { vars, ...(this.envFile ? { file: this.envFile } : {}) };
  }

  /** The project's Dockerfile and build context, or why it has none. */
  private async locate() {
    await requireFiles(this.source, this.app);
    return locateImage(this.source, this.app, this.dockerfile, this.buildContext);
  }

  /** The image `what` needs: a project without one is an error that says so. */
  private async image(what: string): Promise<ImageSource> {
    const image = await this.locate();
    if ("skipped" in image) throw new InputError(`${what} has nothing to build: ${image.skipped}.`);
    return image;
  }

  /** --repository, else the checkout's origin remote (no .git/config: undefined, and requireRepository says so). */
  private async requireRepository(what: string): Promise<string> {
    const config = this.repository
      ? undefined
      : await this.git
          ?.file(".git/config")
          .contents()
          .catch(() => undefined);
    return requireRepository(this.repository, config, what);
  }

  /** The repository when it can be known, else "" (a local run labels and comments nothing). */
  private async repositoryOrEmpty(): Promise<string> {
    return this.requireRepository("ci").catch((err: unknown) => {
      if (err instanceof InputError) return "";
      throw err;
    });
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
      buildContext: this.buildContext,
      smokeCommand: this.smokeCommand,
      smokeExpect: this.smokeExpect,
      services: parseServices(this.services),
      severities: parseSeverities(this.severities),
      groups: this.groups,
      extras: this.extras,
      runId: this.runId,
      platforms: this.platforms,
    };
  }

  /** What publish and ci's plan share, by name: the event, the registry login and the signing secrets given. */
  private credentials() {
    return {
      event: this.event,
      registryUsername: this.registryUsername,
      oidcRequestUrl: this.oidcRequestUrl,
      ...(this.githubToken ? { githubToken: this.githubToken } : {}),
      ...(this.registryPassword ? { registryPassword: this.registryPassword } : {}),
      ...(this.oidcRequestToken ? { oidcRequestToken: this.oidcRequestToken } : {}),
      ...(this.cosignKey ? { cosignKey: this.cosignKey } : {}),
      ...(this.cosignPassword ? { cosignPassword: this.cosignPassword } : {}),
    };
  }
}

/** One app of several: its image's path, whether it has its own Dockerfile, the pull request's changes read once. */
type AppOfMany = { imagePath: string; hasImage?: boolean; changes?: Promise<PullRequestChanges> };

function failedMessage(failures: readonly string[] | undefined): string {
  return `CI failed:\n- ${(failures ?? []).join("\n- ")}\nRerun with --exit-zero and chain \`reports export --path reports\` (ci-run) to keep every report.`;
}

/** The one failure rule: a result whose gate failed fails its function, unless the caller asked for it back. */
function gate<T extends { passed: boolean | (() => boolean) }>(
  result: T,
  exitZero: boolean,
  message: (result: T) => string,
): T {
  const passed = typeof result.passed === "function" ? result.passed() : result.passed;
  if (!passed && !exitZero) throw new Error(message(result));
  return result;
}
