import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BLOCK, functionsTable, readSurface, type SurfaceFile, settingsTable } from "./reference.js";

const ROOT = join(import.meta.dirname, "..", "..");
const UPDATE = process.env.UPDATE_DOCS === "1";
const surface = readSurface(ROOT);
const TABLES: [string, (s: SurfaceFile) => string][] = [
  ["settings", settingsTable],
  ["functions", functionsTable],
];

describe("README.md's reference", () => {
  let readme = readFileSync(join(ROOT, "README.md"), "utf8");
  if (UPDATE) {
    for (const [name, render] of TABLES) {
      readme = readme.replace(
        BLOCK(name),
        (_m, open: string, _old: string, close: string) => `${open}${render(surface)}\n${close}`,
      );
    }
    writeFileSync(join(ROOT, "README.md"), readme);
  }

  it.each(TABLES)(
    "the %s table is rendered from the module's surface (npm run docs rewrites it)",
    (name, render) => {
      const block = BLOCK(name).exec(readme);
      expect(block, `README.md has no <!-- reference:${name} --> block`).not.toBeNull();
      expect(block?.[2]).toBe(`${render(surface)}\n`);
    },
  );

  it("names every function and setting the module has, with its required flags", () => {
    const functions = functionsTable(surface);
    for (const name of ["ci", "ci-run", "deploy", "release", "test-matrix", "fix"])
      expect(functions).toContain(`| \`${name}\``);
    expect(functions).toContain("**`--python-version`**");
    expect(functions).toContain("**`--tag`** **`--reports`**");
    expect(settingsTable(surface)).toContain("| `--production-from` ProductionFrom | none |");
    expect(settingsTable(surface)).toContain("| `--app` TEXT | `sample-app` |");
  });

  it("a renamed flag makes the README differ from the surface (a broken copy)", () => {
    const broken = structuredClone(surface);
    const deploy = broken.Pipeline?.functions.deploy;
    if (deploy?.arguments?.release) {
      deploy.arguments.tag = deploy.arguments.release;
      delete deploy.arguments.release;
    }
    expect(functionsTable(broken)).not.toBe(functionsTable(surface));
    expect(BLOCK("functions").exec(readme)?.[2]).not.toBe(`${functionsTable(broken)}\n`);
  });
});
