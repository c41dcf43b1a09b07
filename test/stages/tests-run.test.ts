/**
 * One version's test run as the stand-in engine session records it inside the test: the coverage core named
 * from 3.14 on, the reports handed on without the run's bookkeeping files, and the output the summary shows
 * (stdout then stderr, the last 4000 characters).
 */
import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { parseServices, type ServiceSpec } from "../../dagger/src/settings/services.js";
import { runTests } from "../../dagger/src/stages/tests.js";
import {
  type Chain,
  chainOf,
  containersWith,
  directoryId,
  enginesPerTest,
  execs,
  find,
  leafOf,
} from "../helpers/engine.js";
import { envOf, runsScript, type Scenario, scenario } from "../helpers/scenario.js";

const startEngine = enginesPerTest();
const source = () => dag.loadDirectoryFromID(directoryId() as never);
const isTestRun = (c: Chain) => execs(c).some(runsScript("run_tests.sh"));

async function run(
  version: string,
  output: { stdout?: string; stderr?: string } = {},
  s: Scenario = {},
  services: ServiceSpec[] = [],
) {
  const base = scenario(s);
  const engine = await startEngine((chain) => {
    const { field } = leafOf(chain);
    if (isTestRun(chain) && field === "stdout" && output.stdout !== undefined) return output.stdout;
    if (isTestRun(chain) && field === "stderr" && output.stderr !== undefined) return output.stderr;
    return base(chain);
  });
  const result = await engine.connect(async () => {
    const r = await runTests(source(), "sample-app", version, services);
    return { ...r, reportsChain: chainOf(await r.reports.id()) ?? [] };
  });
  const [testRun] = containersWith(engine, isTestRun);
  return { result, testRun: testRun as Chain };
}

describe("runTests", () => {
  it.each([
    ["3.13", undefined],
    ["3.14", "sysmon"],
    ["3.14t", "sysmon"],
  ])("Python %s: COVERAGE_CORE %s", async (version, core) => {
    const { testRun } = await run(version);
    expect(envOf(testRun, "COVERAGE_CORE")).toBe(core);
  });

  it("hands on the reports without sync.log and exit-code, and shows stdout then stderr, the last 4000 characters", async () => {
    const short = await run("3.13", { stdout: "collected 5 items\n", stderr: "warning: x\n" });
    expect(short.result.output).toBe("collected 5 items\n\nwarning: x");
    expect(find(short.result.reportsChain, "withoutFiles").at(-1)?.args.paths).toEqual([
      "sync.log",
      "exit-code",
    ]);
    const long = await run("3.13", { stdout: `${"a".repeat(4000)}`, stderr: "END" });
    expect(long.result.output).toBe(`…${"a".repeat(3996)}\nEND`);
    const exact = await run("3.13", { stdout: "b".repeat(4000), stderr: "" });
    expect(exact.result.output).toBe("b".repeat(4000));
    expect(execs(exact.testRun).at(-1)?.slice(0, 2)).toEqual(["sh", "/opt/pipeline/run_tests.sh"]);
  });

  it("loads the pytest probe from the module's own dagger/scripts/", async () => {
    const { testRun } = await run("3.13");
    const probe = find(testRun, "withFile").find(
      (c) => c.args.path === "/opt/pipeline-probe/pipeline_probe.py",
    );
    const from = (probe?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
    expect(from.map((c) => c.field)).toEqual(["currentModule", "source", "file"]);
    expect(from.at(-1)?.args).toEqual({ path: "scripts/pipeline_probe.py" });
  });

  it("an environment without pytest is said as such, naming the groups synced and the fix", async () => {
    const noPytest = { versions: { "3.12": "no-pytest" as const } };
    const engine = await startEngine(scenario(noPytest));
    const [plain, grouped] = await engine.connect(async () => [
      await runTests(source(), "sample-app", "3.12"),
      await runTests(source(), "sample-app", "3.12", [], { groups: ["testing", "ci"], extras: [] }),
    ]);
    expect(plain?.status.error).toBe(
      "pytest is not installed in the environment uv synced (the project's default groups). Expected pytest in the dev group (uv add --dev pytest), or --groups naming the group that has it, e.g. --groups testing.",
    );
    expect(grouped?.status.error).toContain("(the default groups and testing, ci)");
    expect(plain?.output).toBe("pytest is not in the environment uv synced for Python 3.12");
  });

  it("a test exec that fails outside the script's own exit codes is not taken for a sync failure", async () => {
    const engine = await startEngine(scenario({ versions: { "3.12": "exec-fail" } }));
    const err = await engine.connect(() =>
      runTests(source(), "sample-app", "3.12").then(
        () => undefined,
        (e: unknown) => e,
      ),
    );
    expect(err).toMatchObject({ name: "ExecError", exitCode: 127 });
  });

  it("a failed uv sync is said as one, with service containers bound or not: no readiness check failed", async () => {
    for (const services of [[], parseServices(["postgres"])]) {
      const { result } = await run("3.12", {}, { versions: { "3.12": "sync-fail" } }, services);
      expect(result.status.passed).toBe(false);
      expect(result.status.error).toBe(
        "uv sync failed for Python 3.12: error: Failed to fetch: `https://pypi.org/simple/pytest/`\nuv sync failed for Python 3.12",
      );
    }
  });
});
