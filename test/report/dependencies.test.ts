/** The image's distributions against the tested ones: what counts as a difference, and how it reads. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  compareDistributions,
  imageInstalls,
  notTheSyncedPython,
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
describe.skipIf(!python.ok)("dagger/scripts/list_distributions.py on a real interpreter", () => {
  it("prints the version, then sorted, normalized name==version lines the parser reads", () => {
    if (!python.ok) return;
    const script = join(import.meta.dirname, "../../dagger/scripts/list_distributions.py");
    const run = spawnSync(python.command, [script], { encoding: "utf8" });
    expect(run.status, run.stderr).toBe(0);
    const parsed = parseListing(run.stdout, "the host");
    expect(parsed.python).toMatch(/^3\.\d+$/);
    const lines = run.stdout.trim().split("\n").slice(1);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines).toEqual([...lines].sort());
    for (const name of parsed.distributions.keys()) expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

describe("imageInstalls: the extras a Dockerfile installs, or why its image cannot be compared", () => {
  const read = (path: string) => readFileSync(join(import.meta.dirname, "../..", path), "utf8");

  it.each([
    // uv sync --locked --no-dev --no-editable, across continuation lines, in both branches of an if
    ["Dockerfile", []],
    // uv sync --frozen --no-cache
    ["test/fixtures/projects/uv-fastapi-example/Dockerfile", []],
    ["test/fixtures/projects/full-stack-fastapi-template/workspace/backend/Dockerfile", []],
  ])("%s installs no extras", (path, extras) => {
    expect(imageInstalls(read(path))).toEqual({ extras });
  });

  it("reads uv's --extra and --all-extras, and pip's .[a,b]", () => {
    expect(imageInstalls("RUN uv sync --locked --extra postgres \\\n    --extra=redis --no-dev\n")).toEqual({
      extras: ["postgres", "redis"],
    });
    expect(imageInstalls("RUN uv sync --all-extras --extra x\n")).toEqual({ extras: ["*"] });
    expect(imageInstalls("run pip install --no-deps '.[api, cli]'\n")).toEqual({ extras: ["api", "cli"] });
    // spacing, CRLF line ends, an indented RUN, a continuation without indentation, extras sorted
    expect(imageInstalls("  RUN uv  sync --extra  a --all-extras\r\n")).toEqual({ extras: ["*"] });
    expect(imageInstalls("RUN uv  sync --extra  z\r\nRUN pip  install '.[b,,a]'\r\n")).toEqual({
      extras: ["a", "b", "z"],
    });
    expect(imageInstalls("RUN uv sync \\\n--extra=c\n")).toEqual({ extras: ["c"] });
    expect(imageInstalls("FROM x\nRUN uv sync --extra a\\\n--extra b\n")).toEqual({ extras: ["a", "b"] });
    // a flag of another command on the same line is not uv's
    expect(imageInstalls("RUN uv sync --locked && tool --extra x --all-extras\n")).toEqual({ extras: [] });
    // a comment or an ENV line is no install
    expect(imageInstalls("# RUN uv sync --extra x\nENV X='uv sync --extra y'\n")).toEqual({ extras: [] });
  });

  it("names an install from a URL, which no lock describes", () => {
    expect(imageInstalls("RUN pip install git+https://github.com/o/r@main\n")).toEqual({
      extras: [],
      cannotCompare: "the image installs from a URL (git+https://github.com/o/r@main)",
    });
    expect(imageInstalls("RUN pip install http://example.com/app.whl\n").cannotCompare).toBe(
      "the image installs from a URL (http://example.com/app.whl)",
    );
    // a package whose name merely contains "git+" is not a URL install
    expect(imageInstalls("RUN pip install mygit+x\n")).toEqual({ extras: [] });
    expect(
      imageInstalls("RUN pip install --no-cache-dir 'https://example.com/app.whl'\n").cannotCompare,
    ).toBe("the image installs from a URL (https://example.com/app.whl)");
  });
});

describe("notTheSyncedPython", () => {
  it("names an image whose python holds none of the project's distributions", () => {
    expect(
      notTheSyncedPython(listing("3.12\npip==25.0"), listing("3.12\nfastapi==0.115.0\napp==0.1.0")),
    ).toBe(
      "the image's python holds none of the 2 distributions of the project's environment: it is not the environment the Dockerfile installed into (is its venv on PATH?)",
    );
  });

  it("does not count pip or setuptools as shared, and compares when any one of several is", () => {
    expect(notTheSyncedPython(listing("3.12\npip==25.0"), listing("3.12\npip==25.0\napp==0.1.0"))).toMatch(
      /^the image's python holds none of the 1 distributions/,
    );
    expect(
      notTheSyncedPython(listing("3.12\napp==0.1.0"), listing("3.12\napp==0.1.0\nfastapi==0.115.0")),
    ).toBeUndefined();
    const long = `git+https://example.com/${"x".repeat(200)}`;
    expect(imageInstalls(`RUN pip install ${long}\n`).cannotCompare).toBe(
      `the image installs from a URL (${long.slice(0, 120)})`,
    );
  });

  it("compares when one distribution is shared, or when the project has none", () => {
    expect(
      notTheSyncedPython(listing("3.12\nfastapi==0.110.0"), listing("3.12\nfastapi==0.115.0")),
    ).toBeUndefined();
    expect(notTheSyncedPython(listing("3.12\npip==25.0"), listing("3.12\npip==24.0"))).toBeUndefined();
  });
});
