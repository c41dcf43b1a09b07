/**
 * mypy's `-O json` output read and judged, on records taken from mypy's own test data at the pinned tag
 * (test/fixtures/upstream/mypy, see SOURCES.md): what a finding says and where, which exit codes are a pass,
 * that a crash is never one, which config makes mypy run by default, and the summary's listing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  formatTypecheckFinding,
  judgeMypy,
  parseMypyJson,
  parseTypecheckMode,
  resolveTypecheckMode,
  TypecheckMode,
  typecheckDetail,
  typecheckFindings,
  typecheckStatus,
} from "../../dagger/src/report/mypy.js";
import { mypyConfig, mypyConfigured, mypyTargets } from "../../dagger/src/settings/mypy-config.js";

const fixture = (name: string) =>
  readFileSync(join(import.meta.dirname, "../fixtures/upstream/mypy", name), "utf8");

/** mypy's test harness names the checked file `main` (the temporary folder stripped, testoutput.py). */
const SIMPLE = fixture("outputjson-simple.jsonl");
const WITH_HINT = fixture("outputjson-with-hint.jsonl");
const SYNTAX = fixture("outputjson-syntax-error.jsonl");
const SYNTAX_PARALLEL = fixture("outputjson-syntax-error-parallel.jsonl");

/**
 * What mypy 2.3.1 writes on stderr when it crashes, from the print calls of `report_internal_error`
 * (mypy/errors.py lines 1349-1388 at v2.3.1, without --show-traceback), for an error in src/app/x.py line 3.
 * mypy's repository has no recorded crash output to copy, so the lines are those format strings filled in.
 */
const CRASH_STDERR = [
  "src/app/x.py:3: error: INTERNAL ERROR -- Please try using mypy master on GitHub:",
  "https://mypy.readthedocs.io/en/stable/common_issues.html#using-a-development-mypy-build",
  "If this issue continues with mypy master, please report a bug at https://github.com/python/mypy/issues",
  "version: 2.3.1",
  "src/app/x.py:3: note: please use --show-traceback to print a traceback when reporting a bug",
  "",
].join("\n");

/** argparse's usage error (mypy/main.py `CapturableArgumentParser.error`, exit 2), e.g. with no target. */
const USAGE_STDERR =
  "usage: mypy [-h] [-v] [-V] [more options; see below]\n            [-m MODULE] [-p PACKAGE] [-c PROGRAM_TEXT] [files ...]\nmypy: error: Missing target module, package, files, or command.\n";

describe("parseMypyJson", () => {
  it("reads every field of a record, with a 1-based column like ruff's", () => {
    expect(parseMypyJson(SIMPLE, "/src/app")).toEqual({
      findings: [
        {
          file: "main",
          line: 5,
          column: 1,
          severity: "error",
          code: "call-arg",
          message: 'Too many arguments for "foo"',
        },
      ],
      other: [],
    });
  });

  it("keeps the notes mypy attached to an error as its hint, and a note with no error as a note", () => {
    const { findings } = parseMypyJson(WITH_HINT, "/src/app");
    expect(findings.map((f) => [f.line, f.severity, f.code])).toEqual([
      [12, "note", "misc"],
      [14, "error", "call-overload"],
      [17, "error", "call-arg"],
    ]);
    expect(findings[0]?.message).toBe('Revealed type is "Overload(def (), def (x: int))"');
    expect(findings[1]?.hint).toBe(
      "Possible overload variants:\n    def foo() -> None\n    def foo(x: int) -> None",
    );
    expect(findings[2]).not.toHaveProperty("hint");
  });

  it("gives a record with a null code an empty code", () => {
    expect(parseMypyJson(SYNTAX_PARALLEL, "/src/app").findings[0]).toMatchObject({
      code: "",
      message: '"break" outside loop',
      column: 1,
    });
  });

  it("makes paths relative to the app folder and leaves other paths as they are", () => {
    const line = (file: string) =>
      JSON.stringify({ file, line: 1, column: -1, message: "m", hint: null, code: "x", severity: "error" });
    const { findings } = parseMypyJson(
      [line("/src/app/src/a.py"), line("./tests/t.py"), line("/usr/lib/x.pyi")].join("\n"),
      "/src/app",
    );
    expect(findings.map((f) => [f.file, f.column])).toEqual([
      ["src/a.py", 0],
      ["tests/t.py", 0],
      ["/usr/lib/x.pyi", 0],
    ]);
  });

  it("sets aside every line that is not a record: text output, malformed JSON, other objects", () => {
    const { findings, other } = parseMypyJson(
      `${SIMPLE}Found 1 error in 1 file\n{"file": "a.py", "line": 1\n{"severity": "error"}\n[]\n`,
      "/src/app",
    );
    expect(findings).toHaveLength(1);
    expect(other).toEqual([
      "Found 1 error in 1 file",
      '{"file": "a.py", "line": 1',
      '{"severity": "error"}',
      "[]",
    ]);
  });
});

