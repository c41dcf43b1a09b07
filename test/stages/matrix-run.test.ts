/**
 * The matrix as the stand-in engine session records it inside the test: the combine's one exec, the reports it
 * hands on (every leg's, then the combine's), a leg whose container broke, and a combine
 * that failed, each in the words the summary shows.
 */
import { dag } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { runMatrix } from "../../dagger/src/stages/matrix.js";
import {
  type Chain,
  chainOf,
  containersWith,
  directoryId,
  enginesPerTest,
  execs,
  find,
  leafOf,
  type Resolver,
} from "../helpers/engine.js";
import { envOf, runsScript, type Scenario, scenario, versionOf } from "../helpers/scenario.js";

const startEngine = enginesPerTest();
const source = () => dag.loadDirectoryFromID(directoryId() as never);
const isCombine = (c: Chain) => execs(c).some(runsScript("combine.sh"));
const isTestRun = (c: Chain) => execs(c).some(runsScript("run_tests.sh"));

/** runMatrix over `versions`; `override` answers a leaf first (undefined: the scenario answers). */
async function matrix(
  versions: string[],
  override: (chain: Chain) => unknown = () => undefined,
  opts: { threshold?: number; s?: Scenario } = {},
) {
  const threshold = "threshold" in opts ? opts.threshold : 70;
  const base: Resolver = scenario(opts.s ?? {});
  const engine = await startEngine((chain) => override(chain) ?? base(chain));
  const result = await engine.connect(async () => {
    const m = await runMatrix(source(), "sample-app", versions, threshold);
    return { ...m, reportsChain: chainOf(await m.reports.id()) ?? [] };
  });
  return { engine, result };
}

describe("runMatrix", () => {
  it("combines in one shell exec with its own data file, and hands on every leg's reports, then the combine's", async () => {
    const { engine, result } = await matrix(["3.12", "3.13"]);
    const [combine] = containersWith(engine, isCombine);
    expect(envOf(combine as Chain, "COVERAGE_FILE")).toBe("/combine/.coverage");
    expect(envOf(combine as Chain, "PIPELINE_OUT")).toBe("/combine");
    expect(execs(combine as Chain).at(-1)).toEqual(["sh", "/opt/pipeline/combine.sh"]);

    const merged = find(result.reportsChain, "withDirectory");
    expect(merged.map((c) => c.args.path)).toEqual([".", ".", "."]);
    const [first, second, combined] = merged.map((c) => (c.args.source as { $chain: Chain }).$chain);
    expect([first, second].map((c) => versionOf(c as Chain))).toEqual(["3.12", "3.13"]);
    expect(isCombine(combined as Chain)).toBe(true);
    expect(result.warnings).toEqual([]);
    expect(result.gate.coverage).toBeDefined();
  });

  it("reports a leg whose container broke as that version failed, with why, and still combines the others", async () => {
    const { result } = await matrix(["3.12", "3.13"], (chain) => {
      if (isTestRun(chain) && versionOf(chain) === "3.13" && leafOf(chain).field === "stdout")
        throw new Error("connection reset by peer");
      return undefined;
    });
    const broken = result.runs.find((r) => r.status.version === "3.13");
    expect(broken?.status.passed).toBe(false);
    expect(broken?.status.error).toMatch(/^the test container failed: .*connection reset by peer/s);
    expect(broken?.output).toBe("");
    expect(result.runs.find((r) => r.status.version === "3.12")?.status.passed).toBe(true);
    expect(result.gate.coverage).toBeDefined();
  });

  it("leaves out a leg whose reports cannot be listed, and combines the others' data without a warning", async () => {
    const { engine, result } = await matrix(["3.12", "3.13"], (chain) => {
      // the handed-on reports (without the sync log), not the run's own listing
      const handedOn = find(chain, "withoutFiles").length > 0;
      if (isTestRun(chain) && versionOf(chain) === "3.13" && leafOf(chain).field === "entries" && handedOn)
        throw new Error("failed to list the reports");
      return undefined;
    });
    const [combine] = containersWith(engine, isCombine);
    const dataFiles = find(combine as Chain, "withFile").filter((c) =>
      String(c.args.path).startsWith("/combine/"),
    );
    expect(dataFiles.map((c) => c.args.path)).toEqual(["/combine/.coverage.3.12"]);
    expect(result.runs.map((r) => r.status.passed)).toEqual([true, true]);
    expect(result.warnings).toEqual([]);
    expect(result.gate.coverage).toBeDefined();
  });

  it("without --threshold, coverage.py decides by the project's own fail_under, which the gate then shows", async () => {
    const project = (failUnder: string) => ({
      threshold: undefined,
      s: { mypyFiles: { "pyproject.toml": `[tool.coverage.report]\n${failUnder}` } },
    });
    const own = await matrix(["3.12"], () => undefined, project("fail_under = 85\n"));
    const [combine] = containersWith(own.engine, isCombine);
    expect(envOf(combine as Chain, "PIPELINE_FAIL_UNDER")).toBeUndefined();
    expect(own.result.gate.threshold).toBe(85);
    expect(own.result.gate.message).toMatch(/threshold\.$/);

    const none = await matrix(["3.12"], () => undefined, project(""));
    expect(none.result.gate).toMatchObject({ passed: true, threshold: 0 });
    expect(none.result.gate.message).toMatch(/\(no gate: the project's coverage config sets no fail_under/);
  });

  it("a combine that fails or writes an unreadable coverage.json leaves the gate without data, and says why", async () => {
    const failing = await matrix(["3.12"], (chain) => {
      if (isCombine(chain) && leafOf(chain).field === "contents") throw new Error("exit code: 1 (coverage)");
      return undefined;
    });
    expect(failing.result.warnings).toHaveLength(1);
    expect(failing.result.warnings[0]).toMatch(/^coverage combine failed: .*exit code: 1 \(coverage\)/s);
    expect(failing.result.gate).toMatchObject({ passed: false });
    expect(failing.result.gate.coverage).toBeUndefined();

    const garbled = await matrix(["3.12"], (chain) =>
      isCombine(chain) && leafOf(chain).field === "contents" ? "{not json" : undefined,
    );
    expect(garbled.result.warnings).toHaveLength(1);
    expect(garbled.result.warnings[0]).toMatch(/^coverage combine failed: .*combined coverage\.json/s);
  });
});
