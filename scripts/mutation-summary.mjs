#!/usr/bin/env node
// Reads Stryker's JSON report (mutation-testing-report-schema), prints the mutation score per file and overall,
// and holds them to the targets: at least 85% overall and no file under 70%. Survivors listed in
// test/mutation/equivalent.json (judged equivalent: no test can tell them from the original) count as killed;
// a listed one that no longer matches a surviving mutant is warned about, so the list does not rot. An entry may
// add "column" when two mutants share a line, mutator and replacement.
// With `ignoreStatic` (stryker.config.mjs), Stryker ignores a mutant that only runs while its module loads, and
// runs a "hybrid" one (it runs at load and inside a test) against its tests with the mutant switched on at run time
// (@stryker-mutator/core 9.6.1, dist/src/mutants/mutant-test-planner.js planMutant), flagging it static. A hybrid
// survivor in a module-level initializer (a constant, a regex, a table, a decorator's options) had already been
// computed unmutated when the switch came on: no test could kill it, so it is counted apart ("static") and not
// scored. One inside a function body, a parameter default or an instance field ran again under the switch: it is a
// survivor like any other. A file whose report has no source text cannot be told apart, and is scored.
// Several reports (`--report A --report B`, e.g. scoped runs with `stryker run --mutate ...`) are read as one:
// a file in more than one report is taken from the last. A file whose source differs from the one in this
// checkout is named stale: its score is of code that no longer exists.
// Exit code: 0 targets met, 1 a target missed, 2 the report or the list is missing or malformed.
// Usage: node scripts/mutation-summary.mjs [--report FILE]... [--equivalent FILE] [--survivors]
import { existsSync, readFileSync } from "node:fs";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import ts from "typescript";

const ROOT = resolve(import.meta.dirname, "..");
const TARGET_OVERALL = 85;
const TARGET_FILE = 70;

// Stryker's own scoring: timeouts count as detected; compile and runtime errors and ignored mutants are not
// valid mutants and count nowhere.
const DETECTED = new Set(["Killed", "Timeout"]);
const UNDETECTED = new Set(["Survived", "NoCoverage"]);

const { values: args } = parseArgs({
  options: {
    report: { type: "string", multiple: true, default: ["reports/mutation/mutation.json"] },
    equivalent: { type: "string", default: "test/mutation/equivalent.json" },
    survivors: { type: "boolean", default: false },
  },
});

function fail(message) {
  console.error(`mutation-summary: ${message}`);
  process.exit(2);
}

function readJson(file, what) {
  if (!existsSync(file))
    fail(`${what} '${file}' does not exist${what === "report" ? " (run `npm run mutation`)" : ""}`);
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch (error) {
    fail(`${what} '${file}' is not valid JSON: ${error.message}`);
  }
}

/** One line of replacement text, whitespace runs collapsed, so a listed entry survives reformatting. */
const squash = (text) => String(text).replace(/\s+/g, " ").trim();

function readEquivalents(file) {
  if (!existsSync(file)) return [];
  const list = readJson(file, "equivalent list");
  if (!Array.isArray(list))
    fail(`'${file}' must hold an array of { file, mutator, line, replacement, reason }`);
  return list.map((entry, i) => {
    const where = `'${file}' entry ${i}`;
    if (entry === null || typeof entry !== "object") fail(`${where} is not an object`);
    const { file: path, mutator, line, column, replacement, reason } = entry;
    if (typeof path !== "string" || path === "")
      fail(`${where}: "file" must be a path such as dagger/src/x.ts`);
    if (typeof mutator !== "string" || mutator === "")
      fail(`${where}: "mutator" must name a Stryker mutator`);
    if (!Number.isInteger(line) || line < 1)
      fail(`${where}: "line" must be a line number, got ${JSON.stringify(line)}`);
    if (column !== undefined && (!Number.isInteger(column) || column < 1)) {
      fail(`${where}: "column", when given, must be a column number, got ${JSON.stringify(column)}`);
    }
    if (typeof replacement !== "string")
      fail(`${where}: "replacement" must be the mutated code as Stryker shows it`);
    if (typeof reason !== "string" || reason.trim() === "" || /\n/.test(reason)) {
      fail(`${where}: "reason" must be one line saying why no test can tell the mutant from the original`);
    }
    return { file: path, mutator, line, column, replacement: squash(replacement), reason };
  });
}

