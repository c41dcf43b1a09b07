import { type Directory, dag } from "@dagger.io/dagger";
import {
  judgeMypy,
  resolveTypecheckMode,
  TypecheckMode,
  type TypecheckStatus,
  typecheckStatus,
} from "../report/mypy.js";
import { errorText } from "../settings/errors.js";
import { MYPY_CONFIG_NAMES, type MypyConfig, mypyConfig, mypyTargets } from "../settings/mypy-config.js";
import { MYPY_VERSION } from "../settings/pins.js";
import { inApp } from "../settings/validate.js";
import {
  appDir,
  DEFAULT_SYNC,
  pythonEnv,
  type SyncSpec,
  type TestEnv,
  withScript,
  withTestEnv,
} from "./python.js";

export type TypecheckRun = { status: TypecheckStatus; reports: Directory };

/** The app's environment plus mypy, so mypy sees the app's dependencies and their types. */
export const TYPECHECK_ENV = "/venv/typecheck";

/** Read before anything runs: `ci` decides from mypy's config whether a type check runs at all. */
export async function planTypecheck(
  source: Directory,
  app: string,
  asked: TypecheckMode | undefined,
): Promise<{ mode: TypecheckMode; config?: MypyConfig }> {
  if (asked === TypecheckMode.off) return { mode: asked };
  const [ini, dotIni, pyproject, setup] = await Promise.all(
    MYPY_CONFIG_NAMES.map(async (name) => {
      const path = inApp(app, name);
      return (await source.exists(path)) ? source.file(path).contents() : undefined;
    }),
  );
  const others = { "mypy.ini": ini, ".mypy.ini": dotIni, "setup.cfg": setup };
  const config = mypyConfig(pyproject, others, inApp(app, "pyproject.toml"));
  return { mode: resolveTypecheckMode(asked, config !== undefined), ...(config ? { config } : {}) };
}

export type TypecheckTarget = {
  mode: TypecheckMode;
  config: MypyConfig | undefined;
  /** e.g. from ".python-version" */
  python: { version: string; from: string };
  sync?: SyncSpec;
  packages?: readonly string[];
  /** the tests' env: mypy imports the same code */
  env?: TestEnv;
};

/** mypy's arguments for dagger/scripts/typecheck.sh: JSON lines, and targets only where the config names none. */
export function mypyArgs(config: MypyConfig | undefined, packages: readonly string[] = []): string[] {
  return ["-O", "json", "--no-error-summary", ...mypyTargets(config, packages)];
}

const OUT = "/out";

/** Not called when off; exit 2 or a silent exit 1 fails. */
export async function runTypecheck(
  source: Directory,
  app: string,
  target: TypecheckTarget,
): Promise<TypecheckRun> {
  const root = appDir(app);
  const python = target.python;
  try {
    const env = withTestEnv(pythonEnv(source, app, python.version, target.sync), target.env)
      .withEnvVariable("UV_PROJECT_ENVIRONMENT", TYPECHECK_ENV)
      .withEnvVariable("MYPY_VERSION", MYPY_VERSION)
      .withEnvVariable("PIPELINE_OUT", OUT);
    const args = mypyArgs(target.config, target.packages);
    const out = withScript(env, "typecheck.sh", target.sync ?? DEFAULT_SYNC, args).directory(OUT);
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
