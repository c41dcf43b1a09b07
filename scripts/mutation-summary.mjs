#!/usr/bin/env node
// `npm run mutation`'s per-file floor. Stryker's own `thresholds.break` holds the total; this holds each file of
// its JSON report to FLOOR, scored as Stryker scores: detected (killed, timeout) over valid (detected, survived,
// no coverage); ignored mutants (`// Stryker disable … : reason`) and erroring ones count nowhere, and neither
// does a survivor Stryker flags `static`: module-level code the suites load inside a test, computed before the
// mutant was switched on, which no test can kill (stryker.config.mjs ignoreStatic).
// Usage: node scripts/mutation-summary.mjs [REPORT]. Exit 0 every file meets it, 1 one does not, 2 no report.
import { existsSync, readFileSync } from "node:fs";

const FLOOR = 70;
const report = process.argv[2] ?? "reports/mutation/mutation.json";
if (!existsSync(report)) {
  console.error(`mutation-summary: no report '${report}' (run \`npm run mutation\`)`);
  process.exit(2);
}
let under = 0;
for (const [name, { mutants }] of Object.entries(JSON.parse(readFileSync(report, "utf8")).files)) {
  const count = (...statuses) => mutants.filter((m) => statuses.includes(m.status)).length;
  const detected = count("Killed", "Timeout");
  const valid =
    detected + mutants.filter((m) => ["Survived", "NoCoverage"].includes(m.status) && !m.static).length;
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  if (score < FLOOR) {
    under++;
    console.error(`mutation-summary: ${name} scores ${score.toFixed(2)}%, under the ${FLOOR}% floor`);
  }
}
process.exit(under === 0 ? 0 : 1);
