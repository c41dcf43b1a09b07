/**
 * The plan: what `ci` (and deploy) ask the engine to do, recorded by the stand-in engine session from the
 * module's real calls (library mode, the SDK connecting to DAGGER_SESSION_PORT). Each rule here is engine
 * behaviour a type check cannot see: which execs exist, what is in their definitions (and so in their cache
 * keys), what runs in one exec, and that secrets travel only as Secrets.
 */
import { afterEach, describe, expect, it } from "vitest";
import {
  allChains,
  type Chain,
  containersWith,
  type Engine,
  execs,
  find,
  isSecret,
  secretId,
  startEngine,
} from "../helpers/engine.js";
import { constructPipeline, invokeFunction } from "../helpers/invoke.js";
import { envOf, type Scenario, scenario, versionOf } from "../helpers/scenario.js";

let engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.map((e) => e.close()));
  engines = [];
});

async function runCi(s: Scenario = {}, args: Record<string, unknown> = {}) {
  const engine = await startEngine(scenario(s));
  engines.push(engine);
  const parentArgs = await constructPipeline(engine, { threshold: 70 });
  const { value } = await engine.connect(() =>
    invokeFunction({ fnName: "ci", parentArgs, fnArgs: { exitZero: true, ...args } }),
  );
  return { engine, run: value as { passed: boolean; summary: string; status: string; reports: string } };
}

const testRuns = (engine: Engine) =>
  containersWith(engine, (c) => execs(c).some((a) => a[0] === "sh" && (a[2] ?? "").includes("--junitxml")))
    // the chain up to and including the test exec: one per distinct run definition
    .map((c) => c.slice(0, c.map((call) => call.field).lastIndexOf("withExec") + 1))
    .filter((c, i, all) => all.findIndex((d) => JSON.stringify(d) === JSON.stringify(c)) === i);

