/**
 * The plan: what `ci` (and deploy) ask the engine to do, recorded by the stand-in engine session from the
 * module's real calls (library mode, the SDK connecting to DAGGER_SESSION_PORT). Each rule here is engine
 * behaviour a type check cannot see: which execs exist, what is in their definitions (and so in their cache
 * keys), what runs in one exec, and that secrets travel only as Secrets.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE_IMAGE, UV_IMAGE } from "../../dagger/src/settings/pins.js";
import {
  allChains,
  type Chain,
  chainOf,
  containersWith,
  type Engine,
  enginesPerTest,
  execs,
  find,
  isSecret,
  leafOf,
  secretId,
} from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { callPipeline, constructPipeline, invokeFunction, splitArgs } from "../helpers/invoke.js";
import {
  envOf,
  PUBLISH,
  runsScript,
  SCENARIO_SHA,
  type Scenario,
  SIGN,
  scenario,
  upstream,
  versionOf,
} from "../helpers/scenario.js";
import { warningsOnStderr } from "../helpers/stderr.js";
import { throughMergedReports } from "./combined-coverage.js";

/** `${NAME}` as --env takes it: a service variable's reference. */
const ref = (name: string) => ["$", "{", name, "}"].join("");
const startEngine = enginesPerTest();

async function runCi(
  s: Scenario = {},
  args: Record<string, unknown> = {},
  ctor: Record<string, unknown> = {},
) {
  const engine = await startEngine(throughMergedReports(scenario(s)));
  // settings among `args` (repository, tokens, services...) go to the constructor, where a user types them
  const split = await splitArgs(args, "ciRun");
  const parentArgs = await constructPipeline(engine, { threshold: 70, ...ctor, ...split.ctor });
  const { value } = await engine.connect(() =>
    invokeFunction({ fnName: "ciRun", parentArgs, fnArgs: { exitZero: true, ...split.fn } }),
  );
  return { engine, run: value as { passed: boolean; summary: string; status: string; reports: string } };
}

