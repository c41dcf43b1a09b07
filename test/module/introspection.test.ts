/**
 * The module's surface as the engine will register it, read by the SDK's own introspector: the names users
 * type (`dagger call ci --exit-zero`), their types, defaults and --help text, what they load from the
 * repository, which functions may never be cached, and the fields of every result. The whole surface is a
 * golden file (test/module/golden/surface.json): a rename there is a breaking change for every workflow
 * that calls the module, so it shows in review. After an intended change:
 * `UPDATE_GOLDEN=1 npx vitest run test/module/introspection.test.ts` and read the diff.
 * The rules below hold whatever the surface becomes.
 */
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { SOURCE_IGNORE } from "../../dagger/src/settings/defaults.js";
import { expectGolden } from "../helpers/golden.js";
import {
  type IntrospectedArgument,
  type IntrospectedModule,
  type IntrospectedObject,
  introspect,
} from "../helpers/introspect.js";

const GOLDEN = join(import.meta.dirname, "golden", "surface.json");

let mod: IntrospectedModule;
let pipeline: IntrospectedObject;

beforeAll(async () => {
  mod = await introspect();
  pipeline = mod.objects.Pipeline as IntrospectedObject;
}, 120_000);

const typeName = (t: IntrospectedArgument["type"]): string =>
  t.kind === "LIST_KIND" ? `[${t.typeDef?.name ?? t.typeDef?.kind}]` : (t.name ?? t.kind);

function argument(a: IntrospectedArgument) {
  return {
    type: typeName(a.type),
    ...(a.isOptional ? { optional: true } : {}),
    ...(a.defaultValue === undefined ? {} : { default: a.defaultValue }),
    ...(a.defaultPath ? { defaultPath: a.defaultPath } : {}),
    ...(a.ignore ? { ignore: a.ignore } : {}),
    description: a.description,
  };
}

/** What a user of the module sees, in a stable, readable shape. */
function surface(m: IntrospectedModule) {
  return Object.fromEntries(
    Object.values(m.objects).map((o) => [
      o.name,
      {
        description: o.description,
        ...(o._constructor
          ? {
              constructor: Object.fromEntries(
                Object.values(o._constructor.arguments).map((a) => [a.name, argument(a)]),
              ),
            }
          : {}),
        fields: Object.fromEntries(
          Object.values(o.properties)
            .filter((p) => p.isExposed)
            .map((p) => [p.name, p.type.name ?? p.type.kind]),
        ),
        functions: Object.fromEntries(
          Object.values(o.methods).map((f) => [
            f.name,
            {
              description: f.description,
              returns: f.returnType.name ?? f.returnType.kind,
              ...(f.cache ? { cache: f.cache } : {}),
              ...(f.isCheck ? { check: true } : {}),
              arguments: Object.fromEntries(Object.values(f.arguments).map((a) => [a.name, argument(a)])),
            },
          ]),
        ),
      },
    ]),
  );
}

describe("module surface (SDK introspector)", () => {
  it("equals the golden surface (names, types, defaults, --help text, cache policies, result fields)", () => {
    expectGolden(GOLDEN, `${JSON.stringify(surface(mod), null, 2)}\n`);
  });

  it("gives every function and every argument a --help description", () => {
    for (const o of Object.values(mod.objects)) {
      for (const fn of Object.values(o.methods)) {
        expect(fn.description, `${o.name}.${fn.name}`).not.toBe("");
        for (const a of Object.values(fn.arguments)) {
          expect(a.description, `${o.name}.${fn.name} --${a.name}`).not.toBe("");
        }
      }
    }
  });

  it("takes the repository from where dagger runs, filtered by the whole source ignore list", () => {
    const source = pipeline._constructor?.arguments.source;
    expect(source?.type.name).toBe("Directory");
    expect(source?.defaultPath).toBe("/");
    // compared whole: dropping one entry (say **/.coverage) would upload stale data and break cache keys
    expect(source?.ignore).toEqual(SOURCE_IGNORE);
    expect(SOURCE_IGNORE).toEqual(
      expect.arrayContaining([
        "**/node_modules",
        ".git",
        "dagger/sdk",
        "**/.venv",
        "**/.coverage",
        "**/.coverage.*",
      ]),
    );
  });

  it("needs no argument for ci, so `dagger call ci` works as it is, and keeps ci's own flags to ten", () => {
    const args = Object.values(pipeline.methods.ci?.arguments ?? {});
    for (const a of args) expect(a.isOptional || a.defaultValue !== undefined, a.name).toBe(true);
    expect(args.length).toBeLessThanOrEqual(10);
    // ci-run is ci returning the run: the same flags, in the same order
    expect(Object.keys(pipeline.methods.ciRun?.arguments ?? {})).toEqual(
      Object.keys(pipeline.methods.ci?.arguments ?? {}),
    );
  });

  it("prints the summary for a bare `dagger call ci` (the CLI prints an object as its ID)", () => {
    expect(pipeline.methods.ci?.returnType.kind).toBe("STRING_KIND");
  });

  it("takes every credential as a Secret, never as a string, on the constructor and every function", () => {
    const all = [["constructor", pipeline._constructor] as const, ...Object.entries(pipeline.methods)];
    for (const [name, fn] of all) {
      for (const a of Object.values(fn?.arguments ?? {})) {
        if (/token|password|secret|key$/i.test(a.name) && !/publickey$/i.test(a.name)) {
          expect(a.type.name, `${name} --${a.name}`).toBe("Secret");
        }
      }
    }
  });

  it("never caches a result that has effects, may record a failure, or depends on the time", () => {
    // effects: ci, publish, deploy, fix; a failed or flaky run: test, testMatrix and the checks over them; the
    // DB's 6-hour slot: scan
    for (const name of [
      "ci",
      "ciRun",
      "publish",
      "deploy",
      "fix",
      "test",
      "testMatrix",
      "tests",
      "coverage",
      "scan",
    ]) {
      expect(pipeline.methods[name]?.cache, name).toBe("never");
    }
  });

  it("registers checks under plain names that `dagger check` can call with no argument", () => {
    // dagger check names a check by its function (pipeline:lint) and skips functions with a required argument;
    // a check's result is evaluated and an error fails it, whatever its type (core/modtree.go, v0.21.8)
    const checks = Object.values(pipeline.methods).filter((m) => m.isCheck);
    expect(checks.map((m) => m.name).sort()).toEqual(["coverage", "lint", "tests", "typecheck"]);
    for (const m of checks) {
      for (const a of Object.values(m.arguments)) {
        expect(a.isOptional || a.defaultValue !== undefined, `${m.name} --${a.name}`).toBe(true);
      }
    }
  });

  it("offers fix as a generator returning a Changeset, which the CLI previews and applies", () => {
    expect(pipeline.methods.fix?.isGenerator).toBe(true);
    expect(pipeline.methods.fix?.returnType.name).toBe("Changeset");
  });

  it("gives result objects constructors without arguments (the engine registers them as API)", () => {
    for (const o of Object.values(mod.objects).filter((o) => o.name !== "Pipeline")) {
      expect(Object.keys(o._constructor?.arguments ?? {}), o.name).toEqual([]);
    }
  });
});
