/**
 * Behaviour that `npm run mutation` showed no test held: each case here failed against a surviving mutant of
 * the pure code (the file and line of the mutant are in the case's name, at commit 849f9bc). Small tables,
 * asserting what a user would see: a message, a gate verdict, a row of the summary.
 */
import { describe, expect, it } from "vitest";
import { failureLines, type Gathered, judge } from "../../dagger/src/pipeline/judge.js";
import { parseJson } from "../../dagger/src/report/json.js";
import {
  clip,
  commitLine,
  footer,
  link,
  list,
  percent,
  shortSha,
  text,
} from "../../dagger/src/report/markdown.js";
import { parseRuffFormatJson, parseRuffJson } from "../../dagger/src/report/ruff.js";
import { parseTrivyDb, parseTrivyJson, severityTable } from "../../dagger/src/report/trivy.js";
import { errorText, InputError, isExecError, lastLines } from "../../dagger/src/settings/errors.js";
import { parseEvent, parseRepository } from "../../dagger/src/settings/tags.js";
import {
  parseAppPath,
  parsePlatforms,
  parsePythonVersions,
  parseSeverities,
} from "../../dagger/src/settings/validate.js";

const green: Gathered = {
  lint: { passed: true, findings: [], unformatted: [] },
  tests: [{ version: "3.12", passed: true, tests: 5, failures: 0, errors: 0, skipped: 0 }],
  gate: { passed: true, threshold: 90, coverage: 95, message: "meets" },
  smoke: { passed: true, command: "python -m sample_app 2 3", expected: "5", output: "5" },
  scan: { passed: true, counts: { CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 }, scanner: "trivy" },
  locked: true,
  warnings: [],
};
const run = { app: "sample-app" };

describe("judge (pipeline/judge.ts)", () => {
  it("L66: a build error fails the run even when the later stages report green", () => {
    expect(judge({ ...green, buildError: "COPY failed" }, run).gatesPassed).toBe(false);
  });

  it("L79: the smoke run's result reaches the status the summary is drawn from", () => {
    expect(judge(green, run).status.smoke).toEqual(green.smoke);
  });

  it("L45: the matrix's own warnings are kept", () => {
    expect(judge({ ...green, warnings: ["combine failed"] }, run).status.warnings).toContain(
      "combine failed",
    );
  });

  it("L52: a flaky version without a recorded reason says it failed once", () => {
    const tests = [{ ...green.tests[0], flaky: true } as Gathered["tests"][number]];
    expect(judge({ ...green, tests }, run).status.warnings).toEqual([
      "tests on Python 3.12 are flaky: failed once",
    ]);
  });

  it("L96, L114: ci's closing error names ruff's own failure, and blames no build that did not fail", () => {
    const { status } = judge(
      { ...green, lint: { passed: false, findings: [], unformatted: [], error: "boom" } },
      run,
    );
    expect(failureLines(status)).toEqual(["lint: ruff could not run: boom"]);
    const noScan = judge(
      { ...green, lint: { ...green.lint, passed: false }, scan: undefined, scanError: "x" },
      run,
    );
    expect(failureLines(noScan.status)).toEqual(["lint: 0 finding(s), 0 file(s) to reformat"]);
  });
});

