import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { formatFinding, parseRuffFormatJson, parseRuffJson } from "../../dagger/src/report/ruff.js";
import {
  countBySeverity,
  parseTrivyDb,
  parseTrivyJson,
  scanPasses,
  severityTable,
} from "../../dagger/src/report/trivy.js";
import { formatFailure } from "../../dagger/src/stages/lint.js";
import { dbSlot } from "../../dagger/src/stages/scan.js";

/** Upstream fixtures (test/fixtures/upstream/SOURCES.md): ruff 0.16.4's own snapshots of its JSON output. */
const upstream = (name: string) =>
  readFileSync(join(import.meta.dirname, "../fixtures/upstream", name), "utf8");
// The snapshots' insta filter writes the temporary folder as [TMP].
const TMP = "[TMP]";

describe("ruff check --output-format=json (ruff 0.16.4 snapshots)", () => {
  it("turns every diagnostic into a finding relative to the app, syntax errors as invalid-syntax", () => {
    expect(parseRuffJson(upstream("ruff-check.json"), TMP).map(formatFinding)).toEqual([
      "input.py:1:8: F401 `os` imported but unused",
      "input.py:2:5: F821 Undefined name `y`",
      "input.py:3:1: invalid-syntax Cannot use `match` statement on Python 3.9 (syntax was added in Python 3.10)",
    ]);
  });

  it("keeps an entry whose filename and location are null instead of throwing every finding away", () => {
    expect(parseRuffJson(upstream("ruff-check-missing-file.json"), TMP)).toEqual([
      { file: "", line: 0, column: 0, code: "test-diagnostic", message: "main diagnostic message" },
    ]);
  });

  it.each([
    ["ruff-check-syntax-error.json", 2],
    ["ruff-check-notebook.json", 3],
    ["ruff-check-multi-file.json", 4],
    ["ruff-check-stdin.json", 1],
  ])("reads %s whole (%i findings)", (name, count) => {
    const findings = parseRuffJson(upstream(name), "/");
    expect(findings).toHaveLength(count);
    for (const f of findings) expect(f.code).not.toBe("");
  });

  it("reads an empty list as no findings", () => {
    expect(parseRuffJson("[]", "/src/app")).toEqual([]);
  });

  it("names a pre-0.16 syntax error (no code) invalid-syntax too", () => {
    const old =
      '[{"code":null,"message":"SyntaxError: x","filename":"/a/t.py","location":{"row":1,"column":5}}]';
    expect(parseRuffJson(old, "/a").map(formatFinding)).toEqual(["t.py:1:5: invalid-syntax SyntaxError: x"]);
  });

  it.each([
    ["", "empty"],
    ["error: unknown rule", "not valid JSON"],
    ['{"code": "F401"}', "expected a list"],
    ["[42]", "finding #1 is not an object"],
  ])("refuses %j", (text, message) => {
    expect(() => parseRuffJson(text, "/src/app")).toThrow(message);
  });
});

describe("ruff format --check --output-format=json (ruff 0.16.4 snapshot)", () => {
  it("lists each file ruff would reformat (code `unformatted`), relative to the app", () => {
    expect(parseRuffFormatJson(upstream("ruff-format-check.json"), TMP)).toEqual({
      unformatted: ["input.py"],
      other: [],
    });
  });

  it("keeps a file ruff cannot parse as a finding, not as an unformatted file", () => {
    const parsed = parseRuffFormatJson(upstream("ruff-check-syntax-error.json"), "/");
    expect(parsed.unformatted).toEqual([]);
    expect(parsed.other.map((f) => f.code)).toEqual(["invalid-syntax", "invalid-syntax"]);
  });

  it("reads empty output as nothing reported (the exit code decides whether ruff failed)", () => {
    expect(parseRuffFormatJson("", "/")).toEqual({ unformatted: [], other: [] });
  });
});

describe("formatFailure: ruff format's exit code", () => {
  it.each([
    [0, 0, "", undefined],
    [1, 2, "", undefined],
    [1, 0, "", "ruff format failed (exit 1)"],
    // exit 2 is ruff failing, even when it named files to reformat before it did
    [2, 1, "error: Failed to format b.py", "ruff format failed (exit 2): error: Failed to format b.py"],
    [
      2,
      0,
      "ruff failed\nCause: Failed to parse pyproject.toml",
      "ruff format failed (exit 2): ruff failed Cause: Failed to parse pyproject.toml",
    ],
  ])("exit %i with %i unformatted", (exit, unformatted, stderr, expected) => {
    expect(formatFailure(exit, unformatted, stderr)).toBe(expected);
  });
});

const vuln = (id: string, severity: string, fixed = "") => ({
  VulnerabilityID: id,
  PkgName: "openssl",
  InstalledVersion: "3.0.1",
  FixedVersion: fixed,
  Severity: severity,
  Title: "t",
});

const TRIVY = JSON.stringify({
  SchemaVersion: 2,
  ArtifactName: "/work/image.tar",
  Results: [
    {
      Target: "debian 12",
      Class: "os-pkgs",
      Vulnerabilities: [vuln("CVE-1", "CRITICAL", "3.0.2"), vuln("CVE-2", "LOW")],
    },
    {
      Target: "python-pkg",
      Class: "lang-pkgs",
      Vulnerabilities: [vuln("CVE-3", "HIGH"), vuln("CVE-4", "weird")],
    },
    { Target: "clean", Class: "lang-pkgs" },
  ],
});

