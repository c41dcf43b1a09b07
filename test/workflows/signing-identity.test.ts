/**
 * The identity CD verifies (dagger/src/stages/sign.ts `signingIdentity`) against what the workflows make
 * Fulcio write into the certificate. ci.yml signs inside the reusable python-pipeline.yml, so the
 * certificate's subject is `https://github.com/` + the token's `job_workflow_ref`, the called workflow
 * (sigstore/fulcio v1.8.8 config/identity/config.yaml, `subject-alternative-name-template`), and its GitHub
 * Workflow Repository / Ref / Trigger extensions (OIDs 1.3.6.1.4.1.57264.1.5, .6, .2) carry the calling run's
 * `repository`, `ref` and `event_name` claims (fulcio v1.8.8 docs/oid-info.md). cosign v2.4.1 matches the
 * subject with the RE2 pattern (unanchored: the pattern anchors itself) and each extension exactly
 * (pkg/cosign/verify.go). Go's RE2 and JavaScript agree on the syntax used here (^ $ ( | ) [0-9]+ and
 * escaped literals).
 */
import { describe, expect, it } from "vitest";
import { SIGNING_WORKFLOW, signingIdentity } from "../../dagger/src/stages/sign.js";
import { readWorkflow } from "../helpers/workflow-files";
import { calledWorkflowOf, jobsOf } from "../helpers/workflow-model";

/** A certificate as Fulcio would issue it for a GitHub Actions run. */
type Cert = { san: string; repository: string; ref: string; trigger: string };

/** cosign's decision for the fields signingIdentity pins. */
function accepts(args: Parameters<typeof signingIdentity>[0], cert: Cert): boolean {
  const v = signingIdentity(args);
  return (
    new RegExp(v.identity).test(cert.san) &&
    cert.repository === v.repository &&
    (v.ref === undefined || cert.ref === v.ref) &&
    (v.trigger === undefined || cert.trigger === v.trigger)
  );
}

const REPO = "octo-org/my-service";
const ours = (ref: string): string => `https://github.com/${REPO}/${SIGNING_WORKFLOW}@${ref}`;
const PUSH_MAIN: Cert = {
  san: ours("refs/heads/main"),
  repository: REPO,
  ref: "refs/heads/main",
  trigger: "push",
};
const PR: Cert = {
  san: ours("refs/pull/12/merge"),
  repository: REPO,
  ref: "refs/pull/12/merge",
  trigger: "pull_request",
};

describe("signingIdentity", () => {
  it("names the reusable workflow the publishing job of ci.yml calls, from this commit", () => {
    const ci = readWorkflow(".github/workflows/ci.yml");
    const publishing = jobsOf(ci).find((job) => job.id === "ci");
    expect(calledWorkflowOf(publishing?.job ?? {})).toBe(`./${SIGNING_WORKFLOW}`);
  });

  it.each<[string, Parameters<typeof signingIdentity>[0], Cert, boolean]>([
    [
      "a push to main, for a push to main",
      { repository: REPO, branch: "main", event: "push" },
      PUSH_MAIN,
      true,
    ],
    [
      "a pull request's merge ref",
      { repository: REPO, branch: "feature/x", event: "pull_request" },
      PR,
      true,
    ],
    [
      "either, for a run outside GitHub (no event)",
      { repository: REPO, branch: "main", event: "" },
      PR,
      true,
    ],
    [
      "the old ci.yml identity (it no longer signs)",
      { repository: REPO, branch: "main", event: "push" },
      { ...PUSH_MAIN, san: `https://github.com/${REPO}/.github/workflows/ci.yml@refs/heads/main` },
      false,
    ],
    [
      "another repository calling our reusable workflow",
      { repository: REPO, branch: "main", event: "push" },
      { ...PUSH_MAIN, repository: "mallory/service" },
      false,
    ],
    [
      "a push to develop, for main",
      { repository: REPO, branch: "main", event: "push" },
      { san: ours("refs/heads/develop"), repository: REPO, ref: "refs/heads/develop", trigger: "push" },
      false,
    ],
    [
      "a pull request's signature, for a push",
      { repository: REPO, branch: "main", event: "push" },
      { ...PUSH_MAIN, trigger: "pull_request" },
      false,
    ],
    [
      "a branch that only starts like main",
      { repository: REPO, branch: "main", event: "push" },
      { ...PUSH_MAIN, san: ours("refs/heads/main-evil") },
      false,
    ],
  ])("%s: %s", (_name, args, cert, expected) => {
    expect(accepts(args, cert)).toBe(expected);
  });

  describe("with --signer-workflow (the reusable workflow called from another repository)", () => {
    const signer = `octo-org/pipeline/${SIGNING_WORKFLOW}@${"a".repeat(40)}`;
    const cert: Cert = {
      san: `https://github.com/${signer}`,
      repository: REPO,
      ref: "refs/heads/main",
      trigger: "push",
    };
    const args = { repository: REPO, branch: "main", event: "push", signerWorkflow: signer };

    it.each<[string, Cert, boolean]>([
      ["the caller's push, signed in the named workflow", cert, true],
      ["the same workflow called by another repository", { ...cert, repository: "mallory/service" }, false],
      ["the workflow at another commit", { ...cert, san: cert.san.replace("aaaa", "bbbb") }, false],
      [
        "the caller's own ci.yml",
        { ...cert, san: `https://github.com/${REPO}/.github/workflows/ci.yml@refs/heads/main` },
        false,
      ],
    ])("%s: %s", (_name, c, expected) => {
      expect(accepts(args, c)).toBe(expected);
    });

    it("pins the caller's repository, ref and event in the verifier", () => {
      expect(signingIdentity(args)).toEqual({
        identity: `^https://github\\.com/octo-org/pipeline/\\.github/workflows/python-pipeline\\.yml@${"a".repeat(40)}$`,
        issuer: "https://token.actions.githubusercontent.com",
        repository: REPO,
        ref: "refs/heads/main",
        trigger: "push",
      });
    });
  });
});
