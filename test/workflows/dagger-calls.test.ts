/**
 * Every `dagger` command in every workflow's `run:` scripts resolves against the module's golden surface: the
 * constructor's flags before the function, the function's own after it, a chain only through fields that exist.
 * A renamed flag or function would otherwise be found by the first real run on GitHub.
 */
import { describe, expect, it } from "vitest";
import {
  calledFunction,
  type DaggerCommand,
  daggerCommands,
  daggerProblems,
} from "../helpers/workflow-dagger";
import {
  type Breakage,
  breakWorkflow,
  readWorkflow,
  replaceText,
  WORKFLOW_PATHS,
  type WorkflowPath,
} from "../helpers/workflow-files";
import { jobsOf, runOf, type WorkflowFile } from "../helpers/workflow-model";

type Found = { where: string; command: DaggerCommand };

function commandsOf(wf: WorkflowFile): Found[] {
  return jobsOf(wf).flatMap((job) =>
    job.steps.flatMap(({ where, step }) =>
      daggerCommands(runOf(step) ?? "").map((command) => ({ where, command })),
    ),
  );
}

/** Steps whose script runs dagger (the policy's test) but in which the reader finds no command to check. */
function unread(wf: WorkflowFile): string[] {
  return jobsOf(wf).flatMap((job) =>
    job.steps
      .filter(({ step }) => /(^|[\s;&|(])dagger\s/m.test(runOf(step) ?? ""))
      .filter(({ step }) => daggerCommands(runOf(step) ?? "").length === 0)
      .map(({ where }) => where),
  );
}

function problemsOf(wf: WorkflowFile): string[] {
  return commandsOf(wf).flatMap(({ where, command }) => daggerProblems(command).map((p) => `${where}: ${p}`));
}

/** What each workflow calls: the function and the chain after it. */
const CALLS: Record<WorkflowPath, string[][]> = {
  ".github/workflows/ci.yml": [["release"]],
  ".github/workflows/cd.yml": [
    ["deploy", "digest"],
    ["deploy", "digest"],
  ],
  ".github/workflows/checks.yml": [],
  ".github/workflows/python-pipeline.yml": [
    ["ci-run", "reports"],
    ["ci-run", "reports"],
  ],
};

describe.each(WORKFLOW_PATHS)("%s", (path) => {
  const wf = readWorkflow(path);

  it("calls the module only with flags, functions and fields it has", () => {
    expect(problemsOf(wf)).toEqual([]);
  });

  it("calls what it is meant to", () => {
    expect(commandsOf(wf).map(({ command }) => command.chain)).toEqual(CALLS[path]);
  });

  it("has no step that runs dagger where the reader finds no dagger command", () => {
    expect(unread(wf)).toEqual([]);
  });
});

describe("the arrays of python-pipeline.yml's scripts", () => {
  const wf = readWorkflow(".github/workflows/python-pipeline.yml");

  it("are expanded from their assignments: every optional flag is checked, on its side of the function", () => {
    for (const { command } of commandsOf(wf)) {
      const fn = command.argv.indexOf(calledFunction(command) ?? "");
      const settings = command.argv.slice(command.argv.indexOf("call") + 1, fn);
      const own = command.argv.slice(fn + 1);
      for (const flag of ["--app", "--threshold", "--python-versions", "--smoke-command", "--services"]) {
        expect(settings).toContain(flag);
      }
      for (const flag of ["--diff-threshold", "--typecheck", "--exit-zero"]) expect(own).toContain(flag);
    }
  });
});

const CD: WorkflowPath = ".github/workflows/cd.yml";
const PIPE: WorkflowPath = ".github/workflows/python-pipeline.yml";
/** `"${NAME[@]}"`, the way a script passes an array's words (spelled out to keep lint quiet). */
const array = (name: string) => `"\${${name}[@]}"`;
const text = (from: string, to: string, occurrence = 1): Breakage => ({
  text: (t) => replaceText(t, from, to, occurrence),
});

const BROKEN: Record<string, { file: WorkflowPath; breakage: Breakage; expected: string }> = {
  "the old --service, in an array": {
    file: PIPE,
    breakage: text("pipeline+=(--services", "pipeline+=(--service"),
    expected: "the constructor has no flag --service",
  },
  "a function flag misspelt in its array": {
    file: PIPE,
    breakage: text("checks+=(--typecheck", "checks+=(--type-check", 2),
    expected:
      'jobs.pipeline.steps[3] "Run the pipeline (no publish, no signature, no comment)": Pipeline.ci-run has no flag --type-check',
  },
  "the old check name": {
    file: PIPE,
    breakage: text(`ci-run ${array("checks")}`, "check-lint"),
    expected: "Pipeline has no function check-lint",
  },
  "ci, which prints text, chained into reports export": {
    file: PIPE,
    breakage: text(`ci-run ${array("checks")}`, `ci ${array("checks")}`),
    expected: "ci returns STRING_KIND, which has no reports",
  },
  "a setting given to the function instead of the constructor": {
    file: PIPE,
    breakage: text(
      "              --sha",
      '              --repository "$GITHUB_REPOSITORY" \\\n              --sha',
    ),
    expected: "Pipeline.ci-run has no flag --repository",
  },
  "an array the script never fills": {
    file: PIPE,
    breakage: text(`ci-run ${array("checks")}`, `ci-run ${array("check")}`),
    expected: `${array("check")} expands an array the script never sets`,
  },
  "CD's old form: every flag after deploy": {
    file: CD,
    breakage: {
      text: (t) =>
        replaceText(
          replaceText(t, `            deploy ${array("ref")} \\\n`, `            ${array("ref")} \\\n`),
          `call ${array("settings")} \\\n            --event "$EVENT"`,
          `call deploy ${array("settings")} \\\n            --event "$EVENT"`,
        ),
    },
    expected: "Pipeline.deploy has no flag --event",
  },
  "a release passed as a flag deploy does not have": {
    file: CD,
    breakage: text('ref=(--release "$RELEASE")', 'ref=(--tag "$RELEASE")'),
    expected: "Pipeline.deploy has no flag --tag",
  },
  "a Deployment field that does not exist": {
    file: CD,
    breakage: text(
      '            digest > "$RUNNER_TEMP/digest"',
      '            image-digest > "$RUNNER_TEMP/digest"',
    ),
    expected: "Deployment has no field or function image-digest",
  },
};

describe("a broken copy of a workflow is reported", () => {
  it.each(Object.entries(BROKEN))("%s", (_name, { file, breakage, expected }) => {
    const broken = breakWorkflow(readWorkflow(file), breakage);
    expect(problemsOf(broken).join("\n")).toContain(expected);
  });

  it("a dagger command inside a quoted $(…), which the reader cannot split", () => {
    const broken = breakWorkflow(
      readWorkflow(CD),
      // both calls: the one per app of several, and the one app's
      {
        text: (t) =>
          t.replaceAll(
            `dagger --progress=plain call ${array("settings")} \\\n`,
            `digest="$(dagger --progress=plain call ${array("settings")} \\\n`,
          ),
      },
    );
    expect(unread(broken)).toEqual([
      `${CD}: jobs.deploy.steps[3] "Verify the signed image of the commit and smoke-test it"`,
    ]);
  });
});