describe("ci's plan", () => {
  it("runs one test container per version, each asking uv for the right interpreter", async () => {
    const { engine } = await runCi();
    const runs = testRuns(engine);
    expect(runs.map(versionOf).sort()).toEqual(["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"]);
    for (const run of runs) {
      const v = versionOf(run) as string;
      // GIL builds ask for +gil (a plain 3.14 may match a free-threaded interpreter); installs name the plain version
      expect(envOf(run, "UV_PYTHON")).toBe(v.endsWith("t") ? v : `${v}+gil`);
      expect(execs(run)).toContainEqual(["uv", "python", "install", v]);
      // sync and pytest in one exec: no separate cached sync whose venv can outlive its interpreter
      const script = execs(run).at(-1)?.[2] ?? "";
      expect(script).toContain("uv sync --group dev");
      expect(script).toContain("uv run --no-sync pytest");
      expect(script).toContain("-p pipeline_probe");
    }
  });

  it("reruns a failed version once, fresh (a changing value in its definition), and a green one never", async () => {
    const { engine, run } = await runCi({ versions: { "3.12": "fail", "3.13": "flaky" } });
    const runs = testRuns(engine);
    const of = (v: string) => runs.filter((r) => versionOf(r) === v);
    expect(of("3.11")).toHaveLength(1);
    for (const v of ["3.12", "3.13"]) {
      const [first, rerun] = of(v);
      expect(of(v)).toHaveLength(2);
      expect(envOf(first as Chain, "PIPELINE_RERUN")).toBeUndefined();
      expect(envOf(rerun as Chain, "PIPELINE_RERUN")).toMatch(/^[0-9a-f-]{36}$/);
    }
    const status = JSON.parse(run.status);
    expect(status.tests.find((t: { version: string }) => t.version === "3.13")).toMatchObject({
      passed: true,
      flaky: true,
    });
    expect(status.warnings.join("\n")).toContain("tests on Python 3.13 are flaky");
    expect(run.summary).toContain("⚠️ flaky");
  });

  it("two runs of a failing version never share a rerun definition (a failure is never replayed)", async () => {
    const a = await runCi({ versions: { "3.12": "fail" } });
    const b = await runCi({ versions: { "3.12": "fail" } });
    const rerun = (e: Engine) =>
      envOf(testRuns(e).find((r) => envOf(r, "PIPELINE_RERUN")) as Chain, "PIPELINE_RERUN");
    expect(rerun(a.engine)).not.toBe(rerun(b.engine));
  });

  it("syncs and combines coverage in one exec, with fail_under off", async () => {
    const { engine } = await runCi();
    const combines = containersWith(engine, (c) =>
      execs(c).some((a) => (a[2] ?? "").includes("coverage combine")),
    );
    expect(combines.length).toBeGreaterThan(0);
    const script =
      execs(combines[0] as Chain).find((a) => (a[2] ?? "").includes("coverage combine"))?.[2] ?? "";
    expect(script.split("\n")).toEqual([
      "set -eu",
      "uv sync --group dev $(test -f uv.lock && echo --locked)",
      "uv run --no-sync coverage combine --keep /combine",
      "uv run --no-sync coverage xml -o /combine/coverage.xml --fail-under=0",
      "uv run --no-sync coverage report --fail-under=0 > /combine/coverage.txt",
    ]);
  });

  it("keys the scan on the DB's 6-hour slot, scans every severity, and filters only what it shows", async () => {
    const { engine, run } = await runCi({}, { severity: ["CRITICAL"] });
    const [scan] = containersWith(engine, (c) => execs(c).some((a) => a[0] === "trivy" && a[1] === "image"));
    const plan = execs(scan as Chain);
    const image = plan.find((a) => a[1] === "image" && a.includes("json")) as string[];
    expect(image).not.toContain("--severity");
    const slot = envOf(scan as Chain, "PIPELINE_TRIVY_DB_SLOT");
    expect(slot).toMatch(/^\d{4}-\d{2}-\d{2}T(00|06|12|18)Z$/);
    // the slot is set before the scan exec, so it is part of that exec's definition
    const slotAt = (scan as Chain).findIndex(
      (c) => c.field === "withEnvVariable" && c.args.name === "PIPELINE_TRIVY_DB_SLOT",
    );
    const scanAt = (scan as Chain).findIndex(
      (c) => c.field === "withExec" && (c.args.args as string[])[1] === "image",
    );
    expect(slotAt).toBeLessThan(scanAt);
    expect(plan.find((a) => a[1] === "convert" && a.includes("table"))).toEqual(
      expect.arrayContaining(["--scanners", "vuln", "--severity", "CRITICAL"]),
    );
    // The DB's age reaches the summary
    expect(run.summary).toContain("DB of 2022-03-02 06:07 UTC");
  });

  it("without a uv.lock, says dependencies were resolved at run time", async () => {
    const loose = await runCi({ lock: false });
    expect(loose.run.summary).toContain("no uv.lock: dependencies resolved at run time");
    const locked = await runCi({ lock: true });
    expect(locked.run.summary).not.toContain("no uv.lock");
  });

  it("passes credentials only as Secrets: no plaintext in any argument the engine saw", async () => {
    const plaintext = "ghp_thisIsTheTokenValue0123456789";
    const { engine } = await runCi(
      { secret: plaintext },
      {
        publish: true,
        repository: "octo-org/my-service",
        branch: "main",
        sha: "3f2a9c1d00000000000000000000000000000000",
        registryPassword: secretId("GITHUB_TOKEN"),
      },
    );
    expect(JSON.stringify(allChains(engine))).not.toContain(plaintext);
    const auth = allChains(engine).flatMap((c) => find(c, "withRegistryAuth"));
    expect(auth.length).toBeGreaterThan(0);
    for (const call of auth) expect(isSecret(call.args.secret)).toBe(true);
  });
});

describe("deploy's plan", () => {
  it("really runs the smoke command on every deploy: a new value in the exec's definition each time", async () => {
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const engine = await startEngine(scenario());
      engines.push(engine);
      const parentArgs = await constructPipeline(engine);
      await engine.connect(() =>
        invokeFunction({
          fnName: "deploy",
          parentArgs,
          fnArgs: { branch: "main", repository: "octo-org/my-service" },
        }),
      );
      const [smoke] = containersWith(
        engine,
        (c) => find(c, "from").length > 0 && execs(c).some((a) => a[0] === "python"),
      );
      runs.push(envOf(smoke as Chain, "PIPELINE_DEPLOY_RUN") ?? "");
    }
    expect(runs[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(runs[1]).not.toBe(runs[0]);
  });
});
