/** `ci`: gather -> judge (pure) -> publish -> render once -> comment, so every output is one text. */
import { type Container, type Directory, dag, type File } from "@dagger.io/dagger";
import { readPullRequestChanges } from "../github/files.js";
import { commentOnPullRequest } from "../github/notify.js";
import { readTagNames } from "../github/tags.js";
import { renderAnnotations } from "../report/annotations.js";
import { diffCoverage, type PullRequestChanges } from "../report/diff.js";
import { TypecheckMode } from "../report/mypy.js";
import { CI_MARKER, renderCiSummary } from "../report/render.js";
import { renderTimeline } from "../report/render-timeline.js";
import type {
  CiStatus,
  DependencyStatus,
  ImageFacts,
  ImageStatus,
  SmokeStatus,
  StageTiming,
} from "../report/types.js";
import { errorText } from "../settings/errors.js";
import { type ImageSource, inApp } from "../settings/validate.js";
import { checkDependencies } from "../stages/dependencies.js";
import { deployImage } from "../stages/deploy.js";
import { buildImage, buildImages, imageFacts, smokeTest } from "../stages/image.js";
import { runLint } from "../stages/lint.js";
import { runMatrix } from "../stages/matrix.js";
import { checkInstalledVersion } from "../stages/project.js";
import {
  packagePage,
  pinned,
  pushImages,
  REHEARSAL_REGISTRY,
  rehearsalRegistry,
  withReleaseTags,
} from "../stages/publish.js";
import { SRC } from "../stages/python.js";
import { runScan, type ScanRun } from "../stages/scan.js";
import { provenanceFile, signImage } from "../stages/sign.js";
import { planTypecheck, runTypecheck, type TypecheckRun } from "../stages/typecheck.js";
import { failureLines, type Gathered, judge } from "./judge.js";
import type { CiPlan } from "./plan.js";

async function settle<T>(work: Promise<T>, onError: (message: string) => T): Promise<T> {
  try {
    return await work;
  } catch (err) {
    return onError(errorText(err));
  }
}

/** The project's own Python (mypy's, and the one its installed version is read on); else the matrix's first. */
const projectPython = (plan: CiPlan) =>
  plan.python ?? { version: plan.versions[0] ?? "", from: "the matrix" };

/** The app's dynamic version against the tag, and the repository's tags that a release's moving tags must not pass. */
async function checkRelease(plan: CiPlan): Promise<{ existing: string[]; error?: string }> {
  const { release, dynamicVersionOf: name } = plan;
  if (!release) return { existing: [] };
  try {
    if (name !== undefined) {
      await checkInstalledVersion(release, { ...plan, python: projectPython(plan).version, name });
    }
    const tags = plan.publish?.tags;
    return { existing: tags ? await readTagNames(tags) : [] };
  } catch (err) {
    return { existing: [], error: errorText(err) };
  }
}

/** native: smoke and scan need the engine's own platform, as a foreign one could only run emulated. */
type Built = { variants: [Container, ...Container[]]; native: Container; facts?: ImageFacts };
/** A stage that may not run: its value, or why it could not. */
type Outcome<T> = { value?: T; error?: string };

/** When each stage started and ended, from the run's start: what the timeline draws. */
type Clock = { timings: StageTiming[]; timed: <T>(stage: string, work: () => Promise<T>) => Promise<T> };

function startClock(): Clock {
  const zero = Date.now();
  const timings: StageTiming[] = [];
  return {
    timings,
    timed: (stage, work) => {
      const startMs = Date.now() - zero;
      return work().finally(() => timings.push({ stage, startMs, endMs: Date.now() - zero }));
    },
  };
}

function imageStages(plan: CiPlan, image: ImageSource, clock: Clock) {
  const variants = buildImages(plan.source, image, plan.platforms, plan.labels);
  // Stryker disable next-line ConditionalExpression: with no --platforms, buildImage makes the same dockerBuild call as variants[0]
  const native = plan.platforms.length === 0 ? variants[0] : buildImage(plan.source, image, plan.labels);
  const buildError = settle<string | undefined>(
    clock.timed("build", () => native.sync()).then(() => undefined),
    (message) => message,
  );
  const built = <T>(next: () => T | Promise<T>, none: T): Promise<T> =>
    buildError.then((failed) => (failed !== undefined ? none : next()));
  const smoke = built<SmokeStatus | undefined>(
    () =>
      settle<SmokeStatus>(
        clock.timed("smoke run", () => smokeTest(native, plan.smokeCommand, plan.smokeExpect)),
        (message) => ({
          passed: false,
          command: plan.smokeCommand,
          expected: plan.smokeExpect,
          output: `the command failed: ${message}`,
        }),
      ),
    undefined,
  );
  const facts = built<ImageFacts | undefined>(
    () =>
      plan.source
        .file(image.dockerfile)
        .contents()
        .then((text) => imageFacts(native, text))
        .catch(() => undefined),
    undefined,
  );
  const attempt = <T>(stage: string, work: () => Promise<T>) =>
    built<Outcome<T>>(
      () =>
        settle<Outcome<T>>(
          clock.timed(stage, work).then((value) => ({ value })),
          (error) => ({ error }),
        ),
      {},
    );
  const dependencies = attempt("image dependencies", () =>
    checkDependencies(native, plan.source, plan.app, image.dockerfile, plan.sync),
  );
  const scan = attempt("scan", () => runScan(native, plan.severities, plan.failOn));
  return { variants, native, buildError, smoke, facts, dependencies, scan };
}

