/** The repository's workflow files, read once, and broken copies of them for proving checks fail. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { loadWorkflow, type Mapping, type WorkflowFile } from "./workflow-model";
import { jobNames, type RunModel, type ScriptRun, type World } from "./workflow-run";

const root = new URL("../../", import.meta.url);

export function readRepoFile(path: string): string {
  return readFileSync(new URL(path, root), "utf8");
}

export const WORKFLOW_PATHS = [
  ".github/workflows/ci.yml",
  ".github/workflows/cd.yml",
  ".github/workflows/checks.yml",
  ".github/workflows/python-pipeline.yml",
] as const;
export type WorkflowPath = (typeof WORKFLOW_PATHS)[number];

export function readWorkflow(path: WorkflowPath): WorkflowFile {
  return loadWorkflow(path, readRepoFile(path));
}

/**
 * The one check branch protection requires of each workflow: docs/github-setup.md names it, and
 * test/workflows/required-check.test.ts holds the docs to this table. checks.yml has none: its
 * `paths:` filter would leave a required check "Expected" on pull requests that change other files.
 */
export const REQUIRED_CHECKS: Record<WorkflowPath, readonly string[]> = {
  ".github/workflows/ci.yml": ["CI result"],
  ".github/workflows/cd.yml": [],
  ".github/workflows/checks.yml": [],
  ".github/workflows/python-pipeline.yml": [],
};

/** The path in this repository of a called workflow, as `./…` or as `OWNER/REPO/…@<ref>` (the docs' caller). */
export function calledPath(uses: string): string {
  const [path = ""] = uses
    .replace(/^\.\//, "")
    .replace(/^[^./][^/]*\/[^/]+\/(?=\.github\/)/, "")
    .split("@");
  return path;
}

/** Playing a run of this repository's workflows: the called workflow's job names, and bash. */
export const RUN_MODEL: RunModel = {
  calledJobs: (uses) => {
    const path = calledPath(uses);
    if (!(WORKFLOW_PATHS as readonly string[]).includes(path)) throw new Error(`no workflow ${path} here`);
    return jobNames(readWorkflow(path as WorkflowPath));
  },
  runScript: runBash,
};

/** `engineVersion` of dagger.json, e.g. "v0.21.8". */
export function engineVersion(): string {
  const config: unknown = JSON.parse(readRepoFile("dagger.json"));
  const version = (config as { engineVersion?: unknown }).engineVersion;
  if (typeof version !== "string") throw new Error("dagger.json has no engineVersion");
  return version;
}

/** The floor of package.json's `engines.node` (">=22" gives "22"); throws on any other form. */
export function nodeEnginesFloor(): string {
  const pkg: unknown = JSON.parse(readRepoFile("package.json"));
  const range = (pkg as { engines?: { node?: unknown } }).engines?.node;
  const floor = typeof range === "string" ? /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(range)?.[1] : undefined;
  if (floor === undefined)
    throw new Error(`package.json engines.node ${JSON.stringify(range)} is not ">=X.Y"`);
  return floor;
}

/**
 * Replaces the `occurrence`-th (1-based) exact occurrence of `from`. Throws when it is absent, so a
 * broken copy cannot silently stop being broken when the real workflow changes.
 */
export function replaceText(text: string, from: string, to: string, occurrence = 1): string {
  let index = -1;
  for (let n = 0; n < occurrence; n++) {
    index = text.indexOf(from, index + 1);
    if (index < 0) throw new Error(`occurrence ${occurrence} of ${JSON.stringify(from)} not found`);
  }
  return text.slice(0, index) + to + text.slice(index + from.length);
}

/** A broken copy: edit the text (keeps comments, for the pin rule) or the parsed document. */
export type Breakage = { text: (text: string) => string } | { doc: (doc: Mapping) => void };

export function breakWorkflow(wf: WorkflowFile, breakage: Breakage): WorkflowFile {
  if ("text" in breakage) {
    const text = breakage.text(wf.text);
    if (text === wf.text) throw new Error("the breakage changed nothing");
    return loadWorkflow(wf.name, text);
  }
  const doc = structuredClone(wf.doc);
  breakage.doc(doc);
  return loadWorkflow(wf.name, stringify(doc));
}

/** `${{ source }}`, the way a workflow writes an expression (spelled out to keep lint quiet). */
export function expr(source: string): string {
  return `\${{ ${source} }}`;
}

/** A stand-in `gh` for `gh api`: records its arguments and prints the world's API answer. */
const STAND_IN_GH = `#!/bin/bash
printf '%s\\n' "$@" > "$STAND_IN_DIR/gh-args"
if [[ "$1" != api ]]; then echo "stand-in gh: only gh api is modelled" >&2; exit 2; fi
cat "$STAND_IN_DIR/api.json"
`;

/**
 * Runs a `run:` script the way the runner runs `shell: bash` (`bash --noprofile --norc -eo pipefail`),
 * in a scratch folder, with PATH, `$RUNNER_TEMP`, `$GITHUB_OUTPUT`, `$GITHUB_STEP_SUMMARY` and `env`, and
 * a stand-in `gh` that answers `gh api` with `world.api`. Returns the exit status and the `name=value`
 * lines the script wrote to `$GITHUB_OUTPUT` (workflow commands on stdout are discarded).
 */
export function runBash(script: string, env: Record<string, string>, world: World = {}): ScriptRun {
  const dir = mkdtempSync(join(tmpdir(), "workflow-step-"));
  try {
    const bin = join(dir, "bin");
    mkdirSync(bin);
    mkdirSync(join(dir, "temp"));
    writeFileSync(join(dir, "api.json"), JSON.stringify(world.api ?? null));
    writeFileSync(join(bin, "gh"), STAND_IN_GH, { mode: 0o755 });
    const output = join(dir, "output");
    writeFileSync(output, "");
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
      cwd: dir,
      env: {
        PATH: `${bin}:${process.env.PATH ?? ""}`,
        HOME: dir,
        RUNNER_TEMP: join(dir, "temp"),
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: join(dir, "summary.md"),
        STAND_IN_DIR: dir,
        ...env,
      },
      encoding: "utf8",
    });
    if (result.error) throw result.error;
    const outputs = Object.fromEntries(
      readFileSync(output, "utf8")
        .split("\n")
        .filter((line) => line.includes("="))
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    const ghArgs = existsSync(join(dir, "gh-args"))
      ? readFileSync(join(dir, "gh-args"), "utf8").split("\n").slice(0, -1)
      : [];
    return { status: result.status ?? 1, outputs, ghArgs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
