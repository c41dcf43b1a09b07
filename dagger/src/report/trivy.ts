import { SEVERITIES, type SeverityName } from "../settings/defaults.js";
import { isObject, isRecord, parseJson, tryJson } from "./json.js";
import type { SeverityCounts } from "./types.js";

export type Vulnerability = {
  id: string;
  pkg: string;
  installed: string;
  fixed: string;
  severity: SeverityName;
  title: string;
  target: string;
};

/** Every vulnerability of a Trivy JSON report (`--format json`); an unknown severity counts as UNKNOWN. */
export function parseTrivyJson(text: string): Vulnerability[] {
  const what = "Cannot read Trivy's JSON report";
  const data = parseJson(text, what);
  if (!isObject(data)) throw new Error(`${what}: expected an object with Results.`);
  if (data.Results === undefined || data.Results === null) return [];
  if (!Array.isArray(data.Results)) throw new Error(`${what}: Results is not a list.`);
  const vulns: Vulnerability[] = [];
  for (const result of data.Results) {
    if (!isRecord(result)) continue;
    const list = result.Vulnerabilities;
    if (!Array.isArray(list)) continue;
    for (const v of list) {
      if (!isRecord(v)) continue;
      // Stryker disable next-line StringLiteral: parseTrivyJson: a missing Severity read as '' is not a known severity either, so it becomes UNKNOWN as 'UNKNOWN' does
      const severity = String(v.Severity ?? "UNKNOWN").toUpperCase();
      vulns.push({
        id: String(v.VulnerabilityID ?? "?"),
        pkg: String(v.PkgName ?? "?"),
        installed: String(v.InstalledVersion ?? ""),
        fixed: String(v.FixedVersion ?? ""),
        severity: (SEVERITIES as readonly string[]).includes(severity)
          ? (severity as SeverityName)
          : "UNKNOWN",
        title: String(v.Title ?? ""),
        target: String(result.Target ?? ""),
      });
    }
  }
  return vulns;
}

/** A pass against a week-old DB is a weaker verdict; unreadable output gives nothing, not a guess. */
export function parseTrivyDb(text: string, now: Date): { dbUpdatedAt?: string; dbAgeHours?: number } {
  const data = tryJson(text); // unreadable: undefined, which has no UpdatedAt
  const db = isRecord(data) && isRecord(data.VulnerabilityDB) ? data.VulnerabilityDB : undefined;
  const updated = typeof db?.UpdatedAt === "string" ? db.UpdatedAt : undefined;
  // Stryker disable next-line ConditionalExpression: without UpdatedAt, Date.parse(undefined) is NaN all the same
  const time = updated === undefined ? Number.NaN : Date.parse(updated);
  if (updated === undefined || Number.isNaN(time)) return {};
  return { dbUpdatedAt: updated, dbAgeHours: Math.max(0, Math.floor((now.getTime() - time) / 3_600_000)) };
}

export function countBySeverity(vulns: readonly Vulnerability[]): SeverityCounts {
  const counts: SeverityCounts = { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 };
  for (const v of vulns) counts[v.severity] += 1;
  return counts;
}

/** With `failOn` HIGH, any HIGH or CRITICAL fails; without it the scan only reports. */
export function scanPasses(counts: SeverityCounts, failOn: SeverityName | undefined): boolean {
  if (failOn === undefined) return true;
  const floor = SEVERITIES.indexOf(failOn);
  return SEVERITIES.slice(floor).every((s) => counts[s] === 0);
}

export function severityTable(counts: SeverityCounts, vulns: readonly Vulnerability[], top = 10): string {
  const lines = ["SEVERITY   COUNT", ...[...SEVERITIES].reverse().map((s) => `${s.padEnd(10)} ${counts[s]}`)];
  const worst = [...vulns]
    .sort((a, b) => SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity))
    .slice(0, top);
  if (worst.length > 0) {
    lines.push("", "TOP FINDINGS");
    for (const v of worst) {
      const fix = v.fixed ? `fixed in ${v.fixed}` : "no fix yet";
      lines.push(`${v.severity.padEnd(9)} ${v.id} ${v.pkg} ${v.installed} (${fix})`);
    }
  }
  return lines.join("\n");
}
