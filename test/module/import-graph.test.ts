/**
 * What the engine's TypeScript SDK introspector loads when it registers the module: it builds one TypeScript
 * program from every file in dagger/src and follows their imports. Octokit's declarations
 * (@octokit/openapi-types and friends) cost seconds on every cold engine start, so no `@octokit/*` module
 * may be reachable from dagger/src: github/client.ts loads Octokit at run time with a specifier TypeScript
 * cannot see. The same holds for fast-xml-parser (report/junit.ts loads it the same way): only the functions
 * that parse a report pay for it, and its declarations stay out of the introspector's program.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { moduleFiles, ROOT } from "../helpers/introspect.js";

/** The same compiler options as the SDK introspector (@dagger.io/dagger, introspector/typescript_module/ast.js). */
const INTROSPECTOR_OPTIONS: ts.CompilerOptions = {
  experimentalDecorators: true,
  moduleResolution: ts.ModuleResolutionKind.Node10,
  target: ts.ScriptTarget.ES2022,
};

/** Runtime dependencies loaded at run time only: none of their files may be in the introspector's program. */
const RUNTIME_ONLY = [
  "/@octokit/",
  "/fast-xml-parser/",
  "/path-expression-matcher/",
  "/strnum/",
  "/@nodable/",
];

/** The files of the program the introspector would build from `files` that belong to a run-time-only package. */
function runtimeOnlyFiles(files: string[]): { offending: string[]; total: number; ms: number } {
  const started = performance.now();
  const program = ts.createProgram(files, INTROSPECTOR_OPTIONS);
  const all = program.getSourceFiles().map((f) => f.fileName.replaceAll("\\", "/"));
  const ms = performance.now() - started;
  const offending = all.filter((f) => RUNTIME_ONLY.some((dir) => f.includes(`/node_modules${dir}`)));
  return { offending, total: all.length, ms };
}

/** Runs `check` on one throwaway file beside dagger/src, so node resolution finds dagger/node_modules. */
function withModuleFile<T>(name: string, text: string, check: (file: string) => T): T {
  const dir = mkdtempSync(join(ROOT, "dagger", ".tmp-graph-"));
  try {
    const file = join(dir, name);
    writeFileSync(file, text);
    return check(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("the introspector's import graph", () => {
  it("reaches no @octokit/* or fast-xml-parser module from dagger/src", () => {
    const files = moduleFiles();
    expect(files.length).toBeGreaterThan(0);
    const { offending, total, ms } = runtimeOnlyFiles(files);
    console.log(`program over dagger/src: ${total} source files, built in ${ms.toFixed(0)} ms`);
    expect(offending, `run-time-only files in the introspector's program:\n${offending.join("\n")}`).toEqual(
      [],
    );
  });

  it("would flag a static Octokit import (the check can fail)", () => {
    const source = 'import { Octokit } from "@octokit/rest";\nexport const client = new Octokit();\n';
    const { offending, total, ms } = withModuleFile("uses-octokit.ts", source, (f) => runtimeOnlyFiles([f]));
    console.log(
      `program over one static Octokit import: ${total} source files, built in ${ms.toFixed(0)} ms`,
    );
    expect(offending.some((f) => f.includes("/@octokit/rest/"))).toBe(true);
    expect(offending.some((f) => f.includes("/@octokit/openapi-types/"))).toBe(true);
  });

  it("would flag a static fast-xml-parser import, even a type-only one (the check can fail)", () => {
    for (const source of [
      'import { XMLParser } from "fast-xml-parser";\nexport const parser = new XMLParser();\n',
      'import type { X2jOptions } from "fast-xml-parser";\nexport const options: X2jOptions = {};\n',
    ]) {
      const { offending } = withModuleFile("uses-fxp.ts", source, (f) => runtimeOnlyFiles([f]));
      expect(
        offending.some((f) => f.includes("/fast-xml-parser/src/fxp.d.ts")),
        source,
      ).toBe(true);
    }
  });
});
