/**
 * The README's reference tables, rendered from the module's golden surface (test/module/golden/surface.json, which
 * the SDK's introspector writes): every setting with its default, every function with its flags and what it
 * returns. Written, never edited: `npm run docs` rewrites them, test/docs/reference.test.ts holds them equal.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

type Argument = {
  type: string;
  default?: unknown;
  optional?: boolean;
  defaultPath?: string;
  description?: string;
};
type Fn = { description?: string; returns?: string; check?: boolean; arguments?: Record<string, Argument> };
type ObjectSurface = {
  description?: string;
  constructor?: Record<string, Argument>;
  fields: Record<string, string>;
  functions: Record<string, Fn>;
};
export type SurfaceFile = Record<string, ObjectSurface>;

export const readSurface = (root: string): SurfaceFile =>
  JSON.parse(readFileSync(join(root, "test/module/golden/surface.json"), "utf8")) as SurfaceFile;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const cell = (text: string) => text.replace(/\s+/g, " ").replaceAll("|", "\\|").trim();

/** What a flag is when not given: its default, the caller's repository for a directory, else none. */
function defaultOf(arg: Argument): string {
  if (arg.defaultPath !== undefined) return "the repository `dagger call` runs in";
  if (!("default" in arg) || arg.default === "" || (Array.isArray(arg.default) && arg.default.length === 0)) {
    return "none";
  }
  return `\`${Array.isArray(arg.default) ? arg.default.join(",") : String(arg.default)}\``;
}

/** Up to the first `.`, `:` or `;` outside parentheses: the rest is in `dagger call FUNCTION --help`. */
function firstClause(text = ""): string {
  const flat = text.replace(/\s+/g, " ").trim();
  let depth = 0;
  for (let i = 0; i < flat.length - 1; i++) {
    const c = flat[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (depth === 0 && (c === "." || c === ":" || c === ";") && flat[i + 1] === " ")
      return flat.slice(0, i);
  }
  return flat.replace(/\.$/, "");
}

/** How a value is written on the command line; other types (enums, objects) by their name. */
const KINDS: Record<string, string> = {
  STRING_KIND: "TEXT",
  BOOLEAN_KIND: "",
  INTEGER_KIND: "NUMBER",
  FLOAT_KIND: "NUMBER",
  VOID_KIND: "nothing (passes or fails)",
  Secret: "SECRET",
  File: "FILE",
  Directory: "DIR",
};
const typeOf = (type: string) => (type.startsWith("[") ? "LIST" : (KINDS[type] ?? type));

export function settingsTable(surface: SurfaceFile): string {
  const rows = Object.entries(surface.Pipeline?.constructor ?? {}).map(([name, arg]) => {
    const kind = typeOf(arg.type);
    return `| \`--${kebab(name)}\`${kind ? ` ${kind}` : ""} | ${defaultOf(arg)} | ${cell(arg.description ?? "")} |`;
  });
  return ["| Setting (before the function) | Default | What |", "| --- | --- | --- |", ...rows].join("\n");
}

export function functionsTable(surface: SurfaceFile): string {
  const rows = Object.entries(surface.Pipeline?.functions ?? {}).map(([name, fn]) => {
    const flags = Object.entries(fn.arguments ?? {})
      .map(([arg, a]) =>
        !("default" in a) && !a.optional ? `**\`--${kebab(arg)}\`**` : `\`--${kebab(arg)}\``,
      )
      .join(" ");
    const returns = fn.returns === "STRING_KIND" ? "text" : typeOf(fn.returns ?? "");
    const fields = Object.keys(surface[fn.returns ?? ""]?.fields ?? {}).map(kebab);
    const result = fields.length > 0 ? `${returns}: ${fields.join(", ")}` : returns;
    return `| \`${kebab(name)}\`${fn.check ? " (check)" : ""} | ${flags || "none"} | ${cell(result)} | ${cell(firstClause(fn.description))} |`;
  });
  return ["| Function | Flags (**required**) | Returns | What |", "| --- | --- | --- | --- |", ...rows].join(
    "\n",
  );
}

/** The text between `<!-- reference:NAME -->` and `<!-- /reference:NAME -->`, or undefined when absent. */
export const BLOCK = (name: string) =>
  new RegExp(`(<!-- reference:${name} -->\\n)([\\s\\S]*?)(<!-- /reference:${name} -->)`);
