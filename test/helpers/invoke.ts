/**
 * Calls the module's functions the way the engine does: the SDK's own entrypoint path
 * (dist/src/module/entrypoint/entrypoint.js) is `scan` -> `load` -> `new Executor` -> `invoke` (which runs
 * loadArgs, loadParentState, the function, loadResult) -> `JSON.stringify(result)`. Arguments and parent
 * state arrive as JSON, objects as IDs. Only the transport around it differs: the engine reads the call from
 * `dag.currentFunctionCall()` and returns through `returnValue`/`returnError`; here the caller passes the
 * call in and gets the JSON (or the thrown error) back. Must run inside `engine.connect` (test/helpers/engine.ts).
 */
import { join } from "node:path";
import { directoryId, type Engine } from "./engine.js";
import { introspect, moduleFiles, ROOT } from "./introspect.js";

const SDK = join(ROOT, "node_modules/@dagger.io/dagger/dist/src");

export type FunctionCall = {
  parentName?: string;
  /** "" is the constructor */
  fnName: string;
  /** the parent object's serialized state (what the constructor or a previous call returned) */
  parentArgs?: Record<string, unknown>;
  /** argument name -> JSON value (Directory, Secret, ... as ID strings) */
  fnArgs?: Record<string, unknown>;
};

type InvokeContext = Required<FunctionCall>;
type Sdk = {
  scanResult: unknown;
  modules: unknown[];
  Executor: new (modules: unknown[], scanResult: unknown) => unknown;
  invoke: (executor: unknown, scanResult: unknown, ctx: InvokeContext) => Promise<unknown>;
};

let sdk: Promise<Sdk> | undefined;

/** Scans once per test file (about a second) and loads the module files. */
function loadSdk(): Promise<Sdk> {
  sdk ??= (async () => {
    const files = moduleFiles();
    // scan(files + client.gen.ts, "pipeline", false): the entrypoint scans with loadModule=true, but the
    // loaded modules are only stored by the introspector (introspector/index.js), never read.
    const scanResult = await introspect(files);
    // Stands in for the SDK's `load(files)` (entrypoint/load.js), which is just `import()` of each file:
    // under vitest the .ts files must go through vite, so they are imported from here.
    const modules: unknown[] = await Promise.all(files.map((file) => import(file)));
    const { Executor } = (await import(join(SDK, "module/executor.js"))) as Pick<Sdk, "Executor">;
    const { invoke } = (await import(join(SDK, "module/entrypoint/invoke.js"))) as Pick<Sdk, "invoke">;
    return { scanResult, modules, Executor, invoke };
  })();
  return sdk;
}

/** Invokes one function as the entrypoint does; `json` is what it would send to the engine. */
export async function invokeFunction(call: FunctionCall): Promise<{ json: string; value: unknown }> {
  const { parentName = "Pipeline", fnName, parentArgs = {}, fnArgs = {} } = call;
  const { scanResult, modules, Executor, invoke } = await loadSdk();
  // What reaches the entrypoint is JSON: no live objects, no undefined.
  const asJson = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
  const result = await invoke(new Executor(modules, scanResult), scanResult, {
    parentName,
    fnName,
    parentArgs: asJson(parentArgs),
    fnArgs: asJson(fnArgs),
  });
  const json = result !== undefined && result !== null ? JSON.stringify(result) : "null";
  return { json, value: JSON.parse(json) };
}

/** The sample's smoke run, as its ci.yml states it (the module's default is an import check). */
export const SAMPLE_SMOKE = { smokeCommand: "python -m sample_app 2 3", smokeExpect: "5" };

/**
 * Runs the constructor (source defaults to the ID of `host.directory("/repo")`) and returns the parent state
 * the engine passes as `parentArgs` to the next call.
 */
export async function constructPipeline(
  engine: Engine,
  args: Record<string, unknown> = {},
): Promise<Record<string, unknown>> {
  const { value } = await engine.connect(() =>
    invokeFunction({ fnName: "", fnArgs: { source: directoryId(), ...SAMPLE_SMOKE, ...args } }),
  );
  return value as Record<string, unknown>;
}

/** The constructor's argument names, and each function's, as the SDK's introspector registers them. */
let names: Promise<{ ctor: Set<string>; fns: Map<string, Set<string>> }> | undefined;
function argumentNames() {
  names ??= introspect().then((mod) => ({
    ctor: new Set(Object.keys(mod.objects.Pipeline?._constructor?.arguments ?? {})),
    fns: new Map(
      Object.entries(mod.objects.Pipeline?.methods ?? {}).map(([name, fn]) => [
        name,
        new Set(Object.keys(fn.arguments)),
      ]),
    ),
  }));
  return names;
}

/**
 * A call's arguments split the way the surface takes them: settings (the constructor's: repository, tokens,
 * services...) and the function's own flags. Tests name what a run is given; this puts each where a user types it.
 */
export async function splitArgs(
  args: Record<string, unknown>,
  fnName = "",
): Promise<{ ctor: Record<string, unknown>; fn: Record<string, unknown> }> {
  const { ctor: settings, fns } = await argumentNames();
  // a flag typed after the function's name is the function's own, as deploy's --app
  const own = fns.get(fnName) ?? new Set<string>();
  const ctor: Record<string, unknown> = {};
  const fn: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) (settings.has(k) && !own.has(k) ? ctor : fn)[k] = v;
  return { ctor, fn };
}

/** Constructs the Pipeline with the settings among `args` (and `ctor`), then calls `fnName` with the rest. */
export async function callPipeline(
  engine: Engine,
  fnName: string,
  args: Record<string, unknown> = {},
  ctor: Record<string, unknown> = {},
): Promise<unknown> {
  const split = await splitArgs(args, fnName);
  const parentArgs = await constructPipeline(engine, { ...ctor, ...split.ctor });
  return (await engine.connect(() => invokeFunction({ fnName, parentArgs, fnArgs: split.fn }))).value;
}
