/** Pure and deterministic: the same status renders byte for byte the same summary.md and comment. */

import { SEVERITIES } from "../settings/defaults.js";
import {
  clip,
  code,
  commitLine,
  footer,
  link,
  list,
  percent,
  plural,
  row,
  text,
  verdict,
} from "./markdown.js";
import { typecheckDetail, typecheckFindings } from "./mypy.js";
import { coverageFiles, diffLines, diffRow, factsDetail, failedTests, lintFindings } from "./sections.js";
import type { CiStatus, ImageStatus, LintStatus, SeverityCounts, Skip, VersionStatus } from "./types.js";

/** Marks the pipeline's CI comment on a pull request (see upsertComment). */
export const CI_MARKER = "<!-- pipeline:ci -->";

function skipReason(skipped: Skip[], ...stages: string[]): string | undefined {
  return skipped.find((s) => stages.includes(s.stage))?.reason;
}

function lintDetail(lint: LintStatus): string {
  if (lint.error !== undefined) return `ruff could not run: ${text(clip(lint.error))}`;
  return `${plural(lint.findings.length, "finding")}, ${plural(lint.unformatted.length, "file")} to reformat`;
}

function interpreter(t: VersionStatus): string {
  if (t.python === undefined) return "";
  const gil = t.gil === undefined ? "" : t.gil ? ", GIL on" : ", GIL off";
  return ` · CPython ${text(t.python)}${gil}`;
}

function testDetail(t: VersionStatus): string {
  const counts = `${plural(t.tests, "test")}, ${plural(t.failures, "failure")}, ${plural(t.errors, "error")}, ${t.skipped} skipped`;
  const shown = t.coverageDisplay === undefined ? percent(t.coverage) : `${text(t.coverageDisplay)}%`;
  const coverage = t.coverage === undefined ? "" : ` · coverage ${shown}`;
  const error = t.error === undefined ? "" : ` · ${text(clip(t.error))}`;
  return `${counts}${coverage}${interpreter(t)}${error}`;
}

function testVerdict(t: VersionStatus): string {
  if (t.serviceNotReady) return "⏳ service not ready";
  return t.flaky === true ? "⚠️ flaky" : verdict(t.passed);
}

function dbDetail(updatedAt: string | undefined, ageHours: number | undefined): string {
  if (updatedAt === undefined) return " · DB age unknown";
  const age =
    ageHours === undefined
      ? ""
      : ageHours < 48
        ? `, ${ageHours} h old`
        : `, ${Math.floor(ageHours / 24)} days old`;
  return ` · DB of ${text(updatedAt.slice(0, 16).replace("T", " "))} UTC${age}`;
}

function severityDetail(counts: SeverityCounts): string {
  return [...SEVERITIES]
    .reverse()
    .map((s) => `${counts[s]} ${s.toLowerCase()}`)
    .join(", ");
}

function imageDetail(image: ImageStatus, skipped: Skip[]): string {
  const digest =
    image.digest === undefined || image.reference.endsWith(`@${image.digest}`)
      ? ""
      : ` ${code(image.digest)}`;
  const tags = image.tags.length === 0 ? "" : ` · tags ${image.tags.map(code).join(", ")}`;
  const attested = [image.sbomAttested ? "SBOM" : "", image.provenanceAttested ? "provenance" : ""].filter(
    Boolean,
  );
  const signed = image.signed
    ? ` · signed${attested.length ? `, ${attested.join(" and ")} attested` : ""}`
    : "";
  const why = skipReason(skipped, "publish");
  const page = image.page ? ` · package: ${link(image.page)}` : "";
  const where = image.published
    ? `${tags}${signed}${page}`
    : ` · not published${why === undefined ? "" : `: ${text(why)}`}`;
  return `${code(image.reference)}${digest}${where}${factsDetail(image.facts)}`;
}

