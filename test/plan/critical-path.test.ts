/**
 * The critical path of `ci`, measured on the stand-in engine's virtual clock (helpers/critical-path.ts): one unit
 * per process, build or push, each starting when its inputs are done and the module has asked for it. A Python
 * leg is one unit (run_tests.sh installs its interpreter, syncs and runs pytest) and the combine one more: 2, as
 * long as the image's branch (the build, then scan.sh: Trivy's scan, the DB version it used and the conversions;
 * the SBOM runs beside it, off the DB volume). Publishing adds the push of the run's tag, then the branch tag;
 * signing one unit between them.
 */
import { describe, expect, it } from "vitest";
import { timedEngine } from "../helpers/critical-path.js";
import { enginesPerTest } from "../helpers/engine.js";
import { callPipeline } from "../helpers/invoke.js";
import { PUBLISH, SIGN, scenario } from "../helpers/scenario.js";
import { throughMergedReports } from "./combined-coverage.js";

const startEngine = enginesPerTest();

async function criticalPath(args: Record<string, unknown>): Promise<number> {
  const timed = timedEngine(throughMergedReports(scenario({ lock: true })));
  const engine = await startEngine(timed.resolver);
  const run = (await callPipeline(engine, "ciRun", { exitZero: true, threshold: 70, ...args })) as {
    passed: boolean;
    status: string;
  };
  expect(JSON.parse(run.status).failures, run.status).toBeUndefined();
  if (process.env.CP_DEBUG) process.stdout.write(`${timed.path().join("\n")}\n`);
  return timed.elapsed();
}

// The clock moves when the module has been quiet for a while of real time; on a loaded machine a slow module can
// ask late and so measure more, never less: a rerun tells that from a real regression.
describe("ci's critical path (units of the stand-in's clock)", { retry: 2 }, () => {
  it.each([
    ["plain ci: the matrix and the combine; everything else beside them", {}, 2],
    ["ci --publish: then the push of the run's tag and the branch tag", PUBLISH, 4],
    ["ci --publish --sign: the signature before the branch tag moves", { ...PUBLISH, ...SIGN }, 5],
  ])("%s", async (_name, args, units) => {
    expect(await criticalPath(args)).toBeLessThanOrEqual(units);
  });
});

describe("the virtual clock itself", () => {
  const exec = (name: string) => ({ field: "withExec", args: { args: [name] } });
  const base = [{ field: "container", args: {} }];

  it("runs what is asked together side by side, a chain one after another, and an input before its user", async () => {
    const timed = timedEngine(() => "ok", 5);
    const a = [...base, exec("a")];
    const b = [...base, exec("b")];
    await Promise.all([
      timed.resolver([...a, { field: "stdout", args: {} }]),
      timed.resolver([...b, { field: "stdout", args: {} }]),
    ]);
    expect(timed.elapsed()).toBe(1);
    await timed.resolver([...a, exec("a2"), exec("a3"), { field: "sync", args: {} }]);
    expect(timed.elapsed()).toBe(3);
    // a container that takes b's output waits for it, and b ran once
    await timed.resolver([
      ...base,
      { field: "withFile", args: { source: { $chain: [...b, { field: "file", args: {} }] } } },
      exec("c"),
      { field: "sync", args: {} },
    ]);
    expect(timed.elapsed()).toBe(4);
  });

  it("counts what the module asks only after an answer as later, as the engine would run it", async () => {
    const timed = timedEngine(() => "ok", 5);
    await timed.resolver([...base, exec("a"), { field: "stdout", args: {} }]);
    await timed.resolver([...base, exec("b"), { field: "stdout", args: {} }]);
    expect(timed.elapsed()).toBe(2);
  });
});
