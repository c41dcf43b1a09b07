/**
 * Markdown for people: the CI summary (summary.md, the job summary and the CI pull-request comment) and the
 * deploy summary (the CD comment). Pure and deterministic: the same status renders byte for byte the same.
 *
 * Everything that comes from a report (test names, ruff messages, command output, branch names) goes through
 * {@link text}: it cannot end a table cell, open HTML, start a code span or emphasis, or mention someone.
 */
import type { CiStatus, DeployStatus, LintStatus, SeverityCounts, VersionStatus } from "./report.js";

/** Marks the pipeline's CI comment on a pull request (see upsertComment). */
export const CI_MARKER = "<!-- pipeline:ci -->";
/** Marks the pipeline's deploy comment on a pull request. */
export const CD_MARKER = "<!-- pipeline:cd -->";

/** How many ruff findings (and unformatted files) the summary lists; the full list is in the artifacts. */
const MAX_FINDINGS = 10;
/** Command output longer than this is cut in the summary (the full text is in the reports). */
const MAX_OUTPUT = 500;

/** Markdown punctuation and HTML made inert; one line. Shared by {@link text} and {@link code}. */
function inert(value: string): string {
  return value
    .replace(/\r\n?|\n/g, " ")
    .replace(/[\\`*_[\]~#]/g, "\\$&")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "&#124;");
}

/**
 * Report text made inert for a table cell or list item: one line; `&`, `<`, `>` and `|` as entities (no HTML,
 * no cell break); markdown punctuation backslash-escaped (no code span, emphasis, link or heading); a leading
 * list marker escaped; `@name` broken by a zero-width space so nobody is mentioned.
 */
export function text(value: string): string {
  return inert(value)
    .replace(/(?<![A-Za-z0-9])@(?=[A-Za-z0-9])/g, "@&#8203;")
    .replace(/^(\s*)([-+])(?=\s|$)/, "$1\\$2")
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, "$1\\$2");
}

/**
 * Report text as inline code: `<code>` rather than backticks, so `|` and backticks in it are harmless. GitHub
 * does not turn `@name` inside code into a mention, so the text stays exact for copy and paste.
 */
export function code(value: string): string {
  return value === "" ? "<em>(empty)</em>" : `<code>${inert(value)}</code>`;
}

function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length - max} more characters)`;
}

const PASS = "✅ pass";
const FAIL = "❌ fail";

function verdict(passed: boolean): string {
  return passed ? PASS : FAIL;
}

function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "n/a" : `${value.toFixed(1)}%`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function row(...cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** `<https://…>` for a plausible http(s) URL, else the escaped text (a hostile "URL" cannot become a link). */
function link(url: string): string {
  return /^https?:\/\/[^\s<>"'`\\|]+$/.test(url) ? `<${url}>` : text(url);
}

/** The reason recorded in `skipped` for a stage, e.g. "publish: no --github-token given" -> its reason. */
function skipReason(skipped: string[], ...stages: string[]): string | undefined {
  for (const entry of skipped) {
    const colon = entry.indexOf(":");
    if (colon > 0 && stages.includes(entry.slice(0, colon).trim().toLowerCase())) {
      return entry.slice(colon + 1).trim();
    }
  }
  return undefined;
}

function lintDetail(lint: LintStatus): string {
  if (lint.error !== undefined) return `ruff could not run: ${text(clip(lint.error, MAX_OUTPUT))}`;
  return `${plural(lint.findings.length, "finding")}, ${plural(lint.unformatted.length, "file")} to reformat`;
}

function interpreter(t: VersionStatus): string {
  if (t.python === undefined) return "";
  const gil = t.gil === undefined ? "" : t.gil ? ", GIL on" : ", GIL off";
  return ` · CPython ${text(t.python)}${gil}`;
}

function testDetail(t: VersionStatus): string {
  const counts = `${plural(t.tests, "test")}, ${plural(t.failures, "failure")}, ${plural(t.errors, "error")}, ${t.skipped} skipped`;
  const coverage = t.coverage === undefined ? "" : ` · coverage ${percent(t.coverage)}`;
  const error = t.error === undefined ? "" : ` · ${text(clip(t.error, MAX_OUTPUT))}`;
  return `${counts}${coverage}${interpreter(t)}${error}`;
}

function testVerdict(t: VersionStatus): string {
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
  const order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN"] as const;
  return order.map((s) => `${counts[s]} ${s.toLowerCase()}`).join(", ");
}

function lintFindings(lint: LintStatus): string[] {
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

function list(title: string, items: string[]): string[] {
  return items.length === 0 ? [] : [`### ${title}`, "", ...items.map((i) => `- ${text(i)}`), ""];
}

function footer(runUrl: string | undefined): string[] {
  return runUrl === undefined || runUrl === "" ? [] : [`Run and artifacts: ${link(runUrl)}`, ""];
}

function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 7).toLowerCase() : sha;
}

function commitLine(branch: string | undefined, sha: string | undefined): string[] {
  const parts: string[] = [];
  if (branch !== undefined && branch !== "") parts.push(`Branch ${code(branch)}`);
  if (sha !== undefined && sha !== "") parts.push(`commit ${code(shortSha(sha))}`);
  return parts.length === 0 ? [] : [parts.join(" · "), ""];
}

/** The CI run as markdown: verdict, one table row per stage, lint findings, what was skipped, warnings. */
export function renderCiSummary(status: CiStatus): string {
  const rows = [row("Stage", "Result", "Detail"), row("---", "---", "---")];
  rows.push(row("Lint", verdict(status.lint.passed), lintDetail(status.lint)));
  for (const t of status.tests) {
    rows.push(row(`Tests, Python ${text(t.version)}`, testVerdict(t), testDetail(t)));
  }
  const gate = status.gate;
  rows.push(
    row(
      "Coverage gate",
      verdict(gate.passed),
      `${percent(gate.coverage)} combined, ${gate.threshold}% required: ${text(gate.message)}`,
    ),
  );

  const image = status.image;
  if (image === undefined) {
    const why = skipReason(status.skipped, "build", "image");
    rows.push(row("Image", "➖ skipped", why === undefined ? "not built" : text(why)));
  } else {
    const digest =
      image.digest === undefined || image.reference.endsWith(`@${image.digest}`)
        ? ""
        : ` ${code(image.digest)}`;
    const tags = image.tags.length === 0 ? "" : ` · tags ${image.tags.map(code).join(", ")}`;
    if (image.published) {
      rows.push(row("Image", "✅ published", `${code(image.reference)}${digest}${tags}`));
    } else {
      const why = skipReason(status.skipped, "publish", "push");
      const reason = why === undefined ? "" : `: ${text(why)}`;
      rows.push(row("Image", "➖ built", `${code(image.reference)}${digest} · not published${reason}`));
    }
  }

  const scan = status.scan;
  if (scan === undefined) {
    const why = skipReason(status.skipped, "scan");
    rows.push(row("Scan", "➖ skipped", why === undefined ? "not run" : text(why)));
  } else {
    const policy = scan.failOn === undefined ? "report-only" : `fails on ${text(scan.failOn)} and above`;
    rows.push(
      row(
        `Scan (${text(scan.scanner)})`,
        verdict(scan.passed),
        `${severityDetail(scan.counts)} · ${policy}${dbDetail(scan.dbUpdatedAt, scan.dbAgeHours)}`,
      ),
    );
  }

  const smoke = status.smoke;
  if (smoke === undefined) {
    const why = skipReason(status.skipped, "smoke");
    rows.push(row("Smoke run", "➖ skipped", why === undefined ? "not run" : text(why)));
  } else {
    rows.push(
      row(
        "Smoke run",
        verdict(smoke.passed),
        `${code(smoke.command)} printed ${code(clip(smoke.output.trim(), MAX_OUTPUT))}, expected ${code(smoke.expected)}`,
      ),
    );
  }

  const lines = [
    `## ${status.passed ? "✅ CI passed" : "❌ CI failed"}`,
    "",
    ...commitLine(status.branch, status.sha),
    ...rows,
    "",
    ...lintFindings(status.lint),
    ...(status.lint.findings.length + status.lint.unformatted.length > 0 ? [""] : []),
    ...list("Errors", status.errors ?? []),
    ...list("Skipped", status.skipped),
    ...list("Warnings", status.warnings),
    ...footer(status.runUrl),
  ];
  return `${lines.join("\n").trimEnd()}\n`;
}

/** The deploy as markdown: where, which image, what ran, what it printed against what was expected. */
export function renderDeploySummary(status: DeployStatus): string {
  const heading = status.passed
    ? `## ✅ Deployed to ${text(status.environment)}`
    : `## ❌ Deploy to ${text(status.environment)} failed`;
  const output = clip(status.output.trim(), MAX_OUTPUT);
  const matched = status.output.trim() === status.expected.trim();
  const rows = [
    row("Deploy", ""),
    row("---", "---"),
    row("Environment", text(status.environment)),
    row("Branch", code(status.branch)),
    ...(status.sha === undefined || status.sha === "" ? [] : [row("Commit", code(shortSha(status.sha)))]),
    row("Image", code(status.image)),
    row("Digest", status.digest === undefined ? "n/a" : code(status.digest)),
    ...(status.signature === undefined ? [] : [row("Signature", text(status.signature))]),
    ...(status.revision === undefined ? [] : [row("Revision label", code(status.revision || "(none)"))]),
    row("Command", code(status.command)),
    row("Expected output", code(status.expected)),
    row("Actual output", `${code(output)} ${matched ? "(matches)" : "(differs)"}`),
    row("Status", verdict(status.passed)),
  ];
  const lines = [heading, "", ...rows, "", ...list("Warnings", status.warnings), ...footer(status.runUrl)];
  return `${lines.join("\n").trimEnd()}\n`;
}
