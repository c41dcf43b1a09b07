/**
 * The `dagger` commands of a workflow step's bash script, read the way bash hands them to the CLI, and checked
 * against the module's golden surface (dagger-cli.ts). A script builds its optional flags in arrays
 * (`pipeline=(…)`, then `pipeline+=(…)` under an `if`) and passes them as `"${pipeline[@]}"`: each such word is
 * replaced by every word the script's assignments put in that array, as if every optional flag were set, so
 * each flag name is checked. The command ends at its first redirection, pipe or list operator.
 */
import { checkDaggerCall, SURFACE, words } from "./dagger-cli";

export type DaggerCommand = {
  /** the words after `dagger`, arrays expanded */
  argv: string[];
  /** the module functions and fields it chains, in order (`ci-run`, `reports`); core objects end the list */
  chain: string[];
  /** what the last of `chain` returns, e.g. CiRun, Directory, STRING_KIND */
  returns: string;
  /** the words after the chain (a core object's functions, e.g. `export --path reports`) */
  rest: string[];
  /** `${NAME[@]}` words whose array the script never assigns */
  unknownArrays: string[];
};

/** `NAME=(…)` and `NAME+=(…)`: the words each array may hold. */
function arraysOf(script: string): Map<string, string[]> {
  const arrays = new Map<string, string[]>();
  for (const [, name = "", items = ""] of script.matchAll(/\b(\w+)\+?=\(([^)]*)\)/g)) {
    arrays.set(name, [...(arrays.get(name) ?? []), ...words(items)]);
  }
  return arrays;
}

/** A word that ends the command's arguments: a redirection (`>`, `2>`, `>>`, `<`), a pipe or a list operator. */
const SHELL_OPERATOR = /^(\d*>|>|<|\||&&|;|&$)/;

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const element = (type: string) => type.replace(/^\[|\]$/g, "");

/** Skips one call's flags (a boolean flag takes no separate value); returns the index after them. */
function skipFlags(argv: string[], at: number, args: Record<string, { type: string }> = {}): number {
  let i = at;
  while (i < argv.length && (argv[i] ?? "").startsWith("-")) {
    const [name = "", inline] = (argv[i] ?? "").split(/=(.*)/s, 2);
    const arg = Object.entries(args).find(([n]) => `--${kebab(n)}` === name)?.[1];
    i += arg?.type === "BOOLEAN_KIND" || inline !== undefined ? 1 : 2;
  }
  return i;
}

/** The chain a `dagger … call …` argv walks through the module's own objects. */
function chainOf(argv: string[]): Pick<DaggerCommand, "chain" | "returns" | "rest"> {
  const call = argv.indexOf("call");
  if (call < 0) return { chain: [], returns: "", rest: argv };
  let i = skipFlags(argv, call + 1, SURFACE.Pipeline?.constructor);
  let type = "Pipeline";
  const chain: string[] = [];
  while (i < argv.length) {
    const object = SURFACE[type];
    if (object === undefined) break;
    const name = argv[i] ?? "";
    const fn = Object.entries(object.functions ?? {}).find(([n]) => kebab(n) === name)?.[1];
    const field = Object.entries(object.fields ?? {}).find(([n]) => kebab(n) === name)?.[1];
    if (fn === undefined && field === undefined) break;
    chain.push(name);
    i = fn ? skipFlags(argv, i + 1, fn.arguments) : i + 1;
    type = element(fn ? fn.returns : (field ?? ""));
  }
  return { chain, returns: type, rest: argv.slice(i) };
}

/** Every `dagger` command of a bash script, its arrays expanded from the script's own assignments. */
export function daggerCommands(script: string): DaggerCommand[] {
  const arrays = arraysOf(script);
  const commands: DaggerCommand[] = [];
  for (const line of script.replace(/\\\n/g, " ").split("\n")) {
    const all = words(line);
    const at = all.indexOf("dagger");
    if (at < 0) continue;
    const end = all.findIndex((w, i) => i > at && SHELL_OPERATOR.test(w));
    const argv: string[] = [];
    const unknownArrays: string[] = [];
    for (const word of all.slice(at + 1, end < 0 ? undefined : end)) {
      const name = /^\$\{(\w+)\[@\]\}$/.exec(word)?.[1];
      if (name === undefined) argv.push(word);
      else if (arrays.has(name)) argv.push(...(arrays.get(name) ?? []));
      else unknownArrays.push(word);
    }
    commands.push({ argv, ...chainOf(argv), unknownArrays });
  }
  return commands;
}

/** The module function a command calls (`ci-run`, `deploy`), if any. */
export function calledFunction(command: DaggerCommand): string | undefined {
  return command.chain[0];
}

/**
 * What the CLI would refuse in a command: what checkDaggerCall finds, plus words chained after a scalar result
 * (`ci … reports export`: `ci` prints text, which has no fields), plus arrays the script never fills.
 */
export function daggerProblems(command: DaggerCommand): string[] {
  const problems = checkDaggerCall(command.argv);
  const last = command.chain.at(-1);
  if (last !== undefined && /_KIND$/.test(command.returns) && command.rest.length > 0) {
    problems.push(`${last} returns ${command.returns}, which has no ${command.rest[0]}`);
  }
  for (const word of command.unknownArrays) problems.push(`"${word}" expands an array the script never sets`);
  return problems;
}
