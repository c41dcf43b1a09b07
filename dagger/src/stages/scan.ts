import { CacheSharingMode, type Container, type Directory, dag } from "@dagger.io/dagger";
import { countBySeverity, parseTrivyDb, parseTrivyJson, scanPasses, severityTable } from "../report/trivy.js";
import type { ScanStatus } from "../report/types.js";
import type { SeverityName } from "../settings/defaults.js";
import { TRIVY_IMAGE } from "../settings/pins.js";

/** The scanner as the summary names it: image and version, without the digest. */
const SCANNER = TRIVY_IMAGE.slice(0, TRIVY_IMAGE.indexOf("@"));

/** The scan as plain data: the verdict and counts, a short table, and Trivy's reports. */
export type ScanRun = { status: ScanStatus; table: string; reports: Directory };

/** Where Trivy keeps its vulnerability DB: a cache volume. */
const TRIVY_CACHE = "/root/.cache/trivy";

/** Trivy with its vulnerability DB in a cache volume: the DB download is the slow part of a cold scan. */
function trivy(): Container {
  return dag
    .container()
    .from(TRIVY_IMAGE)
    .withMountedCache(TRIVY_CACHE, dag.cacheVolume("pipeline-trivy-cache"), {
      sharing: CacheSharingMode.Locked,
    })
    .withEnvVariable("TRIVY_CACHE_DIR", TRIVY_CACHE)
    .withEnvVariable("TRIVY_NO_PROGRESS", "true");
}

/** How long one scan result may stand: the DB upstream is rebuilt every 6 hours. */
const DB_SLOT_HOURS = 6;

/**
 * The UTC date and 6-hour slot, e.g. `2026-11-26T12Z`. A cache volume's contents are not part of any cache
 * key, and a plain run's image tarball is the same from run to run, so without this the engine would replay
 * the scan exec with the DB of the day it first ran; with it, a scan is at most one slot old.
 */
export function dbSlot(now: Date): string {
  const hour = Math.floor(now.getUTCHours() / DB_SLOT_HOURS) * DB_SLOT_HOURS;
  return `${now.toISOString().slice(0, 10)}T${String(hour).padStart(2, "0")}Z`;
}

/**
 * One vulnerability scan of the image tarball over EVERY severity (Trivy's JSON holds only the severities it
 * was asked for, so a `--severity CRITICAL` scan could never see the HIGH finding `--fail-on HIGH` must fail
 * on); `severities` only filter what the table and SARIF show. The other formats are converted from the JSON
 * (no second scan); the SBOM is a package listing, which needs no vulnerability DB. Trivy exits 0 on findings
 * here: the verdict is ours, from the counts, so every report is written even when the scan fails; a Trivy
 * that cannot run (no DB) fails the exec, which is an error and never cached.
 */
export async function runScan(
  image: Container,
  severities: SeverityName[],
  failOn: SeverityName | undefined,
  now: Date = new Date(),
): Promise<ScanRun> {
  const shown = severities.join(",");
  const input = trivy()
    .withFile("/work/image.tar", image.asTarball())
    .withWorkdir("/work/out")
    .withEnvVariable("PIPELINE_TRIVY_DB_SLOT", dbSlot(now));
  // The scan, then the DB it used: both hold the locked DB volume.
  const scan = input.withExec([
    "trivy",
    "image",
    "--input",
    "/work/image.tar",
    "--scanners",
    "vuln",
    "--format",
    "json",
    "--output",
    "trivy.json",
    "--exit-code",
    "0",
  ]);
  const scanned = scan.withExec(["trivy", "version", "--format", "json"], {
    redirectStdout: "/work/out/trivy-version.json",
  });
  // What reads no DB runs without the volume, beside the scan: the conversions read only trivy.json, and the
  // SBOM is a package listing (`--format cyclonedx` turns the vulnerability scanner off, and Trivy then never
  // opens the DB: pkg/flag/options.go enableSBOM and pkg/commands/artifact/run.go initDB at v0.69.3).
  const converted = (args: string[], file: string) =>
    scan
      .withoutMount(TRIVY_CACHE)
      .withExec(["trivy", "convert", ...args, "trivy.json"])
      .file(`/work/out/${file}`);
  const sbom = input
    .withoutMount(TRIVY_CACHE)
    .withExec([
      "trivy",
      "image",
      "--input",
      "/work/image.tar",
      "--format",
      "cyclonedx",
      "--output",
      "sbom.cdx.json",
    ])
    .file("/work/out/sbom.cdx.json");
  const ctr = scanned
    .withFile("/work/out/sbom.cdx.json", sbom)
    .withFile(
      "/work/out/trivy.sarif",
      converted(["--format", "sarif", "--severity", shown, "--output", "trivy.sarif"], "trivy.sarif"),
    )
    // Without --scanners vuln, `convert --format table` prints "No enabled scanners found".
    .withFile(
      "/work/out/trivy.txt",
      converted(
        ["--format", "table", "--scanners", "vuln", "--severity", shown, "--output", "trivy.txt"],
        "trivy.txt",
      ),
    );
  const reports = ctr.directory("/work/out");
  const [json, version] = await Promise.all([
    reports.file("trivy.json").contents(),
    reports.file("trivy-version.json").contents(),
  ]);
  const vulns = parseTrivyJson(json);
  const counts = countBySeverity(vulns);
  const db = parseTrivyDb(version, now);
  const status: ScanStatus = {
    passed: scanPasses(counts, failOn),
    counts,
    ...(failOn ? { failOn } : {}),
    scanner: SCANNER,
    shown: severities,
    ...db,
  };
  return {
    status,
    table: severityTable(
      counts,
      vulns.filter((v) => severities.includes(v.severity)),
    ),
    reports,
  };
}
