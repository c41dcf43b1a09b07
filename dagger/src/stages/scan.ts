import { CacheSharingMode, type Container, type Directory, dag, type File } from "@dagger.io/dagger";
import { countBySeverity, parseTrivyDb, parseTrivyJson, scanPasses, severityTable } from "../report/trivy.js";
import type { ScanStatus } from "../report/types.js";
import type { SeverityName } from "../settings/defaults.js";
import { TRIVY_IMAGE } from "../settings/pins.js";
import { moduleScript, SCRIPTS } from "./python.js";

const SCANNER = TRIVY_IMAGE.slice(0, TRIVY_IMAGE.indexOf("@"));

export type ScanRun = { status: ScanStatus; table: string; reports: Directory };

const TRIVY_CACHE = "/root/.cache/trivy";

/** The DB is in a cache volume: its download is the slow part of a cold scan. */
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

/** Trivy's DB is rebuilt upstream every 6 hours. */
const DB_SLOT_HOURS = 6;

/** In the scan's cache key: a replayed scan is at most one slot old (docs/engine-notes.md: Dagger engine). */
export function dbSlot(now: Date): string {
  const hour = Math.floor(now.getUTCHours() / DB_SLOT_HOURS) * DB_SLOT_HOURS;
  return `${now.toISOString().slice(0, 10)}T${String(hour).padStart(2, "0")}Z`;
}

/** Every severity (Trivy's JSON holds only those asked for); the verdict is ours, from the counts. */
/** Trivy's CycloneDX SBOM of the image in `ctr` at /work/image.tar; it reads no vulnerability DB. */
function cyclonedx(ctr: Container): File {
  return ctr
    .withWorkdir("/work/out")
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
}

/** The SBOM alone, for a publish that runs no scan. */
export function imageSbom(image: Container): File {
  return cyclonedx(trivy().withoutMount(TRIVY_CACHE).withFile("/work/image.tar", image.asTarball()));
}

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
  // the scan, the DB version it used and its conversions: dagger/scripts/scan.sh
  const scanned = input
    .withMountedFile(`${SCRIPTS}/scan.sh`, moduleScript("scan.sh"))
    .withEnvVariable("PIPELINE_SEVERITIES", shown)
    .withExec(["sh", `${SCRIPTS}/scan.sh`]);
  // the SBOM reads no DB: it runs beside the scan, without the locked volume (docs/engine-notes.md: Trivy)
  const sbom = cyclonedx(input.withoutMount(TRIVY_CACHE));
  const reports = scanned.withFile("/work/out/sbom.cdx.json", sbom).directory("/work/out");
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
