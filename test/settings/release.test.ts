import fc from "fast-check";
import { describe, expect, it } from "vitest";
// PEP 440's order, from the module's own copy of the library it uses
import { compare } from "../../dagger/node_modules/@renovatebot/pep440/index.js";
import {
  checkAppVersion,
  parseRelease,
  releaseTags,
  requirePublishInputs,
  versionToRead,
} from "../../dagger/src/settings/release.js";
import { branchTag, OCI_TAG } from "../../dagger/src/settings/tags.js";

describe("parseRelease", () => {
  it.each([
    ["v1.2.3", "1.2.3", true],
    ["1.2.3", "1.2.3", true],
    ["v1.3.0rc1", "1.3.0rc1", false],
    ["v1.3.0-rc.1", "1.3.0rc1", false],
    ["V2.0.0RC2", "2.0.0rc2", false],
    ["v1.02.3", "1.2.3", true],
    ["v1.2.3a1", "1.2.3a1", false],
    ["v1.2.3-beta.2", "1.2.3b2", false],
    ["v1.2.3.dev4", "1.2.3.dev4", false],
    // as metadata-action's type=pep440 (src/meta.ts at v6.2.0): a post-release moves nothing either
    ["v1.2.3.post1", "1.2.3.post1", false],
    ["v1.2.3-1", "1.2.3.post1", false],
  ])("%s is version %s (final: %s)", (tag, version, final) => {
    expect(parseRelease(tag)).toMatchObject({ tag, version, final });
  });

  it.each([
    "v1.2",
    "v1",
    "v1.2.3.4",
    "1!1.2.3",
    "v1.2.3+local",
    "release-1.2.3",
    "main",
    "",
    "v1.2.3 ",
    `v1.2.3${"0".repeat(120)}`,
  ])("refuses %j, naming it and the expected form", (tag) => {
    expect(() => parseRelease(tag)).toThrow(
      /^Invalid release tag '.*'\. Expected vX\.Y\.Z as PEP 440 reads it, optionally a pre-release, e\.g\. v1\.2\.3 or v1\.3\.0rc1\.$/,
    );
  });
});

