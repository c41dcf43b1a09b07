import { type Directory, dag, type float, func, object } from "@dagger.io/dagger";
import { decideGate, parseCoverageXml } from "./coverage.js";
import { pythonEnv, UV_SYNC } from "./python.js";
import type { GateStatus } from "./report.js";
import { errorText, versionSlug } from "./settings.js";
import { brokenResult, runTests, type TestResult } from "./tests.js";

/** The whole matrix: every version's result, the combined coverage and the gate's verdict on it. */
@object()
export class MatrixResult {
  /** one result per Python version, in the order asked */
  @func() results: TestResult[] = [];
  /** combined coverage percent across versions; -1 when no version produced coverage data */
  @func() coverage: float = -1;
  /** the combined figure meets the threshold */
  @func() gatePassed = false;
  /** the gate's verdict, with the figure and the threshold */
  @func() gateMessage = "";
  /** every version's junit/coverage files plus the combined coverage.xml, .coverage and coverage.txt */
  @func() reports!: Directory;
  /** the gate as data, for status.json */
  gateData = "";

  /** true when every version passed and the gate passed */
  @func()
  passed(): boolean {
    return this.gatePassed && this.results.every((r) => r.passed);
  }

  static of(results: TestResult[], gate: GateStatus, reports: Directory): MatrixResult {
    return Object.assign(new MatrixResult(), {
      results,
      coverage: gate.coverage ?? -1,
      gatePassed: gate.passed,
      gateMessage: gate.message,
      reports,
      gateData: JSON.stringify(gate),
    });
  }

  gate(): GateStatus {
    return JSON.parse(this.gateData) as GateStatus;
  }
}

/**
 * The Python that combines the matrix's data: the newest GIL build that produced data (its coverage.py reads
 * every 7.x data file), else whatever did.
 */
export function combiningVersion(versions: string[]): string | undefined {
  const gil = versions.filter((v) => !v.endsWith("t"));
  return gil.at(-1) ?? versions.at(-1);
}

/**
 * `coverage combine` over every version's data file, then one coverage.xml and a text report. Paths match
 * across versions because the app's coverage config sets relative_files. Undefined when no version left data.
 */
export async function combineCoverage(
  source: Directory,
  app: string,
  results: TestResult[],
): Promise<{ percent: number; reports: Directory } | undefined> {
  const withData: TestResult[] = [];
  for (const r of results) {
    const names = await r.reports.entries().catch(() => [] as string[]);
    if (names.includes(`.coverage.${versionSlug(r.version)}`)) withData.push(r);
  }
  const version = combiningVersion(withData.map((r) => r.version));
  if (version === undefined) return undefined;

  let ctr = pythonEnv(source, app, version);
  for (const r of withData) {
    const name = `.coverage.${versionSlug(r.version)}`;
    ctr = ctr.withFile(`/combine/${name}`, r.reports.file(name));
  }
  ctr = ctr.withEnvVariable("COVERAGE_FILE", "/combine/.coverage").withExec(["sh", "-c", combineScript()]);
  const reports = ctr
    .directory("/combine")
    .withoutFiles(withData.map((r) => `.coverage.${versionSlug(r.version)}`));
  const percent = parseCoverageXml(
    await reports.file("coverage.xml").contents(),
    "combined coverage.xml",
  ).percent;
  return { percent, reports };
}

/**
 * Sync and combine in ONE exec: a venv synced by an earlier, cached exec may point at an interpreter that the
 * shared `pipeline-uv-python` volume no longer holds after pruning; uv would then recreate an empty venv and
 * `--no-sync` would find no coverage. Every report is written with fail_under off: the gate is ours.
 */
export function combineScript(): string {
  const coverage = "uv run --no-sync coverage";
  return [
    "set -eu",
    UV_SYNC,
    `${coverage} combine --keep /combine`,
    `${coverage} xml -o /combine/coverage.xml --fail-under=0`,
    `${coverage} report --fail-under=0 > /combine/coverage.txt`,
  ].join("\n");
}

/** Runs the matrix concurrently; a version that breaks in an unexpected way still reports, as failed. */
async function runAll(source: Directory, app: string, versions: string[]): Promise<TestResult[]> {
  const settled = await Promise.allSettled(versions.map((v) => runTests(source, app, v)));
  return settled.map((s, i) =>
    s.status === "fulfilled"
      ? s.value
      : brokenResult(
          versions[i] as string,
          `the test container failed: ${errorText(s.reason)}`,
          "",
          dag.directory(),
        ),
  );
}

/**
 * The matrix, then the gate on the combined figure. A combine that breaks leaves the gate without data,
 * which fails it, saying so; the per-version results still stand.
 */
export async function runMatrix(
  source: Directory,
  app: string,
  versions: string[],
  threshold: number,
): Promise<{ result: MatrixResult; warnings: string[] }> {
  const results = await runAll(source, app, versions);
  const warnings: string[] = [];
  const combined = await combineCoverage(source, app, results).catch((err: unknown) => {
    warnings.push(`coverage combine failed: ${errorText(err)}`);
    return undefined;
  });
  let reports = dag.directory();
  for (const r of results) reports = reports.withDirectory(".", r.reports, { exclude: ["sync.log"] });
  if (combined) reports = reports.withDirectory(".", combined.reports);
  return { result: MatrixResult.of(results, decideGate(combined?.percent, threshold), reports), warnings };
}
