import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  branchTag,
  environmentFor,
  imageReference,
  OCI_TAG,
  parseRepository,
  shaTag,
} from "../../dagger/src/settings/tags.js";

describe("branchTag", () => {
  it.each([
    ["main", "main"],
    ["refs/heads/main", "main"],
    ["develop", "develop"],
    ["v1.2.3", "v1.2.3"],
    ["UPPER_case", "UPPER_case"],
    ["release-2026.11", "release-2026.11"],
    ["a".repeat(128), "a".repeat(128)],
  ])("%j is already a tag nothing else can become: kept as %j", (branch, tag) => {
    expect(branchTag(branch)).toBe(tag);
  });

  // Expected values computed outside this code: metadata-action's rule, then "-" and the first 8 hex of
  // sha256(name) (python3 -c 'import hashlib; print(hashlib.sha256(b"!main").hexdigest()[:8])').
  it.each([
    ["feature/login", "feature-login-df7c7aeb"],
    ["refs/heads/feature/login", "feature-login-df7c7aeb"],
    ["banner-utils-test-#5", "banner-utils-test--5-6760d846"],
    ["dependabot/npm_and_yarn/vite-5.0.1", "dependabot-npm_and_yarn-vite-5.0.1-afa078c7"],
    ["feature//x", "feature-x-3b0d3308"],
    ["user/ÜMLAUT", "user-MLAUT-bed7d2f8"],
    ["..hidden", "hidden-27b2a250"],
    ["-dash", "dash-b693fbbf"],
    ["trailing/", "trailing--09ab9de6"],
    // valid git branch names the rule alone would turn into the protected tags
    ["!main", "main-2d1ba685"],
    ["#main", "main-512ba51f"],
    ["@develop", "develop-f9c75278"],
    // the sha- prefix is reserved for commit tags; a name shaped like a derived tag is derived again
    ["sha-3f2a9c1", "sha-3f2a9c1-f4d1c5b5"],
    // and run- for run tags (run-<id>-<attempt>)
    ["run-7001-2", "run-7001-2-4fcc92ad"],
    ["main-1a2b3c4d", "main-1a2b3c4d-5b3c064a"],
    // a release writes `latest` and digit-led tags (1.2.3, 1.2, 1): no branch may write them
    ["latest", "latest-5e1e2bca"],
    ["1.2", "1.2-77ac319b"],
    ["1.3.0rc1", "1.3.0rc1-80ea98bd"],
    ["2024-refactor", "2024-refactor-db0ec991"],
    ["", "branch-e3b0c442"],
    ["#", "branch-334359b9"],
    ["🚀", "branch-ebbc0b28"],
    ["refs/heads/", "branch-e3b0c442"],
    ["a".repeat(300), `${"a".repeat(119)}-9835fa6b`],
  ])("%j is changed by the rule: %j", (branch, tag) => {
    expect(branchTag(branch)).toBe(tag);
    expect(tag).toMatch(OCI_TAG);
  });

  const anyString = fc.string({ unit: "binary", maxLength: 400 });
  const branchy = fc.string({
    unit: fc.constantFrom(
      ..."aZ09._-/#@!ü🚀 \t".split("").concat(["🚀", "refs/heads/", "main", "sha-", "run-", "1"]),
    ),
    maxLength: 200,
  });
  // A branch name reaches the module as UTF-8 text: lone UTF-16 surrogates cannot occur (and would all hash
  // as U+FFFD), so the generators keep to well-formed strings.
  const names = fc
    .oneof(anyString, branchy)
    .filter((s) => !/[\uD800-\uDFFF]/.test(s.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, "")));
  /** Two spellings of one branch: `x` and `refs/heads/x`. */
  const branchOf = (s: string) => (s.startsWith("refs/heads/") ? s.slice("refs/heads/".length) : s);

  it("always yields a valid OCI tag of at most 128 characters (any unicode)", () => {
    fc.assert(
      fc.property(names, (s) => {
        const tag = branchTag(s);
        expect(tag).toMatch(OCI_TAG);
        expect(tag.length).toBeLessThanOrEqual(128);
      }),
      { numRuns: 3000 },
    );
  });

  it("never gives two different branch names one tag", () => {
    fc.assert(
      fc.property(names, names, (a, b) => {
        fc.pre(branchOf(a) !== branchOf(b));
        expect(branchTag(a)).not.toBe(branchTag(b));
      }),
      { numRuns: 5000 },
    );
  });

  it("gives `main` only to main and `develop` only to develop, and a commit tag to no branch", () => {
    fc.assert(
      fc.property(names, (s) => {
        const tag = branchTag(s);
        if (tag === "main") expect(branchOf(s)).toBe("main");
        if (tag === "develop") expect(branchOf(s)).toBe("develop");
        expect(tag).not.toMatch(/^sha-[0-9a-f]{7}$/);
        expect(tag).not.toMatch(/^run-[1-9][0-9]{0,19}-[1-9][0-9]{0,3}$/);
        // the tags a release writes: its exact version, X.Y, X and latest
        expect(tag).not.toMatch(/^([0-9][0-9a-z.]*|latest)$/);
      }),
      { numRuns: 5000 },
    );
    for (const near of [
      "!main",
      "main!",
      "_main",
      "ma/in",
      "main ",
      "Main",
      ".main",
      "-main",
      "main/",
      "refs/heads/!main",
    ]) {
      expect(branchTag(near), near).not.toBe("main");
    }
  });

  it("keeps every valid tag that is not reserved and not shaped like a derived one", () => {
    const validTag = fc
      .stringMatching(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/)
      .filter((t) => !/^(sha-|run-|[0-9]|latest$)/.test(t) && !/-[0-9a-f]{8}$/.test(t));
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
    ["main", "push", "production"],
    ["refs/heads/main", "push", "production"],
    ["develop", "push", "staging"],
    ["feature/login", "push", "preview"],
    ["Main", "push", "preview"],
    ["", "push", "preview"],
    // production and staging come from push runs only: a pull request from a branch called main is a preview
    ["main", "pull_request", "preview"],
    ["develop", "pull_request", "preview"],
    ["feature/login", "workflow_dispatch", "preview"],
    // a deploy by hand (no event): the branch decides, since deploy then verifies the branch's push build
    ["main", "", "production"],
    ["develop", "", "staging"],
    ["feature/login", "", "preview"],
  ])("%j on %j -> %s", (branch, event, env) => {
    expect(environmentFor(branch, undefined, event)).toBe(env);
  });

  it("takes an explicit environment over the mapping; an empty one counts as none", () => {
    expect(environmentFor("main", "qa-2", "pull_request")).toBe("qa-2");
    expect(environmentFor("main", "", "push")).toBe("production");
  });

  it.each(["Prod", "prod env", "prod_1", "a".repeat(64)])("rejects the environment %j", (env) => {
    expect(() => environmentFor("main", env)).toThrow(`Invalid environment '${env.slice(0, 80)}`);
  });
});
