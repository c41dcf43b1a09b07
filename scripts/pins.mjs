// The tool pins live where Dependabot reads them (dagger/pins.Dockerfile, dagger/tool-requirements.txt); this
// writes the same values into the TypeScript constants the module uses. `npm run pins` after a bump;
// test/settings/pins.test.ts fails while the two disagree.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(fileURLToPath(import.meta.url), "..", "..");

/** Each pin: the TypeScript file and constant that carry it, and where the bot reads it (stage or package). */
export const PINS = [
  { file: "dagger/src/settings/pins.ts", constant: "UV_IMAGE", stage: "uv" },
  { file: "dagger/src/settings/pins.ts", constant: "BASE_IMAGE", stage: "base" },
  { file: "dagger/src/settings/pins.ts", constant: "TRIVY_IMAGE", stage: "trivy" },
  { file: "dagger/src/settings/pins.ts", constant: "COSIGN_IMAGE", stage: "cosign" },
  { file: "dagger/src/settings/pins.ts", constant: "REGISTRY_IMAGE", stage: "registry" },
  { file: "dagger/src/settings/services.ts", constant: "POSTGRES_IMAGE", stage: "postgres" },
  { file: "dagger/src/settings/services.ts", constant: "REDIS_IMAGE", stage: "redis" },
  { file: "dagger/src/settings/pins.ts", constant: "RUFF_VERSION", requirement: "ruff" },
  { file: "dagger/src/settings/pins.ts", constant: "MYPY_VERSION", requirement: "mypy" },
  { file: "dagger/src/settings/pins.ts", constant: "PYTEST_COV_VERSION", requirement: "pytest-cov" },
];

/** The image of each `FROM image AS stage` line of pins.Dockerfile, by stage. */
export function imagePins(text) {
  return Object.fromEntries([...text.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)\s*$/gim)].map((m) => [m[2], m[1]]));
}

/** The version of each `name==version` line of tool-requirements.txt, by name. */
export function toolPins(text) {
  return Object.fromEntries(
    [...text.matchAll(/^([A-Za-z0-9._-]+)==(\S+)\s*$/gm)].map((m) => [m[1].toLowerCase(), m[2]]),
  );
}

/** What each pin is, read from the bot's files. */
export function pinnedValues(root = ROOT) {
  const images = imagePins(readFileSync(join(root, "dagger/pins.Dockerfile"), "utf8"));
  const tools = toolPins(readFileSync(join(root, "dagger/tool-requirements.txt"), "utf8"));
  return PINS.map((pin) => ({ ...pin, value: pin.stage ? images[pin.stage] : tools[pin.requirement] }));
}

/** `text` with the constant's string literal set to `value` (`export const NAME =\n  "…";`). */
export function withConstant(text, constant, value) {
  const re = new RegExp(`(export const ${constant} =\\s*)"[^"]*"`);
  if (!re.test(text)) throw new Error(`no string constant ${constant}`);
  return text.replace(re, `$1${JSON.stringify(value)}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const files = new Map();
  for (const { file, constant, value } of pinnedValues()) {
    if (value === undefined)
      throw new Error(`no pin for ${constant} in dagger/pins.Dockerfile or tool-requirements.txt`);
    const text = files.get(file) ?? readFileSync(join(ROOT, file), "utf8");
    files.set(file, withConstant(text, constant, value));
  }
  for (const [file, text] of files) writeFileSync(join(ROOT, file), text);
}