/** Every stage runs concurrently and reports, even when another failed. */
async function gather(
  plan: CiPlan,
  clock: Clock,
): Promise<{
  gathered: Gathered;
  built?: Built;
  scan?: ScanRun;
  reports: Directory;
  existingTags: string[];
}> {
  // asked while the engine works; a failure becomes the reason there is no figure
  const changes: Promise<PullRequestChanges> =
    plan.changes ??
    (plan.comment
      ? readPullRequestChanges(plan.comment)
      : // Stryker disable next-line StringLiteral: unreachable: planCi sets commentSkipped whenever it sets no comment target
        Promise.resolve({ reason: plan.commentSkipped ?? "no --github-token given" }));
  const image = plan.image ? imageStages(plan, plan.image, clock) : undefined;
  const measured = Promise.all([
    clock.timed("tests and coverage gate", () =>
      runMatrix(plan.source, plan.app, plan.versions, plan.threshold, plan.services, plan.sync, plan.testEnv),
    ),
    changes,
  ]).then(async ([matrix, changed]) => {
    // coverage.json is read only when there are changes: without them nothing more is asked of the engine
    const coverage =
      "reason" in changed
        ? { error: changed.reason }
        : matrix.gate.coverage === undefined
          ? { error: "no Python version produced coverage data" }
          : await settle<{ json: string } | { error: string }>(
              matrix.reports
                .file("coverage.json")
                .contents()
                .then((json) => ({ json })),
              (error) => ({ error: `the combined coverage.json could not be read: ${error}` }),
            );
    const diff = diffCoverage({
      changes: changed,
      coverage,
      app: plan.app,
      root: SRC,
      threshold: plan.diffThreshold,
    });
    return { matrix, diff };
  });
  const typecheck: Promise<TypecheckRun | undefined> = planTypecheck(
    plan.source,
    plan.app,
    plan.typecheck,
  ).then(({ mode, config }) =>
    mode === TypecheckMode.off
      ? undefined
      : clock.timed("type check", () =>
          runTypecheck(plan.source, plan.app, {
            mode,
            config,
            python: projectPython(plan),
            sync: plan.sync,
            ...(plan.testEnv ? { env: plan.testEnv } : {}),
            ...(plan.packages ? { packages: plan.packages } : {}),
          }),
        ),
  );
  const [failed, lint, typechecked, { matrix, diff }, smoked, scanned, locked, compared, read, released] =
    await Promise.all([
      image?.buildError,
      clock.timed("lint", () => runLint(plan.source, plan.app, plan.sync.root)),
      typecheck,
      measured,
      image?.smoke,
      image?.scan ?? ({} as Outcome<ScanRun>),
      plan.source.exists(inApp(plan.sync.root ?? plan.app, "uv.lock")),
      image?.dependencies ?? ({} as Outcome<DependencyStatus>),
      image?.facts,
      checkRelease(plan),
    ]);
  let reports = dag.directory().withDirectory(".", lint.reports).withDirectory(".", matrix.reports);
  if (typechecked) reports = reports.withDirectory(".", typechecked.reports);
  if (scanned.value) reports = reports.withDirectory(".", scanned.value.reports);
  // what did not happen is undefined: judge reads it as absent (never with `in`)
  const gathered: Gathered = {
    lint: lint.status,
    typecheck: typechecked?.status,
    tests: matrix.runs.map((r) => r.status),
    services: plan.services.map((s) => s.name),
    gate: matrix.gate,
    buildError: failed,
    noImage: plan.imageSkipped,
    smoke: smoked,
    scan: scanned.value?.status,
    scanError: scanned.error,
    dependencies: compared.value,
    dependenciesError: compared.error,
    imageFacts: read,
    locked,
    diffCoverage: diff,
    releaseError: released.error,
    warnings: matrix.warnings,
  };
  return {
    gathered,
    ...(image
      ? { built: { variants: image.variants, native: image.native, ...(read ? { facts: read } : {}) } }
      : {}),
    ...(scanned.value ? { scan: scanned.value } : {}),
    reports,
    existingTags: released.existing,
  };
}

