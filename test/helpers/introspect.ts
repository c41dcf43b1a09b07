/**
 * Runs the Dagger TypeScript SDK's own introspector (the code the engine runs to register a module) on
 * dagger/src, exactly as the engine feeds it: every .ts file of the module plus the generated client as
 * `client.gen.ts`. The SDK does not export this entry point, so it is imported by path from the pinned package.
 */
import { copyFileSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");
const SDK = join(ROOT, "node_modules/@dagger.io/dagger/dist/src");

export type IntrospectedArgument = {
  name: string;
  description: string;
  type: { kind: string; name?: string; typeDef?: { kind: string; name?: string } };
  isOptional: boolean;
  defaultValue?: unknown;
  defaultPath?: string;
  ignore?: string[];
};
export type IntrospectedFunction = {
  name: string;
  description: string;
  cache?: string;
  isCheck?: boolean;
  isGenerator?: boolean;
  arguments: Record<string, IntrospectedArgument>;
  returnType: { kind: string; name?: string };
};
export type IntrospectedObject = {
  name: string;
  description: string;
  _constructor?: { arguments: Record<string, IntrospectedArgument> };
  methods: Record<string, IntrospectedFunction>;
  properties: Record<string, { name: string; isExposed: boolean; type: { kind: string; name?: string } }>;
};
export type IntrospectedModule = {
  name: string;
  description: string;
  objects: Record<string, IntrospectedObject>;
};

export function moduleFiles(dir = join(ROOT, "dagger/src")): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => /\.(m?ts)$/.test(f) && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f));
}

export async function introspect(files = moduleFiles()): Promise<IntrospectedModule> {
  const { scan } = (await import(join(SDK, "module/introspector/index.js"))) as {
    scan: (files: string[], name: string, load: boolean) => Promise<IntrospectedModule>;
  };
  const tmp = mkdtempSync(join(tmpdir(), "introspect-"));
  try {
    const client = join(tmp, "client.gen.ts");
    copyFileSync(join(SDK, "api/client.gen.d.ts"), client);
    return await scan([...files, client], "pipeline", false);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
