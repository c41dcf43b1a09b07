/**
 * Golden files: the expected output lives beside the test, in a file a reviewer reads as a diff. They are
 * written only when asked (`UPDATE_GOLDEN=1`); a missing golden file fails, so a test can never pass by
 * writing down whatever the code produced.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { expect } from "vitest";

export function expectGolden(file: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  if (!existsSync(file)) {
    throw new Error(`No golden file ${file}: run with UPDATE_GOLDEN=1 and review what it writes.`);
  }
  expect(actual).toBe(readFileSync(file, "utf8"));
}
