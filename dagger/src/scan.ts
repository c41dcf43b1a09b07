import {
  CacheSharingMode,
  type Container,
  type Directory,
  dag,
  type File,
  func,
  object,
} from "@dagger.io/dagger";
import { countBySeverity, parseTrivyDb, parseTrivyJson, scanPasses, severityTable } from "./findings.js";
import type { ScanStatus } from "./report.js";
import { type Severity, TRIVY_IMAGE } from "./settings.js";

/** The scanner as the summary names it: image and version, without the digest. */
const SCANNER = TRIVY_IMAGE.slice(0, TRIVY_IMAGE.indexOf("@"));

/** A Trivy scan of the image: counts by severity, the verdict, and the reports. */
@object()
export class ScanResult {
  /** false only when --fail-on is set and a finding at or above it exists */
  @func() passed = true;
  @func() critical = 0;
  @func() high = 0;
  @func() medium = 0;
  @func() low = 0;
  @func() unknown = 0;
  /** the severity that fails the scan, empty when report-only */
  @func() failOn = "";
  /** when the vulnerability DB was built (RFC 3339); empty when Trivy did not say */
  @func() dbUpdatedAt = "";
  /** a short table by severity, worst findings first */
  @func() table = "";
  /** trivy.json, trivy.sarif, trivy.txt and sbom.cdx.json (CycloneDX) */
  @func() reports!: Directory;

  /** the severities shown, comma-separated, for status.json */
  private shown = "";
  /** the DB's age in whole hours at scan time; null when Trivy did not say */
  private dbAgeHours: number | null = null;

  static of(status: ScanStatus, table: string, reports: Directory): ScanResult {
    const r = new ScanResult();
    r.passed = status.passed;
    r.critical = status.counts.CRITICAL;
    r.high = status.counts.HIGH;
    r.medium = status.counts.MEDIUM;
    r.low = status.counts.LOW;
    r.unknown = status.counts.UNKNOWN;
    r.failOn = status.failOn ?? "";
    r.dbUpdatedAt = status.dbUpdatedAt ?? "";
    r.shown = (status.shown ?? []).join(",");
    r.dbAgeHours = status.dbAgeHours ?? null;
    r.table = table;
    r.reports = reports;
    return r;
  }

  /** The CycloneDX SBOM of the image. */
  @func()
  sbom(): File {
    return this.reports.file("sbom.cdx.json");
  }

  /** The SARIF report, for GitHub code scanning. */
  @func()
  sarif(): File {
    return this.reports.file("trivy.sarif");
  }

  status(): ScanStatus {
    return {
      passed: this.passed,
      counts: {
        CRITICAL: this.critical,
        HIGH: this.high,
        MEDIUM: this.medium,
        LOW: this.low,
        UNKNOWN: this.unknown,
      },
      ...(this.failOn ? { failOn: this.failOn } : {}),
      scanner: SCANNER,
      ...(this.shown ? { shown: this.shown.split(",") } : {}),
      ...(this.dbUpdatedAt ? { dbUpdatedAt: this.dbUpdatedAt } : {}),
      ...(this.dbAgeHours !== null ? { dbAgeHours: this.dbAgeHours } : {}),
    };
  }
}

/** Trivy with its vulnerability DB in a cache volume: the DB download is the slow part of a cold scan. */
function trivy(): Container {
  return dag
    .container()
    .from(TRIVY_IMAGE)
    .withMountedCache("/root/.cache/trivy", dag.cacheVolume("pipeline-trivy-cache"), {
      sharing: CacheSharingMode.Locked,
    })
    .withEnvVariable("TRIVY_CACHE_DIR", "/root/.cache/trivy")
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
  severities: Severity[],
  failOn: Severity | undefined,
  now: Date = new Date(),
): Promise<ScanResult> {
  const shown = severities.join(",");
  const ctr = trivy()
    .withFile("/work/image.tar", image.asTarball())
    .withWorkdir("/work/out")
    .withEnvVariable("PIPELINE_TRIVY_DB_SLOT", dbSlot(now))
    .withExec([
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
    ])
    .withExec(["trivy", "version", "--format", "json"], { redirectStdout: "/work/out/trivy-version.json" })
    .withExec([
      "trivy",
      "convert",
      "--format",
      "sarif",
      "--severity",
      shown,
      "--output",
      "trivy.sarif",
      "trivy.json",
    ])
    // Without --scanners vuln, `convert --format table` prints "No enabled scanners found".
    .withExec([
      "trivy",
      "convert",
      "--format",
      "table",
      "--scanners",
      "vuln",
      "--severity",
      shown,
      "--output",
      "trivy.txt",
      "trivy.json",
    ])
    .withExec([
      "trivy",
      "image",
      "--input",
      "/work/image.tar",
      "--format",
      "cyclonedx",
      "--output",
      "sbom.cdx.json",
    ]);
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
  return ScanResult.of(
    status,
    severityTable(
      counts,
      vulns.filter((v) => severities.includes(v.severity)),
    ),
    reports,
  );
}
