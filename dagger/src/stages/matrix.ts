import { type Directory, dag } from "@dagger.io/dagger";
import { type CoverageVerdict, coverageGate, leastCovered, parseCoverageJson } from "../report/coverage.js";
import { brokenStatus } from "../report/pytest.js";
import type { GateStatus } from "../report/types.js";
import { errorText } from "../settings/errors.js";
import type { ServiceSpec } from "../settings/services.js";
import { versionSlug } from "../settings/validate.js";
import { DEFAULT_SYNC, pythonEnv, type SyncSpec, type TestEnv, withScript } from "./python.js";
import { runTests, type VersionRun } from "./tests.js";

/** The matrix as plain data: every version's run, the gate on the combined figure, and every report. */
export type MatrixRun = { runs: VersionRun[]; gate: GateStatus; reports: Directory; warnings: string[] };

/** The newest GIL build that left data (its coverage.py reads every 7.x data file), else whatever did. */
export function combiningVersion(versions: string[]): string | undefined {
  const gil = versions.filter((v) => !v.endsWith("t"));
  return gil.at(-1) ?? versions.at(-1);
}

/** dagger/scripts/combine.sh over every version's data file; undefined when no version left any. */
export async function combineCoverage(
  source: Directory,
  app: string,
  runs: VersionRun[],
  sync: SyncSpec = DEFAULT_SYNC,
  threshold: number | undefined = undefined,
): Promise<(CoverageVerdict & { reports: Directory }) | undefined> {
  const dataFile = (r: VersionRun) => `.coverage.${versionSlug(r.status.version)}`;
  // a leg whose reports cannot be listed is left out; the others still combine
  const names = await Promise.all(runs.map((r) => r.reports.entries().catch(() => undefined)));
  const withData = runs.filter((r, i) => names[i]?.includes(dataFile(r)));
  const version = combiningVersion(withData.map((r) => r.status.version));
  if (version === undefined) return undefined;

  let ctr = pythonEnv(source, app, version, sync);
  for (const r of withData) ctr = ctr.withFile(`/combine/${dataFile(r)}`, r.reports.file(dataFile(r)));
  ctr = ctr
    .withEnvVariable("COVERAGE_FILE", "/combine/.coverage")
    .withEnvVariable("PIPELINE_OUT", "/combine");
  if (threshold !== undefined) ctr = ctr.withEnvVariable("PIPELINE_FAIL_UNDER", String(threshold));
  const out = withScript(ctr, "combine.sh", sync).directory("/combine");
  const [json, exit, failUnder] = await Promise.all(
    ["coverage.json", "report-exit", "fail-under"].map((name) => out.file(name).contents()),
  );
  return {
    total: parseCoverageJson(json as string, "combined coverage.json"),
    files: leastCovered(json as string),
    exit: Number.parseInt(exit as string, 10),
    failUnder: Number.parseFloat(failUnder as string) || 0,
    reports: out.withoutFiles([...withData.map(dataFile), "report-exit", "fail-under"]),
  };
}

/** A version or a combine that breaks still reports, as failed; each version binds its own services. */
export async function runMatrix(
  source: Directory,
  app: string,
  versions: string[],
  threshold: number | undefined,
  services: readonly ServiceSpec[] = [],
  sync: SyncSpec = DEFAULT_SYNC,
  env: TestEnv | undefined = undefined,
): Promise<MatrixRun> {
  const runs = await Promise.all(
    versions.map((v) =>
      runTests(source, app, v, services, sync, env).catch(
        (err: unknown): VersionRun => ({
          status: brokenStatus(v, `the test container failed: ${errorText(err)}`),
          output: "",
          reports: dag.directory(),
        }),
      ),
    ),
  );
  const warnings: string[] = [];
  const combined = await combineCoverage(source, app, runs, sync, threshold).catch((err: unknown) => {
    warnings.push(`coverage combine failed: ${errorText(err)}`);
    return undefined;
  });
  let reports = dag.directory();
  // each leg's reports come without its sync log already (stages/tests.ts)
  for (const r of runs) reports = reports.withDirectory(".", r.reports);
  if (combined) reports = reports.withDirectory(".", combined.reports);
  return { runs, gate: coverageGate(combined, threshold), reports, warnings };
}
