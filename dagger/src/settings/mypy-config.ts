/** mypy's config, found as mypy finds it: it decides whether `ci` type-checks (docs/engine-notes.md: mypy). */
import { isTable, parseToml } from "./project.js";

type MypyConfigFiles = { "mypy.ini"?: string; ".mypy.ini"?: string; "setup.cfg"?: string };

/** mypy's own search order (docs/engine-notes.md: mypy). */
export const MYPY_CONFIG_NAMES = ["mypy.ini", ".mypy.ini", "pyproject.toml", "setup.cfg"] as const;

export type MypyConfig = { file: string; keys: string[] };

/** Undefined: no tool.mypy; TOML that mypy could not read either is refused, naming `path`. */
function pyprojectMypyKeys(text: string, path: string): string[] | undefined {
  const tool = parseToml(text, path).tool;
  const mypy = isTable(tool) ? tool.mypy : undefined;
  if (!isTable(mypy)) return undefined;
  // not the keys of [tool.mypy.*] or [[tool.mypy.overrides]]
  return Object.keys(mypy).filter(
    // Stryker disable next-line MethodExpression: a mixed array is no table either way, and only files, modules and packages are read
    (k) => !isTable(mypy[k]) && !(Array.isArray(mypy[k]) && mypy[k].some(isTable)),
  );
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
export function mypyConfig(
  pyproject: string | undefined,
  others: MypyConfigFiles,
  pyprojectPath = "pyproject.toml",
): MypyConfig | undefined {
  for (const file of ["mypy.ini", ".mypy.ini"] as const) {
    const content = others[file];
    if (content !== undefined) return { file, keys: iniMypyKeys(content) ?? [] };
  }
  const fromPyproject = pyproject === undefined ? undefined : pyprojectMypyKeys(pyproject, pyprojectPath);
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
