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
  ENSURE_PYTEST_COV,
  LOAD_ENV_FILE,
  moduleScript,
  pythonEnv,
  type SyncSpec,
  type TestEnv,
  UV_SYNC,
  uvSync,
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
/** The test script's exit code when `uv sync` failed: the exec then fails, and failed execs are never cached. */
export const SYNC_FAILED = 97;
/** The test script's exit code when the synced environment has no pytest: nothing to run the tests with. */
export const NO_PYTEST = 95;
const PROBE_DIR = "/opt/pipeline-probe";

/**
 * pytest with coverage on one version, sync and run in one exec (a venv synced in an earlier, cached exec may
 * point at an interpreter the shared volume no longer holds). Every file name carries the version so the
 * matrix's reports sit side by side; the per-version fail_under is off: the gate decides on the combined figure.
 *
 * coverage.py's JSON report (`coverage-<v>.json`, the figure the module reads) is written by `coverage json`
 * from the same data file right after pytest, not by `--cov-report=json:`: pytest-cov has that choice only from
 * 4.1.0, and an app that locks an older one (Debian 12 ships 4.0.0) would get a usage error (exit 4) for the
 * whole run. `coverage json` exists in every coverage.py the module can read (6.0 on). When pytest left no data
 * (a killed process), it writes no file: coverage.py deletes a report it could not finish.
 *
 * The script, not the engine, judges pytest: it records pytest's status in `exit-code` and exits 0, so a
 * process killed by a signal (134, 137, 139, outside what `ReturnType.Any` accepts: 0-127 and 192-255,
 * core/container.go at v0.21.8) still leaves every file it wrote. Only a failed `uv sync` fails the exec,
 * with {@link SYNC_FAILED}: a failed exec is an error, never a cached result, so the next run tries again.
 */
export function testScript(version: string, dirs = { out: OUT, probe: PROBE_DIR }, sync = UV_SYNC): string {
  const v = versionSlug(version);
  const { out, probe } = dirs;
  return [
    "set -u",
    `mkdir -p ${out}`,
    `if ! { ${sync} && ${ENSURE_PYTEST_COV}; } > ${out}/sync.log 2>&1; then cat ${out}/sync.log >&2; echo "uv sync failed for Python ${version}" >&2; exit ${SYNC_FAILED}; fi`,
    `if ! uv run --no-sync python -c "import pytest" 2> /dev/null; then echo "pytest is not in the environment uv synced for Python ${version}" >&2; exit ${NO_PYTEST}; fi`,
    LOAD_ENV_FILE,
    `PYTHONPATH=${probe}\${PYTHONPATH:+:$PYTHONPATH} PIPELINE_PROBE_OUT=${out}/python-${v}.json` +
      ` COVERAGE_FILE=${out}/.coverage.${v} uv run --no-sync pytest -p no:cacheprovider -p pipeline_probe` +
      ` --junitxml=${out}/junit-${v}.xml -o junit_suite_name=python-${v}` +
      ` --cov --cov-report=xml:${out}/coverage-${v}.xml --cov-report=term --cov-fail-under=0`,
    `echo $? > ${out}/exit-code`,
    `COVERAGE_FILE=${out}/.coverage.${v} uv run --no-sync coverage json -o ${out}/coverage-${v}.json --fail-under=0`,
    "exit 0",
  ].join("\n");
}

/** One run of the test script in `ctr`: the verdict, the output tail and the output folder. */
async function attempt(
  ctr: Container,
  version: string,
  sync: string,
): Promise<{ attempt: Attempt; output: string; reports: Directory }> {
  const v = versionSlug(version);
  const script = testScript(version, undefined, sync);
  const run = ctr.withExec(["sh", "-c", script]);
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
  const sync = uvSync(spec);
  let env = withTestEnv(pythonEnv(source, app, version, spec), testEnv).withFile(
    `${PROBE_DIR}/pipeline_probe.py`,
    moduleScript("pipeline_probe.py"),
  );
  // sysmon is coverage.py's default core from 3.14 on; naming it keeps the measurement the same whatever
  // coverage version the app locks. coverage still imports its C tracer, and on 3.14t the GIL stays off only
  // because that extension declares it does not need the GIL: the probe checks that, it is not assumed.
  if (version.startsWith("3.14")) env = env.withEnvVariable("COVERAGE_CORE", "sysmon");
  try {
    // Each leg binds its own instances (the version is in their definition), and so does a fresh rerun:
    // it must not find the failed run's data.
    const first = await attempt(withServices(env, services, version), version, sync);
    if (first.attempt.passed) {
      return { status: versionStatus(version, first.attempt, { attempts: 1 }), ...first };
    }
    const nonce = randomUUID();
    const rerun = env.withEnvVariable("PIPELINE_RERUN", nonce);
    const fresh = await attempt(withServices(rerun, services, `${version} ${nonce}`), version, sync);
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
