/**
 * The root vitest.config.ts as Stryker runs it (stryker.config.mjs points here): the same tests and timeouts,
 * only in another order. Stryker stops a mutant's run at its first failing test, and vitest's default order
 * puts the slowest suites first (the fake GitHub's retries alone take ~35 s), so a mutant that a 5 ms table
 * test kills waited for them. Here the quick suites go first and the known slow ones last.
 */
import { statSync } from "node:fs";
import { relative } from "node:path";
import { mergeConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import base from "../../vitest.config.js";

/** Suites measured at seconds each (`npx vitest run`, 2 cores), quickest of them first. */
const SLOW_LAST = [
  "test/module/import-graph.test.ts",
  "test/invocation/harness.test.ts",
  "test/invocation/functions.test.ts",
  "test/github/notify.test.ts",
  "test/plan/ci-plan.test.ts",
  "test/scripts/container-scripts.test.ts",
  "test/github/github.test.ts",
];

class QuickFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification): number => {
      const slow = SLOW_LAST.indexOf(relative(spec.project.config.root, spec.moduleId).replaceAll("\\", "/"));
      // unknown suites by size, smallest first; every slow one after them
      return slow === -1 ? statSync(spec.moduleId).size : 1e9 + slow;
    };
    return [...files].sort((a, b) => rank(a) - rank(b));
  }
}

export default mergeConfig(base, { test: { sequence: { sequencer: QuickFirst } } });
