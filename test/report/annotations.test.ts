/**
 * Workflow annotations for ruff and mypy findings and failed tests. Names and messages come from the pull request's
 * code, so the escaping is the security boundary: whatever they contain, each annotation stays one line, one
 * command, with its own properties.
 */
import { describe, expect, it } from "vitest";
import { escapeData, escapeProperty, renderAnnotations } from "../../dagger/src/report/annotations.js";
import type { TypecheckFinding, TypecheckStatus } from "../../dagger/src/report/mypy.js";
import type { CiStatus } from "../../dagger/src/report/types.js";

type Status = CiStatus & { typecheck?: TypecheckStatus };

const status = (over: Partial<Status> = {}): Status => ({
  passed: false,
  lint: { passed: true, findings: [], unformatted: [] },
  tests: [],
  gate: { passed: true, threshold: 90, message: "" },
  skipped: [],
  warnings: [],
  ...over,
});

const failing = (version: string, test: string, message: string) => ({
  version,
  passed: false,
  tests: 3,
  failures: 1,
  errors: 0,
  skipped: 0,
  failedTests: [{ test, message }],
});

describe("escaping (as @actions/core command.ts does)", () => {
  it.each([
    ["50% done", "50%25 done", "50%25 done"],
    ["a\nb\r\nc", "a%0Ab%0D%0Ac", "a%0Ab%0D%0Ac"],
    ["x:y,z", "x:y,z", "x%3Ay%2Cz"],
    ["%0A already", "%250A already", "%250A already"],
  ])("%j -> data %j, property %j", (raw, data, property) => {
    expect(escapeData(raw)).toBe(data);
    expect(escapeProperty(raw)).toBe(property);
  });
});

