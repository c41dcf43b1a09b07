/**
 * The command-line reader the docs and workflow tests rely on: it accepts what the CLI accepts and names what
 * it would refuse, so a renamed flag in a copied command fails those tests.
 */
import { describe, expect, it } from "vitest";
import { checkDaggerCall, words } from "../helpers/dagger-cli.js";

const check = (line: string) => checkDaggerCall(words(line).slice(1));

describe("checkDaggerCall", () => {
  it.each([
    "dagger call ci",
    "dagger -m github.com/octo-org/pipeline@v1 call --source=. --app backend ci --exit-zero",
    "dagger call --repository octo-org/my-service --github-token=env:GITHUB_TOKEN ci --publish --sign --branch main",
    "dagger call ci-run --exit-zero reports export --path reports",
    "dagger call deploy --branch main digest",
    "dagger -y call fix",
    "dagger call --services postgres test --python-version 3.12 junit contents",
    "dagger --progress=plain call lint summary  # a comment --bogus",
  ])("accepts %s", (line) => {
    expect(check(line)).toEqual([]);
  });

  it.each([
    ["dagger call ci --repository o/r", ["Pipeline.ci has no flag --repository"]],
    ["dagger call release --tag v1.2.3", ["Pipeline.release needs --reports"]],
    ["dagger call --severity HIGH scan", ["the constructor has no flag --severity"]],
    ["dagger call check-lint", ["Pipeline has no function check-lint"]],
    ["dagger call ci-run reprts export --path r", ["CiRun has no field or function reprts"]],
    ["dagger functions", ["not a dagger call: functions"]],
    [
      "dagger call ci --exit-zero reports export --path r",
      ["ci returns string: nothing chains after it (reports)"],
    ],
  ])("refuses %s", (line, problems) => {
    expect(check(line)).toEqual(problems);
  });

  it("splits quoted words and line continuations as a shell does", () => {
    expect(words(`dagger call --smoke-command "python -c 'print(5)'" \\\n  ci`)).toEqual([
      "dagger",
      "call",
      "--smoke-command",
      "python -c 'print(5)'",
      "ci",
    ]);
  });
});
