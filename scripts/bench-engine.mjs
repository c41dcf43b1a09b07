#!/usr/bin/env node
// npm run bench:engine: times `dagger call ci` twice on this repository's sample app where a dagger CLI and an
// engine exist: the first run (cold, or whatever the engine already holds) and the second, with unchanged
// sources (warm: every exec and cache volume from the first run is there). Prints one line per figure:
//
//   bench:engine dagger=<version> runner=<_EXPERIMENTAL_DAGGER_RUNNER_HOST or local>
//   first   <seconds> s
//   second  <seconds> s
//   ratio   <first / second>
//
// For a true cold figure, start from a new engine (a fresh runner, or remove the engine's container and its
// volume first). Where no dagger CLI is on PATH it says so and exits 0: there is nothing to measure.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const version = spawnSync("dagger", ["version"], { encoding: "utf8" });
if (version.error || version.status !== 0) {
  console.log('bench:engine: no dagger CLI on PATH (see the README, "Try it"); nothing measured');
  process.exit(0);
}

function timed() {
  const start = process.hrtime.bigint();
  const run = spawnSync("dagger", ["--progress=plain", "call", "ci-run", "--exit-zero", "passed"], {
    cwd: root,
    encoding: "utf8",
    timeout: 60 * 60_000,
  });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (run.status !== 0) {
    console.error(run.stderr.split("\n").slice(-20).join("\n"));
    console.error(`bench:engine: dagger call ci failed (exit ${run.status}); no figure`);
    process.exit(1);
  }
  return seconds;
}

console.log(
  `bench:engine dagger=${version.stdout.trim().split(/\s+/)[1] ?? "?"} runner=${process.env._EXPERIMENTAL_DAGGER_RUNNER_HOST || "local"}`,
);
const first = timed();
console.log(`first   ${first.toFixed(1)} s`);
const second = timed();
console.log(`second  ${second.toFixed(1)} s`);
console.log(`ratio   ${(first / second).toFixed(1)}`);
