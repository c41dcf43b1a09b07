/**
 * The module's entry object loads in plain Node with the real SDK (its decorators run at import, as in the
 * engine) and refuses bad settings in its constructor: `dagger call --threshold 101 ci` fails before any
 * container starts.
 */
import type { Directory } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { Pipeline } from "../../dagger/src/index.js";

const source = {} as Directory;
/** The constructor's settings by name, passed in its own order (test/module/golden/surface.json). */
const make = (overrides: Partial<Record<string, unknown>> = {}) => {
  const a: Record<string, unknown> = {
    app: "sample-app",
    pythonVersions: ["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"],
    threshold: 90,
    registry: "ghcr.io",
    dockerfile: "Dockerfile",
    buildContext: "",
    smokeCommand: "python -m sample_app 2 3",
    smokeExpect: "5",
    services: [],
    groups: [],
    severities: [],
    platforms: [],
    repository: "",
    ...overrides,
  };
  return new Pipeline(
    source,
    undefined,
    a.app as string,
    (a.apps ?? []) as string[],
    (a.shared ?? []) as string[],
    a.pythonVersions as string[],
    a.threshold as number,
    a.registry as string,
    a.dockerfile as string,
    a.buildContext as string,
    a.smokeCommand as string,
    a.smokeExpect as string,
    a.services as string[],
    (a.env ?? []) as string[],
    undefined,
    a.groups as string[],
    (a.extras ?? []) as string[],
    a.severities as never[],
    a.platforms as never[],
    a.repository as string,
  );
};

describe("Pipeline constructor", () => {
  it("keeps validated settings", () => {
    const p = make({ app: "sample-app/", pythonVersions: ["3.12", "3.12", "3.14t"] });
    expect(p.app).toBe("sample-app");
    expect(p.pythonVersions).toEqual(["3.12", "3.14t"]);
    expect(p.threshold).toBe(90);
  });

  it.each([
    [{ pythonVersions: ["3.9"] }, "Unknown Python version '3.9'"],
    [{ threshold: 101 }, "Invalid coverage threshold '101'"],
    [{ threshold: -5 }, "Invalid coverage threshold '-5'"],
    [{ app: "../outside" }, "Invalid app folder '../outside'"],
    [{ smokeCommand: "echo 5 | cat" }, "Unsupported smoke command 'echo 5 | cat': '|' needs a shell"],
    [{ repository: "nope" }, "Invalid repository 'nope'"],
    [{ groups: ["test; rm -rf /"] }, "Invalid dependency group 'test; rm -rf /'"],
    [{ services: ["mysql"] }, "Unknown service 'mysql' in --services"],
    [{ severities: ["SEVERE"] }, "Invalid --severities 'SEVERE'"],
    [{ platforms: ["linux/s390x"] }, "Unsupported platform 'linux/s390x'"],
  ])("refuses %j", (overrides, message) => {
    expect(() => make(overrides)).toThrow(message);
  });

  it("refuses a wrong Python version for a single test run before starting anything", async () => {
    await expect(make().test("2.7")).rejects.toThrow("Unknown Python version '2.7'");
  });

  it("refuses bad ci flags before starting anything", async () => {
    await expect(make().ci(true)).rejects.toThrow(
      "--publish needs the GitHub repository. Expected --repository OWNER/REPO",
    );
    await expect(make().ci(true, true)).rejects.toThrow("--publish and --rehearse exclude each other");
  });

  it("refuses deploy and publish without a repository, naming the flag, before starting anything", async () => {
    await expect(make().deploy("main")).rejects.toThrow(
      "deploy needs the GitHub repository, and no .git/config was found in the source. Expected --repository OWNER/REPO",
    );
    await expect(make().publish("main")).rejects.toThrow("publish needs the GitHub repository");
  });
});
