/**
 * scripts/mutation-summary.mjs, run as `npm run mutation` runs it, on small Stryker reports written here:
 * the scores it prints, the targets it holds them to (exit 1 when missed), how it counts the survivors listed
 * as equivalent, and what it says when the list no longer matches the report. Also keeps
 * test/mutation/equivalent.json well formed, since `npm test` runs far more often than the mutation run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SCRIPT = join(ROOT, "scripts/mutation-summary.mjs");
const tmp = mkdtempSync(join(tmpdir(), "mutation-summary-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Status = "Killed" | "Survived" | "NoCoverage" | "Timeout" | "CompileError" | "RuntimeError" | "Ignored";
type Mutant = { line: number; status: Status; mutator?: string; replacement?: string; static?: boolean };
type Equivalent = {
  file: string;
  mutator: string;
  line: number;
  column?: number;
  replacement: string;
  reason: string;
};

let count = 0;
/** A Stryker JSON report of these files; `sources` gives a file the source text the report records for it. */
function writeReport(
  files: Record<string, Mutant[]>,
  ignoreStatic = false,
  sources: Record<string, string> = {},
): string {
  const report = {
    schemaVersion: "2",
    thresholds: { high: 85, low: 70 },
    projectRoot: ROOT,
    config: { ignoreStatic },
    files: Object.fromEntries(
      Object.entries(files).map(([name, mutants]) => [
        name,
        {
          language: "typescript",
          ...(name in sources ? { source: sources[name] } : {}),
          mutants: mutants.map((m, i) => ({
            id: `${name}#${i}`,
            mutatorName: m.mutator ?? "StringLiteral",
            replacement: m.replacement ?? '""',
            status: m.status,
            ...(m.static ? { static: true } : {}),
            location: { start: { line: m.line, column: 1 }, end: { line: m.line, column: 9 } },
          })),
        },
      ]),
    ),
  };
  const reportFile = join(tmp, `report-${count++}.json`);
  writeFileSync(reportFile, JSON.stringify(report));
  return reportFile;
}

function run(
  files: Record<string, Mutant[]>,
  equivalent: Equivalent[] | string = [],
  ignoreStatic = false,
  more: string[] = [],
) {
  return runWith(writeReport(files, ignoreStatic), equivalent, more);
}

