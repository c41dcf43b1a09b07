/** Bad input is refused with the bad value and the expected form, before any container starts. */
import { describe, expect, it } from "vitest";
import { TRIVY_IMAGE } from "../../dagger/src/settings/pins.js";
import {
  appName,
  imageSource,
  inApp,
  parseAppPath,
  parseCommand,
  parseDiffThreshold,
  parseExtras,
  parseGroups,
  parsePlatforms,
  parsePythonVersions,
  parseSeverities,
  parseSeverity,
  parseThreshold,
} from "../../dagger/src/settings/validate.js";
import { syncFlags } from "../../dagger/src/stages/python.js";

describe("input validation", () => {
  it("accepts the supported Python versions, trimmed and deduplicated", () => {
    expect(parsePythonVersions(["3.12", " 3.14t ", "3.12"])).toEqual(["3.12", "3.14t"]);
  });

  it.each([["3.9"], ["3.15"], ["python3.12"], ["3.12.1"], ["latest"], [""]])("rejects Python %j", (v) => {
    expect(() => parsePythonVersions([v])).toThrow(
      `Unknown Python version '${v}'. Expected one of: 3.10, 3.11, 3.12, 3.13, 3.14, 3.14t.`,
    );
  });

  it("rejects an empty matrix", () => {
    expect(() => parsePythonVersions([])).toThrow("No Python versions given");
  });

  it.each([0, 90, 100, 87.5])("accepts threshold %d", (t) => {
    expect(parseThreshold(t)).toBe(t);
  });

  it.each([-1, 100.1, Number.NaN, Number.POSITIVE_INFINITY])("rejects threshold %d", (t) => {
    expect(() => parseThreshold(t)).toThrow(
      `Invalid coverage threshold '${t}'. Expected a number from 0 to 100, e.g. 90.`,
    );
  });

  it("normalizes severities and rejects unknown ones", () => {
    expect(parseSeverity(" high ", "--fail-on")).toBe("HIGH");
    expect(parseSeverity("", "--fail-on")).toBeUndefined();
    expect(parseSeverity("none", "--fail-on")).toBeUndefined();
    expect(() => parseSeverity("severe", "--fail-on")).toThrow(
      "Invalid --fail-on 'severe'. Expected one of: UNKNOWN, LOW, MEDIUM, HIGH, CRITICAL (or none).",
    );
    expect(parseSeverities(["critical", "HIGH", "high"])).toEqual(["CRITICAL", "HIGH"]);
    expect(parseSeverities([])).toEqual(["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]);
    expect(() => parseSeverities(["bad"])).toThrow("Invalid --severities 'bad'");
  });

  it("accepts the two image platforms only", () => {
    expect(parsePlatforms(["linux/amd64", "linux/arm64", "linux/amd64"])).toEqual([
      "linux/amd64",
      "linux/arm64",
    ]);
    expect(() => parsePlatforms(["windows/amd64"])).toThrow("Unsupported platform 'windows/amd64'");
  });

  it.each([["sample-app"], ["services/api"], ["sample-app/"]])("accepts app folder %j", (app) => {
    expect(parseAppPath(app)).toBe(app.replace(/\/$/, ""));
  });

  it.each([["../elsewhere"], ["/etc"], [""], ["a//b"], ["a b"], ["a/../b"]])(
    "rejects app folder %j",
    (app) => {
      expect(() => parseAppPath(app)).toThrow(`Invalid app folder '${app}'`);
    },
  );

  it("splits the smoke command as a shell quotes it, and refuses what only a shell could run", () => {
    expect(parseCommand(" python  -m sample_app 2 3 ")).toEqual(["python", "-m", "sample_app", "2", "3"]);
    expect(parseCommand(`python -c "import app; print('ok')"`)).toEqual([
      "python",
      "-c",
      "import app; print('ok')",
    ]);
    expect(parseCommand("app --greeting 'hello world' ''")).toEqual(["app", "--greeting", "hello world", ""]);
    for (const [bad, what] of [
      ["echo 5; rm -rf /", "';'"],
      ["echo $HOME", "'$HOME'"],
      ["a | b", "'|'"],
      ["a && b", "'&&'"],
      ["python -c print(5)", "'('"],
      ["ls *.py", "the pattern '*.py'"],
      ["app > out.txt", "'>'"],
      ["app # note", "a comment"],
    ]) {
      expect(() => parseCommand(bad as string), bad).toThrow(
        `Unsupported smoke command '${bad}': ${what} needs a shell, and the command runs without one. Expected a command and its arguments, quoted as in a shell, e.g. python -c "import app".`,
      );
    }
    expect(() => parseCommand("   ")).toThrow("Empty smoke command");
  });

  it("never pins the Trivy release named in the supply-chain advisory", () => {
    expect(TRIVY_IMAGE).not.toMatch(/0\.69\.4/);
    expect(TRIVY_IMAGE).toMatch(/^aquasec\/trivy:\d+\.\d+\.\d+@sha256:[0-9a-f]{64}$/);
  });
});

describe("an app at the repository root (--app .)", () => {
  it("names its files without a folder, and its unpushed image 'app'", () => {
    expect(inApp(".", "pyproject.toml")).toBe("pyproject.toml");
    expect(inApp("services/api", "uv.lock")).toBe("services/api/uv.lock");
    expect(appName(".")).toBe("app");
    expect(appName("services/api")).toBe("api");
    expect(appName("Sample_App")).toBe("app");
    expect(appName("services/myApi")).toBe("app");
    expect(parseAppPath(".")).toBe(".");
  });
});

describe("flags checked before any container starts", () => {
  it("--diff-threshold: 0 is off, 0 to 100 is a gate, anything else is refused with the form", () => {
    expect(parseDiffThreshold(0)).toBeUndefined();
    expect(parseDiffThreshold(0.5)).toBe(0.5);
    expect(parseDiffThreshold(100)).toBe(100);
    for (const bad of [-0.1, 100.1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => parseDiffThreshold(bad)).toThrow(
        `Invalid --diff-threshold '${bad}'. Expected a number from 0 to 100, e.g. 80 (0, the default, only reports).`,
      );
    }
  });

  it("--severities none is every severity, as an empty list is", () => {
    expect(parseSeverities(["none"])).toEqual(["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"]);
  });

  it("--groups: PEP 735 names once; anything else refused, quoting at most 80 characters", () => {
    expect(parseGroups(["testing", "a", "a.b-c_d", "testing"])).toEqual(["testing", "a", "a.b-c_d"]);
    for (const bad of ["-x", "x-", "a b", "", "x".repeat(65)]) {
      expect(() => parseGroups([bad])).toThrow(`Invalid dependency group '${bad.slice(0, 80)}'.`);
    }
    expect(() => parseGroups(["$".repeat(100)])).toThrow(`Invalid dependency group '${"$".repeat(80)}'.`);
  });

  it("--extras: names anchored at both ends, quoting at most 80 characters", () => {
    for (const bad of ["-pg", "pg-", "p g"])
      expect(() => parseExtras([bad])).toThrow(`Invalid extra '${bad}'.`);
    expect(() => parseExtras(["$".repeat(100)])).toThrow(`Invalid extra '${"$".repeat(80)}'.`);
  });

  it("--dockerfile and --build-context: the context defaults to the Dockerfile's folder and must hold it", () => {
    expect(imageSource("Dockerfile", "")).toEqual({ dockerfile: "Dockerfile", context: "." });
    expect(imageSource("svc/api/Dockerfile", "")).toEqual({
      dockerfile: "svc/api/Dockerfile",
      context: "svc/api",
    });
    expect(imageSource("svc/api/Dockerfile", "svc")).toEqual({
      dockerfile: "svc/api/Dockerfile",
      context: "svc",
    });
    expect(imageSource("svc/Dockerfile", ".")).toEqual({ dockerfile: "svc/Dockerfile", context: "." });
    expect(() => imageSource("other/Dockerfile", "svc")).toThrow(
      "The Dockerfile 'other/Dockerfile' is outside its build context 'svc'. Expected a --build-context that holds it, e.g. other.",
    );
    expect(() => imageSource("Dockerfile", "svc")).toThrow("e.g. .");
  });

  it("names an unpushed image after the app folder's last part", () => {
    expect(appName("x/y/z")).toBe("z");
    expect(appName("x/Bad Name")).toBe("app");
  });
});

describe("parseExtras", () => {
  it("keeps extra names once, and * (all of them) alone", () => {
    expect(parseExtras(["postgres", "redis", "postgres"])).toEqual(["postgres", "redis"]);
    expect(parseExtras(["postgres", "*"])).toEqual(["*"]);
    expect(parseExtras([])).toEqual([]);
  });

  it("refuses what is no extra name, naming it and the form", () => {
    expect(() => parseExtras(["pg; rm -rf /"])).toThrow(
      "Invalid extra 'pg; rm -rf /'. Expected an extra from the project's [project.optional-dependencies], e.g. postgres, or * for all of them.",
    );
  });
});

describe("syncFlags: what every Python stage adds to uv sync (lib.sh adds --locked: test/scripts)", () => {
  it("adds nothing for the default groups", () => {
    expect(syncFlags()).toBe("");
  });

  it("names a workspace member, the groups and extras asked for, then the stage's own flags", () => {
    expect(
      syncFlags({ root: ".", member: "api", groups: ["testing"], extras: ["postgres"] }, ["--no-dev"]),
    ).toBe("--package api --group testing --extra postgres --no-dev");
    expect(syncFlags({ root: "services", member: "api", groups: [], extras: ["*"] })).toBe(
      "--package api --all-extras",
    );
  });
});
