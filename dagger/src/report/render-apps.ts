/** The apps of a repository as a table: which run for a change, and why. */
import type { Affected } from "../settings/apps.js";
import { code, row, text } from "./markdown.js";

/** `changes`: where the changed files came from, or why they are not known. */
export function renderApps(
  affected: readonly Affected[],
  images: readonly string[],
  changes: string,
): string {
  if (affected.length === 0) return "No Python project found: no pyproject.toml with a [project] name.\n";
  const runs = affected.filter((a) => a.affected).length;
  const lines = [
    `${runs} of ${affected.length} apps run. Changed files: ${changes}.`,
    "",
    row("App", "Project", "Uses", "Image", "Runs", "Why"),
    row("---", "---", "---", "---", "---", "---"),
    ...affected.map(({ app, affected: yes, reason }) =>
      row(
        code(app.path),
        text(app.name),
        app.uses.length === 0 ? "nothing" : app.uses.map(code).join(", "),
        images.includes(app.path) ? "Dockerfile" : "none (tested only)",
        yes ? "yes" : "no",
        text(reason),
      ),
    ),
  ];
  return `${lines.join("\n")}\n`;
}
