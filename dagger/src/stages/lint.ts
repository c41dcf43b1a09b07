import { type Container, type Directory, dag, ReturnType } from "@dagger.io/dagger";
import { formatFinding, parseRuffFormatJson, parseRuffJson } from "../report/ruff.js";
import type { LintStatus } from "../report/types.js";
import { errorText, lastLines } from "../settings/errors.js";
import { RUFF_VERSION } from "../settings/pins.js";
import { appDir, uvBase, withProject } from "./python.js";

/** The lint stage as plain data: the verdict and ruff's own reports. */
export type LintRun = { status: LintStatus; reports: Directory };

/**
 * ruff installed into the container's own filesystem, in an exec of its own: a failed download is an exec
 * error (never cached, named as such) instead of an accepted non-zero exit of a later command that the
 * engine would persist and replay. The installed binary needs nothing from the cache volumes afterwards.
 */
export const RUFF = "/opt/ruff/bin/ruff";

/**
 * The pinned ruff in its own layer, the app folder made the workdir; a workspace member's root is mounted
 * around it (`root`), so ruff finds the workspace's configuration above the member as it does in a checkout.
 */
export function ruffBase(source: Directory, app: string, root: string = app): Container {
  return withProject(
    uvBase()
      .withEnvVariable("UV_TOOL_DIR", "/opt/ruff/tools")
      .withEnvVariable("UV_TOOL_BIN_DIR", "/opt/ruff/bin")
      // The base image's Python, not a managed one from the shared volume: the tool lives in this layer alone.
      .withEnvVariable("UV_PYTHON_PREFERENCE", "only-system")
      .withExec(["uv", "tool", "install", `ruff@${RUFF_VERSION}`]),
    source,
    app,
    root,
  );
}

/**
 * ruff check and ruff format --check, both always run, so one lint pass reports everything. Both speak JSON:
 * since ruff 0.16, `format --check` reports unformatted files as diagnostics (code `unformatted`) instead of
 * `Would reformat: <path>` lines, and `--output-format=json` is the stable way to read them.
 */
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
    // A file ruff cannot parse is a finding of `check` already; format names it again: keep one.
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

/**
 * `ruff format --check` exits 0 (nothing to do), 1 (files to reformat) or 2 (ruff failed: bad config, a
 * crash). Exit 1 naming no file is a failure too: never a pass.
 */
export function formatFailure(exit: number, unformatted: number, stderr: string): string | undefined {
  if (exit === 0 || (exit === 1 && unformatted > 0)) return undefined;
  const why = lastLines(stderr, 3).replaceAll("\n", " ");
  return `ruff format failed (exit ${exit})${why ? `: ${why}` : ""}`;
}
