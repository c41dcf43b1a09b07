/**
 * One plain closing line after vitest's own report, `Tests: N passed, N failed, N skipped`, so any CI that reads
 * test counts (not only vitest's formatted table) sees what ran.
 *
 * Before it, the `warning: ` lines tests made the module write (held by test/helpers/stderr.ts): a failed test's
 * are printed under its name, since they may explain the failure; a passing test's are expected (it provoked them:
 * a rate limit, a missing pull request) and only counted, so a green run prints no warning that reads like one.
 */
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryLine implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    const count = { passed: 0, failed: 0, skipped: 0 };
    const expected = { lines: 0, tests: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") count.passed += 1;
        else if (state === "failed") count.failed += 1;
        else count.skipped += 1;
        const held = test.meta().heldWarnings ?? [];
        if (held.length === 0) continue;
        if (state === "failed") {
          process.stderr.write(
            `\nwarnings written by the failed test "${test.fullName}":\n${held.join("\n")}\n`,
          );
        } else {
          expected.lines += held.length;
          expected.tests += 1;
        }
      }
    }
    if (expected.lines > 0) {
      const lines = expected.lines === 1 ? "1 line" : `${expected.lines} lines`;
      const tests = expected.tests === 1 ? "1 passing test" : `${expected.tests} passing tests`;
      process.stdout.write(
        `\nExpected warnings: ${lines} starting "warning: ", written by ${tests} that provoke them, held back` +
          " (a failed test's are printed).\n",
      );
    }
    process.stdout.write(
      `\nTests: ${count.passed} passed, ${count.failed} failed, ${count.skipped} skipped\n`,
    );
  }
}
