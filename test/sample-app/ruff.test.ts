/**
 * ruff on the sample app, through ruff's WebAssembly build (same version as the `ruff==0.17.4` the pipeline
 * runs), configured from the `[tool.ruff]` table of sample-app/pyproject.toml.
 *
 * The WebAssembly `Workspace` takes the settings as an object (the same schema as `[tool.ruff]`, validated:
 * an unknown key or rule selector throws) and checks text, not files. So it cannot match per-file-ignores
 * against a path itself: this suite does that matching and adds the matching codes to `lint.ignore` for
 * that file, which is what ruff does for a file matched by a per-file-ignores pattern.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Diagnostic, PositionEncoding, Workspace } from "@astral-sh/ruff-wasm-nodejs";
import { parse, type TomlTable, type TomlValue } from "smol-toml";
import { describe, expect, it } from "vitest";
import { RUFF_VERSION } from "../../dagger/src/settings/pins.js";
import { pythonFiles, SAMPLE_APP } from "../helpers/python";
import { isTable, tableAt } from "../helpers/toml-table";

const pyproject = parse(readFileSync(join(SAMPLE_APP, "pyproject.toml"), "utf8"));

function ruffTable(): TomlTable {
  const table = tableAt(pyproject, "tool", "ruff");
  if (!table) throw new Error("sample-app/pyproject.toml has no [tool.ruff] table");
  return structuredClone(table);
}

function stringList(value: TomlValue | undefined, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === "string")) {
    throw new Error(`${what} must be a list of strings`);
  }
  return value as string[];
}

/** A ruff glob (as in per-file-ignores) as a RegExp over `/`-separated paths relative to the project. */
function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i += 1) {
    const c = glob[i] as string;
    if (glob.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (c === "*") source += "[^/]*";
    else if (c === "?") source += "[^/]";
    else source += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

/** Codes ignored for `file` by `[tool.ruff.lint.per-file-ignores]` (a pattern without `/` matches the base name). */
function perFileIgnores(lint: TomlTable, file: string): string[] {
  const table = lint["per-file-ignores"];
  if (table === undefined) return [];
  if (!isTable(table)) throw new Error("per-file-ignores must be a table");
  const base = file.split("/").pop() ?? file;
  return Object.entries(table).flatMap(([pattern, codes]) => {
    const target = pattern.includes("/") ? file : base;
    return globToRegExp(pattern).test(target) ? stringList(codes, `per-file-ignores["${pattern}"]`) : [];
  });
}

/** A Workspace with the project's settings, as they apply to `file`. */
function workspaceFor(file: string, settings: TomlTable = ruffTable()): Workspace {
  const lint = tableAt(settings, "lint") ?? {};
  const extra = perFileIgnores(lint, file);
  const { "per-file-ignores": _matchedHere, ...rest } = lint;
  const options = {
    ...settings,
    lint: { ...rest, ignore: [...stringList(lint.ignore, "ignore"), ...extra] },
  };
  return new Workspace(options, PositionEncoding.Utf16);
}

function describeDiagnostics(file: string, diagnostics: Diagnostic[]): string[] {
  return diagnostics.map(
    (d) => `${file}:${d.start_location.row}:${d.start_location.column}: ${d.code ?? "syntax"} ${d.message}`,
  );
}

describe("ruff on sample-app (WebAssembly build)", () => {
  const files = pythonFiles();

  it(`is ruff ${RUFF_VERSION}, the version the dev dependency group pins`, () => {
    expect(Workspace.version()).toBe(RUFF_VERSION);
    const dev = stringList(tableAt(pyproject, "dependency-groups")?.dev, "dependency-groups.dev");
    expect(dev).toContain(`ruff==${RUFF_VERSION}`);
  });

  it("finds the package, its entry point and the tests", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        "src/sample_app/__init__.py",
        "src/sample_app/__main__.py",
        "src/sample_app/cli.py",
        "tests/test_cli.py",
      ]),
    );
  });

  it("reads a configuration worth having from [tool.ruff]", () => {
    const settings = ruffTable();
    expect(settings["target-version"]).toBe("py310");
    expect(typeof settings["line-length"]).toBe("number");
    const select = stringList(tableAt(settings, "lint")?.select, "lint.select");
    for (const family of ["E", "W", "F", "I", "B", "UP", "SIM", "RUF", "PL", "PT", "N", "S", "C4"]) {
      expect(select, family).toContain(family);
    }
    expect(perFileIgnores(tableAt(settings, "lint") ?? {}, "tests/test_cli.py")).toContain("S101");
    expect(perFileIgnores(tableAt(settings, "lint") ?? {}, "src/sample_app/cli.py")).not.toContain("S101");
  });

  it.each(pythonFiles())("ruff check: %s has no diagnostics", (file) => {
    const text = readFileSync(join(SAMPLE_APP, file), "utf8");
    const diagnostics = workspaceFor(file).check(text) as Diagnostic[];
    expect(describeDiagnostics(file, diagnostics)).toEqual([]);
  });

  it.each(pythonFiles())("ruff format --check: %s is already formatted", (file) => {
    const text = readFileSync(join(SAMPLE_APP, file), "utf8");
    expect(workspaceFor(file).format(text)).toBe(text);
  });
});