describe("judgeMypy", () => {
  const judge = (exitCode: number, stdout = "", stderr = "") =>
    judgeMypy({ exitCode, stdout, stderr }, "/src/app");

  it("passes a clean run (exit 0, nothing printed: -O json hides the success line)", () => {
    expect(judge(0)).toEqual({ errors: 0, findings: [] });
  });

  it("counts errors, not notes", () => {
    const result = judge(1, WITH_HINT);
    expect(result.errors).toBe(2);
    expect(result.findings).toHaveLength(3);
    expect(result.error).toBeUndefined();
  });

  it("takes exit 1 with notes alone as clean: under -O json mypy counts no note (util.py count_stats)", () => {
    const note = WITH_HINT.split("\n")[0] as string;
    expect(judge(1, `${note}\n`)).toEqual({
      errors: 0,
      findings: [expect.objectContaining({ severity: "note" })],
    });
  });

  it("fails exit 1 with nothing parseable, naming stderr's last lines", () => {
    expect(judge(1, "", "Traceback (most recent call last):\nKeyError: 'x'\n").error).toBe(
      "mypy failed (exit 1) and reported no finding: Traceback (most recent call last): KeyError: 'x'",
    );
  });

  it("fails a crash (exit 2) with the last lines of mypy's INTERNAL ERROR report", () => {
    const result = judge(2, "", CRASH_STDERR);
    expect(result.error).toBe(
      "mypy crashed or could not run (exit 2): src/app/x.py:3: error: INTERNAL ERROR -- Please try using mypy master on GitHub: https://mypy.readthedocs.io/en/stable/common_issues.html#using-a-development-mypy-build If this issue continues with mypy master, please report a bug at https://github.com/python/mypy/issues version: 2.3.1 src/app/x.py:3: note: please use --show-traceback to print a traceback when reporting a bug",
    );
    expect(typecheckStatus(TypecheckMode.gate, result).passed).toBe(false);
  });

  it("keeps the findings a crash dumped before it (report_internal_error prints them first)", () => {
    const result = judge(2, SIMPLE, CRASH_STDERR);
    expect(result.findings).toHaveLength(1);
    expect(result.error).toMatch(/^mypy crashed or could not run \(exit 2\): .*INTERNAL ERROR/);
  });

  it("fails a blocking syntax error (exit 2, the record on stdout, stderr empty) and lists it", () => {
    const result = judge(2, SYNTAX);
    expect(result.findings.map(formatTypecheckFinding)).toEqual([
      "main:2:8: error: Invalid syntax  [syntax]",
    ]);
    expect(result.error).toBe("mypy stopped at a blocking error (exit 2): see the findings");
  });

  it("formats a finding without a code or a known column as mypy prints it, with no empty brackets", () => {
    const finding = { file: "app/x.py", line: 3, column: 0, severity: "note", message: "See here", code: "" };
    expect(formatTypecheckFinding(finding)).toBe("app/x.py:3: note: See here");
    expect(formatTypecheckFinding({ ...finding, column: 7, code: "misc" })).toBe(
      "app/x.py:3:7: note: See here  [misc]",
    );
  });

  it("reads a blocking error mypy printed on stderr (a plugin that failed to load)", () => {
    const record = SIMPLE.trim();
    const result = judge(2, "", `${record}\n`);
    expect(result.findings).toHaveLength(1);
    expect(result.error).toBe("mypy stopped at a blocking error (exit 2): see the findings");
  });

  it("fails a usage error (exit 2), naming argparse's message", () => {
    expect(judge(2, "", USAGE_STDERR).error).toContain(
      "mypy: error: Missing target module, package, files, or command.",
    );
  });

  it.each([
    [127, "sh: 1: mypy: not found\n", "mypy failed (exit 127): sh: 1: mypy: not found"],
    [3, "", "mypy failed (exit 3)"],
  ])("fails any other exit (%i)", (exit, stderr, message) => {
    expect(judge(exit, "", stderr).error).toBe(message);
  });
});

