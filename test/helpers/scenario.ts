/**
 * A scripted pipeline run for the stand-in engine (engine.ts): it answers the leaves the module reads with
 * what the real tools would have left, taken from the upstream fixtures (test/fixtures/upstream), so the
 * invocation and plan tests see realistic files: pytest's own junit, coverage.py's own XML and JSON (the JSON
 * of coverage 7.15.4: 78.57% at the fixture project's precision 2), ruff's and Trivy's own JSON. Each test says
 * what should differ (a failing version, a finding, a crash) and nothing else.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PROVENANCE_V1, provenancePredicate } from "../../dagger/src/report/provenance.js";
import {
  type Chain,
  defaultLeaf,
  EngineError,
  execError,
  execs,
  find,
  leafOf,
  type Resolver,
  secretId,
} from "./engine.js";

export const upstream = (name: string): string =>
  readFileSync(join(import.meta.dirname, "../fixtures/upstream", name), "utf8");

/** How one version's pytest run goes. `flaky` fails on the first run and passes on the fresh rerun. */
export type VersionScript =
  | "pass"
  | "fail"
  | "flaky"
  | "segv"
  | "sync-fail"
  | "no-pytest"
  | "no-tests"
  | "gil-on"
  /** the test exec itself fails outside the script's own codes, e.g. its shell finds no uv */
  | "exec-fail";

export type Scenario = {
  /** by version, e.g. { "3.12": "fail" }; versions not named pass */
  versions?: Record<string, VersionScript>;
  /** ruff check's JSON (default `[]`) */
  ruffCheck?: string;
  /** ruff format --check: JSON stdout (default empty), exit code (default 0), stderr */
  ruffFormat?: { stdout?: string; exit?: number; stderr?: string };
  /** whether the app has a uv.lock (default false, like the sample app today) */
  lock?: boolean;
  /** the Dockerfiles the source holds, by path (default the sample's layout: only Dockerfile at the root) */
  dockerfiles?: string[];
  /** the image build fails with this stderr */
  buildFails?: string;
  /** Trivy's JSON report (default: the v0.69.3 debian-buster golden: 1 LOW, 1 CRITICAL) */
  trivy?: string;
  /** `trivy version --format json` (default: the upstream expected output) */
  trivyVersion?: string;
  /** the trivy scan exec fails (no DB) with this stderr */
  trivyFails?: string;
  /** what the smoke command prints in the built image (default "5") */
  smoke?: string;
  /** the smoke command fails in the built image with this stderr */
  smokeFails?: string;
  /** what the smoke command prints in a deployed (pulled) image (default "5") */
  deployed?: string;
  /** a push fails with this message */
  pushFails?: string;
  /**
   * whose run the green versions report: "fixtures" (default: the small upstream suites, 5 tests, 78.57%) or
   * "sample-app" (the sample app's own suite as run here: 98 tests, 100%; see SOURCES.md)
   */
  suite?: "fixtures" | "sample-app";
  /** the token's plaintext, when a test reads secrets (default a fake value) */
  secret?: string;
  /** the image's org.opencontainers.image.revision label (default SCENARIO_SHA); null: the image has none */
  revisionLabel?: string | null;
  /** the checkout's .git/config as the `git` argument holds it; null or absent: the file is missing */
  gitConfig?: string | null;
  /**
   * the git ref in the image's signing certificate (GitHub Workflow Ref): cosign verify fails when the run asks
   * for another (cosign's validateCertExtensions); absent: whatever is asked
   */
  signedRef?: string;
  /** cosign verify fails: the image is not signed by the expected identity */
  unsigned?: boolean;
  /**
   * the image's signed attestations: `missing` one of them (cosign verify-attestation fails as cosign does), or a
   * provenance naming another `source` (default: what ci attests for octo-org/my-service at SCENARIO_SHA)
   */
  attestations?: {
    missing?: "sbom" | "provenance";
    source?: { repository: string; commit: string };
    /** what cosign verify-attestation prints instead of the envelope */
    printed?: string;
  };
  /** cosign sign fails with this stderr */
  signFails?: string;
  /**
   * what the distribution listing prints in the image and in the tests' environment without the dev group
   * (Python X.Y, then name==version lines); default the same for both: the sample app alone
   */
  distributions?: { image?: string; tested?: string };
  /** the built image's configured user (default the sample app's "10001:10001") */
  imageUser?: string;
  /**
   * a bound service never becomes ready in the test runs that bind it (only `version`'s, when given): the engine
   * fails the test exec with its health check's error: the service's own readiness command (its `cmd`) with
   * `last` as its output, or, for a service without one, the engine's port check error (no exec error)
   */
  serviceNeverReady?: { service: string; version?: string; last?: string };
  /**
   * the app's mypy config files as the source holds them, by name (null: absent); default the sample app's own:
   * its pyproject.toml (with [tool.mypy] strict), and no mypy.ini, .mypy.ini or setup.cfg
   */
  mypyFiles?: Record<string, string | null>;
  /** mypy's run in the type check: `-O json` stdout (default none: clean), exit code (default 0), stderr */
  mypy?: { stdout?: string; exit?: number; stderr?: string };
  /** the type check's sync or mypy install fails with this stderr (its exec fails) */
  mypyInstallFails?: string;
  /** the `.python-version` at the project's root; absent: none */
  pythonVersionFile?: string;
  /** the version importlib.metadata reads of the installed project (default the sample's 0.1.0) */
  installedVersion?: string;
};

