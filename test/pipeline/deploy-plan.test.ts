/**
 * `deploy`'s plan and its status: every argument checked before anything is pulled (planDeploy, pure), and what
 * the returned status and the thrown error say (runDeploy against the stand-in engine session).
 */
import { dag, type SecretID } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { type DeployArgs, planDeploy, runDeploy } from "../../dagger/src/pipeline/deploy.js";
import { ProductionFrom } from "../../dagger/src/settings/tags.js";
import type { PipelineSettings } from "../../dagger/src/settings/validate.js";
import { EngineError, enginesPerTest, leafOf, type Resolver, secretId } from "../helpers/engine.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { SCENARIO_SHA, scenario } from "../helpers/scenario.js";
import { warningsOnStderr } from "../helpers/stderr.js";

const settings = {
  registry: "ghcr.io",
  smokeCommand: "python -c 'print(2+3)'",
  smokeExpect: "5",
} as PipelineSettings;
const args: DeployArgs = {
  branch: "main",
  repository: "Octo-Org/My-Service",
  sha: SCENARIO_SHA,
  digest: "",
  environment: "",
  event: "push",
  runUrl: "",
  githubApiUrl: "",
  registryUsername: "",
  allowUnsigned: true,
};
const DIGEST = `sha256:${"c".repeat(64)}`;

describe("planDeploy", () => {
  it("a release: its X.Y.Z image (or its run's), signed by the push of its tag, and its environment by the setting", () => {
    const release = { ...args, branch: "", release: "v1.2.3", allowUnsigned: false };
    const plan = planDeploy(settings, release);
    expect(plan.reference).toBe("ghcr.io/octo-org/my-service:1.2.3");
    expect(plan.verifier).toMatchObject({
      kind: "keyless",
      identity:
        "^https://github\\.com/Octo-Org/My-Service/\\.github/workflows/python-pipeline\\.yml@refs/tags/v1\\.2\\.3$",
      ref: "refs/tags/v1.2.3",
      trigger: "push",
    });
    expect(planDeploy(settings, { ...release, run: "7001-2" }).reference).toBe(
      "ghcr.io/octo-org/my-service:run-7001-2",
    );
    // by hand (no event) a release was still signed by its tag's push
    expect(planDeploy(settings, { ...release, event: "" }).verifier).toMatchObject({
      ref: "refs/tags/v1.2.3",
    });
    expect(plan.environment).toBe("preview");
    expect(planDeploy(settings, { ...release, productionFrom: ProductionFrom.releases }).environment).toBe(
      "production",
    );
    expect(planDeploy(settings, { ...args, productionFrom: ProductionFrom.releases }).environment).toBe(
      "staging",
    );
    expect(planDeploy(settings, args).environment).toBe("production");
  });

  it("takes a branch or a release, not both and not neither, and a release that is a version", () => {
    expect(() => planDeploy(settings, { ...args, release: "v1.2.3" })).toThrow(
      "--branch main and --release v1.2.3 exclude each other. Expected one of them: a release's image was built from its tag.",
    );
    expect(() => planDeploy(settings, { ...args, branch: "" })).toThrow(
      "deploy needs --branch or --release. Expected the branch whose image to deploy, e.g. --branch main, or a release's tag, e.g. --release v1.2.3.",
    );
    expect(() => planDeploy(settings, { ...args, branch: "", release: "v-feature" })).toThrow(
      "Invalid release tag 'v-feature'.",
    );
  });

  it("pulls sha-<7> of the lowercased repository, or exactly the digest given", () => {
    expect(planDeploy(settings, args).reference).toBe("ghcr.io/octo-org/my-service:sha-3f2a9c1");
    expect(planDeploy(settings, { ...args, sha: "", digest: DIGEST }).reference).toBe(
      `ghcr.io/octo-org/my-service@${DIGEST}`,
    );
  });

  it("pulls the CI run attempt's own tag with --run, verified as that run's event, its revision still checked", () => {
    const plan = planDeploy(settings, {
      ...args,
      event: "pull_request",
      run: "7001-2",
      allowUnsigned: false,
    });
    expect(plan.reference).toBe("ghcr.io/octo-org/my-service:run-7001-2");
    expect(plan.verifier).toMatchObject({ kind: "keyless", trigger: "pull_request" });
    // by hand with --run: the run's identity is not assumed to be a push
    expect(
      planDeploy(settings, { ...args, event: "", run: "7001-2", allowUnsigned: false }).verifier,
    ).not.toHaveProperty("trigger");
    for (const run of ["7001", "7001-0", "0-1", "7001-2-3", "run-7001-2", "7001-12345"]) {
      expect(() => planDeploy(settings, { ...args, run })).toThrow(
        `Invalid CI run '${run}'. Expected <run id>-<attempt>, e.g. "$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT"`,
      );
    }
  });

  it("without a commit or a digest pulls the branch's tag, verified as that branch's push build", () => {
    const byHand = { ...args, sha: "", event: "", allowUnsigned: false };
    const plan = planDeploy(settings, byHand);
    expect(plan.reference).toBe("ghcr.io/octo-org/my-service:main");
    expect(plan.environment).toBe("production");
    expect(plan.verifier).toMatchObject({ kind: "keyless", ref: "refs/heads/main", trigger: "push" });
    expect(planDeploy(settings, { ...byHand, branch: "feature/login" }).reference).toBe(
      "ghcr.io/octo-org/my-service:feature-login-df7c7aeb",
    );
    // a run that states its event keeps that event's identity
    expect(planDeploy(settings, { ...byHand, event: "pull_request" }).verifier).toMatchObject({
      trigger: "pull_request",
    });
    expect(() => planDeploy(settings, { ...byHand, branch: "" })).toThrow(
      /^deploy needs --branch or --release\./,
    );
  });

  it("takes a commit that is exactly 40 hex", () => {
    for (const sha of [`x${SCENARIO_SHA}`, `${SCENARIO_SHA}x`, SCENARIO_SHA.slice(1), "main"]) {
      expect(() => planDeploy(settings, { ...args, sha })).toThrow(
        `Invalid --sha '${sha}'. Expected the full`,
      );
    }
    expect(planDeploy(settings, { ...args, sha: SCENARIO_SHA.toUpperCase() }).reference).toMatch(
      /:sha-3f2a9c1$/,
    );
    expect(() => planDeploy(settings, { ...args, sha: "g".repeat(200) })).toThrow(
      `Invalid --sha '${"g".repeat(80)}'. Expected`,
    );
  });

  it("pulls anonymously without credentials, and logs in as the owner when only a password is given", () => {
    expect(planDeploy(settings, args).auth).toBeUndefined();
    const password = secretId("GITHUB_TOKEN") as never;
    expect(planDeploy(settings, { ...args, registryPassword: password }).auth).toEqual({
      username: "Octo-Org",
      password,
    });
    expect(() => planDeploy(settings, { ...args, registryUsername: "octocat" })).toThrow(
      /^Missing --registry-password for ghcr\.io\./,
    );
  });

  it("verifies keyless by default, with a key when one is given, and not at all with --allow-unsigned", () => {
    const keyless = planDeploy(settings, { ...args, allowUnsigned: false }).verifier;
    expect(keyless).toMatchObject({ kind: "keyless", repository: "Octo-Org/My-Service", trigger: "push" });
    const publicKey = "KEY" as never;
    expect(
      planDeploy(settings, { ...args, allowUnsigned: false, cosignPublicKey: publicKey }).verifier,
    ).toEqual({
      kind: "key",
      publicKey,
    });
    expect(planDeploy(settings, args).verifier).toBeUndefined();
  });
});