describe("typecheckStatus", () => {
  const found = judgeMypy({ exitCode: 1, stdout: SIMPLE, stderr: "" }, "/src/app");
  const crashed = judgeMypy({ exitCode: 2, stdout: "", stderr: CRASH_STDERR }, "/src/app");
  const clean = judgeMypy({ exitCode: 0, stdout: "", stderr: "" }, "/src/app");

  it.each([
    [TypecheckMode.gate, clean, true],
    [TypecheckMode.gate, found, false],
    [TypecheckMode.gate, crashed, false],
    [TypecheckMode.report, found, true],
    [TypecheckMode.report, crashed, true],
  ])("under %s", (mode, result, passed) => {
    const status = typecheckStatus(mode, result);
    expect(status.passed).toBe(passed);
    expect(status.mode).toBe(mode);
  });
});

describe("modes", () => {
  it("defaults to gate when the app configures mypy and off when it does not; an asked mode wins", () => {
    expect(resolveTypecheckMode(undefined, true)).toBe(TypecheckMode.gate);
    expect(resolveTypecheckMode(undefined, false)).toBe(TypecheckMode.off);
    expect(resolveTypecheckMode(TypecheckMode.off, true)).toBe(TypecheckMode.off);
    expect(resolveTypecheckMode(TypecheckMode.report, false)).toBe(TypecheckMode.report);
  });

  it("is a string enum whose member names are the values typed on the command line", () => {
    // `dagger call` matches a flag to the member *name* (cmd/dagger/flags.go enumValue.Set, EqualFold)
    // and the SDK hands the function the member's value (executor.js buildEnum): both read off/report/gate.
    expect(Object.entries(TypecheckMode)).toEqual([
      ["off", "off"],
      ["report", "report"],
      ["gate", "gate"],
    ]);
  });

  it("parses a mode, and names a bad one with the expected form", () => {
    expect(parseTypecheckMode("report")).toBe(TypecheckMode.report);
    expect(() => parseTypecheckMode("Gate")).toThrow(
      "Invalid --typecheck 'Gate'. Expected off, report or gate.",
    );
  });
});