describe("markdown helpers (report/markdown.ts)", () => {
  it("L39: clipped output says how much was cut", () => {
    expect(clip("abcdef", 4)).toBe("abcd… (2 more characters)");
    expect(clip("abcd", 4)).toBe("abcd");
  });

  it("L50: a missing figure shows as n/a", () => {
    expect(percent(undefined)).toBe("n/a");
    expect(percent(Number.NaN)).toBe("n/a");
    expect(percent(91.25)).toBe("91.3%");
  });

  it("L71, L82: no run link and no commit add no lines", () => {
    expect(footer("")).toEqual([]);
    expect(footer(undefined)).toEqual([]);
    expect(commitLine(undefined, "")).toEqual([]);
  });

  // from the report/ run at 8e96e11 over the unit tests
  it("L10, L26, L27: a lone CR ends no line; a list marker is escaped only where markdown would read one", () => {
    expect(text("a\rb")).toBe("a b");
    expect(text("-")).toBe("\\-");
    expect(text("  + x")).toBe("  \\+ x");
    expect(text("a- b")).toBe("a- b");
    expect(text("1.")).toBe("1\\.");
    expect(text("2) x")).toBe("2\\) x");
  });

  it("L63: only a whole http(s) URL becomes a link", () => {
    expect(link("http://example.com/run/1")).toBe("<http://example.com/run/1>");
    expect(link("https://example.com/a b")).toBe("https://example.com/a b");
    expect(link("see https://example.com")).toBe("see https://example.com");
  });

  it("L71, L75, L80-L82: a list has a heading; a full SHA is shortened, anything else kept; each commit part alone", () => {
    expect(list("Warnings", [])).toEqual([]);
    expect(list("Warnings", ["a"])).toEqual(["### Warnings", "", "- a", ""]);
    const sha = "3F2A9C1D5E6B7A8F9E0D1C2B3A4F5E6D7C8B9A0F";
    expect(shortSha(sha)).toBe("3f2a9c1");
    expect(shortSha(`x${sha}`)).toBe(`x${sha}`);
    expect(shortSha(`${sha}x`)).toBe(`${sha}x`);
    expect(commitLine("main", undefined)).toEqual(["Branch <code>main</code>", ""]);
    expect(commitLine("", sha)).toEqual(["commit <code>3f2a9c1</code>", ""]);
  });
});

