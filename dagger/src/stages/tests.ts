import { randomUUID } from "node:crypto";
import { type Container, type Directory, dag } from "@dagger.io/dagger";
import {
  type Attempt,
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

/** `serviceNotReady`: a service never became ready, so pytest never ran. */
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
  return {
    // a file the run did not leave is undefined, which judgeAttempt reads as absent
    attempt: await judgeAttempt(version, { exitCode, junit, coverageJson, probe }),
    output: tail(`${stdout}\n${stderr}`.trim()),
    reports: out.withoutFiles(["sync.log", "exit-code"]),
  };
}

/** A red run runs once more with a fresh value, or the engine replays its accepted failure (docs/engine-notes.md: Dagger engine); red then green is flaky. */
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
  // coverage.py's default core from 3.14 on, whatever coverage version the app locks; the probe checks the GIL stays off
  if (version.startsWith("3.14")) env = env.withEnvVariable("COVERAGE_CORE", "sysmon");
  try {
    // each leg, and a fresh rerun, binds its own service instances: never the failed run's data
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
    if (!isExecError(err)) throw err;
    // the engine's health check of a service fails the bound exec with the check's own command and output
    const notReady = notReadyFrom(services, err);
    if (notReady) {
      const status = notReadyStatus(version, notReady);
      return { status, output: tail(notReady.last), reports: dag.directory(), serviceNotReady: notReady };
    }
    const broken = (why: string): VersionRun => ({
      status: brokenStatus(version, why),
      output: tail(`${err.stdout}\n${err.stderr}`.trim()),
      reports: dag.directory(),
    });
    if (err.exitCode === SYNC_FAILED) {
      return broken(`uv sync failed for Python ${version}: ${lastLines(err.stderr, 6)}`);
    }
    if (err.exitCode !== NO_PYTEST) throw err;
    const groups =
      spec.groups.length === 0
        ? "the project's default groups"
        : `the default groups and ${spec.groups.join(", ")}`;
    return broken(
      `pytest is not installed in the environment uv synced (${groups}). Expected pytest in the dev group (uv add --dev pytest), or --groups naming the group that has it, e.g. --groups testing.`,
    );
  }
}

function tail(text: string, max = 4000): string {
  return text.length <= max ? text : `…${text.slice(text.length - max)}`;
}