/** The summary over a written report (and `more`), with this equivalent list. */
function runWith(reportFile: string, equivalent: Equivalent[] | string = [], more: string[] = []) {
  const listFile = join(tmp, `equivalent-${count++}.json`);
  writeFileSync(listFile, typeof equivalent === "string" ? equivalent : JSON.stringify(equivalent));
  const reports = [reportFile, ...more].flatMap((f) => ["--report", f]);
  const args = [SCRIPT, ...reports, "--equivalent", listFile, "--survivors"];
  const r = spawnSync(process.execPath, args, { encoding: "utf8" });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const killed = (n: number, line = 1): Mutant[] =>
  Array.from({ length: n }, () => ({ line, status: "Killed" }));
const A = "dagger/src/a.ts";
const B = "dagger/src/b.ts";

describe("mutation-summary", () => {
  it("passes at 85% overall with no file under 70%, and prints the score of each file", () => {
    const r = run({
      [A]: [...killed(9), { line: 5, status: "Survived" }],
      [B]: [...killed(7), { line: 2, status: "Timeout" }],
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dagger\/src\/a\.ts\s+90\.00%/);
    expect(r.stdout).toMatch(/dagger\/src\/b\.ts\s+100\.00%/);
    expect(r.stdout).toMatch(/all files\s+94\.44%/);
    expect(r.stdout).toContain('5: StringLiteral -> ""');
  });

  it("fails when the overall score is under 85%, naming it", () => {
    const r = run({
      [A]: [...killed(8), { line: 3, status: "Survived" }, { line: 4, status: "NoCoverage" }],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("overall 80.00% is under 85%");
    expect(r.stdout).toContain('4: StringLiteral -> "" (no coverage)');
  });

  it("fails when one file is under 70%, even if the total is high", () => {
    const r = run({
      [A]: killed(40),
      [B]: [...killed(2), { line: 1, status: "Survived" }, { line: 2, status: "Survived" }],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("dagger/src/b.ts 50.00% is under 70%");
    expect(r.stderr).not.toMatch(/overall \d/);
  });

  it("leaves compile errors, runtime errors and ignored mutants out of the score, as Stryker does", () => {
    const r = run({
      [A]: [
        ...killed(1),
        { line: 1, status: "CompileError" },
        { line: 1, status: "RuntimeError" },
        { line: 1, status: "Ignored" },
      ],
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/all files\s+100\.00%\s+1\s+0\s+0\s+0\s+1/);
  });

  it("with ignoreStatic, leaves a module-level static survivor out of the score and says so; without it, scores it", () => {
    const files = { [A]: [...killed(3), { line: 2, status: "Survived" as const, static: true }] };
    // line 2 is a module-level constant: computed before the run switched the mutant on
    const source = { [A]: 'export const A = 1;\nconst NAME = "x";\nexport const f = () => NAME;\n' };
    const ignored = runWith(writeReport(files, true, source));
    expect(ignored.code).toBe(0);
    expect(ignored.stdout).toMatch(/all files\s+100\.00%\s+3\s+0\s+0\s+0\s+3\s+1/);
    expect(ignored.stdout).toContain("1 static survivor(s) not scored");
    expect(ignored.stdout).toContain('2: StringLiteral -> "" (static)');
    expect(run(files).stdout).toMatch(/all files\s+75\.00%/);
  });

  it.each([
    ["a function body", 'export function f() {\n  return "x";\n}\n'],
    ["an arrow function's body", 'export const f = (a: string) =>\n  a + "x";\n'],
    ["a parameter default", "export function f(\n  a = 1,\n) {}\n"],
    ["an instance field", 'export class C {\n  name = "x";\n}\n'],
  ])(
    "scores a static survivor in %s: it ran again while the tests ran with the mutant on",
    (_where, text) => {
      const files = { [A]: [...killed(3), { line: 2, status: "Survived" as const, static: true }] };
      const r = runWith(writeReport(files, true, { [A]: text }));
      expect(r.stdout).toMatch(/all files\s+75\.00%\s+3\s+0\s+1\s+0\s+4\s+0/);
      expect(r.stdout).not.toContain("not scored");
    },
  );

  it("scores a static survivor of a report without source text: nothing shows it is module-level", () => {
    const files = { [A]: [...killed(3), { line: 2, status: "Survived" as const, static: true }] };
    expect(runWith(writeReport(files, true)).stdout).toMatch(/all files\s+75\.00%/);
  });

  it("counts a listed equivalent survivor as killed", () => {
    const files = {
      [B]: [
        ...killed(2),
        { line: 7, status: "Survived" as const, mutator: "ConditionalExpression", replacement: "true" },
      ],
    };
    expect(run(files).code).toBe(1);
    const r = run(files, [
      { file: B, mutator: "ConditionalExpression", line: 7, replacement: "true", reason: "guard only" },
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/dagger\/src\/b\.ts\s+100\.00%\s+2\s+1\s+0/);
    expect(r.stdout).not.toContain("7: ConditionalExpression");
    expect(r.stderr).toBe("");
  });

  it("warns about a listed survivor that no longer exists, and does not count it", () => {
    const r = run({ [A]: killed(3) }, [
      { file: A, mutator: "StringLiteral", line: 99, replacement: '""', reason: "gone" },
      { file: "dagger/src/gone.ts", mutator: "StringLiteral", line: 1, replacement: '""', reason: "gone" },
    ]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('dagger/src/a.ts:99 StringLiteral -> "": no surviving mutant matches it');
    expect(r.stderr).toContain('dagger/src/gone.ts:1 StringLiteral -> "": the report has no such file');
  });

  it("warns when a listed survivor is killed now, and when it moved to another line", () => {
    const r = run(
      {
        [A]: [
          { line: 3, status: "Killed" },
          { line: 12, status: "Survived", mutator: "BlockStatement", replacement: "{}" },
        ],
      },
      [
        { file: A, mutator: "StringLiteral", line: 3, replacement: '""', reason: "was equivalent" },
        { file: A, mutator: "BlockStatement", line: 10, replacement: "{}", reason: "moved" },
      ],
    );
    expect(r.stderr).toContain("a test kills it now, so it is not equivalent");
    expect(r.stderr).toContain("now at line 12; update the entry");
    expect(r.stdout).toMatch(/dagger\/src\/a\.ts\s+100\.00%\s+1\s+1\s+0/);
  });

  it.each([
    ["not JSON", "{", /is not valid JSON/],
    ["not a list", "{}", /must hold an array/],
    [
      "a reason missing",
      JSON.stringify([{ file: A, mutator: "X", line: 1, replacement: "" }]),
      /"reason" must be one line/,
    ],
    [
      "a bad line",
      JSON.stringify([{ file: A, mutator: "X", line: "7", replacement: "", reason: "r" }]),
      /"line" must be a line number/,
    ],
  ])("exits 2 on an equivalent list that is %s", (_, text, message) => {
    const r = run({ [A]: killed(1) }, text);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it("reads several scoped reports as one, a file in two of them taken from the last", () => {
    const later = writeReport({ [B]: killed(4) });
    const r = run({ [A]: killed(9), [B]: [{ line: 1, status: "Survived" }] }, [], false, [later]);
    expect(r.stdout).toMatch(/dagger\/src\/b\.ts\s+100\.00%\s+4\s/);
    expect(r.stdout).toMatch(/all files\s+100\.00%\s+13\s/);
    expect(r.code).toBe(0);
  });

  it("does not warn about a listed survivor of a file that a scoped report left out", () => {
    const entry = {
      file: "dagger/src/report/json.ts",
      mutator: "StringLiteral",
      line: 3,
      replacement: '""',
      reason: "out of this run's scope",
    };
    const r = run({ [A]: killed(1) }, [entry]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });

  it("names a file whose source changed since its report as stale, and not one that is unchanged", () => {
    const real = "dagger/src/report/json.ts";
    const now = readFileSync(join(ROOT, real), "utf8");
    const stale = spawnSync(
      process.execPath,
      [SCRIPT, "--report", writeReport({ [real]: killed(1) }, false, { [real]: `${now}// edited\n` })],
      { encoding: "utf8" },
    );
    expect(stale.stderr).toContain(`warning: ${real} is stale`);
    const fresh = spawnSync(
      process.execPath,
      [SCRIPT, "--report", writeReport({ [real]: killed(1) }, false, { [real]: now })],
      { encoding: "utf8" },
    );
    expect(fresh.stderr).not.toContain("stale");
  });

  it("exits 2 when there is no report, saying how to make one", () => {
    const { status: code, stderr } = spawnSync(
      process.execPath,
      [SCRIPT, "--report", join(tmp, "missing.json")],
      {
        encoding: "utf8",
      },
    );
    expect(code).toBe(2);
    expect(stderr).toContain("run `npm run mutation`");
  });
});

describe("test/mutation/equivalent.json", () => {
  const file = join(ROOT, "test/mutation/equivalent.json");
  const list = JSON.parse(readFileSync(file, "utf8")) as Equivalent[];

  it("lists survivors of files that exist, each with a mutator, line, replacement and a one-line reason", () => {
    expect(Array.isArray(list)).toBe(true);
    for (const e of list) {
      const keys = Object.keys(e).filter((k) => k !== "column");
      expect(keys.sort(), JSON.stringify(e)).toEqual(["file", "line", "mutator", "reason", "replacement"]);
      if (e.column !== undefined)
        expect(Number.isInteger(e.column) && e.column > 0, JSON.stringify(e)).toBe(true);
      expect(existsSync(join(ROOT, e.file)), e.file).toBe(true);
      expect(e.file, JSON.stringify(e)).toMatch(/^dagger\/src\/.+\.ts$/);
      expect(Number.isInteger(e.line) && e.line > 0, JSON.stringify(e)).toBe(true);
      expect(e.mutator, JSON.stringify(e)).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(e.reason.trim().length, JSON.stringify(e)).toBeGreaterThan(10);
      expect(e.reason, JSON.stringify(e)).not.toContain("\n");
    }
  });

  it("lists each entry once (two like mutants on one line are two entries, each with its reason)", () => {
    const keys = list.map((e) =>
      JSON.stringify([e.file, e.line, e.column, e.mutator, e.replacement, e.reason]),
    );
    expect(new Set(keys).size).toBe(keys.length);
  });
});
