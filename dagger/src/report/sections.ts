/** The summary's lists; every report text goes through text() or code(). */
import { formatBytes } from "./image.js";
import { clip, code, plural, row, text, verdict } from "./markdown.js";
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
  const byTest = failuresByTest(tests);
  if (byTest.size === 0) return [];
  const lines = ["### Failed tests", ""];
  for (const [test, { versions, message }] of [...byTest].slice(0, MAX_FAILED_TESTS)) {
    const why = message === "" ? "" : `: ${text(clip(message, 200))}`;
    lines.push(`- ${code(test)} (${versions.map(text).join(", ")})${why}`);
  }
  if (byTest.size > MAX_FAILED_TESTS) {
    lines.push(`- … and ${byTest.size - MAX_FAILED_TESTS} more in the junit reports (artifacts)`);
  }
  return [...lines, ""];
}

/** Folded: the complete table is coverage.txt in the reports. */
export function coverageFiles(gate: CiStatus["gate"], app: string | undefined): string[] {
  const files = gate.leastCovered ?? [];
  if (files.length === 0) return [];
  const prefix = app && app !== "." ? `${app}/` : "";
  return [
    `<details><summary>Least-covered files (${files.length})</summary>`,
    "",
    row("File", "Coverage", "Missing lines"),
    row("---", "---", "---"),
    ...files.map((f) =>
      row(code(`${prefix}${f.file}`), `${text(f.display)}%`, f.missing ? text(f.missing) : "branches only"),
    ),
    "",
    "All files: coverage.txt in the reports.",
    "",
    "</details>",
    "",
  ];
}

export function lintFindings(lint: LintStatus): string[] {
  if (lint.findings.length === 0 && lint.unformatted.length === 0) return [];
  const lines = [`<details><summary>Lint findings (${lint.findings.length})</summary>`, ""];
  for (const f of lint.findings.slice(0, MAX_FINDINGS)) {
    lines.push(`- ${code(`${f.file}:${f.line}:${f.column}`)} ${code(f.code)} ${text(f.message)}`);
  }
  if (lint.findings.length > MAX_FINDINGS) {
    lines.push(`- … and ${lint.findings.length - MAX_FINDINGS} more in the ruff report (artifacts)`);
  }
  if (lint.unformatted.length > 0) {
    lines.push("", "Files `ruff format` would reformat:", "");
    for (const file of lint.unformatted.slice(0, MAX_FINDINGS)) lines.push(`- ${code(file)}`);
    if (lint.unformatted.length > MAX_FINDINGS) {
      lines.push(`- … and ${lint.unformatted.length - MAX_FINDINGS} more`);
    }
  }
  lines.push("", "</details>");
  return lines;
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
  const shown = entries.slice(0, MAX_DIFF_FILES);
  if (entries.length > MAX_DIFF_FILES) {
    shown.push(`- … and ${entries.length - MAX_DIFF_FILES} more in status.json (diffCoverage)`);
  }
  const parts = [
    ...(diff.uncovered.length > 0
      ? [`changed lines not covered (${plural(diff.uncovered.length, "file")})`]
      : []),
    ...(diff.notMeasured.length > 0 ? [`files not measured (${diff.notMeasured.length})`] : []),
  ].join(" and ");
  const title = `${parts.charAt(0).toUpperCase()}${parts.slice(1)}`;
  if (entries.length <= OPEN_DIFF_FILES) return [`### ${title}`, "", ...shown, ""];
  return [`<details><summary>${title}</summary>`, "", ...shown, "", "</details>", ""];
}
