/**
 * sample-app/.pre-commit-config.yaml: ruff's commit-time hooks run the ruff the pipeline's lint runs, so a
 * developer's commit and CI never disagree about a finding. The hooks mirror ruff-pre-commit's own definitions
 * (.pre-commit-hooks.yaml at tag v0.16.4). Debian's pre-commit, where installed (.ci/run installs it), validates
 * the file as pre-commit itself reads it.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { RUFF_VERSION } from "../../dagger/src/settings/pins.js";
import { REPO_ROOT, SAMPLE_APP } from "../helpers/python";

const CONFIG = join(SAMPLE_APP, ".pre-commit-config.yaml");
type Hook = {
  id: string;
  entry: string;
  language: string;
  additional_dependencies?: string[];
  types_or?: string[];
  files?: string;
};
const config = parse(readFileSync(CONFIG, "utf8")) as { repos: { repo: string; hooks: Hook[] }[] };
const hooks = config.repos.flatMap((r) => r.hooks);

/** The ruff version each hook installs, from its `ruff==X` dependency. */
function ruffPins(list: Hook[]): string[] {
  return list.map((h) => {
    const pin = (h.additional_dependencies ?? []).find((d) => d.startsWith("ruff=="));
    if (!pin) throw new Error(`hook ${h.id} does not pin ruff (expected "ruff==${RUFF_VERSION}")`);
    return pin.slice("ruff==".length);
  });
}

describe("sample-app/.pre-commit-config.yaml", () => {
  it("runs ruff check and ruff format, as ruff-pre-commit defines them", () => {
    expect(hooks.map((h) => [h.id, h.entry, h.language])).toEqual([
      ["ruff-check", "ruff check --force-exclude", "python"],
      ["ruff-format", "ruff format --force-exclude", "python"],
    ]);
    for (const h of hooks) {
      expect(h.types_or).toEqual(["python", "pyi", "jupyter"]);
      expect(new RegExp(h.files ?? "").test("sample-app/src/sample_app/cli.py")).toBe(true);
    }
  });

  it("pins every hook's ruff to the module's RUFF_VERSION", () => {
    expect(ruffPins(hooks)).toEqual([RUFF_VERSION, RUFF_VERSION]);
  });

  it("notices drift: a hook at another ruff, or with ruff unpinned, is caught", () => {
    const drifted = hooks.map((h) => ({ ...h, additional_dependencies: ["ruff==0.16.4"] }));
    expect(ruffPins(drifted)).not.toEqual([RUFF_VERSION, RUFF_VERSION]);
    expect(() => ruffPins([{ ...(hooks[0] as Hook), additional_dependencies: ["ruff"] }])).toThrow(
      "does not pin ruff",
    );
  });

  const preCommit = spawnSync("pre-commit", ["--version"], { encoding: "utf8" });
  const missing = preCommit.error ? "no pre-commit on PATH (apt-get install -y pre-commit)" : "";
  if (missing && process.env.CI) throw new Error(`${missing}: .ci/run installs it`);
  if (missing) console.warn(`skipping pre-commit's own validation: ${missing}`);

  it.skipIf(missing !== "")(`is accepted by pre-commit itself (${preCommit.stdout?.trim()})`, () => {
    const run = spawnSync("pre-commit", ["validate-config", CONFIG], { cwd: REPO_ROOT, encoding: "utf8" });
    expect(`${run.stdout}${run.stderr}`).toBe("");
    expect(run.status).toBe(0);
  });
});
