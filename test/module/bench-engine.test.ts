/** `npm run bench:engine` where no engine exists: it says so and exits 0 instead of failing or inventing a figure. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

it("says there is nothing to measure without a dagger CLI, and exits 0", () => {
  const empty = mkdtempSync(join(tmpdir(), "no-dagger-"));
  try {
    const run = spawnSync(process.execPath, [join(import.meta.dirname, "../../scripts/bench-engine.mjs")], {
      encoding: "utf8",
      env: { PATH: empty },
    });
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      'bench:engine: no dagger CLI on PATH (see the README, "Try it"); nothing measured\n',
    );
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