describe("mypyConfigured", () => {
  const sampleApp = readFileSync(join(import.meta.dirname, "../../sample-app/pyproject.toml"), "utf8");

  it("finds the sample app's [tool.mypy], with the files it names", () => {
    expect(mypyConfigured(sampleApp, {})).toBe(true);
    expect(mypyConfig(sampleApp, {})).toEqual({ file: "pyproject.toml", keys: ["strict", "files"] });
    expect(mypyTargets(mypyConfig(sampleApp, {}))).toEqual([]);
  });

  it.each([
    ["[tool.mypy]\nstrict = true\n", ["strict"]],
    ['[tool."mypy"]  # comment\npython_version = "3.12"\n', ["python_version"]],
    ["[tool]\nmypy.files = ['src']\n", ["files"]],
    ["tool.mypy.strict = true\n", ["strict"]],
    ["[[tool.mypy.overrides]]\nmodule = 'x.*'\nignore_errors = true\n", []],
    ["[tool.mypy]\nstrict = true\n[[tool.mypy.overrides]]\nmodule = 'x'\n", ["strict"]],
    // an empty table still configures mypy (its defaults)
    ["[tool.mypy]\n", []],
    ["[ tool . mypy ]\nstrict=true\n", ["strict"]],
    ["  [tool.mypy]\n  strict = true\n", ["strict"]],
    ['[tool.mypy]\n# files = ["src"]\nstrict = true\n', ["strict"]],
    ["[tool.mypy]\nmodules = ['app']\n", ["modules"]],
    // strings: one that opens and closes on its line, one with quotes inside, one over several lines
    ['[tool.mypy]\nx = """one line"""\nstrict = true\n', ["x", "strict"]],
    ["[tool.mypy]\nx = \"'''\"\nstrict = true\n", ["x", "strict"]],
    [
      '[project]\ndescription = """\nfirst\n[tool.mypy]\nstrict = true\n"""\n[tool.mypy]\nwarn_unused_ignores = true\n',
      ["warn_unused_ignores"],
    ],
    // a line of a multi-line array that starts with `[` is not a table header
    ['[tool.mypy]\nx = [\n  ["a", "b"],\n]\nfiles = ["src"]\n', ["x", "files"]],
  ])("pyproject %j configures mypy, with keys %j", (text, keys) => {
    expect(mypyConfig(text, {})).toEqual({ file: "pyproject.toml", keys });
  });

  it.each([
    ["[project]\nname = 'x'\n[tool.ruff]\nline-length = 100\n"],
    ["[tool.mypyc]\nx = 1\n"],
    ['[project]\ndescription = """\n[tool.mypy]\nstrict = true\n"""\n'],
    ["# [tool.mypy]\n"],
    ["[other.mypy]\nstrict = true\n"],
    ["[other]\nmypy.strict = true\n"],
    [""],
  ])("pyproject %j does not", (text) => {
    expect(mypyConfigured(text, {})).toBe(false);
  });

  it("refuses a pyproject.toml that is not TOML, naming it, unless a mypy.ini comes first (as mypy reads them)", () => {
    const broken = "[tool.mypy\nstrict = true\n";
    expect(() => mypyConfig(broken, {}, "api/pyproject.toml")).toThrow(
      /^Invalid TOML in api\/pyproject\.toml: /,
    );
    expect(mypyConfig(broken, { "mypy.ini": "[mypy]\n" })).toEqual({ file: "mypy.ini", keys: [] });
    expect(() => mypyConfig(broken, {})).toThrow(/^Invalid TOML in pyproject\.toml: /);
  });

  it("follows mypy's order: mypy.ini, .mypy.ini (whenever present), pyproject.toml, setup.cfg [mypy]", () => {
    const toml = "[tool.mypy]\nstrict = true\n";
    expect(mypyConfig(toml, { "mypy.ini": "[mypy]\nfiles = src,\n  tests\n" })).toEqual({
      file: "mypy.ini",
      keys: ["files"],
    });
    expect(mypyConfig(undefined, { ".mypy.ini": "" })).toEqual({ file: ".mypy.ini", keys: [] });
    expect(mypyConfig(toml, { "setup.cfg": "[mypy]\nstrict = True\n" })?.file).toBe("pyproject.toml");
    expect(mypyConfig(undefined, { "setup.cfg": "[metadata]\nname = x\n[mypy]\nstrict: True\n" })).toEqual({
      file: "setup.cfg",
      keys: ["strict"],
    });
    expect(mypyConfigured(undefined, { "setup.cfg": "[metadata]\nname = x\n[mypy-foo.*]\nx = 1\n" })).toBe(
      false,
    );
    // configparser keeps the spaces in `[ mypy ]`, so mypy does not read that section
    expect(mypyConfigured(undefined, { "setup.cfg": "[ mypy ]\nstrict = True\n" })).toBe(false);
  });

  it("reads an INI [mypy] section's keys, not its comments, continuation lines or bracketed values", () => {
    const ini = "[mypy]\n#files = src\n; packages = app\nplugins = [a]\n  more\nstrict   = True\n";
    expect(mypyConfig(undefined, { "mypy.ini": ini })).toEqual({
      file: "mypy.ini",
      keys: ["plugins", "strict"],
    });
    // configparser strips a header line before it matches it
    expect(mypyConfig(undefined, { "setup.cfg": "  [mypy]\nstrict = True\n" })).toEqual({
      file: "setup.cfg",
      keys: ["strict"],
    });
  });

  it("checks the project's packages, or the app's folder when none is known, unless the config names its own", () => {
    expect(mypyTargets(undefined, ["app"])).toEqual(["-p", "app"]);
    expect(mypyTargets({ file: "pyproject.toml", keys: ["strict"] }, ["attr", "attrs"])).toEqual([
      "-p",
      "attr",
      "-p",
      "attrs",
    ]);
    expect(mypyTargets({ file: "pyproject.toml", keys: ["files"] }, ["app"])).toEqual([]);
    expect(mypyTargets(undefined)).toEqual(["."]);
    expect(mypyTargets({ file: "pyproject.toml", keys: ["strict"] })).toEqual(["."]);
    expect(mypyTargets({ file: "mypy.ini", keys: ["packages"] })).toEqual([]);
    expect(mypyTargets({ file: "setup.cfg", keys: ["strict", "modules"] })).toEqual([]);
    expect(mypyTargets({ file: "pyproject.toml", keys: ["files"] })).toEqual([]);
  });
});

