/** The CD comment's body and the Deployment's summary; pure, like render.ts. */
import { clip, code, footer, list, row, shortSha, text, verdict } from "./markdown.js";
import type { DeployStatus } from "./types.js";

/** Marks the pipeline's deploy comment on a pull request. */
export const CD_MARKER = "<!-- pipeline:cd -->";

export function renderDeploySummary(status: DeployStatus): string {
  const heading = status.passed
    ? `## ✅ Verified and smoke-tested for ${text(status.environment)}`
    : `## ❌ Deploy to ${text(status.environment)} failed`;
  const output = clip(status.output.trim());
  const matched = status.output.trim() === status.expected.trim();
  // no expected output: the exit status was the test, and the output is shown as it came
  const compared = status.expected === "" ? "" : ` ${matched ? "(matches)" : "(differs)"}`;
  const rows = [
    row("Deploy", ""),
    row("---", "---"),
    row("Environment", text(status.environment)),
    status.release ? row("Release", code(status.release)) : row("Branch", code(status.branch)),
    ...(status.sha === undefined || status.sha === "" ? [] : [row("Commit", code(shortSha(status.sha)))]),
    row("Image", code(status.image)),
    row("Digest", status.digest === undefined ? "n/a" : code(status.digest)),
    ...(status.signature === undefined ? [] : [row("Signature", text(status.signature))]),
    ...(status.revision === undefined ? [] : [row("Revision label", code(status.revision || "(none)"))]),
    row("Command", code(status.command)),
    row(
      "Expected output",
      status.expected === "" ? "none: exit status 0 is the test" : code(status.expected),
    ),
    row("Actual output", `${code(output)}${compared}`),
    row("Status", verdict(status.passed)),
  ];
  const lines = [heading, "", ...rows, "", ...list("Warnings", status.warnings), ...footer(status.runUrl)];
  return `${lines.join("\n").trimEnd()}\n`;
}
