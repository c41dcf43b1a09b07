/**
 * .github/dependabot.yml against the keys of SchemaStore's dependabot-2.0 schema (the values below
 * are copied from it: its `package-ecosystem-values` enum and the properties of an update) and our
 * own rules: every ecosystem of the repository, weekly, minor and patch grouped, a cooldown.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { engineVersion, readRepoFile, replaceText } from "../helpers/workflow-files";
import { isMapping } from "../helpers/workflow-model";

// biome-ignore format: the schema's enum, compact
const ECOSYSTEMS = new Set([
  "bun", "bundler", "cargo", "composer", "devcontainers", "docker", "docker-compose", "dotnet-sdk", "elm",
  "gitsubmodule", "github-actions", "gomod", "gradle", "helm", "maven", "mix", "npm", "nuget", "pip", "pub",
  "swift", "terraform", "uv",
]);

// biome-ignore format: the schema's properties of an update, compact
const UPDATE_KEYS = new Set([
  "allow", "assignees", "commit-message", "cooldown", "directories", "directory", "groups", "ignore",
  "insecure-external-code-execution", "labels", "milestone", "open-pull-requests-limit", "package-ecosystem",
  "pull-request-branch-name", "rebase-strategy", "registries", "schedule", "target-branch", "vendor",
  "versioning-strategy",
]);

/** Where each ecosystem of this repository lives. */
const EXPECTED: Record<string, string[]> = {
  "github-actions": ["/"],
  docker: ["/", "/dagger"],
  npm: ["/", "/dagger", "/.ci/node"],
  pip: ["/dagger"],
  uv: ["/sample-app"],
};

function checkDependabot(text: string): string[] {
  const doc: unknown = parse(text);
  if (!isMapping(doc) || doc.version !== 2) return ["version is not 2"];
  const updates = Array.isArray(doc.updates) ? doc.updates.filter(isMapping) : [];
  const violations: string[] = [];
  const seen: Record<string, string[]> = {};
  for (const update of updates) {
    const ecosystem = String(update["package-ecosystem"]);
    if (!ECOSYSTEMS.has(ecosystem)) violations.push(`${ecosystem}: unknown package-ecosystem`);
    for (const key of Object.keys(update)) {
      if (!UPDATE_KEYS.has(key)) violations.push(`${ecosystem}: unknown key ${key}`);
    }
    if ((update.directory === undefined) === (update.directories === undefined)) {
      violations.push(`${ecosystem}: needs exactly one of directory and directories`);
    }
    const dirs = update.directories ?? (update.directory === undefined ? [] : [update.directory]);
    seen[ecosystem] = [...(seen[ecosystem] ?? []), ...(Array.isArray(dirs) ? dirs.map(String) : [])];
    if (!isMapping(update.schedule) || update.schedule.interval !== "weekly") {
      violations.push(`${ecosystem}: not weekly`);
    }
    const groups = isMapping(update.groups) ? Object.values(update.groups) : [];
    const grouped = groups.some(
      (g) => isMapping(g) && JSON.stringify(g["update-types"]) === JSON.stringify(["minor", "patch"]),
    );
    if (!grouped) violations.push(`${ecosystem}: minor and patch updates are not grouped`);
    if (!isMapping(update.cooldown) || typeof update.cooldown["default-days"] !== "number") {
      violations.push(`${ecosystem}: no cooldown`);
    }
  }
  for (const [ecosystem, dirs] of Object.entries(EXPECTED)) {
    const missing = dirs.filter((d) => !seen[ecosystem]?.includes(d));
    if (missing.length > 0) violations.push(`${ecosystem}: ${missing.join(", ")} not updated`);
  }
  return violations;
}

describe(".github/dependabot.yml", () => {
  const text = readRepoFile(".github/dependabot.yml");

  it("follows the rules", () => {
    expect(checkDependabot(text)).toEqual([]);
  });

  it("proposes only patch releases of @dagger.io/dagger (its minor moves with dagger.json)", () => {
    expect(text).toMatch(
      /dependency-name: "@dagger\.io\/dagger"\n\s+update-types: \[version-update:semver-major, version-update:semver-minor\]/,
    );
  });

  it("keeps the SDK on the engine's minor version; the patch levels may differ", () => {
    const pkg = JSON.parse(readRepoFile("package.json")) as { devDependencies: Record<string, string> };
    const sdk = pkg.devDependencies["@dagger.io/dagger"] ?? "";
    const minor = (version: string) => /^v?(\d+\.\d+)\.\d+$/.exec(version)?.[1];
    expect(minor(sdk)).toBeDefined();
    expect(minor(sdk)).toBe(minor(engineVersion()));
  });

  it.each([
    [
      "a missing ecosystem directory",
      ["directories: [/, /dagger]", "directory: /"],
      "docker: /dagger not updated",
    ],
    ["a daily schedule", ["interval: weekly", "interval: daily"], "github-actions: not weekly"],
    ["an unknown ecosystem", ["package-ecosystem: uv", "package-ecosystem: poetry"], "poetry: unknown"],
    ["ungrouped updates", ["update-types: [minor, patch]", "update-types: [major]"], "minor and patch"],
    ["a misspelt key", ["    cooldown:\n", "    cool-down:\n"], "unknown key cool-down"],
    [
      "both directory forms",
      ["directories: [/, /dagger]", "directories: [/, /dagger]\n    directory: /"],
      "exactly one",
    ],
  ])("reports %s", (_name, [from = "", to = ""], expected) => {
    expect(checkDependabot(replaceText(text, from, to)).join("\n")).toContain(expected);
  });
});