describe("the summary's listing", () => {
  it("lists findings like ruff's, from the repository root, notes marked, text made inert", () => {
    const status = typecheckStatus(
      TypecheckMode.gate,
      judgeMypy(
        { exitCode: 1, stdout: WITH_HINT.replaceAll('"main"', '"src/app.py"'), stderr: "" },
        "/src/a",
      ),
    );
    expect(typecheckFindings(status, "sample-app")).toEqual([
      "<details><summary>Type-check findings (3)</summary>",
      "",
      '- <code>sample-app/src/app.py:12:13</code> <code>misc</code> (note) Revealed type is "Overload(def (), def (x: int))"',
      '- <code>sample-app/src/app.py:14:1</code> <code>call-overload</code> No overload variant of "foo" matches argument type "str"',
      '- <code>sample-app/src/app.py:17:1</code> <code>call-arg</code> Too many arguments for "bar"',
      "",
      "</details>",
    ]);
    expect(typecheckDetail(status)).toBe("2 errors, 1 note");
    expect(typecheckFindings(typecheckStatus(TypecheckMode.gate, { errors: 0, findings: [] }), "x")).toEqual(
      [],
    );
    expect(typecheckFindings(undefined)).toEqual([]);
  });

  it("cuts the list at ten and says where the rest is", () => {
    const many = Array.from({ length: 12 }, () => SIMPLE.trim()).join("\n");
    const status = typecheckStatus(
      TypecheckMode.report,
      judgeMypy({ exitCode: 1, stdout: many, stderr: "" }, "/"),
    );
    const lines = typecheckFindings(status, ".");
    expect(lines.filter((l) => l.startsWith("- <code>main:5:1</code>"))).toHaveLength(10);
    expect(lines).toContain("- … and 2 more in the mypy report (artifacts)");
    expect(typecheckDetail(status)).toBe("12 errors (report only)");
  });

  it("says why mypy did not finish", () => {
    const status = typecheckStatus(TypecheckMode.gate, {
      errors: 0,
      findings: [],
      error: "mypy failed (exit 3)",
    });
    expect(typecheckDetail(status)).toBe("0 errors · mypy failed (exit 3)");
  });
});
