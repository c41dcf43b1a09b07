/**
 * Rules the type checker cannot see, because the npm package and the engine's generated SDK differ: code that
 * type-checks here but breaks the first time the engine loads the module.
 */
import { readFileSync } from "node:fs";
import { relative } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";
import { moduleFiles, ROOT } from "../helpers/introspect.js";

/** Names the npm package exports but the engine's bundled SDK (dagger/sdk) does not. */
const NOT_IN_ENGINE_SDK = new Set([
  "ExecError",
  "DaggerSDKError",
  "GraphQLRequestError",
  "UnknownDaggerError",
  "NotAwaitedRequestError",
  "TooManyNestedObjectsError",
  "EngineSessionError",
  "InitEngineSessionBinaryError",
  "DockerImageRefValidationError",
  "IntrospectionError",
  "FunctionNotFound",
  "up",
  "GraphQLClient",
  "getTracer",
]);

function violations(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, true);
  const found: string[] = [];
  const where = (node: ts.Node) =>
    `${fileName}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const visit = (node: ts.Node): void => {
    if (
      ts.isImportDeclaration(node) &&
      ts.isStringLiteral(node.moduleSpecifier) &&
      node.moduleSpecifier.text === "@dagger.io/dagger" &&
      !node.importClause?.isTypeOnly
    ) {
      const bindings = node.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const spec of bindings.elements) {
          const name = (spec.propertyName ?? spec.name).text;
          if (!spec.isTypeOnly && NOT_IN_ENGINE_SDK.has(name)) {
            found.push(`${where(spec)}: value import of ${name}, which the engine's SDK does not export`);
          }
        }
      }
      if (bindings && ts.isNamespaceImport(bindings)) {
        found.push(`${where(node)}: namespace import of @dagger.io/dagger hides which names are used`);
      }
    }
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      node.expression.name.text === "host" &&
      node.expression.expression.getText(source) === "dag"
    ) {
      found.push(`${where(node)}: dag.host() does not exist inside a module; take a Directory argument`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe("engine-only rules", () => {
  it("module code uses only what the engine's SDK provides", () => {
    const all = moduleFiles().flatMap((file) => violations(relative(ROOT, file), readFileSync(file, "utf8")));
    expect(all).toEqual([]);
  });

  it.each([
    ['import { ExecError } from "@dagger.io/dagger";', "value import of ExecError"],
    ['import { dag, up } from "@dagger.io/dagger";', "value import of up"],
    ['import { GraphQLClient as G } from "@dagger.io/dagger";', "value import of GraphQLClient"],
    ['import { getTracer } from "@dagger.io/dagger";', "value import of getTracer"],
    ['import { dag } from "@dagger.io/dagger";\nconst d = dag.host().directory(".");', "dag.host()"],
    ['import * as dagger from "@dagger.io/dagger";', "namespace import"],
  ])("flags %s", (code, expected) => {
    const found = violations("bad.ts", code);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(expected);
  });

  it.each([
    'import type { ExecError } from "@dagger.io/dagger";',
    'import { type ExecError, dag } from "@dagger.io/dagger";',
    'import { getTracer } from "@dagger.io/dagger/telemetry";',
    'import { dag } from "@dagger.io/dagger";\nconst c = dag.container();',
  ])("allows %s", (code) => {
    expect(violations("ok.ts", code)).toEqual([]);
  });

  it("keeps test files out of dagger/src, where the engine would import them", () => {
    const stray = moduleFiles().filter((f) => /\.(test|spec)\.m?ts$/.test(f));
    expect(stray).toEqual([]);
  });
});
