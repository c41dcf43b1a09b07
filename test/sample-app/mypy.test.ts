/**
 * The sample app is fully typed: mypy with the app's own config (`[tool.mypy] strict = true`, files src and
 * tests) passes on it, and the same config fails an untyped function. The pipeline pins a newer mypy
 * (MYPY_VERSION) that runs only inside the engine; here it is Debian's python3-mypy, which .ci/run installs, on
 * the host's Python 3 with Debian's pytest (the tests are checked against pytest's own types).
 */
import { spawnSync } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findPython, SAMPLE_APP } from "../helpers/python";

const MYPY_FIX = "apt-get install -y python3-mypy python3-pytest";
const found = findPython(["mypy", "pytest"]);
const work = mkdtempSync(join(tmpdir(), "sample-app-mypy-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

if (!found.ok) {
  const why = `${found.reason.replace(/ Fix: .*$/, "")} Fix: ${MYPY_FIX}`;
  // .ci/run installs it: there a missing mypy is a broken setup, not a reason to skip
  if (process.env.CI) throw new Error(why);
  console.warn(`skipping the sample app's type check: ${why}`);
}

function mypy(cwd: string) {
  const run = spawnSync(
    found.ok ? found.command : "python3",
    ["-m", "mypy", "--cache-dir", join(work, `cache-${Math.random().toString(36).slice(2)}`)],
    { cwd, encoding: "utf8", timeout: 300_000, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } },
  );
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe.skipIf(!found.ok)(
  `the sample app under mypy --strict (${found.ok ? found.command : "none"})`,
  () => {
    it("passes with the app's own config, sources and tests alike", () => {
      const { status, out } = mypy(SAMPLE_APP);
      expect(out).toMatch(/^Success: no issues found in \d+ source files$/m);
      expect(status).toBe(0);
    }, 300_000);

    it("fails an untyped function with the same config: the config is strict", () => {
      const copy = join(work, "app");
      cpSync(SAMPLE_APP, copy, {
        recursive: true,
        filter: (src) => !/[\\/](\.venv|\.mypy_cache|__pycache__)$/.test(src),
      });
      appendFileSync(join(copy, "src/sample_app/__init__.py"), "\n\ndef untyped(x):\n    return x\n");
      const { status, out } = mypy(copy);
      expect(out).toContain("Function is missing a type annotation  [no-untyped-def]");
      expect(status).toBe(1);
    }, 300_000);
  },
);
