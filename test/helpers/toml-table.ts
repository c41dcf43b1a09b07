/**
 * Typed lookups into a document parsed by smol-toml, for tests that read settings out of pyproject.toml.
 */
import type { TomlTable, TomlValue } from "smol-toml";

/** A TOML table; not an array and not a date, which smol-toml also returns as objects. */
export function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === "object" && !Array.isArray(value) && !(value instanceof Date);
}

/** Follows `path` through nested tables, e.g. `tableAt(doc, "tool", "ruff")`; undefined if absent. */
export function tableAt(doc: TomlTable, ...path: string[]): TomlTable | undefined {
  let table: TomlTable | undefined = doc;
  for (const key of path) {
    const next: TomlValue | undefined = table?.[key];
    table = isTable(next) ? next : undefined;
  }
  return table;
}
