import { type Container, type Directory, dag, func, object, type Secret } from "@dagger.io/dagger";
import { deployImage } from "./deploy.js";
import { parseGitHubApiUrl } from "./github.js";
import { buildImages, type ImageLabels, smokeTest } from "./image.js";
import { type LintResult, runLint } from "./lint.js";
import { type MatrixResult, runMatrix } from "./matrix.js";
import { type CommentTarget, commentOnPullRequest } from "./notify.js";
import {
  type PublishPlan,
  pinned,
  planPublish,
  pushImages,
  REHEARSAL_REGISTRY,
  type RegistryAuth,
  rehearsalRegistry,
  requireAuth,
} from "./publish.js";
import { CI_MARKER, renderCiSummary } from "./render.js";
import type { CiStatus, ImageStatus, ScanStatus, SmokeStatus } from "./report.js";
import { runScan } from "./scan.js";
import {
  errorText,
  InputError,
  type PipelineSettings,
  parsePlatforms,
  parseSeverities,
  parseSeverity,
  type Severity,
} from "./settings.js";
import { planSigner, type Signer, signImage } from "./sign.js";
import { branchTag, parseEvent, parseRepository } from "./tags.js";

/** Everything one `ci` run was asked to do, validated before any container starts. */
export type CiPlan = {
  source: Directory;
  app: string;
  versions: string[];
  threshold: number;
  dockerfile: string;
  smokeCommand: string;
  smokeExpect: string;
  severities: Severity[];
  failOn?: Severity;
  platforms: string[];
  labels: ImageLabels;
  /** where to push, when pushing: a real registry, or the in-engine one of a rehearsal */
  publish?: { plan: PublishPlan; auth?: RegistryAuth; rehearsal: boolean; signer?: Signer };
  /** why publish is not happening, when it is not */
  publishSkipped?: string;
  comment?: CommentTarget;
  commentSkipped?: string;
  runUrl?: string;
  sha?: string;
  branch?: string;
  /** the name the image goes by when it is not pushed */
  localName: string;
};

/** The outcome of `ci`: the verdict, a readable summary, and every report in one directory. */
@object()
export class CiRun {
  /** true when every gate passed */
  @func() passed: boolean;
  /** the run as markdown (also summary.md) */
  @func() summary: string;
  /** the run as JSON (also status.json) */
  @func() status: string;
  /** junit and coverage per version, combined coverage, ruff, Trivy, SBOM, summary.md, status.json */
  @func() reports: Directory;

  constructor(passed: boolean, summary: string, status: string, reports: Directory) {
    this.passed = passed;
    this.summary = summary;
    this.status = status;
    this.reports = reports;
  }
}

/** One line per failed gate, for the error `ci` ends with when it fails. */
export function failureLines(status: CiStatus): string[] {
  const lines: string[] = [];
  if (!status.lint.passed) {
    lines.push(
      status.lint.error
        ? `lint: ruff could not run: ${status.lint.error}`
        : `lint: ${status.lint.findings.length} finding(s), ${status.lint.unformatted.length} file(s) to reformat`,
    );
  }
  for (const t of status.tests.filter((t) => !t.passed)) {
    lines.push(
      t.error
        ? `tests on Python ${t.version}: ${t.error}`
        : `tests on Python ${t.version}: ${t.failures} failure(s), ${t.errors} error(s) of ${t.tests}`,
    );
  }
  if (!status.gate.passed) lines.push(`coverage gate: ${status.gate.message}`);
  if (status.smoke && !status.smoke.passed) {
    lines.push(
      `smoke run: '${status.smoke.command}' printed '${status.smoke.output}', expected '${status.smoke.expected}'`,
    );
  }
  if (status.scan && !status.scan.passed) lines.push(`scan: findings at or above ${status.scan.failOn}`);
  if (!status.image && status.skipped.some((s) => s.startsWith("build:")))
    lines.push("build: the image did not build");
  lines.push(...(status.errors ?? []));
  return lines;
}