const SAMPLE_APP_ONLY = "3.14\nsample-app==0.1.0\n";

/** The commit a scenario's images were built from. */
export const SCENARIO_SHA = "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f";

/** A push run of main with credentials, and keyless signing on top of it. */
export const PUBLISH = {
  publish: true,
  event: "push",
  repository: "octo-org/my-service",
  branch: "main",
  sha: SCENARIO_SHA,
  registryUsername: "octocat",
  registryPassword: secretId("GITHUB_TOKEN"),
};
export const SIGN = {
  sign: true,
  oidcRequestUrl: "https://pipelines.actions.githubusercontent.example/idtoken?api-version=2.0",
  oidcRequestToken: secretId("ACTIONS_ID_TOKEN_REQUEST_TOKEN"),
};

/** sign.sh runs `cosign sign` and `attest`; verify.sh `verify` and `verify-attestation`. */
const cosignExec = (chain: Chain, verb: string) =>
  execs(chain).some(runsScript(verb.startsWith("verify") ? "verify.sh" : "sign.sh"));

/** The last value a chain set for an environment variable. */
export function envOf(chain: Chain, name: string): string | undefined {
  return find(chain, "withEnvVariable")
    .filter((c) => c.args.name === name)
    .map((c) => String(c.args.value))
    .at(-1);
}

const coverageJson = (suite: Scenario["suite"]) =>
  suite === "sample-app" ? "sample-app-coverage.json" : "coverage-real-7.json";

/** Whether a chain binds a service under `alias` (`withServiceBinding`). */
export const bindsService = (chain: Chain, alias: string): boolean =>
  find(chain, "withServiceBinding").some((c) => c.args.alias === alias);

/**
 * One line of `cosign verify-attestation --type slsaprovenance1` output: the DSSE envelope of the in-toto statement
 * cosign made of the predicate ci attests (report/provenance.ts), for `source`.
 */
export function provenanceEnvelope(source: { repository: string; commit: string }): string {
  const predicate: unknown = JSON.parse(
    provenancePredicate({
      repository: source.repository,
      commit: source.commit,
      ref: "refs/heads/main",
      event: "push",
      builder: `https://github.com/${source.repository}/.github/workflows/python-pipeline.yml@refs/heads/main`,
      dockerfile: "Dockerfile",
      context: ".",
      platforms: [],
      dockerfileText: "FROM python:3.14-slim\n",
    }),
  );
  const statement = {
    _type: "https://in-toto.io/Statement/v0.1",
    predicateType: PROVENANCE_V1,
    subject: [{ name: `ghcr.io/${source.repository}`, digest: { sha256: "ab".repeat(32) } }],
    predicate,
  };
  const payload = Buffer.from(JSON.stringify(statement)).toString("base64");
  return `${JSON.stringify({ payloadType: "application/vnd.in-toto+json", payload, signatures: [{ keyid: "", sig: "MEUCIQ" }] })}\n`;
}

