/**
 * Every tool pin lives where Dependabot reads it: the images in dagger/pins.Dockerfile (docker ecosystem), the
 * Python tools in dagger/tool-requirements.txt (pip ecosystem), both under /dagger in .github/dependabot.yml. The
 * module's TypeScript constants carry the same values (`npm run pins` writes them), a pin that exists only in
 * TypeScript fails, and a version a known advisory names is refused.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as pins from "../../dagger/src/settings/pins.js";
import * as services from "../../dagger/src/settings/services.js";
import { imagePins, PINS, pinnedValues, toolPins, withConstant } from "../../scripts/pins.mjs";

const ROOT = join(import.meta.dirname, "../..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");
const constants: Record<string, unknown> = { ...pins, ...services };

/** Every .ts file under a folder. */
function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) return sources(path);
    return path.endsWith(".ts") ? [path] : [];
  });
}

/** The pins a text writes: image references by digest, and `tool==version` of the bot's tools. */
function pinsIn(text: string): string[] {
  const images = [...text.matchAll(/[a-z0-9][\w./-]*:[\w.-]+@sha256:[0-9a-f]{64}/g)].map((m) => m[0]);
  const tools = [...text.matchAll(/\b(ruff|mypy|pytest-cov)(?:==|@)(\d[\w.]*)/g)].map(
    (m) => `${m[1]}==${m[2]}`,
  );
  return [...images, ...tools];
}

/** What the bot's files pin, in the forms pinsIn finds. */
function botPins(root = ROOT): Set<string> {
  return new Set([
    ...Object.values(imagePins(readFileSync(join(root, "dagger/pins.Dockerfile"), "utf8"))),
    ...Object.entries(toolPins(readFileSync(join(root, "dagger/tool-requirements.txt"), "utf8"))).map(
      ([name, version]) => `${name}==${version}`,
    ),
  ]);
}

/**
 * Versions a supply-chain advisory names. Trivy 0.69.4 was published with malicious code (CVE-2026-33634,
 * GHSA-69fq-xp46-6x23), and public reports name 0.69.5 and 0.69.6 of the same incident.
 */
const KNOWN_BAD: { image: RegExp; why: string }[] = [
  { image: /^aquasec\/trivy:0\.69\.[4-6](?:@|$)/, why: "CVE-2026-33634 / GHSA-69fq-xp46-6x23" },
  {
    image: /^ghcr\.io\/aquasecurity\/trivy:0\.69\.[4-6](?:@|$)/,
    why: "CVE-2026-33634 / GHSA-69fq-xp46-6x23",
  },
];
const advised = (refs: Iterable<string>) =>
  [...refs].flatMap((ref) =>
    KNOWN_BAD.filter((bad) => bad.image.test(ref)).map((bad) => `${ref}: ${bad.why}`),
  );

describe("tool pins where the update bot reads them", () => {
  it("gives every TypeScript constant the value the bot's files pin", () => {
    const values = pinnedValues();
    expect(values.map((p) => p.constant).sort()).toEqual(PINS.map((p) => p.constant).sort());
    for (const { constant, value } of values) {
      expect(
        value,
        `${constant} has no line in dagger/pins.Dockerfile or tool-requirements.txt`,
      ).toBeDefined();
      expect(constants[constant], `${constant}: run npm run pins`).toBe(value);
    }
  });

  it("finds no pin in the module's code, the Dockerfile or the workflows that the bot's files lack", () => {
    const bot = botPins();
    const found = [...sources("dagger/src"), "Dockerfile"].flatMap((path) =>
      pinsIn(read(path))
        .filter((pin) => !bot.has(pin))
        .map((pin) => `${path}: ${pin}`),
    );
    expect(found).toEqual([]);
  });

  it("would find a pin written only in TypeScript", () => {
    const copy = `${read("dagger/src/settings/pins.ts")}\nexport const X = "alpine:3.21@sha256:${"a".repeat(64)}";\nconst T = "ruff==0.18.0";\n`;
    expect(pinsIn(copy).filter((pin) => !botPins().has(pin))).toEqual([
      `alpine:3.21@sha256:${"a".repeat(64)}`,
      "ruff==0.18.0",
    ]);
  });

  it("lists both files for the bot, under /dagger", () => {
    const updates = (parse(read(".github/dependabot.yml")) as { updates: Record<string, unknown>[] }).updates;
    const covers = (ecosystem: string) =>
      updates.some(
        (u) =>
          u["package-ecosystem"] === ecosystem &&
          (u.directory === "/dagger" || (Array.isArray(u.directories) && u.directories.includes("/dagger"))),
      );
    expect(covers("docker")).toBe(true);
    expect(covers("pip")).toBe(true);
  });

  it("writes a constant the way npm run pins does, and refuses a missing one", () => {
    const text = 'export const UV_IMAGE =\n  "old";\n';
    expect(withConstant(text, "UV_IMAGE", "new:1@sha256:x")).toBe(
      'export const UV_IMAGE =\n  "new:1@sha256:x";\n',
    );
    expect(() => withConstant(text, "NOPE", "x")).toThrow("no string constant NOPE");
  });
});

describe("a pinned version that a known advisory names", () => {
  it("is not pinned", () => {
    expect(advised(botPins())).toEqual([]);
  });

  it("would be refused in a bot's bump to Trivy 0.69.4", () => {
    const bumped = read("dagger/pins.Dockerfile").replace(
      /aquasec\/trivy:0\.69\.3@/,
      "aquasec/trivy:0.69.4@",
    );
    expect(advised(Object.values(imagePins(bumped)))).toEqual([
      expect.stringMatching(/^aquasec\/trivy:0\.69\.4@sha256:[0-9a-f]{64}: CVE-2026-33634/),
    ]);
  });
});
