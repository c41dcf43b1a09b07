/** mypy's config, found as mypy finds it: it decides whether `ci` type-checks (docs/engine-notes.md: mypy). */

export type MypyConfigFiles = { "mypy.ini"?: string; ".mypy.ini"?: string; "setup.cfg"?: string };

/** mypy's own search order (docs/engine-notes.md: mypy). */
export const MYPY_CONFIG_NAMES = ["mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"] as const;

export type MypyConfig = { file: string; keys: string[] };

/** `[a . "b"]` -> ["a", "b"]; undefined if not a header. */
function tomlHeader(line: string): string[] | undefined {
  const m = /^\[\[?\s*([^\]]+?)\s*\]\]?\s*(#.*)?$/.exec(line);
  return m?.[1] ? tomlKeyPath(m[1]) : undefined;
}

const tomlKeyPath = (key: string): string[] =>
  // Stryker disable next-line Regex: a TOML key part is bare (no quotes) or wholly quoted, so the anchors never decide
  key.split(".").map((part) => part.trim().replace(/^(["'])(.*)\1$/, "$2"));

/** Line by line: the module has no TOML parser at run time. Undefined: no tool.mypy. */
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
    // Stryker disable next-line StringLiteral: pyprojectMypyKeys: the value group (.*) always takes part in a match, so the fallback never applies
    const value = key[2] ?? "";
    const opens = /^(?:"""|''')/.exec(value)?.[0];
    if (opens && !value.slice(3).includes(opens)) inString = opens;
    const path = [...table, ...tomlKeyPath(key[1])];
    if (path[0] !== "tool" || path[1] !== "mypy") continue;
    found = true;
    // not the keys of [[tool.mypy.overrides]]
    const name = table.length <= 2 ? path[2] : undefined;
    if (name !== undefined && !keys.includes(name)) keys.push(name);
  }
  return found ? keys : undefined;
}

function iniMypyKeys(text: string): string[] | undefined {
  let section: string | undefined;
  let found = false;
  const keys: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const header = /^\s*\[([^\]]+)\]/.exec(raw);
    if (header) {
      // `[ mypy ]` is not [mypy] (docs/engine-notes.md: mypy)
      section = header[1];
      if (section === "mypy") found = true;
      continue;
    }
    if (section !== "mypy" || /^\s/.test(raw)) continue;
    const key = /^([^=:#;\s][^=:]*?)\s*[=:]/.exec(raw);
    if (key?.[1]) keys.push(key[1]);
  }
  return found ? keys : undefined;
}

/** The file mypy would pick, by its own rules (docs/engine-notes.md: mypy). */
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

export function mypyConfigured(pyproject: string | undefined, others: MypyConfigFiles = {}): boolean {
  return mypyConfig(pyproject, others) !== undefined;
}

/** No targets when the config names its own: a command-line target would override them. */
export function mypyTargets(config: MypyConfig | undefined, packages: readonly string[] = []): string[] {
  const named = config?.keys.some((k) => k === "files" || k === "modules" || k === "packages");
  if (named) return [];
  return packages.length > 0 ? packages.flatMap((p) => ["-p", p]) : ["."];
}
