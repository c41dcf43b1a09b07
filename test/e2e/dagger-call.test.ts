/**
 * End to end through a real Dagger engine: `dagger call ...` on this repository, as a user types it. These
 * need the `dagger` CLI (0.21.x) and a container runtime; where there is none they are skipped, with the
 * reason printed, never faked.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const engineVersion = (
  JSON.parse(readFileSync(join(ROOT, "dagger.json"), "utf8")) as { engineVersion: string }
).engineVersion;

function daggerVersion(): string | undefined {
  try {
    return execFileSync("dagger", ["version"], { encoding: "utf8", timeout: 30_000 }).trim();
  } catch {
    return undefined;
  }
}

const version = daggerVersion();
const skipReason =
  version === undefined
    ? `no \`dagger\` CLI on PATH (install version ${engineVersion}: see the README's Prerequisites)`
    : undefined;
if (skipReason) console.log(`[e2e] skipping engine-backed tests: ${skipReason}`);

function dagger(...args: string[]) {
  const run = spawnSync("dagger", ["--progress=plain", "call", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout: 45 * 60_000,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe.skipIf(skipReason !== undefined)(
  `dagger call on this repository (${version ?? "no engine"})`,
  () => {
    it("lints the sample app clean", () => {
      const run = dagger("lint", "summary");
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain("ruff: no findings");
    });

    it("tests one Python version and reports counts and coverage", () => {
      const run = dagger("test", "--python-version", "3.12", "coverage");
      expect(run.code, run.stderr).toBe(0);
      expect(Number(run.stdout.trim())).toBeGreaterThanOrEqual(90);
    });

    it("refuses an unknown Python version before starting any container", () => {
      const run = dagger("test", "--python-version", "3.9");
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        "Unknown Python version '3.9'. Expected one of: 3.10, 3.11, 3.12, 3.13, 3.14, 3.14t.",
      );
    });

    it("refuses a threshold outside 0..100", () => {
      const run = dagger("--threshold", "101", "ci");
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain("Invalid coverage threshold '101'");
    });

    it("runs the whole pipeline and exports every report", () => {
      const out = mkdtempSync(join(tmpdir(), "ci-reports-"));
      try {
        const run = dagger("ci", "--exit-zero", "reports", "export", "--path", out);
        expect(run.code, run.stderr).toBe(0);
        const status = JSON.parse(readFileSync(join(out, "status.json"), "utf8")) as {
          passed: boolean;
          tests: { version: string; passed: boolean }[];
          smoke: { output: string };
          skipped: string[];
        };
        expect(status.tests.map((t) => t.version)).toEqual(["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"]);
        expect(status.smoke.output).toBe("5");
        expect(status.skipped.join("\n")).toMatch(/publish: not requested/);
        for (const file of [
          "summary.md",
          "coverage.xml",
          ".coverage",
          "junit-3.12.xml",
          "ruff.json",
          "trivy.json",
        ]) {
          expect(readFileSync(join(out, file), "utf8").length, file).toBeGreaterThan(0);
        }
        expect(status.passed).toBe(true);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    });

    it("rehearses build -> publish -> deploy against an in-engine registry", () => {
      const run = dagger("ci", "--rehearse", "--branch", "feature/login", "status");
      expect(run.code, run.stderr).toBe(0);
      const status = JSON.parse(run.stdout) as { image: { reference: string; published: boolean } };
      expect(status.image.published).toBe(true);
      expect(status.image.reference).toMatch(
        /^localhost:5000\/rehearsal\/app:feature-login-df7c7aeb@sha256:[0-9a-f]{64}$/,
      );
    });
  },
);
