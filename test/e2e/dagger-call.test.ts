/**
 * End to end through a real Dagger engine: `dagger call ...` as a user types it, on this repository and on apps
 * generated per run (failing, untyped, fixable, another project's layout). These need the `dagger` CLI (0.21.x) and a container runtime; where there is none they
 * are skipped, with the reason printed, never faked. On a machine with Dagger: `npm run e2e`.
 *
 * The generated apps carry names made up for this run (a test, a module, a function, a service, the expected
 * smoke output), and the assertions look for them: output printed by anything but a real run of this app cannot
 * pass. Every generated app is made by {@link generatedApp}.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TypecheckStatus } from "../../dagger/src/report/mypy.js";
import { checkDaggerCall } from "../helpers/dagger-cli.js";

const ROOT = resolve(import.meta.dirname, "../..");
const engineVersion = (
  JSON.parse(readFileSync(join(ROOT, "dagger.json"), "utf8")) as { engineVersion: string }
).engineVersion;

/** A cold engine downloads six Pythons, every wheel, the Trivy DB and the base images: minutes, not seconds. */
const COLD = 45 * 60_000;
const WARM = 10 * 60_000;

/** The module's default test matrix, in its order. */
const VERSIONS = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"];

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
    ? `no \`dagger\` CLI on PATH (install version ${engineVersion}: see the README, "Try it")`
    : undefined;
if (skipReason) console.log(`[e2e] skipping engine-backed tests: ${skipReason}`);

function dagger(args: string[], timeout = COLD) {
  // a command the module's surface would refuse is this suite's mistake, named before the engine is asked
  const problems = checkDaggerCall(["call", ...args.filter((a, i) => a !== "-o" && args[i - 1] !== "-o")]);
  if (problems.length > 0) throw new Error(`not the module's surface: ${problems.join("; ")}`);
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
  typecheck?: TypecheckStatus;
  tests: {
    version: string;
    passed: boolean;
    tests: number;
    failures: number;
    skipped: number;
    python?: string;
    gil?: boolean;
  }[];
  services?: string[];
  gate: { passed: boolean; coverage?: number; message: string };
  scan?: { passed: boolean; dbUpdatedAt?: string };
  smoke?: { passed: boolean; output: string; expected: string };
  skipped: { stage: string; reason: string }[];
};

/** The sample's smoke run, as its ci.yml states it (the module's default only imports the app's packages). */
const SAMPLE_SMOKE = ["--smoke-command", "python -m sample_app 2 3"];

/** `[constructor flags] ci-run [ciFlags] --exit-zero reports export`, and the status.json it exported. */
function exportReports(
  args: string[],
  ciArgs: string[] = [],
): { run: ReturnType<typeof dagger>; status: Status; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), "ci-reports-"));
  const run = dagger([
    ...SAMPLE_SMOKE,
    ...args,
    "ci-run",
    ...ciArgs,
    "--exit-zero",
    "reports",
    "export",
    "--path",
    dir,
  ]);
  const status = JSON.parse(readFileSync(join(dir, "status.json"), "utf8")) as Status;
  return { run, status, dir };
}

/** Every folder {@link generatedApp} made, removed when the file's tests are done. */
const generated: string[] = [];
afterAll(() => {
  for (const dir of generated) rmSync(dir, { recursive: true, force: true });
});

/** Local environments and caches a copy of the sample app leaves behind. */
const LOCAL_ARTEFACT =
  /[\\/](\.venv|__pycache__|\.pytest_cache|\.ruff_cache|\.mypy_cache|\.coverage[^\\/]*)$/;

/**
 * The one way this suite makes an app: the sample app copied into a new temporary folder, with `files` (paths
 * inside the app) written over it. `repository` lays it out like this repository (`sample-app/`, the Dockerfile
 * and .dockerignore at the root: pass `--source <root>`); `project` puts the app's files at the root, with a
 * Dockerfile that copies from there (pass `--source <root> --app .`). Returns the root and the app's folder.
 */
function generatedApp(
  prefix: string,
  files: Record<string, string> = {},
  layout: "repository" | "project" = "repository",
): { root: string; app: string } {
  const root = mkdtempSync(join(tmpdir(), `${prefix}-`));
  generated.push(root);
  const app = layout === "repository" ? join(root, "sample-app") : root;
  cpSync(join(ROOT, "sample-app"), app, { recursive: true, filter: (src) => !LOCAL_ARTEFACT.test(src) });
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  if (layout === "repository") {
    writeFileSync(join(root, "Dockerfile"), dockerfile);
    cpSync(join(ROOT, ".dockerignore"), join(root, ".dockerignore"));
  } else {
    writeFileSync(join(root, "Dockerfile"), dockerfile.replaceAll("sample-app/", "./"));
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(app, path)), { recursive: true });
    writeFileSync(join(app, path), text);
  }
  return { root, app };
}

