import { type Directory, dag } from "@dagger.io/dagger";
import { quote } from "shell-quote";
import {
  judgeMypy,
  resolveTypecheckMode,
  type TypecheckMode,
  type TypecheckStatus,
  typecheckStatus,
} from "../report/mypy.js";
import { errorText } from "../settings/errors.js";
import {
  MYPY_CONFIG_NAMES,
  type MypyConfig,
  type MypyConfigFiles,
  mypyConfig,
  mypyTargets,
} from "../settings/mypy-config.js";
import { MYPY_VERSION } from "../settings/pins.js";
import { inApp } from "../settings/validate.js";
import {
  appDir,
  DEFAULT_SYNC,
  LOAD_ENV_FILE,
  pythonEnv,
  type SyncSpec,
  type TestEnv,
  uvSync,
  withTestEnv,
} from "./python.js";
import { SYNC_FAILED } from "./tests.js";

/** The type-check stage as plain data: the verdict under its mode and mypy's own output. */
export type TypecheckRun = { status: TypecheckStatus; reports: Directory };

/** The app's environment for the type check, with mypy added to it: in the container's own filesystem. */
export const TYPECHECK_ENV = "/venv/typecheck";

/**
 * The app's config files mypy could read, and which one it would use, read from the source before anything
 * runs: `ci` decides from it whether a type check runs at all.
 */
export async function readMypyConfig(source: Directory, app: string): Promise<MypyConfig | undefined> {
  const contents = await Promise.all(
    MYPY_CONFIG_NAMES.map(async (name) => {
      const path = inApp(app, name);
      return (await source.exists(path)) ? source.file(path).contents() : undefined;
    }),
  );
  const [ini, dotIni, pyproject, setup] = contents;
  // an absent file stays undefined, which mypyConfig reads as absent
  const others: MypyConfigFiles = { "mypy.ini": ini, ".mypy.ini": dotIni, "setup.cfg": setup };
  return mypyConfig(pyproject, others);
}

/** The mode a run resolves to, with the config it was read from (`--typecheck` unset: gate when configured). */
export async function planTypecheck(
  source: Directory,
  app: string,
  asked: TypecheckMode | undefined,
): Promise<{ mode: TypecheckMode; config?: MypyConfig }> {
  const config = await readMypyConfig(source, app);
  return { mode: resolveTypecheckMode(asked, config !== undefined), ...(config ? { config } : {}) };
}

/** What the type check runs on: the project's Python (its `.python-version`, else its lowest) and environment. */
export type TypecheckTarget = {
  mode: TypecheckMode;
  config: MypyConfig | undefined;
  /** the Python mypy runs on, and where that choice came from, e.g. ".python-version" */
  python: { version: string; from: string };
  sync?: SyncSpec;
  /** the project's packages, the target when the config names none */
  packages?: readonly string[];
  /** the variables and env file the tests get: the type check imports the same code */
  env?: TestEnv;
};

/**
 * The command the type check runs: mypy from the app's environment (`--no-sync`: it was synced above), JSON
 * lines on stdout and no summary line, on what the app's config names, else the project's packages.
 */
export function mypyCommand(config: MypyConfig | undefined, packages: readonly string[] = []): string[] {
  return [
    "uv",
    "run",
    "--no-sync",
    "mypy",
    "-O",
    "json",
    "--no-error-summary",
    ...mypyTargets(config, packages),
  ];
}

const OUT = "/out";

/**
 * Sync, mypy added to the synced environment, and mypy itself, in ONE exec on the project's Python, a
 * uv-managed interpreter from the shared volume like the matrix's: a venv synced by an earlier, cached exec
 * may point at an interpreter that volume no longer holds. mypy goes into the app's own environment
 * (`uv pip install`), so it sees the app's dependencies and their types, and reads the app's config from the
 * folder it runs in. A failed sync or download fails the exec ({@link SYNC_FAILED}: an error, never a cached
 * result); mypy's own status is recorded in a file and judged (report/mypy.ts `judgeMypy`).
 */
export function typecheckScript(sync: SyncSpec, command: readonly string[]): string {
  return [
    "set -u",
    `mkdir -p ${OUT}`,
    `if ! { ${uvSync(sync)} && uv pip install --python "$UV_PROJECT_ENVIRONMENT/bin/python" mypy==${MYPY_VERSION}; } > ${OUT}/sync.log 2>&1; then cat ${OUT}/sync.log >&2; exit ${SYNC_FAILED}; fi`,
    LOAD_ENV_FILE,
    `${quote([...command])} > ${OUT}/mypy.json 2> ${OUT}/mypy-stderr.txt`,
    `echo $? > ${OUT}/mypy-exit-code`,
    "exit 0",
  ].join("\n");
}

/** mypy on the app, judged under its mode (`ci` does not call this when off): exit 2 or a silent exit 1 fails. */
export async function runTypecheck(
  source: Directory,
  app: string,
  target: TypecheckTarget,
): Promise<TypecheckRun> {
  const root = appDir(app);
  const python = target.python;
  try {
    const script = typecheckScript(target.sync ?? DEFAULT_SYNC, mypyCommand(target.config, target.packages));
    const out = withTestEnv(pythonEnv(source, app, python.version, target.sync), target.env)
      .withEnvVariable("UV_PROJECT_ENVIRONMENT", TYPECHECK_ENV)
      .withExec(["sh", "-c", script])
      .directory(OUT);
    const [stdout, stderr, exit] = await Promise.all(
      ["mypy.json", "mypy-stderr.txt", "mypy-exit-code"].map((name) => out.file(name).contents()),
    );
    const exitCode = Number.parseInt(exit as string, 10);
    const judged = judgeMypy({ exitCode, stdout: stdout as string, stderr: stderr as string }, root);
    const status = typecheckStatus(target.mode, { ...judged, python: `${python.version} (${python.from})` });
    return { status, reports: out.withoutFiles(["sync.log"]) };
  } catch (err) {
    const error = `mypy could not run on Python ${python.version}: ${errorText(err)}`;
    const status = typecheckStatus(target.mode, { errors: 0, findings: [], error });
    return { status, reports: dag.directory().withNewFile("mypy-error.txt", error) };
  }
}
