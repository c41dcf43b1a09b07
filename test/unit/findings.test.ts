import { describe, expect, it } from "vitest";
import {
  countBySeverity,
  formatFinding,
  parseRuffFormat,
  parseRuffJson,
  parseTrivyJson,
  scanPasses,
  severityTable,
} from "../../dagger/src/findings.js";

const RUFF = JSON.stringify([
  {
    code: "F401",
    message: "`os` imported but unused",
    filename: "/src/sample-app/src/sample_app/cli.py",
    location: { row: 3, column: 8 },
    end_location: { row: 3, column: 10 },
    fix: null,
    url: "https://docs.astral.sh/ruff/rules/unused-import",
  },
  {
    code: null,
    message: "SyntaxError: Expected an expression",
    filename: "/src/sample-app/tests/test_x.py",
    location: { row: 1, column: 5 },
  },
]);

describe("ruff output", () => {
  it("turns JSON diagnostics into findings relative to the app", () => {
    const findings = parseRuffJson(RUFF, "/src/sample-app");
    expect(findings.map(formatFinding)).toEqual([
      "src/sample_app/cli.py:3:8: F401 `os` imported but unused",
      "tests/test_x.py:1:5: syntax-error SyntaxError: Expected an expression",
    ]);
  });

  it("reads an empty list as no findings", () => {
    expect(parseRuffJson("[]", "/src/app")).toEqual([]);
  });

  it.each([
    ["", "empty"],
    ["error: unknown rule", "not valid JSON"],
    ['{"code": "F401"}', "expected a list"],
    ['[{"code": "F401"}]', "finding #1 has no filename"],
  ])("refuses %j", (text, message) => {
    expect(() => parseRuffJson(text, "/src/app")).toThrow(message);
  });

  it("lists the files ruff format would change", () => {
    const out =
      "Would reformat: /src/sample-app/src/sample_app/cli.py\nWould reformat: tests/a.py\n2 files would be reformatted, 3 files already formatted\n";
    expect(parseRuffFormat(out, "/src/sample-app")).toEqual(["src/sample_app/cli.py", "tests/a.py"]);
    expect(parseRuffFormat("5 files already formatted\n", "/src/sample-app")).toEqual([]);
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
});
