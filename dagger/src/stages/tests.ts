import { randomUUID } from "node:crypto";
import { type Container, type Directory, dag } from "@dagger.io/dagger";
import {
  type Attempt,
  type AttemptFiles,
  brokenStatus,
  failureReason,
  judgeAttempt,
  notReadyStatus,
  versionStatus,
} from "../report/pytest.js";
import type { VersionStatus } from "../report/types.js";
import { isExecError, lastLines } from "../settings/errors.js";
import { notReadyFrom, type ServiceNotReady, type ServiceSpec } from "../settings/services.js";
import { versionSlug } from "../settings/validate.js";
import {
  DEFAULT_SYNC,
  moduleScript,
  pythonEnv,
  type SyncSpec,
  type TestEnv,
  withScript,
  withTestEnv,
} from "./python.js";
import { withServices } from "./services.js";

/**
 * One version's tests as plain data: the verdict, pytest's output (tail) and the files it wrote; `serviceNotReady`
 * when a service container never became ready, so pytest never ran (the status says so in its error).
 */
export type VersionRun = {
  status: VersionStatus;
  output: string;
  reports: Directory;
  serviceNotReady?: ServiceNotReady;
};

const OUT = "/out";
/** run_tests.sh's exit code when `uv sync` failed: the exec then fails, and failed execs are never cached. */
export const SYNC_FAILED = 97;
/** run_tests.sh's exit code when the synced environment has no pytest: nothing to run the tests with. */
export const NO_PYTEST = 95;
const PROBE_DIR = "/opt/pipeline-probe";

/** One run of dagger/scripts/run_tests.sh in `ctr`: the verdict, the output tail and the output folder. */
async function attempt(
  ctr: Container,
  version: string,
  sync: SyncSpec,
): Promise<{ attempt: Attempt; output: string; reports: Directory }> {
  const v = versionSlug(version);
  const run = withScript(ctr, "run_tests.sh", sync);
  const out = run.directory(OUT);
  const [stdout, stderr, names] = await Promise.all([run.stdout(), run.stderr(), out.entries()]);
  const read = (name: string) => (names.includes(name) ? out.file(name).contents() : undefined);
  const [exitCode, junit, coverageJson, probe] = await Promise.all([
    read("exit-code"),
    read(`junit-${v}.xml`),
    read(`coverage-${v}.json`),
    read(`python-${v}.json`),
  ]);
  // a file the run did not leave is undefined, which judgeAttempt reads as absent
  const files: AttemptFiles = { exitCode, junit, coverageJson, probe };
  return {
    attempt: await judgeAttempt(version, files),
    output: tail(`${stdout}\n${stderr}`.trim(), 4000),
    reports: out.withoutFiles(["sync.log", "exit-code"]),
  };
}

/**
 * The tests of one version. A failed run is executed once more with a value that changes every time in its
 * definition, so it really runs instead of replaying a failure the engine persisted (exec results are cached,
 * accepted failures included: engineutil/executor.go and `IsPersistable` in core/schema/container.go at
 * v0.21.8). A green first run replays from cache as it should; red then green is reported as flaky.
 */
export async function runTests(
  source: Directory,
  app: string,
  version: string,
  services: readonly ServiceSpec[] = [],
  spec: SyncSpec = DEFAULT_SYNC,
  testEnv: TestEnv | undefined = undefined,
): Promise<VersionRun> {
  let env = withTestEnv(pythonEnv(source, app, version, spec), testEnv)
    .withFile(`${PROBE_DIR}/pipeline_probe.py`, moduleScript("pipeline_probe.py"))
    .withEnvVariable("PIPELINE_PYTHON", version)
    .withEnvVariable("PIPELINE_SLUG", versionSlug(version))
    .withEnvVariable("PIPELINE_PROBE", PROBE_DIR)
    .withEnvVariable("PIPELINE_OUT", OUT);
  // sysmon is coverage.py's default core from 3.14 on; naming it keeps the measurement the same whatever
  // coverage version the app locks. coverage still imports its C tracer, and on 3.14t the GIL stays off only
  // because that extension declares it does not need the GIL: the probe checks that, it is not assumed.
  if (version.startsWith("3.14")) env = env.withEnvVariable("COVERAGE_CORE", "sysmon");
  try {
    // Each leg binds its own instances (the version is in their definition), and so does a fresh rerun:
    // it must not find the failed run's data.
    const first = await attempt(withServices(env, services, version), version, spec);
    if (first.attempt.passed) {
      return { status: versionStatus(version, first.attempt, { attempts: 1 }), ...first };
    }
    const nonce = randomUUID();
    const rerun = env.withEnvVariable("PIPELINE_RERUN", nonce);
    const fresh = await attempt(withServices(rerun, services, `${version} ${nonce}`), version, spec);
    const status = versionStatus(version, fresh.attempt, {
      attempts: 2,
      flaky: fresh.attempt.passed,
      firstError: failureReason(first.attempt),
    });
    return { status, output: fresh.output, reports: fresh.reports };
  } catch (err) {
    // the engine's health check of a service fails the bound exec with the check's own command and output
    const notReady = isExecError(err) ? notReadyFrom(services, err) : undefined;
    if (notReady) {
      return {
        status: notReadyStatus(version, notReady),
        output: tail(notReady.last, 4000),
        reports: dag.directory(),
        serviceNotReady: notReady,
      };
    }
    if (isExecError(err) && err.exitCode === NO_PYTEST) {
      const synced =
        spec.groups.length === 0
          ? "the project's default groups"
          : `the default groups and ${spec.groups.join(", ")}`;
      return {
        status: brokenStatus(
          version,
          `pytest is not installed in the environment uv synced (${synced}). Expected pytest in the dev group (uv add --dev pytest), or --groups naming the group that has it, e.g. --groups testing.`,
        ),
        output: tail(`${err.stdout}\n${err.stderr}`.trim(), 4000),
        reports: dag.directory(),
      };
    }
    if (isExecError(err) && err.exitCode === SYNC_FAILED) {
      return {
        status: brokenStatus(version, `uv sync failed for Python ${version}: ${lastLines(err.stderr, 6)}`),
        output: tail(`${err.stdout}\n${err.stderr}`.trim(), 4000),
        reports: dag.directory(),
      };
    }
    throw err;
  }
}

function tail(text: string, max: number): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}