describe("releaseTags", () => {
  const tags = (tag: string, existing: string[]) => releaseTags(parseRelease(tag), existing);

  it("a first release writes its version, X.Y, X and latest", () => {
    expect(tags("v1.2.3", [])).toEqual({ tags: ["1.2.3", "1.2", "1", "latest"], held: [] });
  });

  it("a patch pushed after a newer minor moves only its own X.Y", () => {
    expect(tags("v1.2.4", ["v1.2.3", "v1.3.0", "v1.2.4"])).toEqual({
      tags: ["1.2.4", "1.2"],
      held: ["'1' not moved: 1.3.0 (v1.3.0) is newer", "'latest' not moved: 1.3.0 (v1.3.0) is newer"],
    });
  });

  it("an older patch of a minor moves nothing: 1.2, 1 and latest stay on the newer patch", () => {
    expect(tags("v1.2.3", ["v1.2.4"])).toEqual({
      tags: ["1.2.3"],
      held: [
        "'1.2' not moved: 1.2.4 (v1.2.4) is newer",
        "'1' not moved: 1.2.4 (v1.2.4) is newer",
        "'latest' not moved: 1.2.4 (v1.2.4) is newer",
      ],
    });
    // the newest that holds a tag is named, whatever the order the repository lists its tags in
    expect(tags("v1.0.0", ["v1.1.0", "v1.3.0", "v1.2.0"]).held[0]).toBe(
      "'1' not moved: 1.3.0 (v1.3.0) is newer",
    );
    expect(tags("v2.0.0", ["v1.9.9"]).tags).toEqual(["2.0.0", "2.0", "2", "latest"]);
  });

  it("a release of another major or minor holds nothing of this one's range", () => {
    expect(tags("v1.2.4", ["v2.2.5", "v0.2.9"])).toEqual({
      tags: ["1.2.4", "1.2", "1"],
      held: ["'latest' not moved: 2.2.5 (v2.2.5) is newer"],
    });
  });

  it("names an invalid tag whole up to 80 characters, and cut after", () => {
    const eighty = `v${"x".repeat(79)}`;
    expect(() => parseRelease(eighty)).toThrow(`Invalid release tag '${eighty}'. Expected`);
    expect(() => checkAppVersion(parseRelease("v1.2.3"), "9".repeat(100), "p")).toThrow(
      `but the app's version is '${"9".repeat(80)}' (p)`,
    );
  });

  it("refuses a tag git would not have: a leading blank or sign, past 100 characters", () => {
    for (const tag of [" v1.2.3", "-v1.2.3", "v1.2.3\n", `v1.2.${"1".repeat(100)}`]) {
      expect(() => parseRelease(tag), JSON.stringify(tag)).toThrow("Invalid release tag");
    }
    expect(() => parseRelease(`v1.2.${"1".repeat(200)}`)).toThrow(
      `Invalid release tag 'v1.2.${"1".repeat(75)}…'.`,
    );
    // numbers past 2^53 lose digits in the PEP 440 library: refused rather than tagged wrong
    for (const tag of [
      `v1.2.${"1".repeat(90)}`,
      "v1.2.3rc99999999999999999999",
      "v1.2.3.post99999999999999999",
    ]) {
      expect(() => parseRelease(tag), tag).toThrow("Invalid release tag");
    }
    expect(parseRelease("v1.2.999999999999999").version).toBe("1.2.999999999999999");
  });

  it("a pre-release writes only its exact tag, and an existing pre-release holds nothing back", () => {
    expect(tags("v1.3.0rc1", [])).toEqual({
      tags: ["1.3.0rc1"],
      held: ["1.3.0rc1 is a pre-release: X.Y, X and latest not moved"],
    });
    expect(tags("v1.2.5", ["v1.3.0rc1", "v2.0.0.dev1", "not-a-version", "v9"]).tags).toEqual([
      "1.2.5",
      "1.2",
      "1",
      "latest",
    ]);
  });

  it("a final release after its own pre-release moves everything", () => {
    expect(tags("v1.3.0", ["v1.3.0rc1", "v1.2.9"]).tags).toEqual(["1.3.0", "1.3", "1", "latest"]);
  });

  it("a post-release writes only its exact tag, and says why", () => {
    expect(tags("v1.3.0.post1", ["v1.3.0"])).toEqual({
      tags: ["1.3.0.post1"],
      held: ["1.3.0.post1 is a post-release: X.Y, X and latest not moved"],
    });
  });

  // Versions as people tag them: any prefix case, PEP 440's separators and spellings of pre-releases.
  const version = fc.record({
    v: fc.constantFrom("v", "V", ""),
    // small numbers, so releases of one X and one X.Y meet often
    release: fc.tuple(fc.nat(3), fc.nat(3), fc.nat(3)),
    pre: fc.option(
      fc.tuple(
        fc.constantFrom("a", "b", "rc", "alpha", "beta", "c", "RC"),
        fc.constantFrom("", ".", "-"),
        fc.nat(3),
      ),
      { nil: undefined },
    ),
    post: fc.option(fc.nat(2), { nil: undefined }),
    dev: fc.option(fc.nat(2), { nil: undefined }),
  });
  const spell = (g: typeof version extends fc.Arbitrary<infer T> ? T : never) =>
    `${g.v}${g.release.join(".")}${g.pre ? `${g.pre[1]}${g.pre[0]}${g.pre[2]}` : ""}${g.post !== undefined ? `.post${g.post}` : ""}${g.dev !== undefined ? `.dev${g.dev}` : ""}`;
  const gitTag = version.map(spell);

  it("maps every version to valid image tags: the exact one, and moving ones only for a final release", () => {
    fc.assert(
      fc.property(gitTag, fc.array(gitTag, { maxLength: 8 }), (tag, existing) => {
        const release = parseRelease(tag);
        const out = releaseTags(release, existing).tags;
        expect(out[0]).toBe(release.version);
        for (const t of out) expect(t).toMatch(OCI_TAG);
        if (!release.final) expect(out).toEqual([release.version]);
        expect(out.slice(1)).toEqual(
          ["latest", `${release.major}`, `${release.major}.${release.minor}`]
            .filter((t) => out.includes(t))
            .reverse(),
        );
      }),
      { numRuns: 2000 },
    );
  });

  it("no two releases write one exact tag, and no exact tag is a moving tag or a branch's", () => {
    fc.assert(
      fc.property(gitTag, gitTag, fc.string({ maxLength: 40 }), (a, b, branch) => {
        const [ra, rb] = [parseRelease(a), parseRelease(b)];
        if (ra.version === rb.version) {
          // the same version spelled twice: PEP 440 calls them equal
          expect(releaseTags(ra, []).tags).toEqual(releaseTags(rb, []).tags);
          return;
        }
        const exact = releaseTags(ra, [])?.tags[0];
        expect(releaseTags(rb, [a]).tags).not.toContain(exact);
        expect(branchTag(branch)).not.toBe(exact);
      }),
      { numRuns: 3000 },
    );
  });

  it("pre-, dev- and post-releases never move latest, X or X.Y", () => {
    fc.assert(
      fc.property(gitTag, fc.array(gitTag, { maxLength: 8 }), (tag, existing) => {
        const release = parseRelease(tag);
        fc.pre(!release.final);
        expect(releaseTags(release, existing).tags).toEqual([release.version]);
      }),
      { numRuns: 1000 },
    );
  });

  it("moves forward only: in any push order, latest, X and X.Y end on the newest final release of their range", () => {
    fc.assert(
      fc.property(fc.uniqueArray(gitTag, { minLength: 1, maxLength: 10 }), (pushed) => {
        const registry = new Map<string, string>();
        const seen: string[] = [];
        for (const tag of pushed) {
          // the repository holds the tags pushed so far; CI runs each push in turn
          seen.push(tag);
          const release = parseRelease(tag);
          for (const t of releaseTags(release, seen).tags) registry.set(t, release.version);
        }
        const finals = pushed.map(parseRelease).filter((r) => r.final);
        const newest = (rs: typeof finals) =>
          rs
            .map((r) => r.version)
            .sort(compare)
            .at(-1);
        expect(registry.get("latest")).toBe(newest(finals));
        for (const r of finals) {
          expect(registry.get(`${r.major}`)).toBe(newest(finals.filter((f) => f.major === r.major)));
          expect(registry.get(`${r.major}.${r.minor}`)).toBe(
            newest(finals.filter((f) => f.major === r.major && f.minor === r.minor)),
          );
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe("versionToRead and requirePublishInputs", () => {
  const path = "app/pyproject.toml";
  const release = parseRelease("v1.2.3");

  it("checks a static version now, and hands a dynamic one to the engine by the project's name", () => {
    expect(versionToRead(release, { name: "app", version: "1.2.3" }, path)).toBeUndefined();
    expect(() => versionToRead(release, { name: "app", version: "1.2.2" }, path)).toThrow(
      "but the app's version is '1.2.2' (app/pyproject.toml)",
    );
    expect(versionToRead(release, { name: "my-app", dynamicVersion: true }, path)).toBe("my-app");
    // a static version wins over a stray dynamic entry: it is what the build reads
    expect(
      versionToRead(release, { name: "app", version: "1.2.3", dynamicVersion: true }, path),
    ).toBeUndefined();
  });

  it("refuses a project with no version, or a dynamic one without a name, saying what to add", () => {
    expect(() => versionToRead(release, { name: "app" }, path)).toThrow(
      `--release v1.2.3 needs the app's version, and app/pyproject.toml has no [project] version. Expected version = "1.2.3" in [project], or "version" in [project] dynamic with a name.`,
    );
    expect(() => versionToRead(release, { dynamicVersion: true }, path)).toThrow(
      "and app/pyproject.toml has a dynamic version but no [project] name.",
    );
  });

  it("a published release needs its commit and a token to read the tags", () => {
    expect(() => requirePublishInputs(undefined, "", undefined)).not.toThrow();
    expect(() => requirePublishInputs(release, "  ", "token")).toThrow(
      "--release v1.2.3 needs --sha, the tagged commit",
    );
    expect(() => requirePublishInputs(release, "3f2a9c1", undefined)).toThrow(
      "--release v1.2.3 needs --github-token",
    );
    expect(() => requirePublishInputs(release, "3f2a9c1", "token")).not.toThrow();
  });
});

describe("checkAppVersion", () => {
  it.each([
    ["v1.2.3", "1.2.3"],
    ["v1.3.0-rc.1", "1.3.0rc1"],
    ["v1.3.0rc1", "1.3.0-RC1"],
    ["v1.2.3", "1.2.3.0"],
  ])("%s matches the app's %s", (tag, app) => {
    expect(() => checkAppVersion(parseRelease(tag), app, "sample-app/pyproject.toml")).not.toThrow();
  });

  it("names both versions and where the app's comes from", () => {
    expect(() =>
      checkAppVersion(parseRelease("v1.2.3"), "1.2.2", "sample-app/pyproject.toml"),
    ).toThrowErrorMatchingInlineSnapshot(
      `[InputError: The release tag 'v1.2.3' is version 1.2.3, but the app's version is '1.2.2' (sample-app/pyproject.toml). Expected them equal: set the app's version to 1.2.3, or tag v1.2.2.]`,
    );
    expect(() => checkAppVersion(parseRelease("v1.2.3"), "1.2.3+local", "x")).toThrow(
      /'1\.2\.3\+local' \(x\)\. Expected them equal: set the app's version to 1\.2\.3\.$/,
    );
    expect(() => checkAppVersion(parseRelease("v1.2.3"), "not a version", "x")).toThrow(
      /'not a version' \(x\)\. Expected them equal: set the app's version to 1\.2\.3\.$/,
    );
  });
});
