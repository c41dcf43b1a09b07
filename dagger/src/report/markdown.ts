/**
 * Markdown building blocks shared by the summaries. Everything that comes from a report (test names, ruff
 * messages, command output, branch names) goes through {@link text} or {@link code}: it cannot end a table
 * cell, open HTML, start a code span or emphasis, or mention someone.
 */

/** Markdown punctuation and HTML made inert; one line. Shared by {@link text} and {@link code}. */
export function inert(value: string): string {
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

export function clip(value: string, max: number): string {
  return value.length <= max ? value : `${value.slice(0, max)}… (${value.length - max} more characters)`;
}

export const PASS = "✅ pass";
export const FAIL = "❌ fail";

export function verdict(passed: boolean): string {
  return passed ? PASS : FAIL;
}

export function percent(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? "n/a" : `${value.toFixed(1)}%`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

export function row(...cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}

/** `<https://…>` for a plausible http(s) URL, else the escaped text (a hostile "URL" cannot become a link). */
export function link(url: string): string {
  return /^https?:\/\/[^\s<>"'`\\|]+$/.test(url) ? `<${url}>` : text(url);
}

export function list(title: string, items: string[]): string[] {
  return items.length === 0 ? [] : [`### ${title}`, "", ...items.map((i) => `- ${text(i)}`), ""];
}

export function footer(runUrl: string | undefined): string[] {
  return runUrl === undefined || runUrl === "" ? [] : [`Run and artifacts: ${link(runUrl)}`, ""];
}

export function shortSha(sha: string): string {
  return /^[0-9a-f]{40}$/i.test(sha) ? sha.slice(0, 7).toLowerCase() : sha;
}

export function commitLine(branch: string | undefined, sha: string | undefined): string[] {
  const parts: string[] = [];
  if (branch !== undefined && branch !== "") parts.push(`Branch ${code(branch)}`);
  if (sha !== undefined && sha !== "") parts.push(`commit ${code(shortSha(sha))}`);
  return parts.length === 0 ? [] : [parts.join(" · "), ""];
}

/** The CI run as markdown: verdict, one table row per stage, lint findings, what was skipped, warnings. */