describe("tool output (report/json.ts, ruff.ts, trivy.ts)", () => {
  it("json L3, L7: blank output is 'empty', and a parse error keeps its cause", () => {
    expect(() => parseJson(" \n", "Cannot read x")).toThrow("Cannot read x: the output is empty.");
    let caught: unknown;
    try {
      parseJson("{", "Cannot read x");
    } catch (err) {
      caught = err;
    }
    expect((caught as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it("ruff L17, L27, L28: errors name ruff, an empty code is a syntax error, a missing message is empty", () => {
    expect(() => parseRuffJson("{}", "/src")).toThrow(
      "Cannot read ruff's JSON output: expected a list of findings.",
    );
    expect(
      parseRuffJson('[{"filename":"/src/a.py","code":"","location":{"row":1,"column":2}}]', "/src"),
    ).toEqual([{ file: "a.py", line: 1, column: 2, code: "invalid-syntax", message: "" }]);
  });

  it("ruff L43: `ruff format --check` printing only a newline reports nothing", () => {
    expect(parseRuffFormatJson("\n", "/src")).toEqual({ unformatted: [], other: [] });
  });

  it("trivy L17, L20, L24, L28: no Results is a clean scan; entries that are not objects are skipped", () => {
    expect(parseTrivyJson('{"SchemaVersion":2}')).toEqual([]);
    expect(parseTrivyJson('{"Results":null}')).toEqual([]);
    expect(() => parseTrivyJson("[]")).toThrow(
      "Cannot read Trivy's JSON report: expected an object with Results.",
    );
    expect(parseTrivyJson('{"Results":[null,{"Vulnerabilities":[null,7]}]}')).toEqual([]);
  });

  it("trivy L29-L37: a finding with only an ID gets the documented defaults", () => {
    expect(parseTrivyJson('{"Results":[{"Vulnerabilities":[{}]}]}')).toEqual([
      { id: "?", pkg: "?", installed: "", fixed: "", severity: "UNKNOWN", title: "", target: "" },
    ]);
  });

  it("trivy L59: a DB date that does not parse gives no age at all", () => {
    expect(parseTrivyDb('{"VulnerabilityDB":{"UpdatedAt":"yesterday"}}', new Date())).toStrictEqual({});
  });

  it("trivy L79-L85: the table lists the worst findings first, with their fix", () => {
    const v = (id: string, severity: "LOW" | "CRITICAL", fixed: string) => ({
      id,
      pkg: "openssl",
      installed: "3.0.1",
      fixed,
      severity,
      title: "",
      target: "",
    });
    const vulns = [v("CVE-1", "LOW", ""), v("CVE-2", "CRITICAL", "3.0.2")];
    const table = severityTable({ CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 }, vulns);
    expect(table.split("\n").slice(-4)).toEqual([
      "",
      "TOP FINDINGS",
      "CRITICAL  CVE-2 openssl 3.0.1 (fixed in 3.0.2)",
      "LOW       CVE-1 openssl 3.0.1 (no fix yet)",
    ]);
    const top1 = severityTable({ CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 1, UNKNOWN: 0 }, vulns, 1);
    expect(top1.split("\n").at(-1)).toBe("CRITICAL  CVE-2 openssl 3.0.1 (fixed in 3.0.2)");
    expect(top1).not.toContain("CVE-1");
    expect(severityTable({ CRITICAL: 0, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 }, [])).not.toContain(
      "TOP FINDINGS",
    );
  });
});

describe("errors (settings/errors.ts)", () => {
  const exec = (stdout: string, stderr: string) =>
    Object.assign(new Error("exit code: 1"), { name: "ExecError", exitCode: 1, stdout, stderr });

  it("L3: InputError says what it is", () => {
    expect(new InputError("x").name).toBe("InputError");
  });

  it("L11-L14: a message carries the last 8 non-blank lines, right-trimmed", () => {
    const output = Array.from({ length: 10 }, (_, i) => `  line ${i}  `).join("\n\n");
    expect(lastLines(output)).toBe(Array.from({ length: 8 }, (_, i) => `  line ${i + 2}`).join("\n"));
  });

  it("L29, L31: an ExecError's message ends with stderr, else stdout, else stands alone", () => {
    expect(errorText(exec("out", "err\n"))).toBe("exit code: 1: err");
    expect(errorText(exec("out", " \n"))).toBe("exit code: 1: out");
    expect(errorText(exec("", ""))).toBe("exit code: 1");
    expect(errorText(Object.assign(new Error("exit code: 2"), { name: "ExecError" }))).toBe("exit code: 2");
  });

  it("L38: only an ExecError is one", () => {
    expect(isExecError(exec("", ""))).toBe(true);
    expect(isExecError(new Error("exit code: 1"))).toBe(false);
    expect(isExecError("ExecError")).toBe(false);
  });
});

describe("input (settings/validate.ts, tags.ts)", () => {
  it("validate L26, L71, L80: an empty or unknown list names every accepted value", () => {
    expect(() => parsePythonVersions([])).toThrow(
      "No Python versions given. Expected one or more of: 3.10, 3.11, 3.12, 3.13, 3.14, 3.14t.",
    );
    expect(() => parseSeverities(["SEVERE"])).toThrow(
      "Invalid --severities 'SEVERE'. Expected one of: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL (or none).",
    );
    expect(() => parsePlatforms(["linux/386"])).toThrow(
      "Unsupported platform 'linux/386'. Expected one of: linux/amd64, linux/arm64.",
    );
  });

  it("validate L89: an app folder is trimmed and loses every trailing slash", () => {
    expect(parseAppPath(" sample-app ")).toBe("sample-app");
    expect(parseAppPath("services/api//")).toBe("services/api");
  });

  it("tags L143: an event name is checked whole", () => {
    expect(parseEvent("push")).toBe("push");
    expect(parseEvent("")).toBe("");
    expect(() => parseEvent("push; rm -rf /")).toThrow("Invalid event 'push; rm -rf /'.");
  });

  it("tags L16: a value of exactly 80 characters is quoted whole", () => {
    const name = `${"a".repeat(79)}/`;
    expect(() => parseRepository(name)).toThrow(`Invalid repository '${name}'.`);
  });
});
