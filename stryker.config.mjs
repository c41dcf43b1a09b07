// Mutation testing of the module (dagger/src) with StrykerJS: `npm run mutation` runs it; Stryker's thresholds.break
// holds the total and scripts/mutation-summary.mjs each file's floor. Incremental: a rerun tests only the mutants
// whose code or tests changed since reports/mutation/stryker-incremental.json. A survivor no test can tell from the
// original is marked at its line: `// Stryker disable next-line <Mutator>: <reason>`. Not in .ci/run (slow).
import { readdirSync } from "node:fs";

/**
 * Test files left out of the mutation run. Most never load dagger/src (they test the Python app, the workflows
 * and the `dagger` CLI from the outside): they cannot kill a mutant, and Stryker would run all of them for every
 * static mutant. test/sample-app/dockerfile.test.ts and ruff.test.ts stay (they read the pins in
 * settings/pins.ts), and so does test/workflows/behaviour.test.ts (it calls environmentFor from settings/tags.ts).
 */
const NOT_RUN = [
  /^test\/e2e\//, // `dagger call` through a real engine, which loads the module itself, never vitest's copy
  /^test\/sample-app\/(cli|pytest)\.test\.ts$/, // the Python app's CLI and pytest suite
  /^test\/workflows\/(dependabot|lint|policy|repository)\.test\.ts$/, // YAML, actionlint, CODEOWNERS
  /^test\/mutation\/summary\.test\.ts$/, // scripts/mutation-summary.mjs on reports it writes itself
  // The SDK introspector reads dagger/src as TypeScript text; Stryker's instrumented copy is different text
  // (every default and constant wrapped in a mutant switch), so the golden surface cannot match there.
  // The mutants only it would kill are listed in the summary's survivors; index.ts is where they live.
  /^test\/module\/introspection\.test\.ts$/,
];

const testFiles = readdirSync("test", { recursive: true, encoding: "utf8" })
  .map((f) => `test/${f.replaceAll("\\", "/")}`)
  .filter((f) => f.endsWith(".test.ts") && !NOT_RUN.some((re) => re.test(f)))
  .sort();

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  packageManager: "npm",
  mutate: ["dagger/src/**/*.ts"],
  testRunner: "vitest",
  // The root vitest.config.ts with the quick suites first (test/mutation/vitest.config.ts says why).
  // related: false, because several suites load dagger/src through computed import() paths (the SDK's
  // entrypoint path in test/helpers/invoke.ts) that vitest's related-file graph cannot see.
  vitest: { configFile: "test/mutation/vitest.config.ts", related: false },
  testFiles,
  coverageAnalysis: "perTest",
  // Static mutants (module-level constants, tables, regexes) would each run every test file: hours on 2 cores.
  ignoreStatic: true,
  checkers: ["typescript"],
  tsconfigFile: "dagger/tsconfig.json",
  // The instrumented copies are run by vitest, which does not type-check; keep tsc quiet about them all the same.
  disableTypeChecks: "dagger/src/**/*.ts",
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, reportTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: 80 },
  incremental: true,
  incrementalFile: "reports/mutation/stryker-incremental.json",
  // 2 cores: one tsc checker and one vitest runner, then two runners once every mutant is checked.
  concurrency: 2,
  // Suites start local HTTP servers (fake GitHub, fake engine) and child processes; a few seconds of
  // slack above the measured time keeps a slow start from being reported as a timeout.
  timeoutMS: 15_000,
  timeoutFactor: 2,
  dryRunTimeoutMinutes: 20,
  ignorePatterns: ["/reports", "/sample-app/.venv", "/dagger/sdk"],
  tempDirName: ".stryker-tmp",
};
