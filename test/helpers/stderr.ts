/**
 * What the module writes to the run's log (stderr) while it works.
 *
 * Also vitest's setup file (vitest.config.ts): the `warning: ` lines a test makes the module write to stderr are
 * held on the test (its meta) instead of being printed among the results, where an expected "giving up after 3
 * retries" of a passing test reads like a failure. The summary reporter prints a failed test's held lines and
 * only counts a passing test's.
 */
import { afterEach, beforeEach, type TaskMeta, vi } from "vitest";

declare module "vitest" {
  interface TaskMeta {
    /** `warning: ` lines written to stderr while this test ran; see test/reporters/summary-line.ts */
    heldWarnings?: string[];
  }
}

/** Runs `fn` with the process's stderr held back; returns its value and the `warning: ` lines written meanwhile. */
export async function warningsOnStderr<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const stderr = vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  try {
    const value = await fn();
    const warnings = stderr.mock.calls.map(([text]) => String(text)).filter((t) => t.startsWith("warning: "));
    return { value, warnings };
  } finally {
    stderr.mockRestore();
  }
}

// Kept on globalThis: this file is both the setup file and a module tests import, and may be loaded twice.
const state = globalThis as { heldWarningsOf?: TaskMeta; heldWarningsInstalled?: boolean };

if (!state.heldWarningsInstalled) {
  state.heldWarningsInstalled = true;
  const write = process.stderr.write.bind(process.stderr) as (...args: unknown[]) => boolean;
  process.stderr.write = ((chunk: unknown, ...rest: unknown[]) => {
    const meta = state.heldWarningsOf;
    if (meta === undefined || typeof chunk !== "string" || !chunk.startsWith("warning: ")) {
      return write(chunk, ...rest);
    }
    meta.heldWarnings ??= [];
    meta.heldWarnings.push(chunk.replace(/\n$/, ""));
    const done = rest.find((arg) => typeof arg === "function") as (() => void) | undefined;
    if (done) process.nextTick(done);
    return true;
  }) as typeof process.stderr.write;
}

beforeEach(({ task }) => {
  state.heldWarningsOf = task.meta;
});
afterEach(() => {
  state.heldWarningsOf = undefined;
});
