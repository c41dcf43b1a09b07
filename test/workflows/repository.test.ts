/**
 * The repository files that go with the workflows: CODEOWNERS covers what runs with write tokens,
 * the hand-verification commands in docs/github-setup.md use cosign's real flags and an identity
 * pattern that accepts exactly CI's signing identities, and the root LICENSE is the sample app's.
 */
import { describe, expect, it } from "vitest";
import { readRepoFile, readWorkflow, replaceText } from "../helpers/workflow-files";
import { isMapping } from "../helpers/workflow-model";

// ---------------------------------------------------------------------------------------------
// CODEOWNERS

type OwnerRule = { line: number; pattern: string; owners: string[]; matches: (path: string) => boolean };

/** A CODEOWNERS pattern as GitHub reads it (gitignore rules: anchoring, `*`, `**`, trailing `/`). */
function patternMatcher(pattern: string): (path: string) => boolean {
  const anchored = pattern.startsWith("/") || pattern.slice(0, -1).includes("/");
  let body = pattern.replace(/^\//, "");
  const directory = body.endsWith("/");
  if (directory) body = body.slice(0, -1);
  const glob = body
    .split(/(\*\*|\*|\?)/)
    .map((part) => {
      if (part === "**") return ".*";
      if (part === "*") return "[^/]*";
      if (part === "?") return "[^/]";
      return part.replace(/[.+^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  const re = new RegExp(`${anchored ? "^" : "^(?:.*/)?"}${glob}${directory ? "/.*$" : "(?:/.*)?$"}`);
  return (path) => re.test(path);
}

function parseCodeowners(text: string): OwnerRule[] {
  return text.split("\n").flatMap((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return [];
    const [pattern = "", ...owners] = line.split(/\s+/);
    return [{ line: i + 1, pattern, owners, matches: patternMatcher(pattern) }];
  });
}

/** The owners GitHub assigns to a path: those of the last matching line (none if it lists none). */
function ownersOf(rules: OwnerRule[], path: string): string[] {
  return rules.filter((r) => r.matches(path)).at(-1)?.owners ?? [];
}

const OWNER = /^(@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?|[^@\s]+@[^@\s]+\.[^@\s]+)$/;

/** Files whose changes must be reviewed by an owner: one path per area the rule is about. */
const MUST_BE_OWNED = [
  ".github/workflows/ci.yml",
  ".github/workflows/cd.yml",
  ".github/workflows/any-new-workflow.yml",
  ".github/dependabot.yml",
  ".github/CODEOWNERS",
  "dagger.json",
  "dagger/src/index.ts",
  "dagger/package.json",
  "Dockerfile",
  "SECURITY.md",
];

function checkCodeowners(text: string): string[] {
  const rules = parseCodeowners(text);
  const violations = rules.flatMap((r) =>
    r.owners
      .filter((o) => !OWNER.test(o))
      .map((o) => `line ${r.line}: "${o}" is not @user, @org/team or an email`),
  );
  for (const path of MUST_BE_OWNED) {
    if (ownersOf(rules, path).length === 0) violations.push(`${path} has no code owner`);
  }
  return violations;
}

describe(".github/CODEOWNERS", () => {
  const text = readRepoFile(".github/CODEOWNERS");

  it("gives every pipeline path an owner", () => {
    expect(checkCodeowners(text)).toEqual([]);
  });

  it.each([
    [
      "a folder left out",
      ["/dagger/                  @OWNER/maintainers\n", ""],
      "dagger/src/index.ts has no code owner",
    ],
    [
      "a later line without owners (the last match wins)",
      ["# The security policy.", "/.github/workflows/\n# The security policy."],
      ".github/workflows/ci.yml has no code owner",
    ],
    [
      "an owner without @",
      ["/Dockerfile               @OWNER", "/Dockerfile               OWNER"],
      '"OWNER/maintainers" is not',
    ],
  ])("reports %s", (_name, [from = "", to = ""], expected) => {
    expect(checkCodeowners(replaceText(text, from, to)).join("\n")).toContain(expected);
  });

  it("matches paths the way GitHub does", () => {
    const rules = parseCodeowners("*.md @docs\n/build/ @ci\ndocs/ @writers\n/a/*.ts @ts\n");
    expect(ownersOf(rules, "README.md")).toEqual(["@docs"]);
    expect(ownersOf(rules, "x/y/NOTES.md")).toEqual(["@docs"]);
    expect(ownersOf(rules, "build/logs/x.txt")).toEqual(["@ci"]);
    expect(ownersOf(rules, "src/build/x.txt")).toEqual([]);
    expect(ownersOf(rules, "docs/guide.md")).toEqual(["@writers"]);
    expect(ownersOf(rules, "a/b.ts")).toEqual(["@ts"]);
    expect(ownersOf(rules, "a/b/c.ts")).toEqual([]);
  });

  it("is explained in docs/github-setup.md when it still names the placeholder owner", () => {
    const placeholders = [...new Set(text.match(/@OWNER\/[\w-]+/g) ?? [])];
    const docs = readRepoFile("docs/github-setup.md");
    for (const owner of placeholders) {
      expect(docs).toContain(`\`${owner}\``);
      expect(docs).toContain("**Replace it**");
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Verifying an image by hand

/**
 * The flags of the cosign commands the docs use, as cosign v3.1.2 defines them
 * (cmd/cosign/cli/options/certificate.go: CertVerifyOptions; predicate.go: PredicateOptions `--type`
 * with `cyclonedx` in PredicateTypeMap). Only the ones the docs may use are listed.
 */
const COSIGN_FLAGS: Record<string, readonly string[]> = {
  verify: [
    "certificate-identity",
    "certificate-identity-regexp",
    "certificate-oidc-issuer",
    "certificate-github-workflow-repository",
  ],
  "verify-attestation": [
    "certificate-identity",
    "certificate-identity-regexp",
    "certificate-oidc-issuer",
    "certificate-github-workflow-repository",
    "type",
  ],
};
const ISSUER = "https://token.actions.githubusercontent.com";

/** Each `cosign ...` command in the docs' console blocks, continuation lines joined. */
function cosignCommands(markdown: string): string[] {
  const blocks = [...markdown.matchAll(/```console\n([\s\S]*?)```/g)].map((m) => m[1] ?? "");
  return blocks
    .flatMap((block) => block.replace(/\\\n\s*/g, " ").split("\n"))
    .map((line) => line.trim())
    .filter((line) => line.startsWith("cosign "));
}

describe("docs/github-setup.md: verifying an image by hand", () => {
  const docs = readRepoFile("docs/github-setup.md");
  const commands = cosignCommands(docs);

  it("shows cosign verify, and verify-attestation of the CycloneDX SBOM and of the SLSA provenance", () => {
    expect(commands.map((c) => c.split(" ")[1])).toEqual([
      "verify",
      "verify-attestation",
      "verify-attestation",
    ]);
    expect(commands[1]).toContain("--type cyclonedx");
    expect(commands[2]).toContain("--type slsaprovenance1");
  });

  it.each(commands)("uses only flags cosign v3.1.2 has: %s", (command) => {
    const sub = command.split(" ")[1] ?? "";
    const flags = [...command.matchAll(/\s--([a-z-]+)/g)].map((m) => m[1]);
    expect(flags.filter((f) => !COSIGN_FLAGS[sub]?.includes(f ?? ""))).toEqual([]);
    expect(command).toContain(`--certificate-oidc-issuer ${ISSUER}`);
    // The signing workflow is a reusable one: the caller's repository must be pinned too.
    expect(command).toContain("--certificate-github-workflow-repository OWNER/REPO");
    expect(command).toMatch(/ghcr\.io\/OWNER\/REPO@sha256:/);
  });

  const pattern = /--certificate-identity-regexp '([^']+)'/.exec(commands[0] ?? "")?.[1] ?? "";
  const identity = new RegExp(pattern);
  const pushed = (readWorkflow(".github/workflows/ci.yml").doc.on as Record<string, unknown>).push;
  const branches = isMapping(pushed) && Array.isArray(pushed.branches) ? pushed.branches.map(String) : [];
  // ci.yml signs inside python-pipeline.yml, which the certificate names (test/workflows/signing-identity.test.ts).
  const ci = (ref: string) => `https://github.com/OWNER/REPO/.github/workflows/python-pipeline.yml@${ref}`;

  it("uses one identity pattern in both commands", () => {
    expect(pattern).not.toBe("");
    for (const command of commands) expect(command).toContain(`--certificate-identity-regexp '${pattern}'`);
  });

  // ci.yml's tag filter is v[0-9]*: a release's push signs as refs/tags/v1.2.3
  it.each([
    ...branches.map((b) => `refs/heads/${b}`),
    "refs/pull/12/merge",
    "refs/tags/v1.2.3",
    "refs/tags/v2.0.0rc1",
  ])("accepts CI's identity on %s", (ref) => {
    expect(identity.test(ci(ref))).toBe(true);
  });

  it.each([
    [
      "another workflow of the repository",
      "https://github.com/OWNER/REPO/.github/workflows/cd.yml@refs/heads/main",
    ],
    [
      "the caller workflow, which no longer signs",
      "https://github.com/OWNER/REPO/.github/workflows/ci.yml@refs/heads/main",
    ],
    ["a branch CI does not publish from", ci("refs/heads/feature")],
    ["a tag ci.yml does not run for", ci("refs/tags/release-1")],
    ["a v-tag that is no version", ci("refs/tags/vfoo")],
    ["a tag with a path", ci("refs/tags/v1/evil")],
    ["a ref that only starts like main", ci("refs/heads/main-evil")],
    [
      "another repository",
      "https://github.com/OWNER/REPO2/.github/workflows/python-pipeline.yml@refs/heads/main",
    ],
    [
      "another host",
      "https://github.com.evil.example/OWNER/REPO/.github/workflows/python-pipeline.yml@refs/heads/main",
    ],
    [
      "a workflow path with python-pipeline.yml inside",
      "https://github.com/OWNER/REPO/.github/workflows/xpython-pipeline.yml@refs/heads/main",
    ],
  ])("rejects %s", (_name, subject) => {
    expect(identity.test(subject)).toBe(false);
  });

  it("is the section SECURITY.md links to", () => {
    expect(readRepoFile("SECURITY.md")).toContain("docs/github-setup.md#verify-an-image-by-hand");
    expect(docs).toContain("\n### Verify an image by hand\n");
  });
});

// ---------------------------------------------------------------------------------------------
// LICENSE

describe("LICENSE", () => {
  it("is the sample app's license, holder line included", () => {
    const license = readRepoFile("LICENSE");
    expect(license).toBe(readRepoFile("sample-app/LICENSE"));
    expect(license).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} .+\n/);
  });
});
