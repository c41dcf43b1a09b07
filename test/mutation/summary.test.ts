/**
 * scripts/mutation-summary.mjs, run as `npm run mutation` runs it, on small Stryker reports written here: each
 * file held to the floor as Stryker scores it. Also keeps the `// Stryker disable` marks in dagger/src honest:
 * each names a mutator and says why, since `npm test` runs far more often than the mutation run.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const SCRIPT = join(ROOT, "scripts/mutation-summary.mjs");
const tmp = mkdtempSync(join(tmpdir(), "mutation-summary-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

type Status =
  | "Killed"
  | "Survived"
  | "NoCoverage"
  | "Timeout"
  | "CompileError"
  | "RuntimeError"
  | "Ignored"
  | "StaticSurvived";

let count = 0;
/** The summary over a Stryker JSON report of these files, each a list of its mutants' statuses. */
function run(files: Record<string, Status[]>) {
  const report = join(tmp, `report-${count++}.json`);
  const mutants = (statuses: Status[]) =>
    statuses.map((status, i) =>
      status === "StaticSurvived"
        ? { id: String(i), mutatorName: "StringLiteral", status: "Survived", static: true, location: {} }
        : { id: String(i), mutatorName: "StringLiteral", status, location: {} },
    );
  const entries = Object.entries(files).map(([name, s]) => [
    name,
    { language: "typescript", mutants: mutants(s) },
  ]);
  writeFileSync(report, JSON.stringify({ schemaVersion: "2", files: Object.fromEntries(entries) }));
  const r = spawnSync(process.execPath, [SCRIPT, report], { encoding: "utf8" });
  return { code: r.status, stderr: r.stderr };
}

const times = (n: number, status: Status): Status[] => Array(n).fill(status);
const A = "dagger/src/a.ts";

describe("mutation-summary", () => {
  it("passes when every file scores at least 70%, timeouts counting as detected", () => {
    expect(run({ [A]: [...times(6, "Killed"), "Timeout", ...times(3, "Survived")] })).toEqual({
      code: 0,
      stderr: "",
    });
  });

  it("fails naming each file under 70%, with its score", () => {
    const r = run({
      [A]: [...times(9, "Killed")],
      "dagger/src/b.ts": [...times(6, "Killed"), ...times(4, "NoCoverage")],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("mutation-summary: dagger/src/b.ts scores 60.00%, under the 70% floor\n");
  });

  it("leaves ignored, compile-error and runtime-error mutants out of the score, as Stryker does", () => {
    const r = run({
      [A]: ["Killed", "Survived", "Survived", ...times(5, "Ignored"), "CompileError", "RuntimeError"],
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("33.33%");
    expect(run({ [A]: times(3, "Ignored") }).code).toBe(0);
  });

  it("does not score a survivor Stryker flags static (module-level, computed before the switch)", () => {
    expect(run({ [A]: [...times(3, "Killed"), ...times(5, "StaticSurvived"), "Survived"] })).toEqual({
      code: 0,
      stderr: "",
    });
    expect(run({ [A]: ["Killed", ...times(5, "StaticSurvived"), "Survived"] }).stderr).toContain("50.00%");
  });

  it("exits 2 when there is no report, saying how to make one", () => {
    const r = spawnSync(process.execPath, [SCRIPT, join(tmp, "missing.json")], { encoding: "utf8" });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("run `npm run mutation`");
  });
});

describe("the `// Stryker disable` marks in dagger/src", () => {
  const src = join(ROOT, "dagger/src");
  const marks = readdirSync(src, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts"))
    .flatMap((f) =>
      readFileSync(join(src, f), "utf8")
        .split("\n")
        .map((line, i) => ({ where: `${f}:${i + 1}`, line: line.trim().replace(/^[:?] /, "") }))
        .filter((l) => /Stryker (disable|restore)/.test(l.line)),
    );

  it("each names its mutators and gives a reason; a range is restored", () => {
    const mutators = "[A-Z]\\w+(,[A-Z]\\w+)*";
    const form = new RegExp(`^// Stryker (disable (next-line )?${mutators}: \\S.{9,}|restore ${mutators})$`);
    expect(marks.filter((m) => !form.test(m.line)).map((m) => `${m.where} ${m.line}`)).toEqual([]);
    const ranges = marks.filter((m) => /^\/\/ Stryker disable (?!next-line)/.test(m.line)).length;
    expect(marks.filter((m) => m.line.startsWith("// Stryker restore")).length).toBe(ranges);
  });
});
