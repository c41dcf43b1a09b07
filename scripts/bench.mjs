#!/usr/bin/env node
// What a cold engine start pays for this module, as medians of several runs:
//  - the SDK introspector's time on dagger/src (the engine runs it to register the module), next to a
//    one-function module for scale;
//  - what `npm install --omit=dev` brings for dagger/ (the engine runs it on every cold start): package
//    count, size on disk, and install time from the npm cache.
// Usage: npm run bench [-- --runs N]
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dirname, "..");
const SDK = join(ROOT, "node_modules/@dagger.io/dagger/dist/src");
const runsArg = process.argv.indexOf("--runs");
const RUNS = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 5;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};

function tsFiles(dir) {
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
    .map((f) => join(dir, f));
}

function duSync(dir) {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, encoding: "utf8" })) {
    const st = statSync(join(dir, entry), { throwIfNoEntry: false });
    if (st?.isFile()) bytes += st.size;
  }
  return bytes;
}

async function timeIntrospection(files) {
  const { scan } = await import(join(SDK, "module/introspector/index.js"));
  const tmp = mkdtempSync(join(tmpdir(), "bench-introspect-"));
  const client = join(tmp, "client.gen.ts");
  copyFileSync(join(SDK, "api/client.gen.d.ts"), client);
  const times = [];
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    await scan([...files, client], "pipeline", false);
    times.push(performance.now() - start);
  }
  rmSync(tmp, { recursive: true, force: true });
  return median(times);
}

function trivialModule() {
  const dir = mkdtempSync(join(tmpdir(), "bench-trivial-"));
  const file = join(dir, "index.ts");
  writeFileSync(
    file,
    'import { func, object } from "@dagger.io/dagger";\n/** x */\n@object()\nexport class Pipeline {\n  /** y */\n  @func()\n  hello(): string {\n    return "hi";\n  }\n}\n',
  );
  return { dir, files: [file] };
}

const moduleMs = await timeIntrospection(tsFiles(join(ROOT, "dagger/src")));
const trivial = trivialModule();
const trivialMs = await timeIntrospection(trivial.files);
rmSync(trivial.dir, { recursive: true, force: true });

const installs = [];
let packages = 0;
let bytes = 0;
for (let i = 0; i < Math.min(RUNS, 3); i++) {
  const dir = mkdtempSync(join(tmpdir(), "bench-install-"));
  copyFileSync(join(ROOT, "dagger/package.json"), join(dir, "package.json"));
  copyFileSync(join(ROOT, "dagger/package-lock.json"), join(dir, "package-lock.json"));
  const start = performance.now();
  execFileSync(
    "npm",
    ["install", "--omit=dev", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts"],
    {
      cwd: dir,
      stdio: "ignore",
    },
  );
  installs.push(performance.now() - start);
  const lock = JSON.parse(execFileSync("cat", [join(dir, "package-lock.json")], { encoding: "utf8" }));
  packages = Object.keys(lock.packages).filter(
    (p) => p.startsWith("node_modules/") && !lock.packages[p].dev,
  ).length;
  bytes = duSync(join(dir, "node_modules"));
  rmSync(dir, { recursive: true, force: true });
}

const mb = (b) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
console.log(`introspector on dagger/src      median of ${RUNS}: ${moduleMs.toFixed(0)} ms`);
console.log(
  `introspector, one-function module median of ${RUNS}: ${trivialMs.toFixed(0)} ms (the SDK's own floor)`,
);
console.log(
  `npm install --omit=dev (dagger/) median of ${installs.length}: ${median(installs).toFixed(0)} ms from cache`,
);
console.log(`  packages: ${packages}, size: ${mb(bytes)}`);
