/**
 * What the engine's TypeScript SDK introspector loads when it registers the module: it builds one TypeScript
 * program from every file in dagger/src and follows their imports. Octokit's declarations
 * (@octokit/openapi-types and friends) cost seconds on every cold engine start, so no `@octokit/*` module
 * may be reachable from dagger/src: github/client.ts loads Octokit at run time with a specifier TypeScript cannot see.
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

/** The files of the program the introspector would build from `files` that belong to an `@octokit/*` package. */
function octokitFiles(files: string[]): { offending: string[]; total: number; ms: number } {
  const started = performance.now();
  const program = ts.createProgram(files, INTROSPECTOR_OPTIONS);
  const all = program.getSourceFiles().map((f) => f.fileName.replaceAll("\\", "/"));
  const ms = performance.now() - started;
  return { offending: all.filter((f) => f.includes("/@octokit/")), total: all.length, ms };
}

describe("the introspector's import graph", () => {
  it("reaches no @octokit/* module from dagger/src", () => {
    const files = moduleFiles();
    expect(files.length).toBeGreaterThan(0);
    const { offending, total, ms } = octokitFiles(files);
    console.log(`program over dagger/src: ${total} source files, built in ${ms.toFixed(0)} ms`);
    expect(offending, `@octokit files in the introspector's program:\n${offending.join("\n")}`).toEqual([]);
  });

  it("would flag a static Octokit import (the check can fail)", () => {
    // beside dagger/src, not in it, so that node resolution finds dagger/node_modules as the module does
    const dir = mkdtempSync(join(ROOT, "dagger", ".tmp-graph-"));
    try {
      const file = join(dir, "uses-octokit.ts");
      writeFileSync(file, 'import { Octokit } from "@octokit/rest";\nexport const client = new Octokit();\n');
      const { offending, total, ms } = octokitFiles([file]);
      console.log(
        `program over one static Octokit import: ${total} source files, built in ${ms.toFixed(0)} ms`,
      );
      expect(offending.some((f) => f.includes("/@octokit/rest/"))).toBe(true);
      expect(offending.some((f) => f.includes("/@octokit/openapi-types/"))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
