import {
  CacheSharingMode,
  type Container,
  type Directory,
  dag,
  type File,
  func,
  object,
} from "@dagger.io/dagger";
import { countBySeverity, parseTrivyJson, scanPasses, severityTable } from "./findings.js";
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
  /** a short table by severity, worst findings first */
  @func() table = "";
  /** trivy.json, trivy.sarif, trivy.txt and sbom.cdx.json (CycloneDX) */
  @func() reports!: Directory;

  static of(status: ScanStatus, table: string, reports: Directory): ScanResult {
    return Object.assign(new ScanResult(), {
      passed: status.passed,
      critical: status.counts.CRITICAL,
      high: status.counts.HIGH,
      medium: status.counts.MEDIUM,
      low: status.counts.LOW,
      unknown: status.counts.UNKNOWN,
      failOn: status.failOn ?? "",
      table,
      reports,
    });
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

/**
 * One vulnerability scan of the image tarball, then the other formats converted from its JSON (no second
 * scan); the SBOM is a package listing, which needs no vulnerability DB. Trivy always exits 0 here: the
 * verdict is ours, from the counts, so every report is written even when the scan fails.
 */
export async function runScan(
  image: Container,
  severities: Severity[],
  failOn: Severity | undefined,
): Promise<ScanResult> {
  const ctr = trivy()
    .withFile("/work/image.tar", image.asTarball())
    .withWorkdir("/work/out")
    .withExec([
      "trivy",
      "image",
      "--input",
      "/work/image.tar",
      "--scanners",
      "vuln",
      "--severity",
      severities.join(","),
      "--format",
      "json",
      "--output",
      "trivy.json",
      "--exit-code",
      "0",
    ])
    .withExec(["trivy", "convert", "--format", "sarif", "--output", "trivy.sarif", "trivy.json"])
    .withExec(["trivy", "convert", "--format", "table", "--output", "trivy.txt", "trivy.json"])
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
  const vulns = parseTrivyJson(await reports.file("trivy.json").contents());
  const counts = countBySeverity(vulns);
  const status: ScanStatus = {
    passed: scanPasses(counts, failOn),
    counts,
    ...(failOn ? { failOn } : {}),
    scanner: SCANNER,
  };
  return ScanResult.of(status, severityTable(counts, vulns), reports);
}
