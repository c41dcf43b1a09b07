/** The image's distributions against the tested ones: what counts as a difference, and how it reads. */
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  compareDistributions,
  LIST_DISTRIBUTIONS,
  parseListing,
} from "../../dagger/src/report/dependencies.js";
import { findPython } from "../helpers/python.js";

const listing = (text: string) => parseListing(text, "x");

describe("compareDistributions", () => {
  it("finds nothing when the image ships what was tested (pip and setuptools aside)", () => {
    expect(
      compareDistributions(listing("3.14\nsample-app==0.1.0\npip==25.0"), listing("3.14\nsample-app==0.1.0")),
    ).toEqual([]);
  });

  it("names every difference: a version, a package on one side only, the interpreter", () => {
    expect(
      compareDistributions(
        listing("3.14\nhttpx==0.28.1\nidna==3.10\nsample-app==0.1.0"),
        listing("3.13\nhttpx==0.27.0\nsample-app==0.1.0\nsniffio==1.3.1"),
      ),
    ).toEqual([
      "Python 3.14 in the image, 3.13 in the tests",
      "httpx: 0.28.1 in the image, 0.27.0 in the tests",
      "idna==3.10 is in the image, not in the tests",
      "sniffio==1.3.1 was tested, not in the image",
    ]);
  });

  it("reads output with blank lines and stray spaces, and lists differences by name whatever the order", () => {
    const image = listing("\n3.14 \r\n  zope==1.0  \n\nattrs==24.1\n");
    expect(image).toEqual({
      python: "3.14",
      distributions: new Map([
        ["zope", "1.0"],
        ["attrs", "24.1"],
      ]),
    });
    expect(compareDistributions(image, listing("3.14"))).toEqual([
      "attrs==24.1 is in the image, not in the tests",
      "zope==1.0 is in the image, not in the tests",
    ]);
  });

  it.each(["", "five\nx==1", "Python 3.14\nx==1", "3.14.1\nx==1", "3.14\nnot-a-pin"])(
    "refuses output it cannot read: %j",
    (text) => {
      expect(() => parseListing(text, "the image")).toThrow(
        "Cannot read the distributions installed in the image",
      );
    },
  );
});

const python = findPython();
describe.skipIf(!python.ok)("LIST_DISTRIBUTIONS on a real interpreter", () => {
  it("prints the version, then sorted, normalized name==version lines the parser reads", () => {
    if (!python.ok) return;
    const run = spawnSync(python.command, ["-c", LIST_DISTRIBUTIONS], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const parsed = parseListing(run.stdout, "the host");
    expect(parsed.python).toMatch(/^3\.\d+$/);
    const lines = run.stdout.trim().split("\n").slice(1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines).toEqual([...lines].sort());
    for (const name of parsed.distributions.keys()) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});
