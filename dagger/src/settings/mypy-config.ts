/**
 * Whether and how an app configures mypy, read the way mypy finds its config (mypy/defaults.py CONFIG_NAMES and
 * SHARED_CONFIG_NAMES, mypy/config_parser.py at v2.3.1): the stage decides from it whether `ci` type-checks at
 * all and what mypy is given on its command line. Pure; the files are read by stages/typecheck.ts.
 */

/** The config files mypy reads besides pyproject.toml, by name, as found in the app's folder. */
export type MypyConfigFiles = { "mypy.ini"?: string; ".mypy.ini"?: string; "setup.cfg"?: string };

/** The names mypy looks for, in its order (mypy/defaults.py CONFIG_NAMES + SHARED_CONFIG_NAMES). */
export const MYPY_CONFIG_NAMES = ["mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"] as const;

/** The config mypy would use, and the keys of its main section. */
export type MypyConfig = { file: string; keys: string[] };

/** `[a . "b"]` -> ["a", "b"]; undefined for a line that is not a table header. */
function tomlHeader(line: string): string[] | undefined {
  const m = /^\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
  return m?.[1] ? tomlKeyPath(m[1]) : undefined;
}

const tomlKeyPath = (key: string): string[] =>
  key.split(".").map((part) => part.trim().replace(/^(["'])(.*)\1$/, "$2"));

/**
 * The keys of pyproject.toml's [tool.mypy] table, or undefined when it has none, read line by line (the
 * module has no TOML parser at run time): table headers, dotted keys under [tool] or at the top, and lines
 * inside multi-line strings skipped. mypy itself skips a pyproject.toml without `tool.mypy`
 * (mypy/config_parser.py `_parse_individual_file`).
 */
function pyprojectMypyKeys(text: string): string[] | undefined {
  let table: string[] = [];
  let found = false;
  const keys: string[] = [];
  let inString: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (inString) {
      if (line.includes(inString)) inString = undefined;
      continue;
    }
    const header = tomlHeader(line);
    if (header) {
      table = header;
      if (header[0] === "tool" && header[1] === "mypy") found = true;
      continue;
    }
    const key = /^([A-Za-z0-9_."' -]+?)\s*=\s*(.*)$/.exec(line);
    if (!key?.[1]) continue;
    const value = key[2] ?? "";
    const opens = /^(?:"""|''')/.exec(value)?.[0];
    if (opens && !value.slice(3).includes(opens)) inString = opens;
    const path = [...table, ...tomlKeyPath(key[1])];
    if (path[0] !== "tool" || path[1] !== "mypy") continue;
    found = true;
    // [tool.mypy]'s own keys (also written `mypy.files` under [tool]); not those of [[tool.mypy.overrides]]
    const name = table.length <= 2 ? path[2] : undefined;
    if (name !== undefined && !keys.includes(name)) keys.push(name);
  }
  return found ? keys : undefined;
}

/** The keys of an INI file's `[mypy]` section, or undefined when it has none. */
function iniMypyKeys(text: string): string[] | undefined {
  let section: string | undefined;
  let found = false;
  const keys: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]/.exec(raw);
    if (header) {
      // configparser keeps spaces inside the brackets (RawConfigParser._SECT_TMPL): `[ mypy ]` is not [mypy]
      section = header[1];
      if (section === "mypy") found = true;
      continue;
    }
    if (section !== "mypy" || /^\s/.test(raw)) continue;
    const key = /^([^=:#;\s][^=:]*?)\s*[=:]/.exec(raw);
    // the lazy name stops where `\s*[=:]` can start, so it has no spaces at its ends
    if (key?.[1]) keys.push(key[1]);
  }
  return found ? keys : undefined;
}

/**
 * The config mypy would pick in the app's folder, by mypy's rules at v2.3.1 (mypy/config_parser.py
 * `_find_config_file` and `_parse_individual_file`): the first of mypy.ini, .mypy.ini (used whenever present),
 * pyproject.toml (only with a tool.mypy table), setup.cfg (only with a [mypy] section). Undefined: none.
 */
export function mypyConfig(pyproject: string | undefined, others: MypyConfigFiles): MypyConfig | undefined {
  for (const file of ["mypy.ini", ".mypy.ini"] as const) {
    const content = others[file];
    if (content !== undefined) return { file, keys: iniMypyKeys(content) ?? [] };
  }
  const fromPyproject = pyproject === undefined ? undefined : pyprojectMypyKeys(pyproject);
  if (fromPyproject) return { file: "pyproject.toml", keys: fromPyproject };
  const setup = others["setup.cfg"];
  const fromSetup = setup === undefined ? undefined : iniMypyKeys(setup);
  return fromSetup ? { file: "setup.cfg", keys: fromSetup } : undefined;
}

/** Whether the app configures mypy: [tool.mypy] in pyproject.toml, mypy.ini, .mypy.ini, or setup.cfg [mypy]. */
export function mypyConfigured(pyproject: string | undefined, others: MypyConfigFiles = {}): boolean {
  return mypyConfig(pyproject, others) !== undefined;
}

/**
 * What mypy is asked to check: nothing on the command line when the config names its own `files`, `modules`
 * or `packages` (a command-line target would override them), else the project's packages (`-p`, as
 * maintainers name them), and the app's folder only when no package is known.
 */
export function mypyTargets(config: MypyConfig | undefined, packages: readonly string[] = []): string[] {
  const named = config?.keys.some((k) => k === "files" || k === "modules" || k === "packages");
  if (named) return [];
  return packages.length > 0 ? packages.flatMap((p) => ["-p", p]) : ["."];
}