describe("renderAnnotations", () => {
  it("annotates ruff findings at their file, line and column, relative to the repository root", () => {
    const out = renderAnnotations(
      status({
        lint: {
          passed: false,
          findings: [
            { file: "src/app/cli.py", line: 3, column: 8, code: "F401", message: "`os` imported but unused" },
          ],
          unformatted: ["tests/test_x.py"],
        },
      }),
      "sample-app",
    );
    expect(out).toBe(
      [
        "::error file=sample-app/src/app/cli.py,line=3,col=8,title=ruff F401::`os` imported but unused",
        "::error file=sample-app/tests/test_x.py,title=ruff format::File would be reformatted",
        "",
      ].join("\n"),
    );
  });

  it("annotates each failed test once, at its module, with the versions it failed on", () => {
    const out = renderAnnotations(
      status({
        tests: [
          failing("3.12", "tests.test_cli::test_bad[a]", "assert 1 == 2"),
          failing("3.13", "tests.test_cli::test_bad[a]", "assert 1 == 2"),
          failing("3.13", "tests.test_calc.TestAdd::test_x", ""),
        ],
      }),
      "app",
    );
    expect(out.split("\n").filter(Boolean)).toEqual([
      "::error file=app/tests/test_cli.py,title=tests.test_cli%3A%3Atest_bad[a] failed on Python 3.12%2C 3.13::assert 1 == 2",
      "::error file=app/tests/test_calc.py,title=tests.test_calc.TestAdd%3A%3Atest_x failed on Python 3.13::failed",
    ]);
  });

  it("keeps hostile names and messages inside one command each", () => {
    const hostile = "x\n::warning file=/etc/passwd::owned\r\n::add-mask::%0A::stop-commands::t";
    const out = renderAnnotations(
      status({
        lint: {
          passed: false,
          findings: [{ file: `a,b:c\n::error::x.py`, line: 1, column: 1, code: "E1", message: hostile }],
          unformatted: [],
        },
        tests: [failing("3.12", `t.m::${hostile}`, hostile)],
      }),
      "app",
    );
    const lines = out.split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.startsWith("::error ")).toBe(true);
      // the only "::" are the command's own: after "::error" and before the message
      const properties = line.slice("::error ".length, line.indexOf("::", "::error ".length));
      expect(properties).not.toMatch(/[\r\n]/);
      expect(line).not.toMatch(/[\r\n]/);
    }
    expect(out).not.toContain("\n::warning");
    expect(out).not.toContain("\n::add-mask");
    expect(lines[0]).toContain("file=app/a%2Cb%3Ac%0A%3A%3Aerror%3A%3Ax.py");
  });

  const typecheck = (...findings: TypecheckFinding[]): TypecheckStatus => ({
    passed: false,
    mode: "gate",
    errors: findings.filter((f) => f.severity === "error").length,
    findings,
  });

  it("annotates mypy errors with their code and hint, and mypy's notes as notices", () => {
    const out = renderAnnotations(
      status({
        typecheck: typecheck(
          // the records of mypy's testOutputJsonWithHint (test-data/unit/outputjson.test at v2.3.1), as parsed
          {
            file: "src/app.py",
            line: 12,
            column: 13,
            severity: "note",
            code: "misc",
            message: 'Revealed type is "Overload(def (), def (x: int))"',
          },
          {
            file: "src/app.py",
            line: 14,
            column: 1,
            severity: "error",
            code: "call-overload",
            message: 'No overload variant of "foo" matches argument type "str"',
            hint: "Possible overload variants:\n    def foo() -> None\n    def foo(x: int) -> None",
          },
          { file: "main", line: 2, column: 1, severity: "error", code: "", message: '"break" outside loop' },
        ),
      }),
      "sample-app",
    );
    expect(out.split("\n").filter(Boolean)).toEqual([
      '::notice file=sample-app/src/app.py,line=12,col=13,title=mypy misc::Revealed type is "Overload(def (), def (x: int))"',
      '::error file=sample-app/src/app.py,line=14,col=1,title=mypy call-overload::No overload variant of "foo" matches argument type "str"%0APossible overload variants:%0A    def foo() -> None%0A    def foo(x: int) -> None',
      '::error file=sample-app/main,line=2,col=1,title=mypy::"break" outside loop',
    ]);
  });

  it("keeps a hostile mypy message, hint, code and path inside one command each", () => {
    const hostile = "x\r\n::warning file=/etc/passwd::owned\n::add-mask::%0A::stop-commands::t";
    const out = renderAnnotations(
      status({
        typecheck: typecheck(
          {
            file: `a,b:c\n::error::x.py`,
            line: 1,
            column: 1,
            severity: "error",
            code: "x,y:z",
            message: hostile,
          },
          { file: "b.py", line: 2, column: 0, severity: "note", code: hostile, message: "m", hint: hostile },
        ),
      }),
      "app",
    );
    const lines = out.split("\n").filter(Boolean);
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line).toMatch(/^::(error|notice) /);
      expect(line).not.toMatch(/[\r\n]/);
    }
    expect(out).not.toContain("\n::warning");
    expect(out).not.toContain("\n::add-mask");
    expect(lines[0]).toBe(
      "::error file=app/a%2Cb%3Ac%0A%3A%3Aerror%3A%3Ax.py,line=1,col=1,title=mypy x%2Cy%3Az::x%0D%0A::warning file=/etc/passwd::owned%0A::add-mask::%250A::stop-commands::t",
    );
    // no column (mypy's -1) gives no col property; a hostile code stays in the title property
    expect(lines[1]).toMatch(
      /^::notice file=app\/b\.py,line=2,title=mypy x%0D%0A%3A%3Awarning file=\/etc\/passwd%3A%3Aowned/,
    );
  });

  it("gives no file to a path outside the app, and writes nothing when there is nothing to say", () => {
    const out = renderAnnotations(
      status({
        lint: {
          passed: false,
          findings: [{ file: "../../etc/passwd", line: 1, column: 1, code: "E1", message: "m" }],
          unformatted: [],
        },
      }),
      "app",
    );
    expect(out).toBe("::error line=1,col=1,title=ruff E1::m\n");
    expect(renderAnnotations(status(), "app")).toBe("");
  });

  it("leaves out a line or column ruff reports as 0, and names files from the root for an app at the root", () => {
    const finding = (file: string, line: number, column: number) => ({
      file,
      line,
      column,
      code: "E9",
      message: "m",
    });
    const lint = (...findings: ReturnType<typeof finding>[]) => ({
      passed: false,
      findings,
      unformatted: [],
    });
    expect(renderAnnotations(status({ lint: lint(finding("a.py", 0, 0), finding("b.py", 1, 0)) }), ".")).toBe(
      "::error file=a.py,title=ruff E9::m\n::error file=b.py,line=1,title=ruff E9::m\n",
    );
    expect(renderAnnotations(status({ lint: lint(finding("a.py", 2, 1)) }), "")).toBe(
      "::error file=a.py,line=2,col=1,title=ruff E9::m\n",
    );
    // a path that is absolute or empty names no file
    expect(
      renderAnnotations(status({ lint: lint(finding("/etc/passwd", 1, 1), finding("", 1, 1)) }), "app"),
    ).toBe("::error line=1,col=1,title=ruff E9::m\n::error line=1,col=1,title=ruff E9::m\n");
  });

  it.each([
    ["tests.test_cli::test_x", "app/tests/test_cli.py"],
    ["tests.test_calc.TestAdd.TestInner::test_x", "app/tests/test_calc.py"],
    ["test_top::test_x", "app/test_top.py"],
    ["TestTop::test_x", "app/TestTop.py"],
    ["tests.test_Cli::test_x", "app/tests/test_Cli.py"],
    ["tests..test_cli::test_x", "app/tests/test_cli.py"],
    ["tests/test_cli.py::test_x", undefined],
    ["1tests.test_cli::test_x", undefined],
    ["tests.test-cli::test_x", undefined],
    ["::test_x", undefined],
  ])("places failed test %j in %j", (test, file) => {
    const out = renderAnnotations(status({ tests: [failing("3.12", test, "boom")] }), "app");
    expect(out.match(/^::error file=([^,]+),/)?.[1]).toBe(file);
  });

  it("writes at most 50 annotations, the ones found first", () => {
    const findings = Array.from({ length: 51 }, (_, i) => ({
      file: "a.py",
      line: i + 1,
      column: 1,
      code: "E1",
      message: "m",
    }));
    const lines = renderAnnotations(
      status({ lint: { passed: false, findings, unformatted: [] } }),
      "app",
    ).split("\n");
    expect(lines).toHaveLength(51);
    expect(lines.at(-2)).toContain("line=50,");
  });
});
