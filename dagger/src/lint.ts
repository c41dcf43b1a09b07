import { type Directory, dag, type File, func, object, ReturnType } from "@dagger.io/dagger";
import { formatFinding, parseRuffFormat, parseRuffJson } from "./findings.js";
import { SRC, uvBase } from "./python.js";
import type { LintStatus } from "./report.js";
import { errorText, RUFF_VERSION } from "./settings.js";

/** Every ruff finding and every file ruff would reformat. */
@object()
export class LintResult {
  /** true when ruff check found nothing and ruff format would change nothing */
  @func() passed = false;
  /** one line per finding: file:line:col: CODE message */
  @func() findings: string[] = [];
  /** files `ruff format --check` would reformat */
  @func() unformatted: string[] = [];
  /** set when ruff itself could not run */
  @func() error = "";
  /** ruff.json (ruff check's JSON output) and ruff-format.txt */
  @func() reports!: Directory;
  /** the same findings, structured, for status.json */
  data = "";

  static of(status: LintStatus, reports: Directory): LintResult {
    return Object.assign(new LintResult(), {
      passed: status.passed,
      findings: status.findings.map(formatFinding),
      unformatted: status.unformatted,
      error: status.error ?? "",
      reports,
      data: JSON.stringify(status),
    });
  }

  /** ruff check's JSON report. */
  @func()
  report(): File {
    return this.reports.file("ruff.json");
  }

  /** A readable account: the verdict, then every finding. */
  @func()
  summary(): string {
    const lines = [this.passed ? "ruff: no findings" : "ruff: findings"];
    if (this.error) lines.push(`error: ${this.error}`);
    lines.push(...this.findings, ...this.unformatted.map((f) => `${f}: would be reformatted (ruff format)`));
    return lines.join("\n");
  }

  status(): LintStatus {
    return JSON.parse(this.data) as LintStatus;
  }
}

/** ruff check and ruff format --check, both always run, so one lint pass reports everything. */
export async function runLint(source: Directory, app: string): Promise<LintResult> {
  const root = `${SRC}/${app}`;
  const ruff = ["uv", "tool", "run", `ruff@${RUFF_VERSION}`];
  try {
    const base = uvBase().withMountedDirectory(root, source.directory(app)).withWorkdir(root);
    const check = base.withExec(
      [...ruff, "check", "--no-cache", "--output-format=json", "--exit-zero", "."],
      {
        redirectStdout: "/tmp/ruff.json",
      },
    );
    const format = base.withExec([...ruff, "format", "--no-cache", "--check", "."], {
      expect: ReturnType.Any,
    });
    const [json, formatOut, formatErr, formatExit] = await Promise.all([
      check.file("/tmp/ruff.json").contents(),
      format.stdout(),
      format.stderr(),
      format.exitCode(),
    ]);
    const findings = parseRuffJson(json, root);
    const unformatted = parseRuffFormat(`${formatOut}\n${formatErr}`, root);
    // Exit 1 with no file named means ruff format itself failed (a syntax error, a bad config).
    const formatError =
      formatExit > 1 || (formatExit === 1 && unformatted.length === 0)
        ? `ruff format failed (exit ${formatExit}): ${formatErr.trim().split("\n").slice(-3).join(" ")}`
        : undefined;
    const status: LintStatus = {
      passed: findings.length === 0 && unformatted.length === 0 && formatError === undefined,
      findings,
      unformatted,
      ...(formatError ? { error: formatError } : {}),
    };
    const reports = dag
      .directory()
      .withNewFile("ruff.json", json)
      .withNewFile("ruff-format.txt", `${formatOut}${formatErr}`);
    return LintResult.of(status, reports);
  } catch (err) {
    const status: LintStatus = { passed: false, findings: [], unformatted: [], error: errorText(err) };
    return LintResult.of(status, dag.directory().withNewFile("ruff-error.txt", errorText(err)));
  }
}
