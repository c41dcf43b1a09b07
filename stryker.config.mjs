// Mutation testing of the module (dagger/src) with StrykerJS: `npm run mutation` runs it, then
// scripts/mutation-summary.mjs holds the score to its targets. Slow (an hour or more on 2 cores), so not in .ci/run.
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
  // Static mutants (module-level constants, tables, regexes, decorator options: ~450 of ~3,300) would each
  // run every test file; on 2 cores that alone is hours. With ignoreStatic, Stryker ignores those that run only
  // at load, and runs the "hybrid" ones (run at load, e.g. by a beforeAll, and inside tests) against their tests
  // with the mutant switched on at run time. scripts/mutation-summary.mjs scores a hybrid survivor inside a
  // function like any other, and counts one in module-level code apart (it was computed before the switch).
  // Set false (and allow hours) to test the module-level ones too.
  ignoreStatic: true,
  checkers: ["typescript"],
  tsconfigFile: "dagger/tsconfig.json",
  // The instrumented copies are run by vitest, which does not type-check; keep tsc quiet about them all the same.
  disableTypeChecks: "dagger/src/**/*.ts",
  reporters: ["html", "json", "clear-text", "progress"],
  htmlReporter: { fileName: "reports/mutation/index.html" },
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  clearTextReporter: { allowColor: false, reportTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 85, low: 70, break: null },
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
