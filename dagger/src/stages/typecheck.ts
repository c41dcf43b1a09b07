import { type Container, type Directory, dag, ReturnType } from "@dagger.io/dagger";
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
import { appDir, uvBase, uvSync } from "./python.js";

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

/**
 * The app's dev environment plus mypy, installed in an exec of its own like ruff's: a failed download or a
 * failed `uv sync` is an exec error (named, never cached) instead of an accepted exit code of the mypy run
 * that the engine would persist and replay. mypy goes into the app's own environment (`uv pip install`), so
 * it sees the app's dependencies and their types, and reads the app's config from the folder it runs in.
 * `uv run --with mypy` would do the same with an overlay built at run time in the uv cache volume, inside the
 * exec whose exit code is accepted: that is what this avoids. The interpreter is the base image's own
 * (`only-system`), so the environment lives in this container's layers alone: no venv here can outlive a
 * managed Python in the shared volume.
 */
export function typecheckBase(source: Directory, app: string, groups: readonly string[] = []): Container {
  const root = appDir(app);
  return uvBase()
    .withEnvVariable("UV_PYTHON_PREFERENCE", "only-system")
    .withEnvVariable("UV_PROJECT_ENVIRONMENT", TYPECHECK_ENV)
    .withMountedDirectory(root, source.directory(app))
    .withWorkdir(root)
    .withExec([
      "sh",
      "-c",
      `${uvSync(groups)} && uv pip install --python ${TYPECHECK_ENV}/bin/python mypy==${MYPY_VERSION}`,
    ]);
}

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

/**
 * mypy on the app, judged under `mode` (report or gate; `ci` does not call this when off). Its exit code is
 * accepted and judged (report/mypy.ts `judgeMypy`): exit 2 or a silent exit 1 is a failure naming stderr.
 */
export async function runTypecheck(
  source: Directory,
  app: string,
  mode: TypecheckMode,
  config: MypyConfig | undefined,
  groups: readonly string[] = [],
  packages: readonly string[] = [],
): Promise<TypecheckRun> {
  const root = appDir(app);
  try {
    const run = typecheckBase(source, app, groups).withExec(mypyCommand(config, packages), {
      expect: ReturnType.Any,
    });
    const [stdout, stderr, exitCode] = await Promise.all([run.stdout(), run.stderr(), run.exitCode()]);
    const status = typecheckStatus(mode, judgeMypy({ exitCode, stdout, stderr }, root));
    const reports = dag
      .directory()
      .withNewFile("mypy.json", stdout)
      .withNewFile("mypy-stderr.txt", stderr)
      .withNewFile("mypy-exit-code", `${exitCode}\n`);
    return { status, reports };
  } catch (err) {
    const error = `mypy could not run: ${errorText(err)}`;
    const status = typecheckStatus(mode, { errors: 0, findings: [], error });
    return { status, reports: dag.directory().withNewFile("mypy-error.txt", error) };
  }
}