async function settle<T>(work: Promise<T>, onError: (message: string) => T): Promise<T> {
  try {
    return await work;
  } catch (err) {
    return onError(errorText(err));
  }
}

/**
 * The whole pipeline. Lint, the matrix, and build -> (smoke, scan) run concurrently; the gate waits for the
 * matrix; publish waits for every gate (nothing is pushed from a failing run); the PR comment comes last
 * and only ever adds warnings. Every stage reports, even when another failed.
 */
export async function runCi(
  plan: CiPlan,
): Promise<{ status: CiStatus; summary: string; reports: Directory }> {
  const skipped: string[] = [];
  const warnings: string[] = [];
  const errors: string[] = [];

  const [variant, ...otherVariants] = buildImages(plan.source, plan.dockerfile, plan.platforms, plan.labels);
  // Smoke and scan use a build for the engine's own platform: a foreign one could only run under emulation.
  const native: Container =
    plan.platforms.length === 0
      ? (variant as Container)
      : (buildImages(plan.source, plan.dockerfile, [], plan.labels)[0] as Container);
  const built = settle(
    native.sync().then(() => undefined as string | undefined),
    (message) => message,
  );

  const lintP: Promise<LintResult> = runLint(plan.source, plan.app);
  const matrixP: Promise<{ result: MatrixResult; warnings: string[] }> = runMatrix(
    plan.source,
    plan.app,
    plan.versions,
    plan.threshold,
  );
  const smokeP: Promise<SmokeStatus | undefined> = built.then((buildError) =>
    buildError !== undefined
      ? undefined
      : settle(smokeTest(native, plan.smokeCommand, plan.smokeExpect), (message) => ({
          passed: false,
          command: plan.smokeCommand,
          expected: plan.smokeExpect,
          output: `the command failed: ${message}`,
        })),
  );
  const scanP = built.then(async (buildError) => {
    if (buildError !== undefined) return undefined;
    try {
      return await runScan(native, plan.severities, plan.failOn);
    } catch (err) {
      skipped.push(`scan: Trivy could not run: ${errorText(err)}`);
      // Report-only, a missing scan is a gap; with --fail-on, it is a verdict nobody could give.
      if (plan.failOn) errors.push(`scan: --fail-on ${plan.failOn} needs a scan, and Trivy could not run`);
      return undefined;
    }
  });

  const locked = plan.source.exists(`${plan.app}/uv.lock`);
  const [buildError, lint, matrix, smoke, scan, hasLock] = await Promise.all([
    built,
    lintP,
    matrixP,
    smokeP,
    scanP,
    locked,
  ]);
  const tests = matrix.result.results;
  const gate = matrix.result.gate();
  warnings.push(...matrix.warnings);
  if (!hasLock) {
    warnings.push(
      `no uv.lock: dependencies resolved at run time (run \`uv lock\` in ${plan.app} and commit uv.lock so every run tests the same versions)`,
    );
  }
  for (const t of tests.filter((t) => t.flaky))
    warnings.push(`tests on Python ${t.version} are flaky: ${t.error}`);
  if (buildError !== undefined) {
    skipped.push(`build: the image did not build: ${buildError}`);
    skipped.push("smoke: no image to run");
    skipped.push("scan: no image to scan");
  }

  const scanStatus: ScanStatus | undefined = scan?.status();

  const gatesPassed =
    buildError === undefined &&
    lint.passed &&
    tests.every((t) => t.passed) &&
    gate.passed &&
    (smoke?.passed ?? false) &&
    (scanStatus?.passed ?? true) &&
    errors.length === 0;

  let image: ImageStatus | undefined =
    buildError === undefined ? { reference: plan.localName, published: false, tags: [] } : undefined;
  if (plan.publish && buildError === undefined) {
    if (!gatesPassed) {
      skipped.push("publish: a gate failed, so nothing was pushed");
    } else {
      const { plan: target, auth, rehearsal, signer } = plan.publish;
      const registryService = rehearsal ? rehearsalRegistry() : undefined;
      if (target.held) warnings.push(`publish: ${target.held}`);
      try {
        const variants =
          plan.platforms.length === 0 ? [variant as Container] : [variant as Container, ...otherVariants];
        // Signed (with the SBOM attested) on the immutable sha-<7> digest before any branch tag moves.
        const sbom = scan ? scan.sbom() : undefined;
        if (signer && !sbom)
          warnings.push("sign: no SBOM to attest (the scan did not run); the image is signed without it");
        const signFirst = signer
          ? (image: string) => signImage(image, sbom, signer, target.registry, auth)
          : undefined;
        const pushed = await pushImages(variants, target, auth, registryService, signFirst);
        if (signer)
          warnings.push(
            `sign: ${pinned(pushed.reference)} signed with cosign${sbom ? ", SBOM attested" : ""}`,
          );
        if (rehearsal) {
          // The deploy half of the rehearsal: pull back what was pushed, by digest, and run it.
          const deployed = await deployImage(
            pushed.reference,
            plan.smokeCommand,
            plan.smokeExpect,
            undefined,
            REHEARSAL_REGISTRY,
            registryService,
          );
          if (!deployed.passed) throw new Error(`the rehearsal deploy printed '${deployed.output}'`);
          warnings.push(
            `rehearsal: pushed to and deployed from the in-engine registry ${REHEARSAL_REGISTRY}; its storage is the engine cache volume pipeline-rehearsal-registry, which outlives the run`,
          );
        }
        image = pushed;
      } catch (err) {
        // A push that fails is a failed run: the image the branch promises is not there.
        skipped.push(`publish: the push failed: ${errorText(err)}`);
        errors.push(`publish: ${errorText(err)}`);
      }
    }
  } else if (plan.publishSkipped) {
    skipped.push(`publish: ${plan.publishSkipped}`);
  }
  const status: CiStatus = {
    passed: gatesPassed && errors.length === 0,
    lint: lint.status(),
    tests: tests.map((t) => t.status()),
    gate,
    ...(image ? { image } : {}),
    ...(scanStatus ? { scan: scanStatus } : {}),
    ...(smoke ? { smoke } : {}),
    skipped,
    warnings,
    ...(errors.length > 0 ? { errors } : {}),
    ...(plan.runUrl ? { runUrl: plan.runUrl } : {}),
    ...(plan.sha ? { sha: plan.sha } : {}),
    ...(plan.branch ? { branch: plan.branch } : {}),
  };

  if (!plan.comment && plan.commentSkipped) skipped.push(`comment: ${plan.commentSkipped}`);

  // Rendered once, from the finished status: summary.md, the returned summary and the PR comment are one text.
  const summary = renderCiSummary(status);
  if (plan.comment) {
    const result = await commentOnPullRequest(plan.comment, CI_MARKER, summary);
    const warning = result.warnings.join("; ");
    status.comment = {
      posted: result.pullRequest !== undefined && warning === "",
      ...(result.pullRequest !== undefined ? { pullRequest: result.pullRequest } : {}),
      ...(warning ? { warning } : {}),
    };
    // The comment cannot report its own failure: say it where the run's log is read.
    if (warning) process.stderr.write(`warning: ${warning}\n`);
  }

  let reports = dag.directory().withDirectory(".", lint.reports).withDirectory(".", matrix.result.reports);
  if (scan) reports = reports.withDirectory(".", scan.reports);
  reports = reports
    .withNewFile("status.json", `${JSON.stringify(status, null, 2)}\n`)
    .withNewFile("summary.md", summary);
  return { status, summary, reports };
}