/** The report's file keys, relative to the project Stryker ran in (which may be a copy of this one). */
function reportFiles(report) {
  if (!report || typeof report.files !== "object" || report.files === null) {
    fail("the report has no 'files': is it Stryker's JSON report (mutation-testing-report-schema)?");
  }
  const base = typeof report.projectRoot === "string" ? report.projectRoot : ROOT;
  // With `ignoreStatic`, a static survivor at module level ran before its switch came on: untestable in that run.
  const ignoreStatic = report.config?.ignoreStatic === true;
  return Object.entries(report.files).map(([name, file]) => {
    const mutants = Array.isArray(file.mutants) ? file.mutants : [];
    const atLoadOnly =
      ignoreStatic && typeof file.source === "string" ? moduleLevel(name, file.source) : () => false;
    for (const m of mutants)
      m.unscorable = ignoreStatic && m.static === true && atLoadOnly(m.location?.start);
    return {
      name: relative(base, resolve(base, name)).replaceAll("\\", "/"),
      source: typeof file.source === "string" ? file.source : undefined,
      mutants,
    };
  });
}

/**
 * Whether a place in a module ({ line, column }, 1-based as the report gives them) runs only while the module loads:
 * outside every function's parameters and body and every instance field's initializer.
 */
function moduleLevel(name, source) {
  const file = ts.createSourceFile(name, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const runsLater = [];
  const visit = (node) => {
    if (ts.isFunctionLike(node) && node.body) runsLater.push([node.parameters.pos, node.body.end]);
    else if (
      ts.isPropertyDeclaration(node) &&
      node.initializer &&
      !node.modifiers?.some((m) => m.kind === ts.SyntaxKind.StaticKeyword)
    ) {
      runsLater.push([node.name.pos, node.end]); // from after any decorator to the initializer's end
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  const lines = file.getLineStarts().length;
  return (start) => {
    if (!start || start.line < 1 || start.line > lines) return false;
    const at = ts.getPositionOfLineAndCharacter(file, start.line - 1, Math.max(0, (start.column ?? 1) - 1));
    return !runsLater.some(([from, to]) => at >= from && at < to);
  };
}

/** Marks the undetected mutants that the list calls equivalent; returns warnings for entries that match none. */
function applyEquivalents(files, equivalents) {
  const warnings = [];
  const byFile = new Map(files.map((f) => [f.name, f]));
  const claimed = new Set();
  for (const entry of equivalents) {
    const label = `${entry.file}:${entry.line} ${entry.mutator} -> ${entry.replacement}`;
    const file = byFile.get(entry.file);
    if (!file) {
      // a file of this checkout that a scoped run did not mutate: nothing to match, nothing rotted
      if (!existsSync(resolve(ROOT, entry.file))) {
        warnings.push(`equivalent ${label}: the report has no such file; remove or update the entry`);
      }
      continue;
    }
    const same = (m) => m.mutatorName === entry.mutator && squash(m.replacement) === entry.replacement;
    const at = (m) =>
      m.location?.start?.line === entry.line &&
      (entry.column === undefined || m.location?.start?.column === entry.column);
    const exact = file.mutants.filter((m) => same(m) && at(m));
    const undetected = (m) => UNDETECTED.has(m.status) && !claimed.has(m);
    let match = exact.find(undetected);
    if (!match) {
      if (exact.some((m) => DETECTED.has(m.status))) {
        warnings.push(`equivalent ${label}: a test kills it now, so it is not equivalent; remove the entry`);
        continue;
      }
      // The code moved: accept the one undetected mutant of that kind elsewhere in the file, and say so.
      const moved = file.mutants.filter((m) => same(m) && undetected(m));
      if (moved.length === 1) {
        match = moved[0];
        warnings.push(`equivalent ${label}: now at line ${match.location.start.line}; update the entry`);
      } else {
        warnings.push(
          `equivalent ${label}: no surviving mutant matches it any more; remove or update the entry`,
        );
        continue;
      }
    }
    claimed.add(match);
    match.equivalent = entry.reason;
  }
  return warnings;
}

function tally(mutants) {
  const t = { killed: 0, survived: 0, noCoverage: 0, equivalent: 0, static: 0, invalid: 0 };
  for (const m of mutants) {
    if (m.equivalent) t.equivalent++;
    else if (unscored(m)) t.static++;
    else if (DETECTED.has(m.status)) t.killed++;
    else if (m.status === "Survived") t.survived++;
    else if (m.status === "NoCoverage") t.noCoverage++;
    else t.invalid++;
  }
  t.valid = t.killed + t.equivalent + t.survived + t.noCoverage;
  t.score = t.valid === 0 ? undefined : (100 * (t.killed + t.equivalent)) / t.valid;
  return t;
}

const pct = (score) => (score === undefined ? "n/a" : `${score.toFixed(2)}%`);

function table(rows) {
  const header = ["file", "score", "killed", "equiv", "survived", "no cov", "valid", "static"];
  const body = rows.map((r) => [
    r.name,
    pct(r.t.score),
    r.t.killed,
    r.t.equivalent,
    r.t.survived,
    r.t.noCoverage,
    r.t.valid,
    r.t.static,
  ]);
  const all = [header, ...body].map((cells) => cells.map(String));
  const widths = header.map((_, i) => Math.max(...all.map((cells) => cells[i].length)));
  return all
    .map((cells) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  "))
    .join("\n");
}

/** A module-level static survivor of an ignoreStatic run: untestable there, so neither killed nor survived. */
const unscored = (m) => m.unscorable === true && UNDETECTED.has(m.status);
const byName = new Map();
for (const path of args.report) {
  for (const f of reportFiles(readJson(resolve(ROOT, path), "report"))) byName.set(f.name, f);
}
const files = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
const stale = files.filter((f) => {
  const here = resolve(ROOT, f.name);
  return f.source !== undefined && (!existsSync(here) || readFileSync(here, "utf8") !== f.source);
});
const warnings = applyEquivalents(files, readEquivalents(resolve(ROOT, args.equivalent)));

const rows = files.map((f) => ({ name: f.name, t: tally(f.mutants) }));
const overall = tally(files.flatMap((f) => f.mutants));
console.log(table([...rows, { name: "all files", t: overall }]));
if (overall.static > 0) {
  console.log(
    `\n${overall.static} static survivor(s) not scored: module-level code, computed unmutated when the module ` +
      "loaded, before ignoreStatic switched the mutant on, so no test could kill them (set ignoreStatic false to " +
      "test them, at hours on 2 cores).",
  );
}

if (args.survivors) {
  for (const f of files) {
    const left = f.mutants.filter((m) => UNDETECTED.has(m.status) && !m.equivalent);
    if (left.length === 0) continue;
    console.log(`\n${f.name}`);
    for (const m of left.sort((a, b) => a.location.start.line - b.location.start.line)) {
      const status = `${m.status === "NoCoverage" ? " (no coverage)" : ""}${unscored(m) ? " (static)" : ""}`;
      console.log(`  ${m.location.start.line}: ${m.mutatorName} -> ${squash(m.replacement)}${status}`);
    }
  }
}

for (const w of warnings) console.warn(`warning: ${w}`);
for (const f of stale) {
  console.warn(
    `warning: ${f.name} is stale: it changed (or is gone) since the report was written; run it again`,
  );
}

const missed = [];
if (overall.score === undefined) missed.push("the report holds no valid mutant");
else if (overall.score < TARGET_OVERALL)
  missed.push(`overall ${pct(overall.score)} is under ${TARGET_OVERALL}%`);
for (const r of rows) {
  if (r.t.score !== undefined && r.t.score < TARGET_FILE)
    missed.push(`${r.name} ${pct(r.t.score)} is under ${TARGET_FILE}%`);
}
if (missed.length > 0) {
  console.error(`\nmutation targets missed (overall >= ${TARGET_OVERALL}%, every file >= ${TARGET_FILE}%):`);
  for (const m of missed) console.error(`  ${m}`);
  process.exit(1);
}
console.log(
  `\nmutation targets met: overall ${pct(overall.score)} >= ${TARGET_OVERALL}%, every file >= ${TARGET_FILE}%`,
);
