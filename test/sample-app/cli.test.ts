/**
 * The sample app's command line run as a user runs it: `python3 -m sample_app ...` in a subprocess, from the
 * source tree (PYTHONPATH=sample-app/src), with the same interpreter choice as the pytest suite. Table-driven.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { findPython, SAMPLE_APP, sampleAppEnv } from "../helpers/python";

const USAGE = "usage: sample-app [-h] [--version] A B";

let python = "";

function run(args: string[]) {
  const result = spawnSync(python, ["-m", "sample_app", ...args], {
    encoding: "utf8",
    env: sampleAppEnv(),
    timeout: 30_000,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function packageVersion(): string {
  const init = readFileSync(join(SAMPLE_APP, "src", "sample_app", "__init__.py"), "utf8");
  const version = /^__version__ = "([^"]+)"$/m.exec(init)?.[1];
  if (!version) throw new Error("sample_app/__init__.py has no __version__");
  return version;
}

beforeAll(() => {
  const found = findPython();
  if (!found.ok) throw new Error(found.reason);
  python = found.command;
  console.log(`sample-app CLI: using ${found.command} (Python ${found.version})`);
});

describe("python -m sample_app: good input", () => {
  it.each([
    { args: ["2", "3"], out: "5", why: "integers print as integers" },
    { args: ["2.5", "3"], out: "5.5", why: "decimals print as decimals" },
    { args: ["-1", "2"], out: "1", why: "a negative first argument is a number, not an option" },
    { args: ["-1", "-2"], out: "-3", why: "two negatives" },
    {
      args: ["-1e3", "2"],
      out: "-998",
      why: "a negative exponent-form number (an option to argparse < 3.14)",
    },
    { args: ["0.1", "0.2"], out: "0.3", why: "exact decimal arithmetic, no binary float rounding" },
    { args: ["1e3", "0"], out: "1000", why: "exponent notation is read, the sum printed in plain notation" },
    { args: ["1.50", "1"], out: "2.50", why: "the decimal places given are kept" },
    { args: ["-0", "-0"], out: "0", why: "zero never prints a minus sign" },
    {
      args: ["99999999999999999999999999999999999999", "1"],
      out: "100000000000000000000000000000000000000",
      why: "big integers are exact",
    },
    {
      args: ["9".repeat(4300), "1"],
      out: `1${"0".repeat(4300)}`,
      why: "4300 digits is the limit, and exact",
    },
    { args: ["--", "-1", "2"], out: "1", why: "an explicit -- is honoured" },
  ])("$args -> $out ($why)", ({ args, out }) => {
    expect(run(args)).toEqual({ status: 0, stdout: `${out}\n`, stderr: "" });
  });

  it.each([["--help"], ["-h"], ["-1", "--help"]])("%s prints the help and exits 0", (...args) => {
    const result = run(args);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(result.stdout.startsWith(`${USAGE}\n`)).toBe(true);
    expect(result.stdout).toContain("Add two numbers");
    expect(result.stdout).toContain("--version");
  });

  it("--version prints the package version and exits 0", () => {
    expect(run(["--version"])).toEqual({ status: 0, stdout: `sample-app ${packageVersion()}\n`, stderr: "" });
  });
});

describe("python -m sample_app: bad input", () => {
  it.each([
    { args: ["abc", "1"], names: "'abc' is not a number" },
    { args: ["1", "abc"], names: "'abc' is not a number" },
    { args: ["-abc", "1"], names: "'-abc' is not a number" },
    { args: ["1_000", "1"], names: "'1_000' is not a number" },
    { args: ["0x10", "1"], names: "'0x10' is not a number" },
    { args: ["", "1"], names: "'' is not a number" },
    { args: ["\u0663", "1"], names: "'\u0663' is not a number" },
    { args: ["2"], names: "expected exactly 2 numbers, got 1: '2'" },
    { args: [], names: "expected exactly 2 numbers, got 0: none" },
    { args: ["1", "2", "3"], names: "expected exactly 2 numbers, got 3: '1', '2', '3'" },
    { args: ["nan", "1"], names: "'nan' is not a finite number" },
    { args: ["1", "NaN"], names: "'NaN' is not a finite number" },
    { args: ["inf", "1"], names: "'inf' is not a finite number" },
    { args: ["-inf", "1"], names: "'-inf' is not a finite number" },
    { args: ["1", "Infinity"], names: "'Infinity' is not a finite number" },
    { args: ["1e99999", "1"], names: "'1e99999' is too large or too precise (at most 4300 digits)" },
    { args: ["9".repeat(4301), "1"], names: "... (4301 characters) is too large" },
    { args: ["--verison", "1", "2"], names: "unrecognized arguments: --verison" },
    { args: ["a\nb", "1"], names: "'a\\nb' is not a number" },
  ])("$args: exit 2, usage and a one-line error naming it", ({ args, names }) => {
    const result = run(args);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).not.toContain("Traceback");
    const lines = result.stderr.split("\n");
    expect(lines).toHaveLength(3); // usage, error, and the empty string after the final newline
    expect(lines[0]).toBe(USAGE);
    expect(lines[1]).toMatch(/^sample-app: error: /);
    expect(lines[1]).toContain(names);
    expect(lines[2]).toBe("");
  });
});
