import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  branchTag,
  environmentFor,
  imageReference,
  OCI_TAG,
  parseRepository,
  shaTag,
} from "../dagger/src/tags.js";

const long = "a".repeat(300);

describe("branchTag", () => {
  it.each([
    ["main", "main"],
    ["develop", "develop"],
    ["feature/login", "feature-login"],
    ["refs/heads/feature/login", "feature-login"],
    ["refs/heads/main", "main"],
    // metadata-action keeps a '-' that was already there and turns '#' into another one
    ["banner-utils-test-#5", "banner-utils-test--5"],
    ["dependabot/npm_and_yarn/vite-5.0.1", "dependabot-npm_and_yarn-vite-5.0.1"],
    ["renovate/@types-node-20.x", "renovate-types-node-20.x"],
    // a run of invalid characters becomes ONE '-' (metadata-action's regex has '+')
    ["feature//x", "feature-x"],
    ["a / b", "a-b"],
    ["user/ÜMLAUT", "user-MLAUT"],
    ["fix/ça-marche", "fix-a-marche"],
    ["feat/🚀-launch", "feat--launch"],
    ["..hidden", "hidden"],
    ["-dash", "dash"],
    ["._-.x", "_-.x"],
    ["/leading-slash", "leading-slash"],
    ["trailing/", "trailing-"],
    ["v1.2.3", "v1.2.3"],
    ["UPPER_case", "UPPER_case"],
    ["refs/heads/refs/heads/x", "refs-heads-x"],
    ["refs/tags/v1", "refs-tags-v1"],
    [long, "a".repeat(128)],
    [`-${long}`, "a".repeat(128)],
  ])("%j -> %j", (branch, tag) => {
    expect(branchTag(branch)).toBe(tag);
  });

  it.each([
    ["", "branch-e3b0c44298fc"],
    ["#", "branch-334359b90efe"],
    ["🚀", "branch-ebbc0b2870eb"],
    ["..", "branch-5ec1f7e700f3"],
    ["refs/heads/", "branch-e3b0c44298fc"],
  ])("%j has nothing valid left: the fallback %j (sha256 of the name)", (branch, tag) => {
    expect(branchTag(branch)).toBe(tag);
    expect(tag).toMatch(OCI_TAG);
  });

  it("gives distinct fallbacks to distinct all-invalid names", () => {
    expect(new Set(["#", "##", "🚀", "ü", "", "-", "."].map(branchTag)).size).toBe(7);
  });

  it("cuts a 300-character name with invalid characters to 128, still valid", () => {
    const tag = branchTag(`feature/${"ü/x".repeat(100)}`);
    expect(tag).toHaveLength(128);
    expect(tag).toMatch(OCI_TAG);
    expect(tag.startsWith("feature-x-x-")).toBe(true);
  });

  const anyString = fc.string({ unit: "binary", maxLength: 400 });
  const branchy = fc.string({
    unit: fc.constantFrom(..."aZ09._-/#@ü🚀 \t".split("").concat(["🚀", "refs/heads/"])),
    maxLength: 200,
  });

  it("always yields a valid OCI tag of at most 128 characters (any unicode)", () => {
    for (const arb of [anyString, branchy]) {
      fc.assert(
        fc.property(arb, (s) => {
          const tag = branchTag(s);
          expect(tag).toMatch(OCI_TAG);
          expect(tag.length).toBeLessThanOrEqual(128);
        }),
        { numRuns: 2000 },
      );
    }
  });

  it("is deterministic and idempotent on its own output", () => {
    fc.assert(
      fc.property(fc.oneof(anyString, branchy), (s) => {
        expect(branchTag(s)).toBe(branchTag(s));
        expect(branchTag(branchTag(s))).toBe(branchTag(s));
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves an already-valid tag that does not start with '.' or '-' unchanged", () => {
    const validTag = fc.stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/);
    fc.assert(
      fc.property(validTag, (tag) => {
        expect(branchTag(tag)).toBe(tag);
      }),
      { numRuns: 2000 },
    );
  });
});

describe("shaTag", () => {
  it.each([
    ["3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f", "sha-3f2a9c1"],
    ["3F2A9C1D5E6B7A8F9E0D1C2B3A4F5E6D7C8B9A0F", "sha-3f2a9c1"],
    ["abcdef1", "sha-abcdef1"],
  ])("%s -> %s", (sha, tag) => {
    expect(shaTag(sha)).toBe(tag);
  });

  it.each(["", "abc", "xyz1234", "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f0", " 3f2a9c1"])(
    "rejects %j",
    (sha) => {
      expect(() => shaTag(sha)).toThrow(
        `Invalid commit SHA '${sha}'. Expected 7 to 40 hexadecimal characters`,
      );
    },
  );
});

describe("parseRepository", () => {
  it.each([
    ["octo-org/my-service", { owner: "octo-org", repo: "my-service" }],
    ["Octo-Org/My.Service_2", { owner: "Octo-Org", repo: "My.Service_2" }],
    ["a/.github", { owner: "a", repo: ".github" }],
    [`${"o".repeat(39)}/${"r".repeat(100)}`, { owner: "o".repeat(39), repo: "r".repeat(100) }],
  ])("%s", (input, parsed) => {
    expect(parseRepository(input)).toEqual(parsed);
  });

  it.each([
    "",
    "my-service",
    "octo-org/",
    "/my-service",
    "octo-org/my-service/extra",
    "https://github.com/octo-org/my-service",
    "octo_org/x",
    "octo-org/my service",
    "octo-org/.",
    "octo-org/..",
    `${"o".repeat(40)}/x`,
    `o/${"r".repeat(101)}`,
  ])("rejects %j, naming it and the expected form", (input) => {
    const shown = input.length > 80 ? `${input.slice(0, 80)}…` : input;
    expect(() => parseRepository(input)).toThrow(
      `Invalid repository '${shown}'. Expected owner/name, e.g. octo-org/my-service.`,
    );
  });
});

describe("imageReference", () => {
  it("lowercases owner and repo", () => {
    expect(imageReference("ghcr.io", "Octo-Org", "My-Service", "main")).toBe(
      "ghcr.io/octo-org/my-service:main",
    );
    expect(imageReference("localhost:5000", "o", "r", "sha-3f2a9c1")).toBe("localhost:5000/o/r:sha-3f2a9c1");
  });

  it.each(["https://ghcr.io", "ghcr.io/", "", "ghcr io", "-ghcr.io", "ghcr.io:port"])(
    "rejects the registry %j",
    (registry) => {
      expect(() => imageReference(registry, "o", "r", "main")).toThrow(`Invalid registry '${registry}'.`);
    },
  );

  it("rejects names a registry would refuse, and bad tags", () => {
    expect(() => imageReference("ghcr.io", "o", ".github", "main")).toThrow(
      "Invalid image repository name '.github'.",
    );
    expect(() => imageReference("ghcr.io", "o", "r", "-x")).toThrow("Invalid image tag '-x'.");
    expect(() => imageReference("ghcr.io", "o", "r", "a".repeat(129))).toThrow("Invalid image tag");
  });
});

describe("environmentFor", () => {
  it.each([
    ["main", "production"],
    ["refs/heads/main", "production"],
    ["develop", "staging"],
    ["feature/login", "preview"],
    ["Main", "preview"],
    ["", "preview"],
  ])("%j -> %s", (branch, env) => {
    expect(environmentFor(branch)).toBe(env);
  });

  it("takes an explicit environment over the mapping; an empty one counts as none", () => {
    expect(environmentFor("main", "qa-2")).toBe("qa-2");
    expect(environmentFor("main", "")).toBe("production");
  });

  it.each(["Prod", "prod env", "prod_1", "a".repeat(64)])("rejects the environment %j", (env) => {
    expect(() => environmentFor("main", env)).toThrow(`Invalid environment '${env.slice(0, 80)}`);
  });
});
