import { type Container, type Directory, dag, ReturnType } from "@dagger.io/dagger";
import { formatFinding, parseRuffFormatJson, parseRuffJson } from "../report/ruff.js";
import type { LintStatus } from "../report/types.js";
import { errorText, lastLines } from "../settings/errors.js";
import { RUFF_VERSION } from "../settings/pins.js";
import { appDir, uvBase, withProject } from "./python.js";

export type LintRun = { status: LintStatus; reports: Directory };

/** Installed in an exec of its own: a failed download is an uncached exec error, not a replayed exit code. */
export const RUFF = "/opt/ruff/bin/ruff";

/** A member's workspace root is mounted around it, so ruff finds the workspace's config as in a checkout. */
export function ruffBase(source: Directory, app: string, root: string = app): Container {
  return withProject(
    uvBase()
      .withEnvVariable("UV_TOOL_DIR", "/opt/ruff/tools")
      .withEnvVariable("UV_TOOL_BIN_DIR", "/opt/ruff/bin")
      // the system Python: the tool must live in this layer alone, not in the shared volume
      .withEnvVariable("UV_PYTHON_PREFERENCE", "only-system")
      .withExec(["uv", "tool", "install", `ruff@${RUFF_VERSION}`]),
    source,
    app,
    root,
  );
}

/** Both always run, so one pass reports everything; both as JSON (docs/engine-notes.md: ruff). */
export async function runLint(source: Directory, app: string, workspace: string = app): Promise<LintRun> {
  const root = appDir(app);
  try {
    const base = ruffBase(source, app, workspace);
    const check = base.withExec([RUFF, "check", "--no-cache", "--output-format=json", "--exit-zero", "."], {
      redirectStdout: "/tmp/ruff.json",
    });
    const format = base.withExec([RUFF, "format", "--no-cache", "--check", "--output-format=json", "."], {
      expect: ReturnType.Any,
    });
    const [json, formatOut, formatErr, formatExit] = await Promise.all([
      check.file("/tmp/ruff.json").contents(),
      format.stdout(),
      format.stderr(),
      format.exitCode(),
    ]);
    const findings = parseRuffJson(json, root);
    const formatted = parseRuffFormatJson(formatOut, root);
    const formatError = formatFailure(formatExit, formatted.unformatted.length, formatErr);
    // a file ruff cannot parse is reported by both: keep one
    const seen = new Set(findings.map(formatFinding));
    const all = [...findings, ...formatted.other.filter((f) => !seen.has(formatFinding(f)))];
    const status: LintStatus = {
      passed: all.length === 0 && formatted.unformatted.length === 0 && formatError === undefined,
      findings: all,
      unformatted: formatted.unformatted,
      ...(formatError ? { error: formatError } : {}),
    };
    const reports = dag
      .directory()
      .withNewFile("ruff.json", json)
      .withNewFile("ruff-format.json", formatOut)
      .withNewFile("ruff-format.txt", formatErr);
    return { status, reports };
  } catch (err) {
    const status: LintStatus = { passed: false, findings: [], unformatted: [], error: errorText(err) };
    return { status, reports: dag.directory().withNewFile("ruff-error.txt", errorText(err)) };
  }
}

/** Exit 1 naming no file is a failure too, never a pass (docs/engine-notes.md: ruff). */
export function formatFailure(exit: number, unformatted: number, stderr: string): string | undefined {
  if (exit === 0 || (exit === 1 && unformatted > 0)) return undefined;
  const why = lastLines(stderr, 3).replaceAll("\n", " ");
  return `ruff format failed (exit ${exit})${why ? `: ${why}` : ""}`;
}
