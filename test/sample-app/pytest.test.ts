/**
 * The sample app's own pytest suite, run with its coverage gate on the host's Python 3, the way the pipeline
 * runs it (`pytest --junitxml=... --cov --cov-report=xml:... --cov-report=term`, COVERAGE_FILE set by the caller),
 * from the source tree (PYTHONPATH=sample-app/src, nothing installed). Reports go to a temp dir, never the repo.
 */
import { type SpawnSyncReturns, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, type TomlTable } from "smol-toml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseCoverageJson } from "../../dagger/src/report/coverage.js";
import { findPython, PYTEST_FIX, SAMPLE_APP, sampleAppEnv } from "../helpers/python";
import { tableAt } from "../helpers/toml-table";

interface PytestRun {
  result: SpawnSyncReturns<string>;
  junit: string;
  coverageXml: string;
  coverageFile: string;
}

let python = "";
let work = "";

function runPytest(name: string, extraArgs: string[] = []): PytestRun {
  const junit = join(work, `${name}-junit.xml`);
  const coverageXml = join(work, `${name}-coverage.xml`);
  const coverageFile = join(work, `${name}.coverage`);
  const result = spawnSync(
    python,
    [
      "-m",
      "pytest",
      "-p",
      "no:cacheprovider",
      `--junitxml=${junit}`,
      "--cov",
      `--cov-report=xml:${coverageXml}`,
      "--cov-report=term",
      ...extraArgs,
    ],
    {
      cwd: SAMPLE_APP,
      encoding: "utf8",
      // no DATABASE_URL from the caller's environment: the integration test's skip is part of what is asserted
      env: { ...sampleAppEnv({ COVERAGE_FILE: coverageFile }), DATABASE_URL: undefined },
      timeout: 120_000,
    },
  );
  return { result, junit, coverageXml, coverageFile };
}

function attribute(xml: string, element: string, name: string): number {
  const tag = new RegExp(`<${element}\\b[^>]*>`).exec(xml)?.[0];
  const value = tag ? new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] : undefined;
  if (value === undefined) throw new Error(`<${element}> has no ${name} attribute`);
  return Number(value);
}

/**
 * Total coverage as coverage.py itself reports it (`coverage json`, totals.percent_covered), read through
 * the module's own parser: no formula recomputed here.
 */
function coveragePercent(coverageFile: string): number {
  const json = join(work, "coverage.json");
  const run = spawnSync(python, ["-m", "coverage", "json", "-o", json, "--fail-under=0"], {
    cwd: SAMPLE_APP,
    encoding: "utf8",
    env: sampleAppEnv({ COVERAGE_FILE: coverageFile }),
    timeout: 60_000,
  });
  if (run.status !== 0) throw new Error(`coverage json failed: ${run.stderr}`);
  return parseCoverageJson(readFileSync(json, "utf8"), json).percent;
}

/** Every file and directory under `dir` (relative paths), to show a run left nothing behind. */
function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((entry) => !entry.startsWith(".venv"))
    .sort();
}

function output(result: SpawnSyncReturns<string>): string {
  return `${result.stdout}\n${result.stderr}`;
}

