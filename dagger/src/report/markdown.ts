/** Report text goes through {@link text} or {@link code}: it cannot break a table, open HTML or mention. */

export function inert(value: string): string {
  return value
    .replace(/\r\n?|\n/g, " ")
    .replace(/[\\`*_[\]~#]/g, "\\$&")
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/\|/g, "&#124;");
}

/** A zero-width space after `@` so nobody is mentioned; a leading list marker escaped. */
export function text(value: string): string {
  return inert(value)
    .replace(/(?<![A-Za-z0-9])@(?=[A-Za-z0-9])/g, "@&#8203;")
    .replace(/^(\s*)([-+])(?=\s|$)/, "$1\\$2")
    .replace(/^(\s*\d+)([.)])(?=\s|$)/, "$1\\$2");
}

/** `<code>`, not backticks, so `|` and backticks are harmless; GitHub mentions nobody inside it. */
export function code(value: string): string {
  return value === "" ? "<em>(empty)</em>" : `<code>${inert(value)}</code>`;
}

/** Longer report text is cut at `max`: the full text is in the reports. */
export function clip(value: string, max = 500): string {
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

/** A hostile "URL" cannot become a link. */
export function link(url: string): string {
  return /^https?:\/\/[^\s<>"'`\\|]+$/.test(url) ? `<${url}>` : text(url);
}

export function list(title: string, items: string[]): string[] {
  return items.length === 0 ? [] : [`### ${title}`, "", ...items.map((i) => `- ${text(i)}`), ""];
}

/** The first `max` items, then how many more there are and `where`. */
export function capped(items: string[], max: number, where = ""): string[] {
  return items.length <= max ? items : [...items.slice(0, max), `- … and ${items.length - max} more${where}`];
}

/** Folded: the reader opens it. */
export function details(summary: string, lines: string[]): string[] {
  return [`<details><summary>${summary}</summary>`, "", ...lines, "", "</details>"];
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