/** A failed push or signature fails the run: the image the branch promises is not there. */
async function publish(
  plan: CiPlan,
  status: CiStatus,
  gatesPassed: boolean,
  built: Built | undefined,
  scan?: ScanRun,
  provenance?: File,
  existingTags: readonly string[] = [],
): Promise<CiStatus> {
  const facts = built?.facts;
  // not pushed: the local image, and why (when there is a reason to give)
  const unpushed = (reason?: string): CiStatus => ({
    ...status,
    image: { reference: plan.localName, published: false, tags: [], ...(facts ? { facts } : {}) },
    skipped: [...status.skipped, ...(reason ? [{ stage: "publish", reason }] : [])],
  });
  if (!built || status.skipped.some((s) => s.stage === "build")) return status;
  if (!plan.publish) return unpushed(plan.publishSkipped);
  if (!gatesPassed) return unpushed("a gate failed, so nothing was pushed");
  const { auth, rehearsal, signer } = plan.publish;
  const target = withReleaseTags(plan.publish.plan, existingTags);
  const warnings = [...status.warnings, ...(target.held ? [`publish: ${target.held}`] : [])];
  const registryService = rehearsal ? rehearsalRegistry() : undefined;
  const sbom = scan?.reports.file("sbom.cdx.json");
  if (signer && !sbom)
    warnings.push(
      "sign: no SBOM to attest (the scan did not run); the image is signed without it, and deploy refuses an image without its SBOM attestation",
    );
  try {
    // signed on the run's immutable tag's digest before any branch tag moves
    const signFirst = signer
      ? (image: string) => signImage(image, sbom, signer, target.registry, auth, provenance)
      : undefined;
    const pushed = await pushImages(built.variants, target, auth, registryService, signFirst);
    if (rehearsal) {
      const deployed = await deployImage(
        pinned(pushed.reference),
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
    const page = packagePage(target);
    const image: ImageStatus = {
      ...pushed,
      ...(signer
        ? {
            signed: true,
            ...(sbom ? { sbomAttested: true } : {}),
            ...(provenance ? { provenanceAttested: true } : {}),
          }
        : {}),
      ...(page ? { page } : {}),
      ...(facts ? { facts } : {}),
    };
    return { ...status, image, warnings };
  } catch (err) {
    return {
      ...unpushed(`the push failed: ${errorText(err)}`),
      passed: false,
      warnings,
      errors: [...(status.errors ?? []), `publish: ${errorText(err)}`],
    };
  }
}

export async function runCi(
  plan: CiPlan,
): Promise<{ status: CiStatus; summary: string; reports: Directory }> {
  const clock = startClock();
  const { gathered, built, scan, reports, existingTags } = await gather(plan, clock);
  const judged = judge(gathered, { ...plan, lockFolder: plan.sync.root ?? plan.app });
  const signer = plan.publish?.signer;
  const target = plan.publish?.plan;
  const provenance =
    signer && plan.image && target
      ? await provenanceFile(
          plan.source,
          plan.image,
          {
            repository: `${target.owner}/${target.repo}`,
            sha: plan.sha ?? "",
            branch: plan.branch ?? "",
            ...(plan.release ? { release: plan.release.tag } : {}),
            event: plan.event ?? "",
            ...(plan.runUrl ? { runUrl: plan.runUrl } : {}),
            platforms: plan.platforms,
          },
          signer,
        )
      : undefined;
  const publishing = () =>
    publish(plan, judged.status, judged.gatesPassed, built, scan, provenance, existingTags);
  let status = await (plan.publish && judged.gatesPassed ? clock.timed("publish", publishing) : publishing());
  if (!plan.comment && plan.commentSkipped && !plan.partOfMany) {
    status = { ...status, skipped: [...status.skipped, { stage: "comment", reason: plan.commentSkipped }] };
  }
  // also in status.json, so a run with --exit-zero still says why it failed
  const failures = failureLines(status);
  if (failures.length > 0) status = { ...status, failures };

  const summary = renderCiSummary(status);
  if (plan.comment && !plan.partOfMany) {
    const target = plan.comment;
    const comment = await clock.timed("comment", () => commentOnPullRequest(target, CI_MARKER, summary));
    status = { ...status, comment };
    // a failed comment cannot report itself: say it in the log
    if (!comment.posted) process.stderr.write(`warning: ${comment.warning}\n`);
  }
  const attested = provenance && status.image?.provenanceAttested ? provenance : undefined;
  status = { ...status, timings: clock.timings };
  return {
    status,
    summary,
    reports: (attested ? reports.withFile("provenance.json", attested) : reports)
      .withNewFile("status.json", `${JSON.stringify(status, null, 2)}\n`)
      .withNewFile("summary.md", summary)
      .withNewFile("annotations.txt", renderAnnotations(status, plan.app))
      .withNewFile("timeline.md", renderTimeline(plan.app, [{ name: plan.app, timings: clock.timings }])),
  };
}
