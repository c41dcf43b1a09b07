/**
 * `fix`: ruff's safe fixes and its formatter over the app folder, recorded by the stand-in engine session. What a
 * developer relies on: the pinned ruff with the app's own config, fixes before formatting, the changed files
 * named, findings without a safe fix listed, and nothing handed back when ruff itself failed.
 */
import { describe, expect, it } from "vitest";
import { RUFF_VERSION } from "../../dagger/src/settings/pins.js";
import { findingLines, fixReport, runFix } from "../../dagger/src/stages/fix.js";
import {
  allChains,
  type Chain,
  defaultLeaf,
  directoryId,
  enginesPerTest,
  execs,
  leafOf,
} from "../helpers/engine.js";

const startEngine = enginesPerTest();

// ruff's own snapshot crates/ruff/tests/cli/snapshots/cli__lint__output_format_concise.snap at tag 0.16.4
// (11c76bf4): stdout of `ruff check --no-cache --output-format concise`, findings then tally lines.
const CONCISE = `input.py:1:8: F401 [*] \`os\` imported but unused
input.py:2:5: F821 Undefined name \`y\`
input.py:3:1: invalid-syntax: Cannot use \`match\` statement on Python 3.9 (syntax was added in Python 3.10)
Found 3 errors.
[*] 1 fixable with the \`--fix\` option.
`;

type Script = {
  checkExit?: number;
  checkOut?: string;
  checkErr?: string;
  formatExit?: number;
  formatErr?: string;
  modified?: string[];
  added?: string[];
};

const lastExec = (chain: Chain): string[] => execs(chain).at(-1) ?? [];

function resolver(s: Script) {
  return (chain: Chain): unknown => {
    const { field } = leafOf(chain);
    const cmd = lastExec(chain);
    const isFormat = cmd.includes("format");
    if (field === "exitCode") return isFormat ? (s.formatExit ?? 0) : (s.checkExit ?? 0);
    if (field === "stdout") return isFormat ? "" : (s.checkOut ?? "");
    if (field === "stderr") return isFormat ? (s.formatErr ?? "") : (s.checkErr ?? "");
    if (field === "modifiedPaths") return s.modified ?? [];
    if (field === "addedPaths") return s.added ?? [];
    if (field === "removedPaths") return [];
    if (field === "contents" && chain.some((c) => c.field === "asPatch")) return "--- a/x\n+++ b/x\n";
    return defaultLeaf(chain);
  };
}

async function fix(s: Script, app = "sample-app") {
  const engine = await startEngine(resolver(s));
  const { dag } = await import("@dagger.io/dagger");
  const run = await engine.connect(() => runFix(dag.loadDirectoryFromID(directoryId() as never), app));
  return { engine, run };
}