/** How one test case ended in a pytest junit report: passed, skipped, failure or error; undefined when absent. */
function junitOutcome(xml: string, name: string): string | undefined {
  const testcase = new RegExp(`<testcase\\b[^>]*\\bname="${name}"[^>]*?(?:/>|>([\\s\\S]*?)</testcase>)`).exec(
    xml,
  );
  if (!testcase) return undefined;
  const body = testcase[1] ?? "";
  for (const outcome of ["skipped", "failure", "error"]) {
    if (new RegExp(`<${outcome}\\b`).test(body)) return outcome;
  }
  return "passed";
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

    it("refuses a --diff-threshold outside 0..100 before anything runs", () => {
      const run = dagger(["ci", "--diff-threshold", "150"], WARM);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        "Invalid --diff-threshold '150'. Expected a number from 0 to 100, e.g. 80 (0, the default, only reports).",
      );
    });

    it("refuses an unknown --services name before anything runs", () => {
      const run = dagger(["--services", "mysql", "ci"], WARM);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        "Unknown service 'mysql' in --services. Expected a comma-separated list of: postgres, redis, or NAME=IMAGE@sha256:<64 hex>:PORT, e.g. mysql=mysql:8.4@sha256:<64 hex>:3306 for another image.",
      );
    });

    it("refuses a --services entry without a digest before anything runs", () => {
      const service = `cache-${randomBytes(4).toString("hex")}=redis:7.4.11-alpine:6379`;
      const run = dagger(["--services", service, "ci"], WARM);
      expect(run.code).not.toBe(0);
      expect(run.stderr).toContain(
        `Invalid --services entry '${service}': the image needs a sha256 digest and a port. Expected NAME=IMAGE@sha256:<64 hex>:PORT, e.g. mysql=mysql:8.4@sha256:<64 hex>:3306.`,
      );
    });

    it(
      "type-checks the sample app clean under its own strict mypy config",
      () => {
        const run = dagger(["typecheck", "summary"]);
        expect(run.code, run.stderr).toBe(0);
        expect(run.stdout.trim()).toBe("mypy: no errors");
      },
      COLD,
    );

    it(
      "with --services postgres, the sample's database test runs and passes on every version",
      () => {
        const test = "test_a_postgresql_server_answers_at_database_url";
        const without = exportReports([]);
        const withDb = exportReports(["--services", "postgres"]);
        try {
          expect(without.run.code, without.run.stderr).toBe(0);
          expect(withDb.run.code, withDb.run.stderr).toBe(0);
          expect(withDb.status.services).toEqual(["postgres"]);
          expect(withDb.status.tests.map((t) => [t.version, t.passed])).toEqual(
            VERSIONS.map((v) => [v, true]),
          );
          for (const v of VERSIONS) {
            const junit = (dir: string) => readFileSync(join(dir, `junit-${v}.xml`), "utf8");
            expect(junitOutcome(junit(without.dir), test), v).toBe("skipped");
            expect(junitOutcome(junit(withDb.dir), test), v).toBe("passed");
            const base = without.status.tests.find((t) => t.version === v);
            const leg = withDb.status.tests.find((t) => t.version === v);
            expect(leg?.tests, v).toBe(base?.tests);
            expect(leg?.skipped, v).toBe((base?.skipped ?? 0) - 1);
          }
        } finally {
          rmSync(without.dir, { recursive: true, force: true });
          rmSync(withDb.dir, { recursive: true, force: true });
        }
      },
      2 * COLD,
    );

    it(
      "runs the whole pipeline green on the sample app and exports every report",
      () => {
        const { run, status, dir } = exportReports([]);
        try {
          expect(run.code, run.stderr).toBe(0);
          expect(status.tests.map((t) => [t.version, t.passed])).toEqual(VERSIONS.map((v) => [v, true]));
          // the sample app has 98 tests; every leg ran them on the interpreter it asked for
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
        const run = dagger(["ci-run", "--rehearse", "--branch", "feature/login", "status"]);
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
    source = generatedApp("failing-app", {
      // a lint finding (F401) in a module named for this run, and lines no test executes
      [`src/sample_app/untested_${token}.py`]: `import os\n\n\n${Array.from({ length: 60 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join("\n\n")}`,
      // a failing test named for this run
      [`tests/test_fails_${token}.py`]: `def test_fails_${token}():\n    assert 1 + 1 == 3\n`,
    }).root;
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
      const run = dagger([...SAMPLE_SMOKE, "--source", source, "--smoke-expect", `${token}-x`, "ci"]);
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
  "the type check on an app with an untyped function (generated for this run)",
  () => {
    const token = randomBytes(4).toString("hex");
    const file = `src/sample_app/untyped_${token}.py`;
    // the function is on line 4, and lint-clean (the noqa): the type check is the only gate it fails
    const finding = `${file}:4:1: error: Function is missing a type annotation  [no-untyped-def]`;
    let source = "";

    beforeAll(() => {
      source = generatedApp("untyped-app", {
        [file]: `"""A module made for this run."""\n\n\ndef untyped_${token}(x):  # noqa: ANN001, ANN201\n    """Return x unchanged."""\n    return x\n`,
      }).root;
    });

    it(
      "typecheck fails naming the function's file, line and [no-untyped-def]",
      () => {
        const run = dagger(["--source", source, "typecheck"]);
        expect(run.code).not.toBe(0);
        expect(run.stderr).toContain("mypy: 1 error(s)");
        expect(run.stderr).toContain(finding);
      },
      COLD,
    );

    it(
      "ci --exit-zero records the failed type check in status.json",
      () => {
        const { run, status, dir } = exportReports(["--source", source]);
        try {
          expect(run.code, run.stderr).toBe(0);
          expect(status.typecheck).toMatchObject({ passed: false, mode: "gate", errors: 1 });
          expect(status.typecheck?.findings).toEqual([
            expect.objectContaining({ file, line: 4, severity: "error", code: "no-untyped-def" }),
          ]);
          expect(status.lint.passed).toBe(true);
          expect(status.passed).toBe(false);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      COLD,
    );

    it(
      "ci without --exit-zero ends in failure with the type check's line",
      () => {
        const run = dagger(["--source", source, "ci"]);
        expect(run.code).not.toBe(0);
        expect(run.stderr).toContain("typecheck: 1 mypy error(s)");
        expect(run.stderr).not.toMatch(/lint: \d+ finding\(s\)/);
      },
      COLD,
    );

    it(
      "ci --typecheck off runs no type check: no typecheck in status.json, and the run passes",
      () => {
        const { run, status, dir } = exportReports(["--source", source], ["--typecheck", "off"]);
        try {
          expect(run.code, run.stderr).toBe(0);
          expect(Object.hasOwn(status, "typecheck")).toBe(false);
          expect(status.passed).toBe(true);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      COLD,
    );
  },
);

describe.skipIf(skipReason !== undefined)(
  "fix on an app with fixable findings (generated for this run)",
  () => {
    const token = randomBytes(4).toString("hex");
    const file = `src/sample_app/tidy_${token}.py`;
    const doc = `"""A module made for this run."""\n`;
    const body = `def tidy_${token}(a: int, b: int) -> int:\n    """Return the sum."""\n`;

    it(
      "applies the fix changeset: the app without the unused import and formatted, and prints the changed file",
      () => {
        // an unused import (F401, a safe fix) and a line ruff format rewrites (`a+b`)
        const { root, app } = generatedApp("fixable-app", {
          [file]: `${doc}\nimport os\n\n\n${body}    return a+b\n`,
        });
        // -o applies the returned changeset at that path without asking (cmd/dagger handleResponse, v0.21.8)
        const run = dagger(["--source", root, "fix", "-o", root]);
        expect(run.code, run.stderr).toBe(0);
        expect(readFileSync(join(app, file), "utf8")).toBe(`${doc}\n\n${body}    return a + b\n`);
        const printed = `${run.stdout}${run.stderr}`;
        expect(printed).toContain("ruff fixed or reformatted 1 file(s):");
        expect(printed).toContain(`sample-app/${file}`);
      },
      COLD,
    );
  },
);

describe.skipIf(skipReason !== undefined)(
  "the module called from another project (--source, --app .)",
  () => {
    let project = "";

    beforeAll(() => {
      // A second project, generated: the sample app's files at its root, and a Dockerfile that copies from there.
      project = generatedApp("second-project", {}, "project").root;
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
