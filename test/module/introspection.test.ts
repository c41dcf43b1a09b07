/**
 * The module's surface as the engine will register it, read by the SDK's own introspector: the names users
 * type (`dagger call ci --exit-zero`), their types and defaults, what they load from the repository, and which
 * functions may never be cached. A rename here is a breaking change for every workflow that calls the module.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { type IntrospectedModule, type IntrospectedObject, introspect } from "../helpers/introspect.js";

let mod: IntrospectedModule;
let pipeline: IntrospectedObject;

beforeAll(async () => {
  mod = await introspect();
  pipeline = mod.objects.Pipeline as IntrospectedObject;
}, 120_000);

function args(fn: string): Record<string, { kind: string; default?: unknown; optional: boolean }> {
  const method = pipeline.methods[fn];
  if (!method) throw new Error(`no function ${fn}`);
  return Object.fromEntries(
    Object.values(method.arguments).map((a) => [
      a.name,
      {
        kind: a.type.name ?? a.type.kind,
        ...(a.defaultValue === undefined ? {} : { default: a.defaultValue }),
        optional: a.isOptional,
      },
    ]),
  );
}

describe("module surface (SDK introspector)", () => {
  it("registers the main object Pipeline and the result objects", () => {
    expect(mod.name).toBe("Pipeline");
    expect(Object.keys(mod.objects).sort()).toEqual(
      ["CiRun", "Deployment", "LintResult", "MatrixResult", "Pipeline", "ScanResult", "TestResult"].sort(),
    );
  });

  it("exposes exactly the pipeline's functions, each with a --help description", () => {
    expect(Object.keys(pipeline.methods).sort()).toEqual(
      [
        "build",
        "checkCoverage",
        "checkLint",
        "checkTests",
        "ci",
        "deploy",
        "lint",
        "publish",
        "scan",
        "test",
        "testMatrix",
      ].sort(),
    );
    for (const fn of Object.values(pipeline.methods)) {
      expect(fn.description, fn.name).not.toBe("");
      for (const a of Object.values(fn.arguments))
        expect(a.description, `${fn.name} --${a.name}`).not.toBe("");
    }
  });

  it("takes the repository from where dagger runs, without uploading caches, git or node_modules", () => {
    const ctor = pipeline._constructor?.arguments ?? {};
    const source = ctor.source;
    expect(source?.type.name).toBe("Directory");
    expect(source?.defaultPath).toBe("/");
    expect(source?.ignore).toEqual(
      expect.arrayContaining([
        "**/node_modules",
        ".git",
        "dagger/sdk",
        "**/.venv",
        "**/__pycache__",
        "**/.pytest_cache",
        "**/.ruff_cache",
      ]),
    );
  });

  it("makes the app folder, versions, threshold, registry and smoke command configurable, with defaults", () => {
    const ctor = pipeline._constructor?.arguments ?? {};
    const defaults = Object.fromEntries(
      Object.values(ctor).map((a) => [a.name, [a.type.kind, a.defaultValue] as const]),
    );
    expect(defaults).toEqual({
      source: ["OBJECT_KIND", undefined],
      app: ["STRING_KIND", "sample-app"],
      pythonVersions: ["LIST_KIND", ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"]],
      threshold: ["FLOAT_KIND", 90],
      registry: ["STRING_KIND", "ghcr.io"],
      dockerfile: ["STRING_KIND", "Dockerfile"],
      smokeCommand: ["STRING_KIND", "python -m sample_app 2 3"],
      smokeExpect: ["STRING_KIND", "5"],
    });
  });

  it("has the arguments of each stage", () => {
    expect(args("lint")).toEqual({});
    expect(args("test")).toEqual({ pythonVersion: { kind: "STRING_KIND", optional: false } });
    expect(args("testMatrix")).toEqual({});
    expect(Object.keys(args("build"))).toEqual(["platform", "repository", "revision", "created"]);
    expect(args("scan")).toEqual({
      severity: {
        kind: "LIST_KIND",
        default: ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"],
        optional: false,
      },
      failOn: { kind: "STRING_KIND", default: "", optional: false },
    });
  });

  it("ci runs with no arguments, and takes publish/comment settings and secrets as Secret", () => {
    const ci = args("ci");
    expect(Object.keys(ci)).toEqual([
      "publish",
      "rehearse",
      "repository",
      "branch",
      "sha",
      "runUrl",
      "githubToken",
      "registryUsername",
      "registryPassword",
      "platforms",
      "severity",
      "failOn",
      "exitZero",
      "event",
      "githubApiUrl",
      "sign",
      "oidcRequestUrl",
      "oidcRequestToken",
      "cosignKey",
      "cosignPassword",
    ]);
    // No required argument: `dagger call ci` works as it is.
    for (const [name, a] of Object.entries(ci)) {
      expect(a.optional || a.default !== undefined, name).toBe(true);
    }
    expect(ci.githubToken?.kind).toBe("Secret");
    expect(ci.registryPassword?.kind).toBe("Secret");
    expect(ci.oidcRequestToken?.kind).toBe("Secret");
    expect(ci.cosignKey?.kind).toBe("Secret");
    expect(ci.cosignPassword?.kind).toBe("Secret");
    expect(ci.sign?.default).toBe(false);
    expect(ci.publish?.default).toBe(false);
    expect(ci.exitZero?.default).toBe(false);
    expect(pipeline.methods.ci?.returnType.name).toBe("CiRun");
  });

  it("publish and deploy take credentials only as Secrets", () => {
    const publish = args("publish");
    expect(publish.repository).toEqual({ kind: "STRING_KIND", optional: false });
    expect(publish.branch).toEqual({ kind: "STRING_KIND", optional: false });
    expect(publish.registryPassword?.kind).toBe("Secret");
    const deploy = args("deploy");
    expect(Object.keys(deploy)).toEqual([
      "branch",
      "repository",
      "sha",
      "digest",
      "environment",
      "runUrl",
      "githubToken",
      "registryUsername",
      "registryPassword",
      "event",
      "githubApiUrl",
      "allowUnsigned",
      "cosignPublicKey",
    ]);
    expect(deploy.allowUnsigned?.default).toBe(false);
    expect(deploy.cosignPublicKey?.kind).toBe("File");
    expect(deploy.githubToken?.kind).toBe("Secret");
    expect(deploy.registryPassword?.kind).toBe("Secret");
    expect(pipeline.methods.deploy?.returnType.name).toBe("Deployment");
    // Nothing that looks like a credential is a plain string anywhere in the surface.
    for (const fn of Object.values(pipeline.methods)) {
      for (const a of Object.values(fn.arguments)) {
        if (/token|password|secret|cosignKey/i.test(a.name))
          expect(a.type.name, `${fn.name} --${a.name}`).toBe("Secret");
      }
    }
  });

  it("never caches the functions with effects outside the engine", () => {
    const policies = Object.fromEntries(
      Object.values(pipeline.methods).map((m) => [m.name, m.cache ?? "default"]),
    );
    expect(policies).toEqual({
      lint: "default",
      test: "default",
      testMatrix: "default",
      build: "default",
      scan: "default",
      ci: "never",
      publish: "never",
      deploy: "never",
      checkLint: "default",
      checkTests: "default",
      checkCoverage: "default",
    });
  });

  it("registers lint, tests and the coverage gate as checks for `dagger check`", () => {
    const checks = Object.values(pipeline.methods)
      .filter((m) => m.isCheck)
      .map((m) => m.name);
    expect(checks.sort()).toEqual(["checkCoverage", "checkLint", "checkTests"]);
    for (const name of checks) {
      expect(pipeline.methods[name]?.returnType.kind).toBe("VOID_KIND");
      expect(Object.keys(pipeline.methods[name]?.arguments ?? {})).toEqual([]);
    }
  });

  it("returns rich results: test results keep counts, coverage and reports even when tests fail", () => {
    const test = mod.objects.TestResult as IntrospectedObject;
    const exposed = Object.values(test.properties)
      .filter((p) => p.isExposed)
      .map((p) => [p.name, p.type.name ?? p.type.kind]);
    expect(exposed).toEqual([
      ["version", "STRING_KIND"],
      ["passed", "BOOLEAN_KIND"],
      ["flaky", "BOOLEAN_KIND"],
      ["attempts", "INTEGER_KIND"],
      ["tests", "INTEGER_KIND"],
      ["failures", "INTEGER_KIND"],
      ["errors", "INTEGER_KIND"],
      ["skipped", "INTEGER_KIND"],
      ["coverage", "FLOAT_KIND"],
      ["python", "STRING_KIND"],
      ["gil", "STRING_KIND"],
      ["error", "STRING_KIND"],
      ["output", "STRING_KIND"],
      ["reports", "Directory"],
    ]);
    const run = mod.objects.CiRun as IntrospectedObject;
    expect(Object.keys(run.properties)).toEqual(["passed", "summary", "status", "reports"]);
  });
});