/** The readiness command the module gave the service bound as `alias` (`withDockerHealthcheck`), if any. */
export function healthcheckOf(chain: Chain, alias: string): string[] | undefined {
  const binding = find(chain, "withServiceBinding").find((c) => c.args.alias === alias);
  const service = (binding?.args.service as { $chain: Chain } | undefined)?.$chain ?? [];
  return find(service, "withDockerHealthcheck").at(-1)?.args.args as string[] | undefined;
}

/** An exec of the module's shell program `name` (dagger/scripts/, run by stages/python.ts withScript). */
export const runsScript = (name: string) => (args: readonly string[]) =>
  args[0] === "sh" && args[1] === `/opt/pipeline/${name}`;
const isTestRun = (chain: Chain) => execs(chain).some(runsScript("run_tests.sh"));
const isCombine = (chain: Chain) => execs(chain).some(runsScript("combine.sh"));
const isTrivy = (chain: Chain) => execs(chain).some((a) => a[0] === "trivy" || runsScript("scan.sh")(a));
/** The type check's one exec (typecheck.sh): sync, mypy installed, mypy run. */
const isMypyRun = (chain: Chain) => runsScript("typecheck.sh")(execs(chain).at(-1) ?? []);

const MYPY_CONFIG_NAMES = ["mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"];
/** The mypy config file a source path names (`sample-app/setup.cfg` -> setup.cfg), if it names one. */
const mypyConfigName = (path: unknown): string | undefined =>
  MYPY_CONFIG_NAMES.find((n) => path === n || String(path).endsWith(`/${n}`));
/** The text of one of the app's mypy config files; null when the source has no such file. */
function mypyFileText(s: Scenario, name: string): string | null {
  if (s.mypyFiles && name in s.mypyFiles) return s.mypyFiles[name] ?? null;
  return name === "pyproject.toml"
    ? readFileSync(join(import.meta.dirname, "../../sample-app/pyproject.toml"), "utf8")
    : null;
}
const ruffExec = (chain: Chain, verb: string) =>
  execs(chain).some((a) => a[0]?.endsWith("ruff") && a[1] === verb);
/** The matrix version a container is for, from UV_PYTHON (`3.12+gil` -> 3.12). */
export const versionOf = (chain: Chain): string | undefined => envOf(chain, "UV_PYTHON")?.replace("+gil", "");

function testFiles(
  version: string,
  script: VersionScript,
  rerun: boolean,
  suite: Scenario["suite"],
): Record<string, string> {
  const v = version;
  const ft = v.endsWith("t");
  const minor = Number(v.split(".")[1]?.replace("t", ""));
  const gil = minor >= 13 ? (ft ? script === "gil-on" : true) : undefined;
  const probe = JSON.stringify({ python: `${v.replace("t", "")}.1`, gil: gil ?? null });
  const green = {
    "exit-code": "0\n",
    [`junit-${v}.xml`]: upstream(suite === "sample-app" ? "sample-app-junit.xml" : "pytest-junit-pass.xml"),
    [`coverage-${v}.xml`]: upstream("coverage-real.xml"),
    [`coverage-${v}.json`]: upstream(coverageJson(suite)),
    [`.coverage.${v}`]: "SQLite format 3",
    [`python-${v}.json`]: probe,
  };
  switch (script) {
    case "pass":
    case "gil-on":
      return green;
    case "flaky":
      return rerun
        ? green
        : { ...green, "exit-code": "1\n", [`junit-${v}.xml`]: upstream("pytest-junit-mixed.xml") };
    case "fail":
      return { ...green, "exit-code": "1\n", [`junit-${v}.xml`]: upstream("pytest-junit-mixed.xml") };
    case "segv":
      // pytest writes its junit at session end: a killed process leaves the coverage data file at most.
      return { "exit-code": "139\n", [`.coverage.${v}`]: "SQLite format 3" };
    case "no-tests":
      return { "exit-code": "5\n", [`python-${v}.json`]: probe };
    case "sync-fail":
    case "no-pytest":
    case "exec-fail":
      return {};
  }
}