describe("Trivy report", () => {
  it("counts by severity, unknown severities as UNKNOWN", () => {
    expect(countBySeverity(parseTrivyJson(TRIVY))).toEqual({
      CRITICAL: 1,
      HIGH: 1,
      MEDIUM: 0,
      LOW: 1,
      UNKNOWN: 1,
    });
  });

  it("treats a report with no Results as clean", () => {
    expect(parseTrivyJson('{"SchemaVersion": 2, "ArtifactName": "x"}')).toEqual([]);
  });

  it.each([
    ["", "empty"],
    ["FATAL db download failed", "not valid JSON"],
    ["[]", "expected an object"],
    ['{"Results": {}}', "Results is not a list"],
  ])("refuses %j", (text, message) => {
    expect(() => parseTrivyJson(text)).toThrow(message);
  });

  it.each([
    [undefined, true],
    ["CRITICAL", false],
    ["HIGH", false],
    ["LOW", false],
  ] as const)("with --fail-on %s the scan passes: %s", (failOn, passed) => {
    expect(scanPasses(countBySeverity(parseTrivyJson(TRIVY)), failOn)).toBe(passed);
  });

  it("passes --fail-on HIGH when only lower severities exist", () => {
    expect(scanPasses({ CRITICAL: 0, HIGH: 0, MEDIUM: 5, LOW: 9, UNKNOWN: 2 }, "HIGH")).toBe(true);
  });

  it("tabulates worst first", () => {
    const vulns = parseTrivyJson(TRIVY);
    const table = severityTable(countBySeverity(vulns), vulns);
    expect(table.split("\n").slice(0, 6)).toEqual([
      "SEVERITY   COUNT",
      "CRITICAL   1",
      "HIGH       1",
      "MEDIUM     0",
      "LOW        1",
      "UNKNOWN    1",
    ]);
    expect(table).toContain("CRITICAL  CVE-1 openssl 3.0.1 (fixed in 3.0.2)");
    expect(table.indexOf("CVE-1")).toBeLessThan(table.indexOf("CVE-3"));
  });

  // kills.test.ts holds the defaults, skipped entries and table; this is the whole record of a real finding
  it("reads every field of a finding, its severity in any case, under its result's target", () => {
    const text = JSON.stringify({
      Results: [{ Target: "debian 12", Vulnerabilities: [vuln("CVE-9", "high", "3.0.9")] }],
    });
    expect(parseTrivyJson(text)).toEqual([
      {
        id: "CVE-9",
        pkg: "openssl",
        installed: "3.0.1",
        fixed: "3.0.9",
        severity: "HIGH",
        title: "t",
        target: "debian 12",
      },
    ]);
  });
});

describe("Trivy v0.69.3 golden reports (integration/testdata)", () => {
  it("counts the alpine 3.9 image scan by severity", () => {
    const vulns = parseTrivyJson(upstream("trivy-alpine-39.json.golden"));
    expect(countBySeverity(vulns)).toEqual({ CRITICAL: 2, HIGH: 0, MEDIUM: 4, LOW: 0, UNKNOWN: 0 });
  });

  it("a --severity scan holds only the severities asked for: judging --fail-on on it would miss findings", () => {
    // The same image scanned with --severity HIGH,CRITICAL: its 4 MEDIUM findings are not in the JSON at all
    // (pkg/result/filter.go drops them). So a `--severity CRITICAL --fail-on HIGH` verdict taken from a filtered
    // scan passes with HIGH findings present: the module scans every severity and filters only what it shows.
    const filtered = countBySeverity(parseTrivyJson(upstream("trivy-alpine-39-high-critical.json.golden")));
    const full = countBySeverity(parseTrivyJson(upstream("trivy-alpine-39.json.golden")));
    expect(filtered.MEDIUM).toBe(0);
    expect(scanPasses(filtered, "MEDIUM")).toBe(false); // CRITICAL still fails it
    expect(scanPasses({ ...filtered, CRITICAL: 0 }, "MEDIUM")).toBe(true);
    expect(scanPasses({ ...full, CRITICAL: 0 }, "MEDIUM")).toBe(false);
  });

  it.each([
    ["trivy-alpine-39-skip.json.golden", 0],
    ["trivy-sl-micro-rancher5.4.json.golden", 0],
    ["trivy-debian-buster.json.golden", 2],
  ])("reads %s (%i vulnerabilities)", (name, count) => {
    expect(parseTrivyJson(upstream(name))).toHaveLength(count);
  });
});

describe("the vulnerability DB's age (trivy version --format json)", () => {
  it("reads VulnerabilityDB.UpdatedAt and the age in whole hours (pkg/commands/app_test.go's expected output)", () => {
    const now = new Date("2022-03-03T08:30:00Z");
    expect(parseTrivyDb(upstream("trivy-version.json"), now)).toEqual({
      dbUpdatedAt: "2022-03-02T06:07:07.99504083Z",
      dbAgeHours: 26,
    });
  });

  it.each([
    ['{"Version":"0.69.3"}', "no DB downloaded yet"],
    ["FATAL", "not JSON"],
    ['{"VulnerabilityDB":{"UpdatedAt":"yesterday"}}', "an unreadable time"],
    ["null", "JSON that is no object"],
  ])("says nothing rather than guess for %j (%s)", (text) => {
    expect(parseTrivyDb(text, new Date())).toEqual({});
  });
});

describe("dbSlot: the scan's freshness key", () => {
  it.each([
    ["2026-11-26T00:00:00Z", "2026-11-26T00Z"],
    ["2026-11-26T05:59:59Z", "2026-11-26T00Z"],
    ["2026-11-26T06:00:00Z", "2026-11-26T06Z"],
    ["2026-11-26T23:10:00Z", "2026-11-26T18Z"],
  ])("%s -> %s", (at, slot) => {
    expect(dbSlot(new Date(at))).toBe(slot);
  });
});