describe("the ruff configuration is honoured (each check can fail)", () => {
  const codes = (file: string, source: string): (string | null)[] =>
    (workspaceFor(file).check(source) as Diagnostic[]).map((d) => d.code);

  it.each([
    ["B006 (bugbear, not in ruff's defaults)", "def f(x=[]):\n    return x\n", "B006"],
    ["UP006 (pyupgrade to the py310 target)", "from typing import List\n\nx: List[int] = []\n", "UP006"],
    ["S307 (bandit)", 'eval("1")\n', "S307"],
    ["PLR2004 (pylint magic value)", "def f(x: int) -> bool:\n    return x == 1234\n", "PLR2004"],
    ["N802 (pep8-naming)", "def BadName() -> None:\n    pass\n", "N802"],
    ["C416 (comprehensions)", "x = [a for a in range(3)]\n", "C416"],
  ])("reports %s in source files", (_name, source, code) => {
    expect(codes("src/sample_app/example.py", `"""Module."""\n\n${source}`)).toContain(code);
  });

  it("ignores S101 (assert) under tests/ only, as per-file-ignores says", () => {
    const source = "def test_one():\n    assert 1 + 1 == 2\n";
    expect(codes("src/sample_app/example.py", source)).toContain("S101");
    expect(codes("tests/test_example.py", source)).not.toContain("S101");
  });

  it("sorts sample_app as first-party, in its own import section", () => {
    const oneBlock =
      "import pytest\nfrom sample_app import __version__\n\nassert pytest\nassert __version__\n";
    expect(codes("tests/test_example.py", oneBlock)).toContain("I001");
    const twoBlocks = oneBlock.replace("import pytest\n", "import pytest\n\n");
    expect(codes("tests/test_example.py", twoBlocks)).not.toContain("I001");
  });

  it("checks formatting with the configured line length", () => {
    const settings = ruffTable();
    const width = settings["line-length"] as number;
    const call = (n: number) => `result = some_function(${"a".repeat(n)}, ${"b".repeat(n)})\n`;
    // A call exactly as wide as the limit stays on one line; one character wider is wrapped.
    const fits = call((width - "result = some_function(, )".length) / 2);
    expect(fits.trimEnd().length).toBe(width);
    expect(workspaceFor("src/sample_app/example.py").format(fits)).toBe(fits);
    const tooWide = fits.replace("a,", "aa,");
    expect(workspaceFor("src/sample_app/example.py").format(tooWide)).not.toBe(tooWide);
  });

  it("rejects settings ruff does not know (so a typo in [tool.ruff] cannot pass silently)", () => {
    expect(() => new Workspace({ "line-lenght": 100 }, PositionEncoding.Utf16)).toThrow(/unknown field/);
    expect(() => new Workspace({ lint: { select: ["NOPE"] } }, PositionEncoding.Utf16)).toThrow(/NOPE/);
  });

  it.each([
    ["tests/**/*.py", "tests/test_cli.py", true],
    ["tests/**/*.py", "tests/unit/test_cli.py", true],
    ["tests/**/*.py", "src/tests/test_cli.py", false],
    ["tests/*", "tests/test_cli.py", true],
    ["__init__.py", "__init__.py", true],
    ["*.py", "x.pyc", false],
  ])("glob %s matches %s: %s", (glob, path, matches) => {
    expect(globToRegExp(glob).test(path)).toBe(matches);
  });
});