describe("sample-app pytest suite on the host Python", () => {
  let full: PytestRun;
  let treeBefore: string[] = [];
  let treeAfter: string[] = [];

  beforeAll(() => {
    const found = findPython(["pytest", "pytest_cov"]);
    if (!found.ok) throw new Error(`cannot run the sample app's tests: ${found.reason}`);
    python = found.command;
    console.log(`sample-app pytest: using ${found.command} (Python ${found.version})`);
    work = mkdtempSync(join(tmpdir(), "sample-app-pytest-"));
    treeBefore = listTree(SAMPLE_APP);
    full = runPytest("full");
    treeAfter = listTree(SAMPLE_APP);
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("passes, with the coverage gate", () => {
    expect(full.result.error).toBeUndefined();
    expect(full.result.status, output(full.result)).toBe(0);
    expect(full.result.stdout).toMatch(/Required test coverage of 90(\.0)?% reached/);
  });

  it("writes junit.xml with a positive test count and no failures", () => {
    const junit = readFileSync(full.junit, "utf8");
    expect(attribute(junit, "testsuite", "tests")).toBeGreaterThan(0);
    expect(attribute(junit, "testsuite", "failures")).toBe(0);
    expect(attribute(junit, "testsuite", "errors")).toBe(0);
    // the database integration test, and only it, skips without DATABASE_URL (runPytest clears it), saying why
    expect(attribute(junit, "testsuite", "skipped")).toBe(1);
    expect(junit).toMatch(
      /<skipped [^>]*message="DATABASE_URL is not set: this test needs a PostgreSQL server/,
    );
    expect(junit).toContain('name="test_a_postgresql_server_answers_at_database_url"');
  });

  it("writes coverage.xml at 100% line and branch coverage", () => {
    const xml = readFileSync(full.coverageXml, "utf8");
    expect(attribute(xml, "coverage", "branches-valid")).toBeGreaterThan(0);
    expect(coveragePercent(full.coverageFile)).toBe(100);
    // relative_files = true: file names are relative, so reports from different machines can be combined.
    const filenames = [...xml.matchAll(/\sfilename="([^"]*)"/g)].map((match) => match[1]);
    expect(filenames.length).toBeGreaterThan(0);
    expect(filenames.filter((name) => name?.startsWith("/"))).toEqual([]);
    for (const module of ["__init__.py", "__main__.py", "calculator.py", "cli.py"]) {
      expect(xml).toContain(`filename="src/sample_app/${module}"`);
    }
  });

  it("puts the coverage data file where COVERAGE_FILE says, and nothing into the repo", () => {
    expect(existsSync(full.coverageFile)).toBe(true);
    expect(treeAfter).toEqual(treeBefore);
  });

  it("fails when coverage is below fail_under (the gate is live, read from pyproject.toml)", () => {
    const partial = runPytest("partial", ["tests/test_calculator.py"]);
    expect(partial.result.status, output(partial.result)).not.toBe(0);
    expect(output(partial.result)).toMatch(/Required test coverage of 90(\.0)?% not reached/);
    expect(coveragePercent(partial.coverageFile)).toBeLessThan(90);
  });
});

describe("sample-app pyproject.toml test configuration", () => {
  const pyproject: TomlTable = parse(readFileSync(join(SAMPLE_APP, "pyproject.toml"), "utf8"));

  it("configures pytest for the oldest supported runner (Debian 12's pytest 7.2)", () => {
    const pytest = tableAt(pyproject, "tool", "pytest", "ini_options");
    expect(pytest?.testpaths).toEqual(["tests"]);
    const minversion = String(pytest?.minversion ?? "0");
    const [major = 0, minor = 0] = minversion.split(".").map(Number);
    expect(major * 100 + minor, `minversion ${minversion}`).toBeLessThanOrEqual(702);
  });

  it("configures coverage: source, branch, relative paths, a 90% gate with missing lines shown", () => {
    const run = tableAt(pyproject, "tool", "coverage", "run");
    expect(run?.source).toEqual(["sample_app"]);
    expect(run?.branch).toBe(true);
    expect(run?.relative_files).toBe(true);
    expect(run).not.toHaveProperty("data_file"); // COVERAGE_FILE from the caller decides
    const report = tableAt(pyproject, "tool", "coverage", "report");
    expect(report?.fail_under).toBe(90);
    expect(report?.show_missing).toBe(true);
  });

  it("is a PEP 621 project with the console script, MIT licence and dev tools the pipeline uses", () => {
    const project = tableAt(pyproject, "project");
    expect(project?.name).toBe("sample-app");
    expect(project?.["requires-python"]).toBe(">=3.10");
    expect(project?.license).toBe("MIT");
    expect(tableAt(pyproject, "project", "scripts")?.["sample-app"]).toBe("sample_app.cli:main");
    expect(tableAt(pyproject, "build-system")?.["build-backend"]).toBe("hatchling.build");
    const dev = tableAt(pyproject, "dependency-groups")?.dev;
    expect(Array.isArray(dev)).toBe(true);
    const names = (dev as string[]).map((requirement) => /^[A-Za-z0-9_.-]+/.exec(requirement)?.[0]);
    expect(names).toEqual(expect.arrayContaining(["pytest", "pytest-cov", "ruff"]));
    expect(dev).toContain("ruff==0.17.4");
    expect(existsSync(join(SAMPLE_APP, "LICENSE"))).toBe(true);
    expect(existsSync(join(SAMPLE_APP, "uv.lock"))).toBe(false);
  });

  it("names the fix when no interpreter has pytest-cov", () => {
    const missing = findPython(["surely_not_a_module_x"]);
    expect(missing.ok).toBe(false);
    if (!missing.ok) {
      expect(missing.reason).toContain("surely_not_a_module_x");
      expect(missing.reason).toContain(PYTEST_FIX);
    }
  });
});
