/**
 * Bad input is one kind of error wherever it is caught: an InputError naming the value and the expected form,
 * thrown before any container starts or any request is sent.
 */
import { describe, expect, it } from "vitest";
import { parseGitHubApiUrl } from "../../dagger/src/github/client.js";
import { InputError } from "../../dagger/src/settings/errors.js";
import {
  branchTag,
  environmentFor,
  imageReference,
  parseEvent,
  parseRepository,
  shaTag,
} from "../../dagger/src/settings/tags.js";
import {
  parseAppPath,
  parseCommand,
  parsePlatforms,
  parsePythonVersion,
  parseSeverity,
  parseThreshold,
} from "../../dagger/src/settings/validate.js";
import { parseDigest } from "../../dagger/src/stages/deploy.js";
import { planPublish, requireAuth } from "../../dagger/src/stages/publish.js";
import { planSigner, signingIdentity } from "../../dagger/src/stages/sign.js";

describe("every validator throws InputError, naming the value", () => {
  it.each<[string, () => unknown, string]>([
    ["python version", () => parsePythonVersion("2.7"), "'2.7'"],
    ["threshold", () => parseThreshold(101), "'101'"],
    ["severity", () => parseSeverity("severe", "--fail-on"), "'severe'"],
    ["platform", () => parsePlatforms(["linux/s390x"]), "'linux/s390x'"],
    ["app folder", () => parseAppPath("../x"), "'../x'"],
    ["smoke command", () => parseCommand("sh -c 'x' | cat"), "'sh -c 'x' | cat'"],
    ["repository", () => parseRepository("nope"), "'nope'"],
    ["commit", () => shaTag("xyz"), "'xyz'"],
    ["registry", () => imageReference("https://ghcr.io", "o", "r", "t"), "'https://ghcr.io'"],
    ["environment", () => environmentFor("main", "Prod"), "'Prod'"],
    ["event", () => parseEvent("Push!"), "'Push!'"],
    ["digest", () => parseDigest("sha256:1"), "'sha256:1'"],
    ["API URL", () => parseGitHubApiUrl("ftp://x"), "'ftp://x'"],
    ["branch", () => planPublish("ghcr.io", "o/r", "", ""), "--branch"],
    ["registry login", () => requireAuth("octocat", undefined, "ghcr.io"), "--registry-password"],
    ["signer", () => planSigner({ sign: true, publish: false, oidcRequestUrl: "" }), "--publish"],
    [
      "signer workflow",
      () =>
        signingIdentity({
          repository: "o/r",
          branch: "main",
          event: "push",
          signerWorkflow: "o/p/.github/workflows/python-pipeline.yml@main",
        }),
      "'o/p/.github/workflows/python-pipeline.yml@main'",
    ],
  ])("%s", (_, call, named) => {
    let thrown: unknown;
    try {
      call();
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InputError);
    expect((thrown as Error).name).toBe("InputError");
    expect((thrown as Error).message).toContain(named);
    expect((thrown as Error).message).toMatch(/Expected|needs/);
  });

  it("accepts what it should (the table above is not failing on everything)", () => {
    expect(branchTag("main")).toBe("main");
    expect(signingIdentity({ repository: "o/r", branch: "main", event: "push" }).issuer).toBe(
      "https://token.actions.githubusercontent.com",
    );
    expect(parseThreshold(90)).toBe(90);
  });
});
