/**
 * Reads a `dagger [-m MODULE] call [constructor flags] FUNCTION [flags] [CHAIN…]` command line the way the
 * Dagger CLI would (cmd/dagger/functions.go and flags.go at v0.21.8: kebab-case flags, a boolean flag takes no
 * separate value, an object result is chained by its fields and functions) and checks it against the module's
 * golden surface (test/module/golden/surface.json). Returns the problems; none means the CLI would accept it.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

type Argument = { type: string; optional?: boolean; default?: unknown; defaultPath?: string };
type Fn = { returns: string; arguments: Record<string, Argument> };
type ObjectSurface = {
  constructor?: Record<string, Argument>;
  fields?: Record<string, string>;
  functions?: Record<string, Fn>;
};
export type Surface = Record<string, ObjectSurface>;

export const SURFACE: Surface = JSON.parse(
  readFileSync(join(import.meta.dirname, "../module/golden/surface.json"), "utf8"),
) as Surface;

/** The CLI's global flags that take a value (cmd/dagger/main.go, installGlobalFlags); the rest take none. */
const GLOBAL_WITH_VALUE = new Set(["-m", "--mod", "--progress", "--workdir", "-o", "--output", "-W"]);

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flags of one call: kebab name -> argument. */
const flagsOf = (args: Record<string, Argument> = {}) =>
  new Map(Object.entries(args).map(([name, a]) => [kebab(name), a]));

/** Splits a shell command line into words: quotes kept together, `\` continuations and `#` comments dropped. */
export function words(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (const m of line.replace(/\\\n/g, " ").matchAll(re)) {
    const word = m[1] ?? m[2] ?? m[3] ?? "";
    if (m[3]?.startsWith("#")) break;
    out.push(word);
  }
  return out;
}

/**
 * Consumes the flags at `at` for one call; returns the index after them, adding a problem for each flag the
 * call does not take and for each required one missing.
 */
function takeFlags(
  argv: string[],
  at: number,
  flags: Map<string, Argument>,
  what: string,
  problems: string[],
): number {
  const given = new Set<string>();
  let i = at;
  while (i < argv.length && (argv[i] ?? "").startsWith("-")) {
    const word = argv[i] ?? "";
    const [name = "", inline] = word.split(/=(.*)/s, 2);
    const flag = name.replace(/^--?/, "");
    const arg = flags.get(flag);
    if (name === "-y" || name === "--auto-apply") {
      i += 1;
      continue;
    }
    if (arg === undefined) problems.push(`${what} has no flag ${name}`);
    given.add(flag);
    const boolean = arg?.type === "BOOLEAN_KIND";
    i += boolean || inline !== undefined ? 1 : 2;
  }
  for (const [flag, a] of flags) {
    const required = !a.optional && a.default === undefined && a.defaultPath === undefined;
    if (required && !given.has(flag)) problems.push(`${what} needs --${flag}`);
  }
  return i;
}

/** Problems with `argv` (the words after `dagger`); empty when the module's surface accepts it. */
export function checkDaggerCall(argv: string[], surface: Surface = SURFACE): string[] {
  const problems: string[] = [];
  let i = 0;
  while (i < argv.length && argv[i] !== "call") {
    const word = argv[i] ?? "";
    i += GLOBAL_WITH_VALUE.has(word) ? 2 : 1;
  }
  if (argv[i] !== "call") return [`not a dagger call: ${argv.join(" ")}`];
  const root = surface.Pipeline;
  i = takeFlags(argv, i + 1, flagsOf(root?.constructor), "the constructor", problems);
  let type = "Pipeline";
  let last = "";
  let first = true;
  while (i < argv.length) {
    const name = argv[i] ?? "";
    const object = surface[type];
    if (type.endsWith("_KIND")) {
      problems.push(
        `${last} returns ${type.replace(/_KIND$/, "").toLowerCase()}: nothing chains after it (${name})`,
      );
      return problems;
    }
    // past the module's own objects (a Directory's export, a File's contents) the core API decides
    if (object === undefined) break;
    const fn = Object.entries(object.functions ?? {}).find(([n]) => kebab(n) === name);
    const field = Object.entries(object.fields ?? {}).find(([n]) => kebab(n) === name);
    if (!fn && !field) {
      problems.push(`${type} has no ${first ? "function" : "field or function"} ${name}`);
      return problems;
    }
    i += 1;
    last = name;
    if (fn) {
      i = takeFlags(argv, i, flagsOf(fn[1].arguments), `${type}.${name}`, problems);
      type = fn[1].returns.replace(/^\[|\]$/g, "");
    } else if (field) {
      type = field[1].replace(/^\[|\]$/g, "");
    }
    first = false;
  }
  if (first) problems.push("no function called");
  return problems;
}