/**
 * What Trivy writes for the scan exec's flags: with `--severity`, only those severities
 * (pkg/result/filter.go at v0.69.3: `case !slices.Contains(severities, vuln.Severity): continue`).
 */
function asTrivyWrites(report: string, chain: Chain): string {
  const scan = execs(chain).find((a) => a[0] === "trivy" && a[1] === "image" && a.includes("json"));
  const flag = scan?.indexOf("--severity") ?? -1;
  if (!scan || flag < 0) return report;
  const keep = (scan[flag + 1] ?? "").split(",");
  const data = JSON.parse(report) as { Results?: { Vulnerabilities?: { Severity: string }[] }[] };
  for (const r of data.Results ?? []) {
    if (r.Vulnerabilities) r.Vulnerabilities = r.Vulnerabilities.filter((v) => keep.includes(v.Severity));
  }
  return JSON.stringify(data);
}

/** The resolver of a scripted run. */
export function scenario(s: Scenario = {}): Resolver {
  return (chain) => {
    const { field, args } = leafOf(chain);

    if (field === "exists") {
      if (String(args.path).endsWith("uv.lock")) return s.lock ?? false;
      if (String(args.path).endsWith(".python-version")) return s.pythonVersionFile !== undefined;
      if (/(^|\/)Dockerfile$/.test(String(args.path)))
        return (s.dockerfiles ?? ["Dockerfile"]).includes(String(args.path));
      const name = execs(chain).length === 0 ? mypyConfigName(args.path) : undefined;
      return name === undefined ? true : mypyFileText(s, name) !== null;
    }
    if (field === "contents" && find(chain, "file").at(-1)?.args.path === ".git/config") {
      if (s.gitConfig == null) throw new Error("lstat /.git/config: no such file or directory");
      return s.gitConfig;
    }
    if (field === "contents" && execs(chain).length === 0) {
      const path = String(find(chain, "file").at(-1)?.args.path);
      if (path.endsWith(".python-version")) return s.pythonVersionFile ?? "";
      const name = mypyConfigName(path);
      if (name !== undefined) return mypyFileText(s, name) ?? "";
    }
    if (isMypyRun(chain) && field === "contents") {
      if (s.mypyInstallFails) {
        throw execError({ exitCode: 97, stderr: s.mypyInstallFails, cmd: ["sh", "-c", "…"] });
      }
      const name = find(chain, "file").at(-1)?.args.path;
      if (name === "mypy.json") return s.mypy?.stdout ?? "";
      if (name === "mypy-stderr.txt") return s.mypy?.stderr ?? "";
      if (name === "mypy-exit-code") return `${s.mypy?.exit ?? 0}\n`;
    }
    if (field === "plaintext") return s.secret ?? "fake-secret-value";

    if (isTestRun(chain)) {
      const version = versionOf(chain) ?? "?";
      const script = s.versions?.[version] ?? "pass";
      if (script === "no-pytest") {
        // what the test script (stages/tests.ts) prints and exits with when the synced environment lacks pytest
        throw execError({
          exitCode: 95,
          stderr: `pytest is not in the environment uv synced for Python ${version}`,
          cmd: ["sh", "-c", "…"],
        });
      }
      if (script === "exec-fail") {
        throw execError({ exitCode: 127, stderr: "sh: 3: uv: not found", cmd: ["sh", "-c", "…"] });
      }
      if (script === "sync-fail") {
        throw execError({
          exitCode: 97,
          stdout: "",
          stderr: `error: Failed to fetch: \`https://pypi.org/simple/pytest/\`\nuv sync failed for Python ${version}`,
          cmd: ["sh", "-c", "…"],
        });
      }
      const never = s.serviceNeverReady;
      if (never && bindsService(chain, never.service) && (never.version ?? version) === version) {
        // core/service.go at v0.21.8: the failed check's ExecError, or the port checker's plain error
        const check = healthcheckOf(chain, never.service);
        if (check === undefined) {
          throw new EngineError(
            `start ${never.service}: health check errored: checking for port: ${never.last ?? "connection refused"}`,
          );
        }
        const last = never.last ?? "127.0.0.1:5432 - no response";
        throw execError({ exitCode: 2, stdout: last, stderr: "", cmd: ["/bin/sh", "-c", ...check] });
      }
      const files = testFiles(version, script, envOf(chain, "PIPELINE_RERUN") !== undefined, s.suite);
      if (field === "entries") {
        const removed = find(chain, "withoutFiles").flatMap((c) => c.args.paths as string[]);
        return Object.keys(files).filter((f) => !removed.includes(f));
      }
      if (field === "contents") return files[String(find(chain, "file").at(-1)?.args.path)] ?? "";
      if (field === "stdout") return script === "segv" ? upstream("pytest-crash-output.txt") : "5 passed";
      return defaultLeaf(chain);
    }

    if (isCombine(chain) && field === "contents") {
      const name = String(find(chain, "file").at(-1)?.args.path);
      if (name === "coverage.json") return upstream(coverageJson(s.suite));
      // coverage.py's gate, as its `coverage report` decides it: --threshold (combine.sh's PIPELINE_FAIL_UNDER), else the project's
      // fail_under ([tool.coverage.report] of the scenario's pyproject.toml), against the combined total
      const configured = Number(
        /^fail_under\s*=\s*([\d.]+)/m.exec(mypyFileText(s, "pyproject.toml") ?? "")?.[1] ?? 0,
      );
      if (name === "fail-under") return `${configured.toFixed(1)}\n`;
      if (name === "report-exit") {
        const asked = envOf(chain, "PIPELINE_FAIL_UNDER");
        const total = (JSON.parse(upstream(coverageJson(s.suite))) as { totals: { percent_covered: number } })
          .totals;
        return total.percent_covered < Number(asked ?? configured) ? "2\n" : "0\n";
      }
      return name === "coverage.xml" ? upstream("coverage-real.xml") : "TOTAL 20 3 8 3 78.57%\n";
    }

    // ruff's snapshots write the folder ruff ran in as [TMP] (an insta filter): here that folder is the app's.
    const inApp = (json: string) => json.replaceAll("[TMP]", "/src/sample-app");
    if (ruffExec(chain, "check") && field === "contents") return inApp(s.ruffCheck ?? "[]");
    if (ruffExec(chain, "format")) {
      if (field === "stdout") return inApp(s.ruffFormat?.stdout ?? "");
      if (field === "stderr") return s.ruffFormat?.stderr ?? "";
      if (field === "exitCode") return s.ruffFormat?.exit ?? 0;
    }

    if (isTrivy(chain)) {
      if (s.trivyFails) throw execError({ exitCode: 1, stderr: s.trivyFails, cmd: ["trivy", "image"] });
      if (field === "contents") {
        const name = String(find(chain, "file").at(-1)?.args.path);
        if (name === "trivy.json") {
          return asTrivyWrites(s.trivy ?? upstream("trivy-debian-buster.json.golden"), chain);
        }
        if (name === "trivy-version.json") return s.trivyVersion ?? upstream("trivy-version.json");
      }
      return defaultLeaf(chain);
    }

    // the repository's own Dockerfile, read from the source
    if (
      field === "contents" &&
      find(chain, "file").at(-1)?.args.path === "Dockerfile" &&
      execs(chain).length === 0
    ) {
      return readFileSync(join(import.meta.dirname, "../../Dockerfile"), "utf8");
    }
    // the built image's config and tarball (sample app: UID 10001; a size and layer count of a slim image)
    if (field === "user") return s.imageUser ?? "10001:10001";
    if (field === "size" && find(chain, "asTarball").length > 0) return 52_480_000;
    if (field === "stdout" && execs(chain).some((a) => a.some((arg) => arg.includes("count_layers.py"))))
      return "9\n";
    if (field === "stdout" && execs(chain).some((a) => a.some((arg) => arg.includes("importlib.metadata"))))
      return `${s.installedVersion ?? "0.1.0"}\n`;
    const listing = execs(chain).some((a) => a.some((arg) => arg.includes("list_distributions.py")));
    if (listing && field === "stdout") {
      const inImage = find(chain, "dockerBuild").length > 0;
      return (inImage ? s.distributions?.image : s.distributions?.tested) ?? SAMPLE_APP_ONLY;
    }
    if (cosignExec(chain, "verify") && s.signedRef !== undefined) {
      const asked = envOf(chain, "SOURCE_REF");
      if (asked !== undefined && asked !== s.signedRef) {
        throw execError({
          exitCode: 1,
          stderr: "Error: no matching signatures: expected GitHub Workflow Ref not found in certificate",
          cmd: ["sh", "-c", "…"],
        });
      }
    }
    // the verify script exits 10, 11 or 12 for the signature, the SBOM or the provenance (stages/sign.ts VERIFIED)
    if (cosignExec(chain, "verify") && s.unsigned) {
      throw execError({
        exitCode: 10,
        stderr: "Error: no signatures found\nmain.go:74: error during command execution: no signatures found",
        cmd: ["sh", "-c", "…"],
      });
    }
    const missing = s.attestations?.missing;
    if (cosignExec(chain, "verify-attestation") && missing) {
      // cmd/cosign/cli/verify/verify_attestation.go at v2.4.1: no attestation of the asked type
      const [type, found] =
        missing === "sbom" ? ["cyclonedx", PROVENANCE_V1] : ["slsaprovenance1", "https://cyclonedx.org/bom"];
      throw execError({
        exitCode: missing === "sbom" ? 11 : 12,
        stderr: `Error: none of the attestations matched the predicate type: ${type}, found: ${found}\nmain.go:74: error during command execution: none of the attestations matched the predicate type: ${type}, found: ${found}`,
        cmd: ["sh", "-c", "…"],
      });
    }
    if (cosignExec(chain, "verify-attestation") && field === "contents") {
      if (s.attestations?.printed !== undefined) return s.attestations.printed;
      return provenanceEnvelope(
        s.attestations?.source ?? { repository: "octo-org/my-service", commit: SCENARIO_SHA },
      );
    }
    if (cosignExec(chain, "sign") && s.signFails) {
      throw execError({ exitCode: 1, stderr: s.signFails, cmd: ["sh", "-c", "…"] });
    }
    // the engine answers null for a label the image lacks (core/schema/container.go)
    if (field === "label")
      return args.name === "org.opencontainers.image.revision"
        ? s.revisionLabel === undefined
          ? SCENARIO_SHA
          : s.revisionLabel
        : null;

    const built = find(chain, "dockerBuild").length > 0;
    if (built && s.buildFails && (field === "sync" || field === "stdout")) {
      throw execError({ exitCode: 1, stderr: s.buildFails, cmd: ["docker", "build"] });
    }
    if (built && s.smokeFails && field === "stdout" && execs(chain).length > 0) {
      throw execError({ exitCode: 2, stderr: s.smokeFails, cmd: execs(chain).at(-1) ?? [] });
    }
    if (field === "stdout" && execs(chain).length > 0) {
      const pulled = find(chain, "from").length > 0 && !built;
      return `${pulled ? (s.deployed ?? "5") : (s.smoke ?? "5")}\n`;
    }
    if (field === "publish" && s.pushFails) throw new Error(s.pushFails);
    return defaultLeaf(chain);
  };
}