const testRuns = (engine: Engine) =>
  containersWith(engine, (c) => execs(c).some(runsScript("run_tests.sh")))
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
      // installed in the test exec itself (lib.sh), so a leg is one exec
      expect(envOf(run, "PIPELINE_PYTHON_INSTALL")).toBe(v);
      expect(execs(run)).toHaveLength(1);
      // sync and pytest in one exec: no separate cached sync whose venv can outlive its interpreter
      expect(execs(run).at(-1)).toEqual(["sh", "/opt/pipeline/run_tests.sh"]);
      // the project's default groups (uv's default-groups, dev unless it says otherwise)
      expect(envOf(run, "PIPELINE_SYNC")).toBe("");
      expect(envOf(run, "PIPELINE_PYTHON")).toBe(v);
    }
  });

  it("runs the legs the project's requires-python allows, and refuses a version it excludes before any exec", async () => {
    const path = join(import.meta.dirname, "../fixtures/projects/uv-fastapi-example/pyproject.toml");
    const project = { mypyFiles: { "pyproject.toml": readFileSync(path, "utf8") } }; // requires-python >=3.12
    const { engine } = await runCi(project);
    expect(testRuns(engine).map(versionOf).sort()).toEqual(["3.12", "3.13", "3.14"]);
    const refused = await startEngine(scenario(project));
    await expect(callPipeline(refused, "ci", { pythonVersions: ["3.11", "3.12"] })).rejects.toThrow(
      "Python 3.11 is outside the project's requires-python '>=3.12' (sample-app/pyproject.toml).",
    );
    expect(refused.queries.some((q) => execs(q).length > 0)).toBe(false);
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

  it("syncs and combines coverage in one exec, and leaves the gate to coverage.py's own report", async () => {
    const { engine } = await runCi();
    const combines = containersWith(engine, (c) => execs(c).some(runsScript("combine.sh")));
    expect(combines.length).toBeGreaterThan(0);
    const combine = combines[0] as Chain;
    expect(execs(combine).at(-1)).toEqual(["sh", "/opt/pipeline/combine.sh"]);
    // the harness's --threshold 70; without one, coverage report applies the project's own fail_under
    expect(envOf(combine, "PIPELINE_FAIL_UNDER")).toBe("70");
    expect(envOf(combine, "PIPELINE_SYNC")).toBe("");
  });

  it("combines only the data files the legs wrote, each under its own name, and hands on the reports without them", async () => {
    const { engine } = await runCi({ versions: { "3.13": "sync-fail" } });
    const [combine] = containersWith(engine, (c) => execs(c).some(runsScript("combine.sh"))).sort(
      (a, b) => b.length - a.length,
    );
    const copied = find(combine as Chain, "withFile")
      .map((c) => String(c.args.path))
      .filter((p) => p.startsWith("/combine/"));
    expect(copied).toEqual(["3.10", "3.11", "3.12", "3.14", "3.14t"].map((v) => `/combine/.coverage.${v}`));
    expect(envOf(combine as Chain, "COVERAGE_FILE")).toBe("/combine/.coverage");
    const handedOn = allChains(engine).find(
      (c) =>
        c.some((x) => x.field === "directory" && x.args.path === "/combine") &&
        find(c, "withoutFiles").length > 0,
    );
    expect(find(handedOn as Chain, "withoutFiles").at(-1)?.args.paths).toEqual(
      // and without the gate's own records, which the gate reads
      [...copied.map((p) => p.slice("/combine/".length)), "report-exit", "fail-under"],
    );
  });

  it("keys the scan on the DB's 6-hour slot, scans every severity, and filters only what it shows", async () => {
    const { engine, run } = await runCi({}, { severities: ["CRITICAL"] });
    const [scan] = containersWith(engine, (c) => execs(c).some(runsScript("scan.sh")));
    // scan.sh scans every severity (test/scripts runs it); the conversions show the chosen ones
    expect(envOf(scan as Chain, "PIPELINE_SEVERITIES")).toBe("CRITICAL");
    const slot = envOf(scan as Chain, "PIPELINE_TRIVY_DB_SLOT");
    expect(slot).toMatch(/^\d{4}-\d{2}-\d{2}T(00|06|12|18)Z$/);
    // the slot is set before the scan exec, so it is part of that exec's definition
    const slotAt = (scan as Chain).findIndex(
      (c) => c.field === "withEnvVariable" && c.args.name === "PIPELINE_TRIVY_DB_SLOT",
    );
    const scanAt = (scan as Chain).findIndex(
      (c) => c.field === "withExec" && (c.args.args as string[])[1] === "/opt/pipeline/scan.sh",
    );
    expect(slotAt).toBeLessThan(scanAt);
    // The DB's age reaches the summary
    expect(run.summary).toContain("DB of 2022-03-02 06:07 UTC");
  });

  it("reads the image's facts from the image itself: its config's user, its tarball, the Dockerfile's base", async () => {
    const { engine, run } = await runCi({ imageUser: "0:0" });
    const image = JSON.parse(run.status).image;
    expect(image.facts).toEqual({
      user: "0:0",
      nonRoot: false,
      sizeBytes: 52_480_000,
      layers: 9,
      base: "python:3.14-slim@sha256:656d12e70054d5fda18a045e2494c96701e9792dd1445f95b3d038df954f57e9",
    });
    expect(run.summary).toContain("⚠️ runs as root (<code>0:0</code>)");
    expect(JSON.parse(run.status).warnings).toContain(
      "the image runs as root (its config's user is '0:0'): set a non-root USER",
    );
    const counted = engine.queries.find((q) =>
      execs(q).some((a) => a.some((x) => x.includes("count_layers.py"))),
    );
    expect(find(counted as Chain, "withMountedFile")[0]?.args.path).toBe("/image.tar");
  });

  it("a second app with a real dependency: locked when it has a uv.lock, said when not, compared either way", async () => {
    const withHttpx = "3.14\nanyio==4.9.0\nhttpx==0.28.1\nservice==1.0.0\n";
    const app = { app: "services/api" };
    for (const lock of [true, false]) {
      const { engine, run } = await runCi(
        { lock, distributions: { image: withHttpx, tested: withHttpx } },
        {},
        app,
      );
      const status = JSON.parse(run.status);
      expect(status.dependencies).toMatchObject({ passed: true, count: 3 });
      expect(run.summary).toContain("image dependencies = tested (3 distributions, Python 3.14)");
      expect(run.summary.includes("no uv.lock: dependencies resolved at run time"), `lock ${lock}`).toBe(
        !lock,
      );
      // the same rule on every side: --locked exactly when the app has a uv.lock
      // every program of the module's that syncs (dagger/scripts/*.sh, through lib.sh; scan.sh does not)
      const syncs = engine.queries.filter((q) =>
        execs(q).some((a) => a[0] === "sh" && /^\/opt\/pipeline\/(?!scan\.sh)/.test(a[1] ?? "")),
      );
      expect(syncs.length).toBeGreaterThan(0);
      for (const q of syncs) expect(envOf(q, "PIPELINE_LOCK")).toBe("uv.lock");
      const asked = engine.queries
        .filter((q) => q.at(-1)?.field === "exists")
        .map((q) => q.at(-1)?.args.path);
      expect(asked).toContain("services/api/uv.lock");
    }
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

/** A run of a pull request's branch that may ask the fake GitHub for the PR and comment on it. */
const onPullRequest = (gh: FakeGitHub) => ({
  repository: "octo-org/my-service",
  branch: "feature/login",
  sha: SCENARIO_SHA,
  githubToken: secretId("GITHUB_TOKEN"),
  githubApiUrl: gh.apiUrl,
});

describe("ci --publish --sign", () => {
  const publish = { ...PUBLISH, ...SIGN };
  const leaf = (q: Chain) => q.at(-1);
  const isSign = (q: Chain) => execs(q).some(runsScript("sign.sh"));

  it("pushes sha-<7>, signs and attests that digest, and only then moves the branch tag", async () => {
    const { engine, run } = await runCi({ secret: "ghp_plaintextThatMustNotLeak0000" }, publish);
    const order = engine.queries
      .map((q) =>
        leaf(q)?.field === "publish" ? `publish ${String(leaf(q)?.args.address)}` : isSign(q) ? "sign" : "",
      )
      .filter(Boolean);
    expect(order).toEqual([
      "publish ghcr.io/octo-org/my-service:sha-3f2a9c1",
      "sign",
      "publish ghcr.io/octo-org/my-service:main",
    ]);
    const [signing] = engine.queries.filter(isSign) as Chain[];
    // signed, then the SBOM and the SLSA provenance attested (sign.sh attests each file it is given), in one exec,
    // before the branch tag moves
    expect(execs(signing as Chain).at(-1)).toEqual(["sh", "/opt/pipeline/sign.sh"]);
    expect(find(signing as Chain, "withFile").map((c) => c.args.path)).toEqual(
      expect.arrayContaining(["/work/sbom.cdx.json", "/work/provenance.json"]),
    );
    const attested = find(signing as Chain, "withFile").find((c) => c.args.path === "/work/provenance.json");
    const made = (attested?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
    const predicate = JSON.parse(String(find(made, "file").at(-1)?.args.contents));
    expect(predicate.runDetails.builder.id).toBe(
      "https://github.com/octo-org/my-service/.github/workflows/python-pipeline.yml@refs/heads/main",
    );
    expect(predicate.buildDefinition.resolvedDependencies[0]).toEqual({
      uri: "git+https://github.com/octo-org/my-service@refs/heads/main",
      digest: { gitCommit: SCENARIO_SHA },
    });
    // the base images, each once, by the digests the Dockerfile pins (uv, then python for builder and runtime)
    const [uv, python] = [UV_IMAGE, BASE_IMAGE].map((ref) => ref.split("@sha256:"));
    expect(predicate.buildDefinition.resolvedDependencies.slice(1)).toEqual([
      { uri: `docker://${uv?.[0]}`, digest: { sha256: uv?.[1] } },
      { uri: `docker://${python?.[0]}`, digest: { sha256: python?.[1] } },
    ]);
    expect(envOf(signing as Chain, "IMAGE")).toMatch(/^ghcr\.io\/octo-org\/my-service@sha256:[0-9a-f]{64}$/);
    expect(envOf(signing as Chain, "PIPELINE_SIGN_RUN")).toMatch(/^[0-9a-f-]{36}$/);
    // the OIDC request token and the registry password reach cosign as Secrets, never as text
    const secrets = find(signing as Chain, "withSecretVariable");
    expect(secrets.map((c) => c.args.name).sort()).toEqual([
      "ACTIONS_ID_TOKEN_REQUEST_TOKEN",
      "REGISTRY_PASSWORD",
    ]);
    for (const c of secrets) expect(isSecret(c.args.secret)).toBe(true);
    expect(JSON.stringify(allChains(engine))).not.toContain("ghp_plaintextThatMustNotLeak0000");
    // the SBOM attested is the scan's
    const sbom = find(signing as Chain, "withFile").find((c) => c.args.path === "/work/sbom.cdx.json");
    const sbomSource = (sbom?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
    expect(find(sbomSource, "file").at(-1)?.args.path).toBe("sbom.cdx.json");
    expect(execs(sbomSource).some(runsScript("scan.sh"))).toBe(true);
    expect(JSON.parse(run.status).passed).toBe(true);
  });

  it("a failed signature fails the run and leaves the branch tag where it was", async () => {
    const { engine, run } = await runCi({ signFails: "Error: getting signer: no OIDC token" }, publish);
    const pushed = engine.queries
      .filter((q) => leaf(q)?.field === "publish")
      .map((q) => leaf(q)?.args.address);
    expect(pushed).toEqual(["ghcr.io/octo-org/my-service:sha-3f2a9c1"]);
    const status = JSON.parse(run.status);
    expect(status.passed).toBe(false);
    expect(status.errors.join("\n")).toContain("cosign could not sign ghcr.io/octo-org/my-service@sha256:");
    expect(status.errors.join("\n")).toContain("no OIDC token");
  });

  it("compares the built image's dependencies with the tested ones before pushing; a difference pushes nothing", async () => {
    const differ = {
      image: "3.14\nhttpx==0.28.1\nsample-app==0.1.0\n",
      tested: "3.14\nhttpx==0.27.0\nsample-app==0.1.0\n",
    };
    const { engine, run } = await runCi({ distributions: differ }, publish);
    const listings = engine.queries.filter((q) =>
      execs(q).some((a) => a.some((x) => x.includes("list_distributions.py"))),
    );
    expect(listings.some((q) => find(q, "dockerBuild").length > 0)).toBe(true); // on the built image
    expect(listings.some((q) => envOf(q, "PIPELINE_SYNC") === "--no-dev --no-editable")).toBe(true);
    expect(engine.queries.filter((q) => leaf(q)?.field === "publish" || isSign(q))).toEqual([]);
    const status = JSON.parse(run.status);
    expect(status.dependencies).toEqual({
      passed: false,
      python: "3.14",
      count: 2,
      differences: ["httpx: 0.28.1 in the image, 0.27.0 in the tests"],
    });
    expect(run.summary).toContain(
      "| Image dependencies | ❌ fail | 1 difference from the tested environment: httpx: 0.28.1 in the image, 0.27.0 in the tests |",
    );

    const same = await runCi({}, publish);
    const firstPublish = same.engine.queries.findIndex((q) => leaf(q)?.field === "publish");
    const lastListing = same.engine.queries
      .map((q) => execs(q).some((a) => a.some((x) => x.includes("list_distributions.py"))))
      .lastIndexOf(true);
    expect(lastListing).toBeGreaterThanOrEqual(0);
    expect(firstPublish).toBeGreaterThan(lastListing);
    expect(same.run.summary).toContain("image dependencies = tested (1 distribution, Python 3.14)");
  });

  it("a gate that failed pushes and signs nothing", async () => {
    const { engine } = await runCi({ versions: { "3.12": "fail" } }, publish);
    expect(engine.queries.filter((q) => leaf(q)?.field === "publish" || isSign(q))).toEqual([]);
  });
});

describe("ci --publish --sign --release: a push of a version tag", () => {
  const leaf = (q: Chain) => q.at(-1);
  const isSign = (q: Chain) => execs(q).some(runsScript("sign.sh"));
  const TOKEN = "ghp_fakeTokenValue1234567890abcdef";
  // a key: keyless signing is refused off github.com, and the fake GitHub is on 127.0.0.1
  const SIGN_WITH_KEY = { sign: true, cosignKey: secretId("COSIGN_KEY") };

  /** A tag push of the sample (version 0.1.0) against a repository that already has `tags` (or as `seed` sets it). */
  async function release(
    s: Scenario,
    tags: string[] | ((gh: FakeGitHub) => void),
    args: Record<string, unknown> = {},
  ) {
    const gh = new FakeGitHub({ token: TOKEN });
    if (typeof tags === "function") tags(gh);
    else gh.tags = tags;
    await gh.start();
    try {
      const { engine, run } = await runCi(
        { secret: TOKEN, ...s },
        {
          ...PUBLISH,
          ...SIGN_WITH_KEY,
          branch: "",
          release: "v0.1.0",
          githubToken: secretId("GITHUB_TOKEN"),
          githubApiUrl: gh.apiUrl,
          ...args,
        },
      );
      const order = engine.queries
        .map((q) =>
          leaf(q)?.field === "publish"
            ? String(leaf(q)?.args.address).split(":").at(-1)
            : isSign(q)
              ? "sign"
              : "",
        )
        .filter(Boolean);
      return { engine, run, status: JSON.parse(run.status), order, gh };
    } finally {
      await gh.close();
    }
  }

  it("pushes the commit's tag, signs and attests it, then writes 0.1.0, 0.1, 0 and latest, in that order", async () => {
    const { engine, status, order, gh } = await release({}, ["v0.0.9", "v0.2.0rc1", "docs"]);
    expect(order).toEqual(["sha-3f2a9c1", "sign", "0.1.0", "0.1", "0", "latest"]);
    expect(status.passed).toBe(true);
    expect(status.image.reference).toMatch(/^ghcr\.io\/octo-org\/my-service:0\.1\.0@sha256:[0-9a-f]{64}$/);
    expect(status.image.tags).toEqual(["0.1.0", "0.1", "0", "latest", "sha-3f2a9c1"]);
    // the installed version was read from the project's own metadata (the sample's is dynamic, from hatch)
    expect(
      engine.queries.some((q) =>
        execs(q).some((a) => a.includes("sample-app") && a.join(" ").includes("importlib.metadata")),
      ),
    ).toBe(true);
    expect(gh.requests.filter((r) => r.path.endsWith("/tags")).map((r) => r.query.per_page)).toEqual(["100"]);
    // the provenance names the tag as the source's ref
    const [signing] = engine.queries.filter(isSign) as Chain[];
    const attested = find(signing as Chain, "withFile").find((c) => c.args.path === "/work/provenance.json");
    const made = (attested?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
    const predicate = JSON.parse(String(find(made, "file").at(-1)?.args.contents));
    expect(predicate.buildDefinition.resolvedDependencies[0].uri).toBe(
      "git+https://github.com/octo-org/my-service@refs/tags/v0.1.0",
    );
  });

  it("an older patch after a newer release writes its own X.Y only, and says what it held", async () => {
    const { order, status } = await release({}, ["v0.2.0", "v0.1.0"]);
    expect(order).toEqual(["sha-3f2a9c1", "sign", "0.1.0", "0.1"]);
    expect(status.warnings).toContain(
      "publish: '0' not moved: 0.2.0 (v0.2.0) is newer; 'latest' not moved: 0.2.0 (v0.2.0) is newer",
    );
  });

  it("a pre-release writes only its exact tag", async () => {
    const { order } = await release({ installedVersion: "0.2.0rc1" }, [], { release: "v0.2.0-rc.1" });
    expect(order).toEqual(["sha-3f2a9c1", "sign", "0.2.0rc1"]);
  });

  it("a version that differs from the tag publishes and signs nothing, and the run fails naming both", async () => {
    const { order, status } = await release({ installedVersion: "0.1.1" }, []);
    expect(order).toEqual([]);
    expect(status.passed).toBe(false);
    expect(status.errors).toEqual([
      "release: The release tag 'v0.1.0' is version 0.1.0, but the app's version is '0.1.1' (what sample-app's build backend installed). Expected them equal: set the app's version to 0.1.0, or tag v0.1.1.",
    ]);
    expect(status.skipped).toContainEqual({
      stage: "publish",
      reason: "a gate failed, so nothing was pushed",
    });
  });

  it("tags GitHub will not list publish nothing: a release never guesses whether latest may move", async () => {
    const { order, status } = await release({}, (gh) =>
      gh.faults.push({ method: "GET", path: /\/tags$/, status: 404, message: "Not Found", times: 10 }),
    );
    expect(order).toEqual([]);
    expect(status.errors).toEqual([
      "release: the tags of octo-org/my-service could not be read: not found (404): check --repository and the token's access",
    ]);
  });

  it("refuses before any exec: a tag that is no version, a pull request's run, no token, no commit", async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ release: "v1.2" }, "Invalid release tag 'v1.2'. Expected vX.Y.Z"],
      [
        { event: "pull_request" },
        "--release v0.1.0 publishes only from a push of its tag (this run's event: pull_request)",
      ],
      [{ githubToken: undefined }, "--release v0.1.0 needs --github-token to read the repository's tags"],
      [{ sha: "" }, "--release v0.1.0 needs --sha, the tagged commit"],
    ];
    for (const [args, message] of cases) {
      const engine = await startEngine(scenario({}));
      const split = await splitArgs({
        ...PUBLISH,
        branch: "",
        release: "v0.1.0",
        githubToken: secretId("GITHUB_TOKEN"),
        ...args,
      });
      const parentArgs = await constructPipeline(engine, { ...split.ctor });
      await expect(
        engine.connect(() =>
          invokeFunction({ fnName: "ciRun", parentArgs, fnArgs: { exitZero: true, ...split.fn } }),
        ),
      ).rejects.toThrow(message);
      expect(engine.queries.filter((q) => execs(q).length > 0)).toEqual([]);
    }
  });

  it("without --publish checks the version only: a mismatch fails the run", async () => {
    const { status, order } = await release({ installedVersion: "0.0.1" }, [], {
      publish: false,
      sign: false,
    });
    expect(order).toEqual([]);
    expect(status.errors?.[0]).toMatch(
      /^release: The release tag 'v0\.1\.0' is version 0\.1\.0, but the app's version is '0\.0\.1'/,
    );
  });
});

describe("ci's summary is rendered once", () => {
  it("the PR comment, summary.md and the returned summary are the same text", async () => {
    const gh = new FakeGitHub({ token: "ghp_fakeTokenValue1234567890abcdef" });
    await gh.start();
    try {
      gh.addPull({ number: 7, ref: "feature/login", sha: SCENARIO_SHA });
      gh.commitPulls.set(SCENARIO_SHA, [7]);
      const logged = await warningsOnStderr(() =>
        runCi({ secret: gh.token, versions: { "3.13": "flaky" } }, onPullRequest(gh)),
      );
      const { run } = logged.value;
      expect(logged.warnings).toEqual([]); // posted: nothing to warn of
      const posted = gh.comments.get(7)?.map((c) => c.body) ?? [];
      expect(posted).toEqual([`<!-- pipeline:ci -->\n${run.summary}`]);
      const reports = chainOf(run.reports) as Chain;
      const summaryMd = reports.find((c) => c.field === "withNewFile" && c.args.path === "summary.md");
      expect(summaryMd?.args.contents).toBe(run.summary);
      expect(JSON.parse(run.status).comment).toEqual({ posted: true, pullRequest: 7 });
      // status.json is the returned status, whole; the annotations file sits beside it
      const written = (path: string) =>
        reports.find((c) => c.field === "withNewFile" && c.args.path === path)?.args.contents;
      expect(JSON.parse(String(written("status.json")))).toEqual(JSON.parse(run.status));
      expect(String(written("status.json")).endsWith("}\n")).toBe(true);
      expect(written("annotations.txt")).toEqual(expect.any(String));
    } finally {
      await gh.close();
    }
  });
});

describe("the reports ci hands back", () => {
  /** Each merged stage's reports, by what only that stage's directory holds. */
  const STAGES = {
    lint: "ruff-format.json",
    tests: "/opt/pipeline/combine.sh",
    typecheck: "/opt/pipeline/typecheck.sh",
    scan: '"/opt/pipeline/scan.sh"',
  };
  const merged = (reports: string) => {
    const chain = chainOf(reports) as Chain;
    const dirs = find(chain, "withDirectory");
    return {
      paths: dirs.map((c) => c.args.path),
      stages: Object.entries(STAGES)
        .filter(([, marker]) => dirs.some((c) => JSON.stringify(c.args.source).includes(marker)))
        .map(([stage]) => stage),
      files: find(chain, "withNewFile").map((c) => c.args.path),
    };
  };

  it("holds every stage's reports at the root of one directory, then status.json, summary.md and annotations.txt", async () => {
    const { run } = await runCi();
    expect(merged(run.reports)).toEqual({
      paths: [".", ".", ".", "."],
      stages: ["lint", "tests", "typecheck", "scan"],
      files: ["status.json", "summary.md", "annotations.txt", "timeline.md"],
    });
  });

  it("draws the run: every stage the module waited on, measured from the run's start, in status.json and timeline.md", async () => {
    const { run } = await runCi({}, { ...PUBLISH });
    const status = JSON.parse(run.status);
    const stages = (status.timings as { stage: string; startMs: number; endMs: number }[])
      .map((t) => t.stage)
      .sort();
    expect(stages).toEqual(
      [
        "build",
        "image dependencies",
        "lint",
        "publish",
        "scan",
        "smoke run",
        "tests and coverage gate",
        "type check",
      ].sort(),
    );
    for (const t of status.timings) expect(t.endMs).toBeGreaterThanOrEqual(t.startMs);
    // what waits on the image starts when it was built; publishing after every gate
    const at = (stage: string) => status.timings.find((t: { stage: string }) => t.stage === stage);
    expect(at("scan").startMs).toBeGreaterThanOrEqual(at("build").endMs);
    expect(at("publish").startMs).toBeGreaterThanOrEqual(
      Math.max(at("tests and coverage gate").endMs, at("scan").endMs),
    );
    const timeline = String(
      find(chainOf(run.reports) as Chain, "withNewFile").find((c) => c.args.path === "timeline.md")?.args
        .contents,
    );
    expect(timeline).toContain("```mermaid\ngantt\n");
    expect(timeline).toContain("  section sample-app\n");
    expect(timeline.match(/^ {2}[a-z ]+ :(crit, )?\d\d:\d\d:\d\d, \d+s$/gm)).toHaveLength(8);
  });

  it("holds provenance.json, the predicate it attested, when a signed publish attested it", async () => {
    const signed = await runCi({}, { ...PUBLISH, ...SIGN });
    const chain = chainOf(signed.run.reports) as Chain;
    const attested = find(chain, "withFile").find((c) => c.args.path === "provenance.json");
    const made = (attested?.args.source as { $chain?: Chain } | undefined)?.$chain ?? [];
    expect(JSON.parse(String(find(made, "file").at(-1)?.args.contents)).runDetails.builder.id).toBe(
      "https://github.com/octo-org/my-service/.github/workflows/python-pipeline.yml@refs/heads/main",
    );
    const plain = await runCi();
    expect(find(chainOf(plain.run.reports) as Chain, "withFile").map((c) => c.args.path)).not.toContain(
      "provenance.json",
    );
  });

  it("holds no type check or scan reports when neither ran", async () => {
    const { run } = await runCi({ trivyFails: "FATAL: init error: DB error" }, { typecheck: "off" });
    expect(merged(run.reports)).toMatchObject({ paths: [".", "."], stages: ["lint", "tests"] });
  });
});

describe("ci's summary when the comment cannot be posted", () => {
  it("the body GitHub refused is the summary; the refusal goes to status.json, not into a second text", async () => {
    const gh = new FakeGitHub({ token: "ghp_fakeTokenValue1234567890abcdef" });
    await gh.start();
    try {
      gh.addPull({ number: 7, ref: "feature/login", sha: SCENARIO_SHA });
      gh.commitPulls.set(SCENARIO_SHA, [7]);
      gh.faults.push({
        method: "POST",
        path: /\/issues\/7\/comments$/,
        status: 403,
        message: "Resource not accessible by integration",
        times: 10,
      });
      const logged = await warningsOnStderr(() => runCi({ secret: gh.token }, onPullRequest(gh)));
      const { run } = logged.value;
      // the comment cannot carry its own failure: the run's log says it, once
      expect(logged.warnings).toEqual([`warning: ${JSON.parse(run.status).comment.warning}\n`]);
      expect(logged.warnings[0]).toContain("403");
      const attempted = gh.requests.filter(
        (r) => r.method === "POST" && r.path.endsWith("/issues/7/comments"),
      );
      expect(attempted.length).toBeGreaterThan(0);
      for (const r of attempted)
        expect((r.body as { body: string }).body).toBe(`<!-- pipeline:ci -->\n${run.summary}`);
      const comment = JSON.parse(run.status).comment;
      expect(comment.posted).toBe(false);
      expect(comment.warning).toContain("403");
      expect(run.summary).not.toContain("403");
    } finally {
      await gh.close();
    }
  });
});

describe("ci's plan: the type check and the tests' service containers", () => {
  /** Each distinct exec definition (a chain up to its last withExec), as readable argument lists. */
  const definitions = (engine: Engine) =>
    [
      ...new Set(
        containersWith(engine, (c) => execs(c).length > 0).map((c) =>
          JSON.stringify(c.slice(0, c.map((call) => call.field).lastIndexOf("withExec") + 1)),
        ),
      ),
    ].sort();
  const mypyRuns = (engine: Engine) =>
    definitions(engine).filter((d) => runsScript("typecheck.sh")(execs(JSON.parse(d) as Chain).at(-1) ?? []));
  // the sample's requires-python and free-threading classifier, without its [tool.mypy]: the same matrix
  const NO_MYPY = {
    mypyFiles: {
      "pyproject.toml": [
        "[project]",
        'name = "app"',
        'requires-python = ">=3.10"',
        'classifiers = ["Programming Language :: Python :: Free Threading :: 3 - Stable"]',
        "",
      ].join("\n"),
    },
  };

  it("type-checks an app that configures mypy, in gate mode, alongside lint", async () => {
    const { engine, run } = await runCi();
    expect(JSON.parse(run.status).failures).toBeUndefined(); // a green run has no failure lines
    expect(mypyRuns(engine)).toHaveLength(1);
    expect(JSON.parse(run.status).typecheck).toMatchObject({ passed: true, mode: "gate", errors: 0 });
    // on the lowest Python the sample's requires-python allows: it pins none in a .python-version
    expect(run.summary).toMatch(
      /\| Type check \| ✅ pass \| 0 errors · Python 3\.10 \(requires-python's lowest\) \|/,
    );
  });

  it("runs nothing new for an app without mypy config: the same execs as with --typecheck off", async () => {
    const plain = await runCi(NO_MYPY);
    const off = await runCi({}, { typecheck: "off" });
    expect(mypyRuns(plain.engine)).toEqual([]);
    expect(definitions(plain.engine)).toEqual(definitions(off.engine));
    for (const { run } of [plain, off]) {
      expect(JSON.parse(run.status).typecheck).toBeUndefined();
      expect(run.summary).not.toContain("Type check");
    }
  });

  it("fails the run on mypy's errors under the gate, and only lists them under --typecheck report", async () => {
    const findings = { mypy: { stdout: upstream("mypy/outputjson-with-hint.jsonl"), exit: 1 } };
    const gated = await runCi(findings);
    expect(gated.run.passed).toBe(false);
    // with --exit-zero, status.json carries the line `ci` would have failed with
    expect(JSON.parse(gated.run.status).failures).toEqual(["typecheck: 2 mypy error(s)"]);
    expect(gated.run.summary).toContain("Type-check findings (3)");
    await expect(
      (async () => {
        const engine = await startEngine(scenario(findings));
        const parentArgs = await constructPipeline(engine, { threshold: 70 });
        await engine.connect(() => invokeFunction({ fnName: "ci", parentArgs, fnArgs: {} }));
      })(),
    ).rejects.toThrow("typecheck: 2 mypy error(s)");
    const reported = await runCi(findings, { typecheck: "report" });
    expect(reported.run.passed).toBe(true);
    expect(reported.run.summary).toMatch(
      /\| Type check \| ⚠️ report only \| 2 errors, 1 note \(report only\) · Python 3\.10 /,
    );
  });

  it("fails on a mypy crash under the gate with mypy's own last lines, and refuses an unknown mode up front", async () => {
    const crash = await runCi({
      mypy: {
        exit: 2,
        stderr: "Traceback (most recent call last):\nAssertionError\nmain:3: error: INTERNAL ERROR",
      },
    });
    expect(crash.run.passed).toBe(false);
    expect(JSON.parse(crash.run.status).typecheck.error).toContain("INTERNAL ERROR");
    const engine = await startEngine(scenario());
    const parentArgs = await constructPipeline(engine, { threshold: 70 });
    const before = engine.queries.length;
    await expect(
      engine.connect(() => invokeFunction({ fnName: "ci", parentArgs, fnArgs: { typecheck: "strict" } })),
    ).rejects.toThrow();
    expect(engine.queries.length).toBe(before);
  });

  it("binds no service when none is asked for", async () => {
    const { engine, run } = await runCi();
    expect(allChains(engine).some((c) => find(c, "withServiceBinding").length > 0)).toBe(false);
    expect(JSON.parse(run.status).services).toBeUndefined();
  });

  it("gives every test container its own postgres, and the combine none", async () => {
    const { engine, run } = await runCi({}, { services: ["postgres"] });
    const runs = testRuns(engine);
    expect(runs.length).toBe(6);
    const services = runs.map((r) =>
      JSON.stringify(find(r, "withServiceBinding").find((c) => c.args.alias === "postgres")?.args.service),
    );
    expect(new Set(services).size).toBe(6); // one definition, so one instance, per leg
    expect(runs.every((r) => envOf(r, "DATABASE_URL")?.startsWith("postgresql://"))).toBe(true);
    const combine = containersWith(engine, (c) => execs(c).some(runsScript("combine.sh")));
    expect(combine.some((c) => find(c, "withServiceBinding").length > 0)).toBe(false);
    expect(JSON.parse(run.status).services).toEqual(["postgres"]);
    expect(run.summary).toContain("Services: <code>postgres</code> (one instance per Python version)");
  });

  it("gives --env (a service's URL under the project's own name) and --env-file to the tests and mypy only", async () => {
    const plaintext = "SECRET_KEY=thisIsTheEnvFileValue0123";
    const { engine } = await runCi(
      { secret: plaintext },
      {
        services: ["postgres"],
        env: [`APP_DB_URL=${ref("DATABASE_URL")}`, "MODE=test"],
        envFile: secretId("TEST_ENV"),
      },
    );
    const given = (c: Chain) => envOf(c, "APP_DB_URL") !== undefined;
    const runs = testRuns(engine);
    expect(runs.length).toBe(6);
    const mypy = containersWith(engine, (c) => runsScript("typecheck.sh")(execs(c).at(-1) ?? []));
    expect(mypy.length).toBeGreaterThan(0);
    for (const c of [...runs, ...mypy]) {
      expect(envOf(c, "APP_DB_URL")).toBe("postgresql://postgres:postgres@postgres:5432/test");
      expect(envOf(c, "MODE")).toBe("test");
      const file = find(c, "withMountedSecret").find((m) => m.args.path === "/run/pipeline/test.env");
      expect(isSecret(file?.args.source)).toBe(true);
      // the script reads it itself (lib.sh load_env_file): its values are in no definition
      expect(envOf(c, "PIPELINE_ENV_FILE")).toBe("/run/pipeline/test.env");
    }
    expect(JSON.stringify(allChains(engine))).not.toContain("thisIsTheEnvFileValue");
    // lint, the combine, the image: none of them
    const elsewhere = allChains(engine).filter(
      (c) =>
        given(c) && !execs(c).some((a) => runsScript("run_tests.sh")(a) || runsScript("typecheck.sh")(a)),
    );
    expect(elsewhere).toEqual([]);
  });

  it("refuses an --env that names no service's variable, or a variable the pipeline's tools use", async () => {
    await expect(runCi({}, { env: [`APP_DB_URL=${ref("DATABASE_URL")}`] })).rejects.toThrow(
      `--env APP_DB_URL names ${ref("DATABASE_URL")}, which no service gives. Expected one of the services' variables: none: no --services given.`,
    );
    await expect(runCi({}, { env: ["UV_INDEX_URL=https://x"] })).rejects.toThrow(
      "--env cannot set UV_INDEX_URL: the pipeline's own tools use it.",
    );
  });

  it("reports a service that never became ready as such, not as failed tests, and fails the run", async () => {
    const { run } = await runCi(
      { serviceNeverReady: { service: "postgres", version: "3.12" } },
      { services: ["postgres"] },
    );
    expect(run.passed).toBe(false);
    const leg = JSON.parse(run.status).tests.find((t: { version: string }) => t.version === "3.12");
    expect(leg).toMatchObject({
      passed: false,
      tests: 0,
      failures: 0,
      serviceNotReady: { service: "postgres" },
    });
    expect(run.summary).toMatch(/\| Tests, Python 3\.12 \| ⏳ service not ready \|/);
  });
});

describe("deploy's plan", () => {
  it("really runs the smoke command on every deploy: a new value in the exec's definition each time", async () => {
    const runs: string[] = [];
    for (let i = 0; i < 2; i++) {
      const engine = await startEngine(scenario());
      const deploy = { branch: "main", repository: "octo-org/my-service", sha: SCENARIO_SHA, event: "push" };
      await callPipeline(engine, "deploy", deploy);
      const [smoke] = containersWith(
        engine,
        (c) => find(c, "from").length > 0 && execs(c).some((a) => a[0] === "python"),
      );
      runs.push(envOf(smoke as Chain, "PIPELINE_DEPLOY_RUN") ?? "");
    }
    expect(runs[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(runs[1]).not.toBe(runs[0]);
  });

  it("reads only what the smoke run needs of the project: not its test matrix, workspace or pinned Python", async () => {
    // a requires-python no supported Python meets would refuse a test run, never a deploy of a built image
    const pyproject = '[project]\nname = "svc"\nrequires-python = ">=3.99"\n';
    const engine = await startEngine(scenario({ mypyFiles: { "pyproject.toml": pyproject } }));
    const deploy = { branch: "main", repository: "octo-org/my-service", sha: SCENARIO_SHA, event: "push" };
    await callPipeline(engine, "deploy", deploy, { smokeCommand: "", smokeExpect: "" });
    // the default smoke run: an import of the project's package
    const smoked = containersWith(
      engine,
      (c) => find(c, "from").length > 0 && execs(c).some((a) => a[0] === "python"),
    );
    expect(execs(smoked[0] as Chain).at(-1)).toEqual(["python", "-c", "import svc"]);
    expect(engine.queries.some((q) => JSON.stringify(q).includes(".python-version"))).toBe(false);
  });
});

/**
 * The changed lines' coverage: the combined coverage.json of the scenario (coverage.py 7.15.4's report of the
 * fixture project, src/tinypkg/calc.py missing lines 10, 18 and 28) against the pull request's patches.
 */
describe("ci's changed-line coverage", () => {
  /** calc.py lines 8-12 added (10 missed), line 28 modified (missed): 6 changed executable lines, 4 covered. */
  const CALC_PATCH = [
    "@@ -7,3 +7,8 @@ def add(a, b):",
    " ",
    "+    x = 1",
    "+    y = 2",
    "+    z = 3",
    "+    w = 4",
    "+    v = 5",
    " ",
    " ",
    "@@ -26,2 +28,2 @@ def div(a, b):",
    "-    old",
    "+    new",
    " ",
  ].join("\n");

  const withGitHub = async (
    seed: (gh: FakeGitHub) => void,
    run: (gh: FakeGitHub, github: Record<string, unknown>) => Promise<void>,
  ) => {
    const gh = new FakeGitHub();
    await gh.start();
    try {
      seed(gh);
      await run(gh, onPullRequest(gh));
    } finally {
      await gh.close();
    }
  };
  const openPull = (app: string) => (gh: FakeGitHub) => {
    gh.addPull({ number: 7, ref: "feature/login", sha: SCENARIO_SHA });
    gh.commitPulls.set(SCENARIO_SHA, [7]);
    gh.files.set(7, [
      gh.file({ filename: `${app}/src/tinypkg/calc.py`, patch: CALC_PATCH }),
      gh.file({ filename: `${app}/tests/test_calc.py`, patch: "@@ -1 +1,2 @@\n a\n+b" }),
      gh.file({ filename: "docs/diagram.png", status: "added" }),
    ]);
  };
  /** Reads of coverage.json through the merged reports (what the changed-line measure asks the engine). */
  const coverageReads = (engine: Engine) =>
    engine.queries.filter(
      (q) =>
        q[0]?.field === "directory" &&
        q.at(-1)?.field === "contents" &&
        find(q, "file").at(-1)?.args.path === "coverage.json",
    );

  it.each([
    ["sample-app", {}],
    ["services/api", { app: "services/api" }],
  ])(
    "with a token and the PR (app %s): reads its files once, and the figure reaches summary, status.json and the result",
    async (app, ctor) => {
      await withGitHub(openPull(app), async (gh, github) => {
        const { engine, run } = await runCi({ secret: gh.token }, github, ctor);
        expect(gh.calls("GET", /\/pulls\/7\/files$/)).toHaveLength(1);
        // the changed files and the comment share one lookup of the commit's pull request
        expect(gh.calls("GET", /\/commits\/[0-9a-f]{40}\/pulls$/)).toHaveLength(1);
        expect(
          gh.calls("POST", /\/issues\/7\/comments$/).length +
            gh.calls("PATCH", /\/issues\/comments\/\d+$/).length,
        ).toBe(1);
        expect(coverageReads(engine)).toHaveLength(1);
        const status = JSON.parse(run.status);
        expect(status.diffCoverage).toEqual({
          passed: true,
          pullRequest: 7,
          files: 3,
          lines: 6,
          covered: 4,
          coverage: (4 * 100) / 6,
          display: "66.6",
          uncovered: [{ file: `${app}/src/tinypkg/calc.py`, lines: "10, 28" }],
          notMeasured: [
            {
              file: "docs/diagram.png",
              reason: "GitHub sent no patch (a binary file, or a diff too large to show)",
            },
          ],
          skipped: 1,
        });
        expect(run.summary).toContain(
          "| Changed lines | ✅ pass | 66.6% of the changed executable lines covered (4 of 6) in PR #7 · report-only · 1 file not measured · 1 file without a changed executable line |",
        );
        expect(run.summary).toContain(`- <code>${app}/src/tinypkg/calc.py:10, 28</code>`);
        const result = run as unknown as { diffCoverage: Record<string, unknown> };
        expect(result.diffCoverage).toMatchObject({
          measured: true,
          coverage: (4 * 100) / 6,
          passed: true,
          threshold: 0,
          pullRequest: 7,
          lines: 6,
          covered: 4,
          uncovered: [`${app}/src/tinypkg/calc.py:10, 28`],
          notMeasured: [
            "docs/diagram.png: GitHub sent no patch (a binary file, or a diff too large to show)",
          ],
          skippedFiles: 1,
          reason: "",
        });
        // the comment is the same text, and the PR comment still went up
        expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([`<!-- pipeline:ci -->\n${run.summary}`]);
      });
    },
  );

  it("--diff-threshold above the figure fails the run with a line saying so, and pushes nothing", async () => {
    await withGitHub(openPull("sample-app"), async (gh, github) => {
      const engine = await startEngine(throughMergedReports(scenario({ secret: gh.token })));
      const failed = await callPipeline(
        engine,
        "ci",
        { ...github, diffThreshold: 80, rehearse: true },
        { threshold: 70 },
      ).then(
        () => undefined,
        (err: unknown) => err as Error,
      );
      expect(failed?.message).toContain(
        "- changed lines: 4 of 6 changed executable lines covered (66.6%), below the 80% --diff-threshold",
      );
      expect(engine.queries.filter((q) => q.at(-1)?.field === "publish")).toEqual([]);
      const kept = await runCi({ secret: gh.token }, { ...github, diffThreshold: 80 });
      expect(JSON.parse(kept.run.status)).toMatchObject({
        passed: false,
        diffCoverage: { passed: false, threshold: 80 },
      });
      expect(kept.run.summary).toContain(
        "| Changed lines | ❌ fail | 66.6% of the changed executable lines covered (4 of 6) in PR #7 · 80% required",
      );
      const met = await runCi({ secret: gh.token }, { ...github, diffThreshold: 66.6 });
      expect(JSON.parse(met.run.status).passed).toBe(true);
    });
  });

  it("no version produced coverage: no coverage.json is read, and the figure says why there is none", async () => {
    await withGitHub(openPull("sample-app"), async (gh, github) => {
      const versions = ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"];
      const { engine, run } = await runCi(
        { secret: gh.token, versions: Object.fromEntries(versions.map((v) => [v, "sync-fail"])) },
        github,
      );
      expect(coverageReads(engine)).toEqual([]);
      expect(JSON.parse(run.status).diffCoverage).toMatchObject({
        passed: true,
        pullRequest: 7,
        reason: "no coverage to compare with: no Python version produced coverage data",
      });
    });
  });

  it("a coverage.json the engine cannot read is a figure that says so, not a crash", async () => {
    await withGitHub(openPull("sample-app"), async (gh, github) => {
      const answer = throughMergedReports(scenario({ secret: gh.token }));
      const engine = await startEngine((chain) => {
        if (coverageReads({ queries: [chain] } as Engine).length > 0)
          throw new Error("failed to read file: lstat /coverage.json: no such file or directory");
        return answer(chain);
      });
      const value = await callPipeline(engine, "ciRun", { exitZero: true, ...github }, { threshold: 70 });
      const status = JSON.parse((value as { status: string }).status);
      expect(status.diffCoverage.passed).toBe(true);
      expect(status.diffCoverage.reason).toMatch(
        /^no coverage to compare with: the combined coverage\.json could not be read: .*lstat \/coverage\.json: no such file or directory/,
      );
    });
  });

  it("no PR for the commit: no file list asked for, no coverage read, and the summary says why", async () => {
    await withGitHub(
      () => {},
      async (gh, github) => {
        const { engine, run } = await runCi({ secret: gh.token }, { ...github, diffThreshold: 80 });
        expect(gh.calls("GET", /\/files$/)).toEqual([]);
        expect(coverageReads(engine)).toEqual([]);
        const status = JSON.parse(run.status);
        expect(status.passed).toBe(true);
        expect(status.diffCoverage).toMatchObject({
          passed: true,
          threshold: 80,
          reason: "no open pull request has head 3f2a9c1",
        });
        expect(run.summary).toContain(
          "| Changed lines | ➖ no figure | no open pull request has head 3f2a9c1 · --diff-threshold 80% not applied |",
        );
        expect(status.warnings).toContain(
          "--diff-threshold 80 was not applied: no open pull request has head 3f2a9c1",
        );
      },
    );
  });

  it("a 403 on the file list is a note in the summary, not a crash", async () => {
    await withGitHub(
      (gh) => {
        openPull("sample-app")(gh);
        gh.faults.push({
          method: "GET",
          path: /\/pulls\/7\/files$/,
          status: 403,
          message: "Resource not accessible by integration",
          times: 10,
        });
      },
      async (gh, github) => {
        const { run } = await runCi({ secret: gh.token }, github);
        expect(JSON.parse(run.status).passed).toBe(true);
        expect(run.summary).toContain(
          "| Changed lines | ➖ no figure | the pull request's changed files could not be read: GitHub refused (403): the token needs read access to the repository's pull requests (pull-requests: read) |",
        );
      },
    );
  });

  it("no token: GitHub is never asked, the coverage is not read, and the summary says why", async () => {
    const { engine, run } = await runCi({}, { diffThreshold: 90 });
    expect(coverageReads(engine)).toEqual([]);
    expect(run.summary).toContain(
      "| Changed lines | ➖ no figure | no --github-token given · --diff-threshold 90% not applied |",
    );
    expect(JSON.parse(run.status).passed).toBe(true);
  });
});

describe("what ci's status says about publishing", () => {
  const publish = PUBLISH;
  const sign = SIGN;
  const statusOf = async (s: Scenario, args: Record<string, unknown>) =>
    JSON.parse((await runCi(s, args)).run.status) as Record<string, unknown> & {
      passed: boolean;
      skipped: { stage: string; reason: string }[];
      warnings: string[];
      errors?: string[];
      image?: Record<string, unknown>;
    };
  const local = { reference: "sample-app:main", published: false, tags: [] };

  it("names a failed gate as why nothing was pushed, and reports the image by its local name", async () => {
    const status = await statusOf({ versions: { "3.12": "fail" } }, publish);
    expect(status.skipped).toContainEqual({
      stage: "publish",
      reason: "a gate failed, so nothing was pushed",
    });
    expect(status.image).toMatchObject(local);
    expect(status.image).toHaveProperty("facts");
  });

  it("says publishing and the comment were not asked for", async () => {
    const status = await statusOf({}, { branch: "main" });
    expect(status.skipped).toEqual([
      { stage: "publish", reason: "not requested (pass --publish with credentials, or --rehearse)" },
      { stage: "comment", reason: "no --github-token given" },
    ]);
    expect(status.image).toMatchObject(local);
  });

  it("reports no image at all when it did not build", async () => {
    const status = await statusOf({ buildFails: "ERROR: failed to solve: no such file" }, publish);
    expect(status.image).toBeUndefined();
    expect(status.skipped.map((s) => s.stage)).toContain("build");
    expect(status.skipped.map((s) => s.stage)).not.toContain("publish");
  });

  it("links GHCR's package page and says the digest was signed and its SBOM attested", async () => {
    const status = await statusOf({}, { ...publish, ...sign });
    expect(status.passed).toBe(true);
    expect(status.image).toMatchObject({
      published: true,
      signed: true,
      sbomAttested: true,
      provenanceAttested: true,
      page: "https://github.com/octo-org/my-service/pkgs/container/my-service",
      tags: ["main", "sha-3f2a9c1"],
    });
    expect(status.image).toHaveProperty("facts");
    expect(status.image?.reference).toMatch(/^ghcr\.io\/octo-org\/my-service:main@sha256:[0-9a-f]{64}$/);
    // with an SBOM, and not a rehearsal: nothing to warn of
    expect(status.warnings.filter((w) => /^(sign|rehearsal|publish):/.test(w))).toEqual([]);
  });

  it("signs without an SBOM when the scan could not run, and says so", async () => {
    const status = await statusOf({ trivyFails: "FATAL: init error: DB error" }, { ...publish, ...sign });
    expect(status.warnings).toContain(
      "sign: no SBOM to attest (the scan did not run); the image is signed without it, and deploy refuses an image without its SBOM attestation",
    );
    expect(status.image).toMatchObject({ published: true, signed: true });
    expect(status.image).not.toHaveProperty("sbomAttested");
    expect(status.skipped).toContainEqual({
      stage: "scan",
      reason: expect.stringMatching(/^Trivy could not run: .*FATAL: init error: DB error/s),
    });
    // unsigned, there is nothing to attest and nothing to warn of
    const unsigned = await statusOf({ trivyFails: "FATAL: init error: DB error" }, publish);
    expect(unsigned.warnings.filter((w) => w.startsWith("sign:"))).toEqual([]);
    expect(unsigned.image).not.toHaveProperty("signed");
  });

  it("a failed push fails the run, names why, and reports the image as not published", async () => {
    const status = await statusOf({ pushFails: "denied: permission_denied: write_package" }, publish);
    expect(status.passed).toBe(false);
    expect(status.image).toMatchObject(local);
    const reason = status.skipped.find((s) => s.stage === "publish")?.reason ?? "";
    expect(reason).toMatch(/^the push failed: .*write_package/s);
    expect(status.errors?.some((e) => /^publish: .*write_package/s.test(e))).toBe(true);
  });

  it("a rehearsal deploys what it pushed and says where it lives; a wrong deploy output fails it", async () => {
    const ok = await statusOf({}, { rehearse: true, branch: "main" });
    expect(ok.passed).toBe(true);
    expect(ok.warnings).toContain(
      "rehearsal: pushed to and deployed from the in-engine registry localhost:5000; its storage is the engine cache volume pipeline-rehearsal-registry, which outlives the run",
    );
    expect(ok.image).toMatchObject({ published: true });
    expect(ok.image).not.toHaveProperty("page");
    const wrong = await statusOf({ deployed: "6" }, { rehearse: true, branch: "main" });
    expect(wrong.passed).toBe(false);
    expect(wrong.errors).toContain("publish: the rehearsal deploy printed '6'");
  });

  it("a smoke command that fails is a failed smoke run with the command's words, not a crash", async () => {
    const status = await statusOf({ smokeFails: "No module named sample_app" }, {});
    const smoke = status.smoke as { passed: boolean; expected: string; output: string };
    expect(smoke.passed).toBe(false);
    expect(smoke.expected).toBe("5");
    expect(smoke.output).toMatch(/^the command failed: .*No module named sample_app/s);
    expect(status.passed).toBe(false);
  });

  it("pushes every platform asked for, and builds one more for the engine's own to smoke-test and scan", async () => {
    const { engine } = await runCi(
      {},
      { platforms: ["linux/amd64", "linux/arm64"], rehearse: true, branch: "main" },
    );
    const builds = new Set(
      allChains(engine)
        .flatMap((c) => find(c, "dockerBuild"))
        .map((b) => String(b.args.platform ?? "native")),
    );
    expect([...builds].sort()).toEqual(["linux/amd64", "linux/arm64", "native"]);
  });

  it("asks nothing more of an image that did not build: no smoke run, scan, dependency listing or facts", async () => {
    const { engine, run } = await runCi({ buildFails: "ERROR: failed to solve: no such file" }, {});
    const status = JSON.parse(run.status);
    for (const key of ["smoke", "scan", "dependencies", "image"]) expect(status).not.toHaveProperty(key);
    expect(status.skipped.map((s: { stage: string }) => s.stage)).toEqual([
      "build",
      "smoke",
      "scan",
      "comment",
    ]);
    // the build was synced once, and nothing else was asked of it or of its Dockerfile
    const onBuild = engine.queries.filter(
      (q) => JSON.stringify(q).includes('"dockerBuild"') && leafOf(q).field !== "id",
    );
    expect(onBuild.map((q) => leafOf(q).field)).toEqual(["sync"]);
    const dockerfileReads = engine.queries.filter(
      (q) => leafOf(q).field === "contents" && find(q, "file").at(-1)?.args.path === "Dockerfile",
    );
    expect(dockerfileReads).toEqual([]);
  });

  it("warns that a protected branch tag was held back on a run that is not a push", async () => {
    const status = await statusOf({}, { ...publish, event: "pull_request" });
    expect(status.passed).toBe(true);
    expect(status.warnings).toContain(
      "publish: 'main' not moved: only a push run of main moves it (event: pull_request)",
    );
    expect(status.image).toMatchObject({ published: true, tags: ["sha-3f2a9c1"] });
    // a push of main moves it, and a publish that held nothing back warns of nothing (an app with a uv.lock,
    // so the unlocked-dependencies warning stays out too)
    const pushed = await statusOf({ lock: true }, publish);
    expect(pushed.warnings).toEqual([]);
    expect(pushed.image).toMatchObject({ published: true, tags: ["main", "sha-3f2a9c1"] });
  });

  it("a dependency comparison that cannot run is a skipped stage with its reason, not a crash", async () => {
    const status = await statusOf({ distributions: { image: "" } }, publish);
    expect(status.skipped).toContainEqual({
      stage: "dependencies",
      reason:
        "the comparison could not run: Cannot read the distributions installed in the image: no Python version first.",
    });
    expect(status).not.toHaveProperty("dependencies");
    expect(status.image).toMatchObject({ published: true });
  });

  it("names the service containers the tests had", async () => {
    const status = await statusOf({}, { services: ["postgres"] });
    expect(status.services).toEqual(["postgres"]);
    expect(await statusOf({}, {})).not.toHaveProperty("services");
  });
});
