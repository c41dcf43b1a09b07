/**
 * End to end through a real Dagger engine: `dagger call ...` as a user types it, on this repository and on a
 * generated failing app. These need the `dagger` CLI (0.21.x) and a container runtime; where there is none they
 * are skipped, with the reason printed, never faked. On a machine with Dagger: `npm run e2e`.
 *
 * The failing app carries names made up for this run (a test, a module, the expected smoke output), and the
 * assertions look for them: output printed by anything but a real run of this app cannot pass.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const engineVersion = (
  JSON.parse(readFileSync(join(ROOT, "dagger.json"), "utf8")) as { engineVersion: string }
).engineVersion;

/** A cold engine downloads six Pythons, every wheel, the Trivy DB and the base images: minutes, not seconds. */
const COLD = 45 * 60_000;
const WARM = 10 * 60_000;

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

function dagger(args: string[], timeout = COLD) {
  const run = spawnSync("dagger", ["--progress=plain", "-m", ROOT, "call", ...args], {
    cwd: ROOT,
    encoding: "utf8",
    timeout,
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

type Status = {
  passed: boolean;
  lint: { passed: boolean; findings: { file: string; code: string }[] };
  tests: {
    version: string;
    passed: boolean;
    tests: number;
    failures: number;
    python?: string;
    gil?: boolean;
  }[];
  gate: { passed: boolean; coverage?: number; message: string };
  scan?: { passed: boolean; dbUpdatedAt?: string };
  smoke?: { passed: boolean; output: string; expected: string };
  skipped: { stage: string; reason: string }[];
};

function exportReports(args: string[]): { run: ReturnType<typeof dagger>; status: Status; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "ci-reports-"));
  const run = dagger([...args, "ci", "--exit-zero", "reports", "export", "--path", dir]);
  const status = JSON.parse(readFileSync(join(dir, "status.json"), "utf8")) as Status;
  return { run, status, dir };
}

describe.skipIf(skipReason !== undefined)(
  `dagger call on this repository (${version ?? "no engine"})`,
  () => {
    it("refuses an unknown Python version before starting any container", () => {
      const run = dagger(["test", "--python-version", "3.9"], WARM);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        "Unknown Python version '3.9'. Expected one of: 3.10, 3.11, 3.12, 3.13, 3.14, 3.14t.",
      );
    });

    it("refuses a threshold outside 0..100", () => {
      const run = dagger(["--threshold", "101", "ci"], WARM);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain("Invalid coverage threshold '101'");
    });

    it(
      "runs the whole pipeline green on the sample app and exports every report",
      () => {
        const { run, status, dir } = exportReports([]);
        try {
          expect(run.code, run.stderr).toBe(0);
          expect(status.tests.map((t) => [t.version, t.passed])).toEqual(
            ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"].map((v) => [v, true]),
          );
          // the sample app has 97 tests; every leg ran them on the interpreter it asked for
          for (const t of status.tests) {
            expect(t.tests, t.version).toBeGreaterThan(90);
            expect(t.python?.startsWith(t.version.replace("t", "")), t.version).toBe(true);
          }
          expect(status.tests.find((t) => t.version === "3.14t")?.gil).toBe(false);
          expect(status.tests.find((t) => t.version === "3.14")?.gil).toBe(true);
          expect(status.gate.passed).toBe(true);
          expect(status.scan?.dbUpdatedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
          expect(status.smoke).toMatchObject({ passed: true, output: "5" });
          expect(status.skipped).toContainEqual(expect.objectContaining({ stage: "publish" }));
          for (const file of [
            "summary.md",
            "coverage.xml",
            ".coverage",
            "junit-3.12.xml",
            "ruff.json",
            "trivy.json",
          ]) {
            expect(readFileSync(join(dir, file), "utf8").length, file).toBeGreaterThan(0);
          }
          expect(status.passed).toBe(true);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      COLD,
    );

    it(
      "rehearses build -> publish -> deploy against an in-engine registry",
      () => {
        const run = dagger(["ci", "--rehearse", "--branch", "feature/login", "status"]);
        expect(run.code, run.stderr).toBe(0);
        const status = JSON.parse(run.stdout) as { image: { reference: string; published: boolean } };
        expect(status.image.published).toBe(true);
        expect(status.image.reference).toMatch(
          /^localhost:5000\/rehearsal\/app:feature-login-df7c7aeb@sha256:[0-9a-f]{64}$/,
        );
      },
      COLD,
    );
  },
);

describe.skipIf(skipReason !== undefined)("dagger call on a failing app (generated for this run)", () => {
  const token = randomBytes(4).toString("hex");
  let source = "";

  beforeAll(() => {
    // The sample app and its Dockerfile, made to fail in four ways a user would notice.
    source = mkdtempSync(join(tmpdir(), "failing-app-"));
    cpSync(join(ROOT, "sample-app"), join(source, "sample-app"), { recursive: true });
    cpSync(join(ROOT, "Dockerfile"), join(source, "Dockerfile"));
    cpSync(join(ROOT, ".dockerignore"), join(source, ".dockerignore"));
    const pkg = join(source, "sample-app", "src", "sample_app");
    // a lint finding (F401) in a module named for this run, and lines no test executes
    writeFileSync(
      join(pkg, `untested_${token}.py`),
      `import os\n\n\n${Array.from({ length: 60 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join("\n\n")}`,
    );
    // a failing test named for this run
    writeFileSync(
      join(source, "sample-app", "tests", `test_fails_${token}.py`),
      `def test_fails_${token}():\n    assert 1 + 1 == 3\n`,
    );
  });

  afterAll(() => {
    if (source) rmSync(source, { recursive: true, force: true });
  });

  it(
    "fails, keeps every report, and says exactly what failed",
    () => {
      const expected = `${token}-not-printed`;
      const { run, status, dir } = exportReports(["--source", source, "--smoke-expect", expected]);
      try {
        expect(run.code, run.stderr).toBe(0); // --exit-zero: the reports are exported, the verdict is in them
        expect(status.passed).toBe(false);
        expect(status.lint.findings).toContainEqual(
          expect.objectContaining({ file: `src/sample_app/untested_${token}.py`, code: "F401" }),
        );
        for (const t of status.tests) {
          expect(t.passed, t.version).toBe(false);
          expect(t.failures, t.version).toBe(1);
        }
        expect(readFileSync(join(dir, "junit-3.12.xml"), "utf8")).toContain(`test_fails_${token}`);
        expect(status.gate.passed).toBe(false);
        expect(status.gate.message).toMatch(/^Combined coverage \d+(\.\d+)?% is below the 90% threshold\.$/);
        expect(status.smoke).toMatchObject({ passed: false, output: "5", expected });
        expect(status.skipped).toContainEqual(expect.objectContaining({ stage: "publish" }));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    COLD,
  );

  it(
    "without --exit-zero, ends in failure naming each failed gate",
    () => {
      const run = dagger(["--source", source, "--smoke-expect", `${token}-x`, "ci"]);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toMatch(/lint: [1-9]\d* finding\(s\)/);
      expect(run.stderr).toMatch(/tests on Python 3\.12: 1 failure\(s\)/);
      expect(run.stderr).toContain("coverage gate: Combined coverage");
      expect(run.stderr).toContain(
        `smoke run: 'python -m sample_app 2 3' printed '5', expected '${token}-x'`,
      );
    },
    COLD,
  );
});

describe.skipIf(skipReason !== undefined)(
  "the module called from another project (--source, --app .)",
  () => {
    let project = "";

    beforeAll(() => {
      // A second project, generated: the sample app's files at its root, and a Dockerfile that copies from there.
      project = mkdtempSync(join(tmpdir(), "second-project-"));
      cpSync(join(ROOT, "sample-app"), project, { recursive: true });
      const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8").replaceAll("sample-app/", "./");
      writeFileSync(join(project, "Dockerfile"), dockerfile);
    });

    afterAll(() => {
      if (project) rmSync(project, { recursive: true, force: true });
    });

    it(
      "lints, tests, builds and smoke-runs it, exactly as for this repository",
      () => {
        const { run, status, dir } = exportReports(["--source", project, "--app", "."]);
        try {
          expect(run.code, run.stderr).toBe(0);
          expect(status.lint.passed).toBe(true);
          expect(status.tests.every((t) => t.passed && t.tests > 90)).toBe(true);
          expect(status.smoke).toMatchObject({ passed: true, output: "5" });
          expect(status.passed).toBe(true);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      COLD,
    );
  },
);
