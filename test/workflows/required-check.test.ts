/**
 * The one required status check. Branch protection waits for a required check by its name and counts a
 * skipped one as passed (GitHub docs, "About status checks"). A job calling a reusable workflow reports
 * `<caller> / <called job>` when it runs (actions/runner#1917) and its bare name when its `if:` skips it,
 * so neither calling job of ci.yml reports one name on every event: ci.yml's `ci-result` job does, and the
 * docs require it alone. The run is played for every event and every way the calling jobs can end
 * (test/helpers/workflow-run.ts), with the result job's script run under bash.
 */
import { describe, expect, it } from "vitest";
import { REQUIRED_CHECKS, RUN_MODEL, readRepoFile, readWorkflow } from "../helpers/workflow-files";
import { jobsOf } from "../helpers/workflow-model";
import { checkRequiredChecks } from "../helpers/workflow-policy";
import { checkRunsOf, playRun } from "../helpers/workflow-run";

const CI = ".github/workflows/ci.yml";
const ci = readWorkflow(CI);
const CALLING = ["ci", "ci-read-only"];
const [REQUIRED = ""] = REQUIRED_CHECKS[CI];

/** The documents this part of the repository owns that speak of branch protection. */
const DOCS = ["docs/github-setup.md", "docs/reusable-workflow.md", "docs/scale.md"];

describe("CI's required status check", () => {
  it("is the check of ci.yml's ci-result job, which needs both calling jobs", () => {
    const job = jobsOf(ci).find((j) => j.id === "ci-result");
    expect(job?.job.name).toBe(REQUIRED);
    expect(job?.job.needs).toEqual(CALLING);
  });

  it("is named in one place, docs/github-setup.md, and the reusable workflow's page links there", () => {
    const setup = readRepoFile("docs/github-setup.md");
    expect(/require one status check, `([^`]+)`/.exec(setup)?.[1]).toBe(REQUIRED);
    expect(readRepoFile("docs/reusable-workflow.md")).toContain("(github-setup.md#repository-settings)");
    for (const doc of DOCS) {
      const text = readRepoFile(doc);
      expect(text.split(`\`${REQUIRED}\``).length - 1, doc).toBe(doc === "docs/github-setup.md" ? 1 : 0);
      // The names that do not report on every event are not offered as checks to require.
      expect(text, doc).not.toMatch(/`CI( \(read-only\))? \/ Pipeline`/);
      expect(text, doc).not.toMatch(/status checks? `CI( \(read-only\))?`/);
    }
  });

  it("reports on every event and passes exactly when the calling job that ran passed", () => {
    expect(checkRequiredChecks(ci, [REQUIRED], CALLING, RUN_MODEL)).toEqual([]);
  });

  it("is named the same whatever runs: a skipped caller reports its bare name, a running one `caller / called`", () => {
    const push = {
      github: {
        event_name: "push",
        ref_type: "branch",
        repository: "acme/service",
        actor: "alice",
        event: {},
      },
    };
    const results = playRun(ci, push, () => "success");
    expect(checkRunsOf(ci, results, RUN_MODEL.calledJobs)).toEqual([
      { name: "CI / Pipeline", conclusion: "success" },
      { name: "CI (read-only)", conclusion: "skipped" },
      { name: "Release", conclusion: "skipped" },
      { name: "CI result", conclusion: "success" },
    ]);
    // a tag push releases after CI; the required check is the same
    const tag = { github: { ...push.github, ref_type: "tag", ref_name: "v1.2.3" } };
    expect(
      checkRunsOf(
        ci,
        playRun(ci, tag, () => "success"),
        RUN_MODEL.calledJobs,
      ),
    ).toEqual([
      { name: "CI / Pipeline", conclusion: "success" },
      { name: "CI (read-only)", conclusion: "skipped" },
      { name: "Release", conclusion: "success" },
      { name: "CI result", conclusion: "success" },
    ]);
  });

  it.each([
    [
      "the calling jobs' composite names (the docs before)",
      ["CI / Pipeline", "CI (read-only) / Pipeline"],
      [
        '"CI (read-only) / Pipeline" never reports for a push by alice',
        '"CI / Pipeline" never reports for a pull_request from a fork',
      ],
    ],
    [
      "the calling jobs' bare names (docs/github-setup.md before)",
      ["CI", "CI (read-only)"],
      [
        '"CI" never reports for a push by alice',
        '"CI (read-only)" never reports for a pull_request from a fork',
      ],
    ],
    [
      "only the publishing job's check",
      ["CI / Pipeline"],
      ['"CI / Pipeline" never reports for a pull_request from this repository opened by dependabot[bot]'],
    ],
  ])("would block pull requests if branch protection required %s", (_name, required, expected) => {
    const found = checkRequiredChecks(ci, required, CALLING, RUN_MODEL).join("\n");
    for (const line of expected) expect(found).toContain(line);
  });
});