describe("fix", () => {
  it("runs the pinned ruff's safe fixes, then its formatter, on the app folder, and names what changed", async () => {
    const { engine, run } = await fix({
      checkExit: 1,
      checkOut: CONCISE,
      modified: ["src/sample_app/cli.py", "src/sample_app/calc.py"],
    });
    const chains = allChains(engine);
    const formatRun = chains.find((c) => lastExec(c).includes("format")) as Chain;
    // one chain: install the pinned ruff, fix, then format what the fixes left
    expect(execs(formatRun)).toEqual([
      ["uv", "tool", "install", `ruff@${RUFF_VERSION}`],
      ["/opt/ruff/bin/ruff", "check", "--no-cache", "--fix", "--output-format=concise", "."],
      ["/opt/ruff/bin/ruff", "format", "--no-cache", "."],
    ]);
    const workdir = formatRun.filter((c) => c.field === "withWorkdir").at(-1);
    expect(workdir?.args.path).toBe("/src/sample-app");
    // the changes are taken against the app folder as it came in
    const changes = chains.find((c) => c.some((call) => call.field === "changes")) as Chain;
    expect(JSON.stringify(changes)).toContain('"path":"sample-app"');
    expect(run.changed).toEqual(["src/sample_app/calc.py", "src/sample_app/cli.py"]);
    expect(fixReport(run, "sample-app")).toBe(
      [
        "ruff fixed or reformatted 2 file(s):",
        "  sample-app/src/sample_app/calc.py",
        "  sample-app/src/sample_app/cli.py",
        "3 finding(s) have no safe fix and need a person:",
        "sample-app/input.py:1:8: F401 [*] `os` imported but unused",
        "sample-app/input.py:2:5: F821 Undefined name `y`",
        "sample-app/input.py:3:1: invalid-syntax: Cannot use `match` statement on Python 3.9 (syntax was added in Python 3.10)",
      ].join("\n"),
    );
  });

  it("accepts ruff's own exit codes (1: findings left) instead of failing the exec, for both commands", async () => {
    const { engine } = await fix({});
    const formatRun = allChains(engine).find((c) => lastExec(c).includes("format")) as Chain;
    const runs = formatRun.filter((c) => c.field === "withExec").slice(1);
    expect(runs.map((c) => c.args.expect)).toEqual(["ANY", "ANY"]);
  });

  it("works on an app at the repository root, and names its files from there", async () => {
    const { engine, run } = await fix({ checkExit: 1, checkOut: CONCISE, modified: ["app.py"] }, ".");
    const formatRun = allChains(engine).find((c) => lastExec(c).includes("format")) as Chain;
    expect(formatRun.filter((c) => c.field === "withWorkdir").at(-1)?.args.path).toBe("/src");
    expect(fixReport(run, ".").split("\n")).toEqual([
      "ruff fixed or reformatted 1 file(s):",
      "  app.py",
      "3 finding(s) have no safe fix and need a person:",
      "input.py:1:8: F401 [*] `os` imported but unused",
      "input.py:2:5: F821 Undefined name `y`",
      "input.py:3:1: invalid-syntax: Cannot use `match` statement on Python 3.9 (syntax was added in Python 3.10)",
    ]);
  });

  it("says ruff failed even when it printed nothing", async () => {
    await expect(fix({ checkExit: 2 })).rejects.toThrow(
      /^ruff check --fix failed \(exit 2\), so nothing was fixed\.$/,
    );
  });

  it("says so when there was nothing to change", async () => {
    const { run } = await fix({});
    expect(run.changed).toEqual([]);
    expect(fixReport(run, ".")).toBe("ruff changed nothing: the app was already fixed and formatted.");
  });

  it("hands nothing back when ruff check fails, and says why", async () => {
    await expect(
      fix({ checkExit: 2, checkErr: "ruff failed\n  Cause: Failed to parse pyproject.toml\n" }),
    ).rejects.toThrow(
      "ruff check --fix failed (exit 2), so nothing was fixed:\nruff failed\n  Cause: Failed to parse pyproject.toml",
    );
  });

  it("hands nothing back when ruff format cannot parse a file", async () => {
    const engine = await startEngine(
      resolver({ formatExit: 2, formatErr: "error: Failed to parse src/app.py:3:1: Expected an expression" }),
    );
    const { dag } = await import("@dagger.io/dagger");
    await expect(
      engine.connect(() => runFix(dag.loadDirectoryFromID(directoryId() as never), "sample-app")),
    ).rejects.toThrow(
      "ruff format failed (exit 2), so nothing was fixed:\nerror: Failed to parse src/app.py:3:1",
    );
    // the changes were never asked for: nothing to export
    expect(allChains(engine).some((c) => c.some((call) => call.field === "changes"))).toBe(false);
  });
});

describe("findingLines", () => {
  it("keeps the findings of ruff's concise output and drops its tally and hint lines", () => {
    expect(findingLines(CONCISE).split("\n")).toHaveLength(3);
    expect(findingLines("All checks passed!\n")).toBe("");
    // two-digit places, and the trailing blanks ruff may leave, trimmed
    expect(findingLines("src/a.py:12:34: E501 Line too long (101 > 100)   \nFound 1 error.\n")).toBe(
      "src/a.py:12:34: E501 Line too long (101 > 100)",
    );
  });
});
