/** The summary's lists; every report text goes through text() or code(). */
import { formatBytes } from "./image.js";
import { capped, clip, code, details, plural, row, text, verdict } from "./markdown.js";
import type { CiStatus, DiffCoverageStatus, ImageFacts, LintStatus, VersionStatus } from "./types.js";

/** The full list is in the artifacts. */
const MAX_FINDINGS = 10;

export function factsDetail(facts: ImageFacts | undefined): string {
  if (facts === undefined) return "";
  const layers = facts.layers === undefined ? "" : `, ${plural(facts.layers, "layer")}`;
  const user = facts.nonRoot
    ? `user ${code(facts.user)}`
    : `⚠️ runs as root (${code(facts.user || "(none)")})`;
  const base = facts.base === undefined ? "" : ` · base ${code(facts.base)}`;
  return ` · ${formatBytes(facts.sizeBytes)}${layers} · ${user}${base}`;
}

/** Every one is in the junit reports. */
const MAX_FAILED_TESTS = 10;

/** A test failing on all six versions is one entry, with the first version's message. */
export function failuresByTest(
  tests: readonly VersionStatus[],
): Map<string, { versions: string[]; message: string }> {
  const byTest = new Map<string, { versions: string[]; message: string }>();
  for (const t of tests) {
    for (const f of t.failedTests ?? []) {
      const seen = byTest.get(f.test);
      if (seen) seen.versions.push(t.version);
      else byTest.set(f.test, { versions: [t.version], message: f.message });
    }
  }
  return byTest;
}

export function failedTests(tests: VersionStatus[]): string[] {
  const lines = [...failuresByTest(tests)].map(
    ([test, { versions, message }]) =>
      `- ${code(test)} (${versions.map(text).join(", ")})${message === "" ? "" : `: ${text(clip(message, 200))}`}`,
  );
  if (lines.length === 0) return [];
  return ["### Failed tests", "", ...capped(lines, MAX_FAILED_TESTS, " in the junit reports (artifacts)")];
}

/** Folded: the complete table is coverage.txt in the reports. */
export function coverageFiles(gate: CiStatus["gate"], app: string | undefined): string[] {
  const files = gate.leastCovered ?? [];
  if (files.length === 0) return [];
  const prefix = app && app !== "." ? `${app}/` : "";
  return details(`Least-covered files (${files.length})`, [
    row("File", "Coverage", "Missing lines"),
    row("---", "---", "---"),
    ...files.map((f) =>
      row(code(`${prefix}${f.file}`), `${text(f.display)}%`, f.missing ? text(f.missing) : "branches only"),
    ),
    "",
    "All files: coverage.txt in the reports.",
  ]);
}

export function lintFindings(lint: LintStatus): string[] {
  if (lint.findings.length === 0 && lint.unformatted.length === 0) return [];
  const findings = lint.findings.map(
    (f) => `- ${code(`${f.file}:${f.line}:${f.column}`)} ${code(f.code)} ${text(f.message)}`,
  );
  const unformatted = lint.unformatted.map((file) => `- ${code(file)}`);
  return details(`Lint findings (${lint.findings.length})`, [
    ...capped(findings, MAX_FINDINGS, " in the ruff report (artifacts)"),
    ...(unformatted.length === 0
      ? []
      : ["", "Files `ruff format` would reformat:", "", ...capped(unformatted, MAX_FINDINGS)]),
  ]);
}

/** Every one is in status.json (diffCoverage). */
const MAX_DIFF_FILES = 30;
/** Longer lists are folded. */
const OPEN_DIFF_FILES = 3;

export function diffRow(diff: DiffCoverageStatus): string {
  const pr = diff.pullRequest === undefined ? "" : ` in PR #${diff.pullRequest}`;
  const policy = diff.threshold === undefined ? "report-only" : `${diff.threshold}% required`;
  const notes = [
    ...(diff.notMeasured.length > 0 ? [`${plural(diff.notMeasured.length, "file")} not measured`] : []),
    ...(diff.skipped > 0 ? [`${plural(diff.skipped, "file")} without a changed executable line`] : []),
    ...(diff.truncated ? ["only the first 3000 files: GitHub lists no more"] : []),
  ].map((n) => ` · ${n}`);
  if (diff.coverage === undefined || diff.display === undefined) {
    const applied = diff.threshold === undefined ? "" : ` · --diff-threshold ${diff.threshold}% not applied`;
    return row(
      "Changed lines",
      "➖ no figure",
      `${text(diff.reason ?? "not measured")}${pr}${applied}${notes.join("")}`,
    );
  }
  return row(
    "Changed lines",
    verdict(diff.passed),
    `${diff.display}% of the changed executable lines covered (${diff.covered} of ${diff.lines})${pr} · ${policy}${notes.join("")}`,
  );
}

export function diffLines(diff: DiffCoverageStatus | undefined): string[] {
  if (diff === undefined) return [];
  const entries = [
    ...diff.uncovered.map((u) => `- ${code(`${u.file}:${clip(u.lines, 300)}`)}`),
    ...diff.notMeasured.map((n) => `- ${code(n.file)} not measured: ${text(n.reason)}`),
  ];
  if (entries.length === 0) return [];
  const shown = capped(entries, MAX_DIFF_FILES, " in status.json (diffCoverage)");
  const parts = [
    ...(diff.uncovered.length > 0
      ? [`changed lines not covered (${plural(diff.uncovered.length, "file")})`]
      : []),
    ...(diff.notMeasured.length > 0 ? [`files not measured (${diff.notMeasured.length})`] : []),
  ].join(" and ");
  const title = `${parts.charAt(0).toUpperCase()}${parts.slice(1)}`;
  return entries.length <= OPEN_DIFF_FILES ? [`### ${title}`, "", ...shown] : details(title, shown);
}
