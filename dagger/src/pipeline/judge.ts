/** Pure, so every combination of outcomes is a table test (test/pipeline/judge.test.ts). */
import { TypecheckMode } from "../report/mypy.js";
import type { CiStatus, ImageFacts, Skip } from "../report/types.js";

/** What the status shows as gathered. */
type Shown = "lint" | "typecheck" | "tests" | "services" | "gate" | "smoke" | "scan" | "dependencies";

/** What did not happen is absent; an `…Error` or `noImage` is the reason a stage could not run. */
export type Gathered = Pick<CiStatus, Shown | "diffCoverage" | "warnings"> & {
  buildError?: string;
  noImage?: string;
  scanError?: string;
  imageFacts?: ImageFacts;
  dependenciesError?: string;
  /** whether the app commits a uv.lock */
  locked: boolean;
  /** `--release` refused: the app's version differs, or the repository's tags could not be read */
  releaseError?: string;
};

/** The status has no image yet: gatesPassed decides whether publishing happens. */
export type Judged = { status: CiStatus; gatesPassed: boolean };

/** An unrun scan fails only under --fail-on; with no changed-lines figure the diff gate passes and warns. */
export function judge(
  g: Gathered,
  run: { app: string; lockFolder?: string; failOn?: string; runUrl?: string; sha?: string; branch?: string },
): Judged {
  const skipped: Skip[] = [];
  const errors: string[] = [];
  const warnings = [...g.warnings];
  if (!g.locked) {
    warnings.push(
      `no uv.lock: dependencies resolved at run time (run \`uv lock\` in ${run.lockFolder ?? run.app} and commit uv.lock so every run tests the same versions)`,
    );
  }
  if (g.imageFacts && !g.imageFacts.nonRoot) {
    warnings.push(
      `the image runs as root (its config's user is '${g.imageFacts.user}'): set a non-root USER`,
    );
  }
  const diff = g.diffCoverage;
  if (diff?.threshold !== undefined && diff.coverage === undefined) {
    warnings.push(`--diff-threshold ${diff.threshold} was not applied: ${diff.reason ?? "no figure"}`);
  }
  const tc = g.typecheck;
  if (tc?.mode === TypecheckMode.report && tc.error !== undefined) {
    warnings.push(`type check (report only): ${tc.error}`);
  }
  for (const t of g.tests.filter((t) => t.flaky)) {
    warnings.push(`tests on Python ${t.version} are flaky: ${t.error ?? "failed once"}`);
  }
  if (g.noImage !== undefined) {
    skipped.push(...["build", "smoke", "scan"].map((stage) => ({ stage, reason: g.noImage as string })), {
      stage: "publish",
      reason: "no image to push",
    });
  }
  if (g.buildError !== undefined) {
    skipped.push(
      { stage: "build", reason: `the image did not build: ${g.buildError}` },
      { stage: "smoke", reason: "no image to run" },
      { stage: "scan", reason: "no image to scan" },
    );
  }
  if (g.dependenciesError !== undefined) {
    skipped.push({ stage: "dependencies", reason: `the comparison could not run: ${g.dependenciesError}` });
  }
  if (g.scanError !== undefined) {
    skipped.push({ stage: "scan", reason: `Trivy could not run: ${g.scanError}` });
    if (run.failOn) errors.push(`scan: --fail-on ${run.failOn} needs a scan, and Trivy could not run`);
  }
  if (g.releaseError !== undefined) errors.push(`release: ${g.releaseError}`);
  const gatesPassed =
    g.buildError === undefined &&
    g.lint.passed &&
    (tc?.passed ?? true) &&
    g.tests.every((t) => t.passed) &&
    g.gate.passed &&
    // no Dockerfile: no smoke run to pass (a failed build has none either, and fails above)
    (g.smoke?.passed ?? g.noImage !== undefined) &&
    (g.scan?.passed ?? true) &&
    (g.dependencies?.passed ?? true) &&
    (diff?.passed ?? true) &&
    errors.length === 0;
  const status: CiStatus = {
    passed: gatesPassed,
    lint: g.lint,
    ...(tc ? { typecheck: tc } : {}),
    tests: g.tests,
    ...(g.services && g.services.length > 0 ? { services: g.services } : {}),
    gate: g.gate,
    ...(g.scan ? { scan: g.scan } : {}),
    ...(g.smoke ? { smoke: g.smoke } : {}),
    ...(g.dependencies ? { dependencies: g.dependencies } : {}),
    ...(diff ? { diffCoverage: diff } : {}),
    skipped,
    warnings,
    ...(errors.length > 0 ? { errors } : {}),
    app: run.app,
    ...(run.runUrl ? { runUrl: run.runUrl } : {}),
    ...(run.sha ? { sha: run.sha } : {}),
    ...(run.branch ? { branch: run.branch } : {}),
  };
  return { status, gatesPassed };
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
  const tc = status.typecheck;
  if (tc && !tc.passed) {
    lines.push(tc.error ? `typecheck: ${tc.error}` : `typecheck: ${tc.errors} mypy error(s)`);
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
      status.smoke.expected === ""
        ? `smoke run: '${status.smoke.command}' failed: ${status.smoke.output}`
        : `smoke run: '${status.smoke.command}' printed '${status.smoke.output}', expected '${status.smoke.expected}'`,
    );
  }
  if (status.scan && !status.scan.passed) lines.push(`scan: findings at or above ${status.scan.failOn}`);
  if (status.dependencies && !status.dependencies.passed) {
    lines.push(
      `image dependencies differ from the tested ones: ${status.dependencies.differences.join("; ")}`,
    );
  }
  const diff = status.diffCoverage;
  if (diff && !diff.passed) {
    lines.push(
      `changed lines: ${diff.covered} of ${diff.lines} changed executable lines covered (${diff.display ?? "?"}%), below the ${diff.threshold}% --diff-threshold`,
    );
  }
  if (
    !status.image &&
    status.skipped.some((s) => s.stage === "build" && s.reason.startsWith("the image did not build"))
  )
    lines.push("build: the image did not build");
  lines.push(...(status.errors ?? []));
  return lines;
}