/** `heading` replaces the run's own title line, e.g. an app's inside a run of several (render-many.ts). */
export function renderCiSummary(status: CiStatus, heading?: string): string {
  const { typecheck: tc, gate, image, scan, dependencies: deps, smoke } = status;
  /** A stage that did not run: why, as the first of `stages` skipped says, else `fallback`. */
  const notRun = (name: string, fallback: string, ...stages: string[]) => {
    const why = skipReason(status.skipped, ...stages);
    return row(name, "➖ skipped", why === undefined ? fallback : text(why));
  };
  const gateFigure = gate.display === undefined ? percent(gate.coverage) : `${text(gate.display)}%`;
  const rows = [
    row("Stage", "Result", "Detail"),
    row("---", "---", "---"),
    row("Lint", verdict(status.lint.passed), lintDetail(status.lint)),
    ...(tc
      ? [
          row(
            "Type check",
            tc.mode === "report" && tc.passed && tc.errors > 0 ? "⚠️ report only" : verdict(tc.passed),
            typecheckDetail(tc),
          ),
        ]
      : []),
    ...status.tests.map((t) => row(`Tests, Python ${text(t.version)}`, testVerdict(t), testDetail(t))),
    row(
      "Coverage gate",
      verdict(gate.passed),
      `${gateFigure} combined, ${gate.threshold === 0 ? "no gate" : `${gate.threshold}% required`}: ${text(gate.message)}`,
    ),
    ...(status.diffCoverage ? [diffRow(status.diffCoverage)] : []),
    image === undefined
      ? notRun("Image", "not built", "build", "image")
      : row("Image", image.published ? "✅ published" : "➖ built", imageDetail(image, status.skipped)),
    scan === undefined
      ? notRun("Scan", "not run", "scan")
      : row(
          `Scan (${text(scan.scanner)})`,
          verdict(scan.passed),
          `${severityDetail(scan.counts)} · ${scan.failOn === undefined ? "report-only" : `fails on ${text(scan.failOn)} and above`}${dbDetail(scan.dbUpdatedAt, scan.dbAgeHours)}`,
        ),
    deps === undefined
      ? notRun("Image dependencies", "not compared", "dependencies", "build")
      : row(
          "Image dependencies",
          verdict(deps.passed),
          deps.passed
            ? `image dependencies = tested (${plural(deps.count, "distribution")}, Python ${text(deps.python)})`
            : `${plural(deps.differences.length, "difference")} from the tested environment: ${deps.differences.slice(0, 5).map(text).join("; ")}${deps.differences.length > 5 ? "; …" : ""}`,
        ),
    smoke === undefined
      ? notRun("Smoke run", "not run", "smoke")
      : row(
          "Smoke run",
          verdict(smoke.passed),
          smoke.expected === ""
            ? `${code(smoke.command)} ${smoke.passed ? "exited 0" : `failed: ${code(clip(smoke.output.trim()))}`}`
            : `${code(smoke.command)} printed ${code(clip(smoke.output.trim()))}, expected ${code(smoke.expected)}`,
        ),
  ];

  const lines = [
    heading ?? `## ${status.passed ? "✅ CI passed" : "❌ CI failed"}`,
    "",
    ...commitLine(status.branch, status.sha),
    ...rows,
    "",
    ...[
      status.services
        ? [`Services: ${status.services.map(code).join(", ")} (one instance per Python version)`]
        : [],
      failedTests(status.tests),
      coverageFiles(status.gate, status.app),
      diffLines(status.diffCoverage),
      lintFindings(status.lint),
      typecheckFindings(tc, status.app),
    ].flatMap((section) => (section.length === 0 ? [] : [...section, ""])),
    ...list("Errors", status.errors ?? []),
    ...list(
      "Skipped",
      status.skipped.map((s) => `${s.stage}: ${s.reason}`),
    ),
    ...list("Warnings", status.warnings),
    ...footer(status.runUrl),
  ];
  return `${lines.join("\n").trimEnd()}\n`;
}