/** Read -> plan: every argument of `ci` validated and turned into a plan before any container starts. */
export function planCi(
  settings: PipelineSettings,
  args: {
    publish: boolean;
    rehearse: boolean;
    repository: string;
    branch: string;
    sha: string;
    runUrl: string;
    githubToken?: Secret;
    registryUsername: string;
    registryPassword?: Secret;
    platforms: readonly string[];
    severity: readonly string[];
    failOn: string;
    event?: string;
    githubApiUrl?: string;
    sign?: boolean;
    oidcRequestUrl?: string;
    oidcRequestToken?: Secret;
    cosignKey?: Secret;
    cosignPassword?: Secret;
  },
): CiPlan {
  if (args.repository) parseRepository(args.repository);
  const event = parseEvent(args.event ?? "");
  const apiUrl = args.githubApiUrl ? parseGitHubApiUrl(args.githubApiUrl) : undefined;
  const signer = planSigner({
    sign: args.sign ?? false,
    publish: args.publish,
    oidcRequestUrl: args.oidcRequestUrl ?? "",
    ...(args.oidcRequestToken ? { oidcRequestToken: args.oidcRequestToken } : {}),
    ...(args.cosignKey ? { cosignKey: args.cosignKey } : {}),
    ...(args.cosignPassword ? { cosignPassword: args.cosignPassword } : {}),
  });
  const platforms = parsePlatforms(args.platforms);
  const plan: CiPlan = {
    source: settings.source,
    app: settings.app,
    versions: settings.versions,
    threshold: settings.threshold,
    dockerfile: settings.dockerfile,
    smokeCommand: settings.smokeCommand,
    smokeExpect: settings.smokeExpect,
    severities: parseSeverities(args.severity),
    platforms,
    labels: {
      source: args.repository ? `https://github.com/${args.repository}` : "",
      revision: args.sha,
      created: args.publish || args.rehearse ? new Date().toISOString() : "",
    },
    localName: `${settings.app.split("/").at(-1)}:${args.branch ? branchTag(args.branch) : "local"}`,
    ...(args.runUrl ? { runUrl: args.runUrl } : {}),
    ...(args.sha ? { sha: args.sha } : {}),
    ...(args.branch ? { branch: args.branch } : {}),
  };
  const failOn = parseSeverity(args.failOn, "--fail-on");
  if (failOn) plan.failOn = failOn;

  if (args.publish && args.rehearse) {
    throw new InputError("--publish and --rehearse exclude each other. Expected one of them.");
  }
  if (args.rehearse) {
    const target = planPublish(
      REHEARSAL_REGISTRY,
      args.repository || "rehearsal/app",
      args.branch || "rehearsal",
      args.sha,
      // The in-engine registry serves no one else: no tag in it is protected.
      "push",
    );
    plan.publish = { plan: target, rehearsal: true };
  } else if (args.publish) {
    if (!args.repository) {
      throw new InputError("--publish needs --repository. Expected owner/name, e.g. octo-org/my-service.");
    }
    const target = planPublish(settings.registry, args.repository, args.branch, args.sha, event);
    const password = args.registryPassword ?? args.githubToken;
    if (!password) {
      throw new InputError(
        `--publish needs a credential for ${settings.registry}. Expected --registry-password=env:NAME or --github-token=env:GITHUB_TOKEN.`,
      );
    }
    const auth = requireAuth(args.registryUsername || target.owner, password, settings.registry);
    plan.publish = {
      plan: target,
      ...(auth ? { auth } : {}),
      rehearsal: false,
      ...(signer ? { signer } : {}),
    };
  } else {
    plan.publishSkipped = "not requested (pass --publish with credentials, or --rehearse)";
  }

  if (args.githubToken && args.repository && args.sha) {
    plan.comment = {
      repository: args.repository,
      sha: args.sha,
      token: args.githubToken,
      ...(args.branch ? { branch: args.branch } : {}),
      ...(apiUrl ? { apiUrl } : {}),
    };
  } else {
    plan.commentSkipped = args.githubToken
      ? "needs --repository and --sha to find the pull request"
      : "no --github-token given";
  }
  return plan;
}
