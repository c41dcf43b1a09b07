/**
 * docs/engine-notes.md is where the engine's and the tools' facts live; the code points to it by section
 * ("docs/engine-notes.md: uv"). A pointer to a section that does not exist is a fact a version bump cannot find.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const notes = readFileSync(join(ROOT, "docs/engine-notes.md"), "utf8");
const sections = new Set([...notes.matchAll(/^## (.+)$/gm)].map((m) => m[1]));
const pointers = readdirSync(join(ROOT, "dagger/src"), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".ts"))
  .flatMap((f) =>
    [
      ...readFileSync(join(ROOT, "dagger/src", f), "utf8").matchAll(/docs\/engine-notes\.md: ([^)]*)\)/g),
    ].flatMap((m) => (m[1] ?? "").split(", ").map((section) => ({ file: f, section }))),
  );

describe("docs/engine-notes.md", () => {
  it("is pointed to from the code", () => {
    expect(pointers.length).toBeGreaterThan(20);
  });

  it("has every section the code points to", () => {
    expect(pointers.filter((p) => !sections.has(p.section))).toEqual([]);
  });

  it("gives each fact its source", () => {
    const facts = notes.split("\n").filter((l) => l.startsWith("- "));
    expect(facts.filter((f) => !/Source: /.test(f))).toEqual([]);
  });
});
