/** What the module writes to the run's log (stderr) while it works. */
import { vi } from "vitest";

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