describe("runDeploy's status", () => {
  const startEngine = enginesPerTest();
  const deploy = async (s: Parameters<typeof scenario>[0] | Resolver, more: Partial<DeployArgs> = {}) => {
    const engine = await startEngine(typeof s === "function" ? s : scenario(s));
    return engine.connect(() => runDeploy(settings, { ...args, ...more }).catch((err: Error) => err));
  };

  it("carries the revision label it compared, and says why there is no PR comment", async () => {
    const done = await deploy({});
    if (done instanceof Error) throw done;
    expect(done.status).toMatchObject({
      passed: true,
      environment: "production",
      revision: SCENARIO_SHA,
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      signature: "not verified (--allow-unsigned)",
      sha: SCENARIO_SHA,
      warnings: ["PR comment: no --github-token given"],
    });
    const noSha = await deploy(
      {},
      { sha: "", digest: DIGEST, githubToken: secretId("GITHUB_TOKEN") as never },
    );
    if (noSha instanceof Error) throw noSha;
    expect(noSha.status.warnings).toEqual(["PR comment: no --sha given, so no pull request to find"]);
    // the revision label is read and shown whatever was asked; only --sha makes it a check
    expect(noSha.status.revision).toBe(SCENARIO_SHA);
  });

  it("puts the CD comment on the commit's PR, or says in its warnings and the log why it could not", async () => {
    const gh = new FakeGitHub({ owner: "Octo-Org", repo: "My-Service" });
    await gh.start();
    try {
      // a Secret object, as the SDK hands one to a function; its plaintext is asked of the engine when read
      const github = {
        githubToken: dag.loadSecretFromID(secretId("GITHUB_TOKEN") as SecretID),
        githubApiUrl: gh.apiUrl,
      };
      const none = await warningsOnStderr(() => deploy({ secret: gh.token }, github));
      if (none.value instanceof Error) throw none.value;
      const why = "PR comment: no open pull request has head 3f2a9c1; nothing posted.";
      expect(none.value.status.warnings).toEqual([why]);
      expect(none.warnings).toEqual([`warning: ${why}\n`]);

      gh.addPull({ number: 7, ref: "main", sha: SCENARIO_SHA });
      gh.commitPulls.set(SCENARIO_SHA, [7]);
      const posted = await warningsOnStderr(() => deploy({ secret: gh.token }, github));
      if (posted.value instanceof Error) throw posted.value;
      expect(posted.value.status.warnings).toEqual([]);
      expect(posted.warnings).toEqual([]);
      expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([
        `<!-- pipeline:cd -->\n${posted.value.summary}`,
      ]);
    } finally {
      await gh.close();
    }
  });

  it("an image that cannot be pulled has no digest and was never verified, and the summary says both", async () => {
    const unreachable: Resolver = (chain) => {
      if (leafOf(chain).field === "imageRef") {
        throw new EngineError("failed to resolve source metadata: not found");
      }
      return scenario()(chain);
    };
    const failed = await deploy(unreachable, { allowUnsigned: false });
    if (failed instanceof Error) throw failed;
    expect(failed.status).toMatchObject({
      passed: false,
      output: "the deployment failed: failed to resolve source metadata: not found",
    });
    expect(failed.status).not.toHaveProperty("revision");
    expect(failed.summary).toContain("\n| Digest | n/a |\n| Signature | not verified |\n");
  });

  it("a wrong smoke output is a failed status whose summary says so (the deploy function then fails with it)", async () => {
    const failed = await deploy({ deployed: "6" });
    if (failed instanceof Error) throw failed;
    expect(failed.status).toMatchObject({ passed: false, output: "6", environment: "production" });
    expect(failed.summary).toMatch(/^## ❌ Deploy to production failed\n/);
  });
});
