/**
 * `ci`'s read -> plan step: every flag is checked and turned into a plan before any container starts, and
 * what will not happen is recorded with the reason the summary shows.
 */
import type { Directory, Secret } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { planCi } from "../../dagger/src/pipeline/plan.js";
import type { PipelineSettings } from "../../dagger/src/settings/validate.js";

const settings: PipelineSettings = {
  source: { marker: "source" } as unknown as Directory,
  app: "sample-app",
  versions: ["3.12", "3.14t"],
  threshold: 90,
  registry: "ghcr.io",
  dockerfile: "Dockerfile",
  buildContext: "",
  smokeCommand: "python -m sample_app 2 3",
  smokeExpect: "5",
  services: [],
  groups: [],
  extras: [],
  runId: "",
  severities: ["UNKNOWN", "LOW", "MEDIUM", "HIGH", "CRITICAL"],
  platforms: [],
};
const token = { marker: "token" } as unknown as Secret;
const password = { marker: "password" } as unknown as Secret;
const SHA = "3f2a9c1d0e4b5a69788796a5b4c3d2e1f0a9b8c7";

const none = {
  publish: false,
  rehearse: false,
  repository: "",
  branch: "",
  sha: "",
  runUrl: "",
  registryUsername: "",
  sign: false,
  failOn: "",
};

describe("planCi", () => {
  it("with no arguments runs every check and says why it neither publishes nor comments", () => {
    const plan = planCi(settings, none);
    expect(plan.publish).toBeUndefined();
    expect(plan.publishSkipped).toBe("not requested (pass --publish with credentials, or --rehearse)");
    expect(plan.comment).toBeUndefined();
    expect(plan.commentSkipped).toBe("no --github-token given");
    expect(plan.localName).toBe("sample-app:local");
    expect(plan.labels).toEqual({ source: "", revision: "", created: "" });
    expect(plan.versions).toEqual(["3.12", "3.14t"]);
  });

  it("publishes to <registry>/<owner>/<repo> with the GitHub token when no registry password is given", () => {
    const plan = planCi(settings, {
      ...none,
      publish: true,
      repository: "Octo-Org/My-Service",
      branch: "feature/login",
      sha: SHA,
      githubToken: token,
    });
    expect(plan.publish?.plan.addresses).toEqual([
      "ghcr.io/octo-org/my-service:feature-login-df7c7aeb",
      "ghcr.io/octo-org/my-service:sha-3f2a9c1",
    ]);
    expect(plan.publish?.auth).toEqual({ username: "Octo-Org", password: token });
    expect(plan.comment).toEqual({
      repository: "Octo-Org/My-Service",
      sha: SHA,
      branch: "feature/login",
      token,
    });
    expect(plan.labels.source).toBe("https://github.com/Octo-Org/My-Service");
    expect(plan.labels.revision).toBe(SHA);
    expect(plan.labels.created).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it("prefers the registry password and username when given", () => {
    const plan = planCi(settings, {
      ...none,
      publish: true,
      repository: "o/r",
      branch: "main",
      event: "push",
      registryUsername: "octocat",
      registryPassword: password,
      githubToken: token,
    });
    expect(plan.publish?.auth).toEqual({ username: "octocat", password });
    expect(plan.publish?.plan.tags).toEqual(["main"]);
  });

  it("moves main and develop only on a push run: a pull request from 'develop' gets its sha tag alone", () => {
    const pr = { ...none, publish: true, repository: "o/r", branch: "develop", sha: SHA, githubToken: token };
    const plan = planCi(settings, { ...pr, event: "pull_request" });
    expect(plan.publish?.plan.tags).toEqual(["sha-3f2a9c1"]);
    expect(plan.publish?.plan.held).toBe(
      "'develop' not moved: only a push run of develop moves it (event: pull_request)",
    );
    expect(planCi(settings, { ...pr, event: "push" }).publish?.plan.tags).toEqual(["develop", "sha-3f2a9c1"]);
    expect(() => planCi(settings, { ...pr, sha: "", event: "pull_request" })).toThrow(
      "Nothing to push: the 'develop' tag moves only on a push run (--event push)",
    );
  });

  it("plans keyless signing from the runner's OIDC request, or a key; refuses half of either", () => {
    const pub = { ...none, publish: true, repository: "o/r", branch: "x", sha: SHA, githubToken: token };
    const oidc = { oidcRequestUrl: "https://pipelines.actions.example/idtoken?x=1", oidcRequestToken: token };
    expect(planCi(settings, { ...pub, sign: true, ...oidc }).publish?.signer).toEqual({
      kind: "keyless",
      requestUrl: oidc.oidcRequestUrl,
      requestToken: token,
    });
    expect(planCi(settings, { ...pub, sign: true, cosignKey: password }).publish?.signer).toEqual({
      kind: "key",
      key: password,
    });
    expect(() => planCi(settings, { ...pub, sign: true })).toThrow("--sign needs a way to sign");
    expect(() =>
      planCi(settings, { ...pub, sign: true, oidcRequestUrl: "http://x", oidcRequestToken: token }),
    ).toThrow("Invalid --oidc-request-url 'http://x'");
    expect(() => planCi(settings, { ...none, sign: true, ...oidc })).toThrow("--sign needs --publish");
    expect(planCi(settings, pub).publish?.signer).toBeUndefined();
  });

  it("refuses keyless signing on a GitHub Enterprise Server run, before anything starts; a key signs there", () => {
    const pub = { ...none, publish: true, repository: "o/r", branch: "x", sha: SHA, githubToken: token };
    const oidc = { oidcRequestUrl: "https://pipelines.actions.example/idtoken?x=1", oidcRequestToken: token };
    const ghes = { githubApiUrl: "https://github.example.com/api/v3" };
    expect(() => planCi(settings, { ...pub, sign: true, ...oidc, ...ghes })).toThrow(
      "Keyless signing works only on github.com: public Fulcio trusts GitHub Actions tokens of token.actions.githubusercontent.com alone, and this run's GitHub is github.example.com",
    );
    expect(planCi(settings, { ...pub, sign: true, cosignKey: password, ...ghes }).publish?.signer?.kind).toBe(
      "key",
    );
    expect(
      planCi(settings, { ...pub, sign: true, ...oidc, githubApiUrl: "https://api.github.com/" }).publish
        ?.signer?.kind,
    ).toBe("keyless");
  });

  it("refuses an event or API URL it cannot use, naming the value", () => {
    expect(() => planCi(settings, { ...none, event: "Push!" })).toThrow("Invalid event 'Push!'");
    expect(() => planCi(settings, { ...none, githubApiUrl: "ftp://ghe" })).toThrow("ftp://ghe");
  });

  it("rehearses against the in-engine registry with no credentials", () => {
    const plan = planCi(settings, { ...none, rehearse: true, branch: "feature/login" });
    expect(plan.publish?.rehearsal).toBe(true);
    expect(plan.publish?.auth).toBeUndefined();
    expect(plan.publish?.plan.addresses).toEqual(["localhost:5000/rehearsal/app:feature-login-df7c7aeb"]);
  });

  it("explains a token without the repository and commit needed to find the PR", () => {
    expect(planCi(settings, { ...none, githubToken: token }).commentSkipped).toBe(
      "needs the repository and --sha to find the pull request",
    );
  });

  it.each([
    [{ publish: true }, "--publish needs the GitHub repository. Expected --repository OWNER/REPO"],
    [
      { publish: true, repository: "o/r", branch: "main", sha: SHA },
      "--publish needs a credential for ghcr.io",
    ],
    [{ publish: true, repository: "o/r", githubToken: token }, "Missing --branch"],
    [{ publish: true, rehearse: true }, "--publish and --rehearse exclude each other"],
    [{ repository: "not-a-repo" }, "Invalid repository 'not-a-repo'. Expected owner/name"],
    [{ failOn: "severe" }, "Invalid --fail-on 'severe'"],
    [
      { publish: true, repository: "o/r", branch: "main", sha: "xyz", githubToken: token },
      "Invalid commit SHA 'xyz'",
    ],
  ] as const)("refuses %j before any work", (overrides, message) => {
    expect(() => planCi(settings, { ...none, ...overrides })).toThrow(message);
  });

  it("--diff-threshold: 0 (the default) is report-only, above 0 to 100 a gate, anything else refused naming the value", () => {
    expect(planCi(settings, none).diffThreshold).toBeUndefined();
    expect(planCi(settings, { ...none, diffThreshold: 0 }).diffThreshold).toBeUndefined();
    expect(planCi(settings, { ...none, diffThreshold: 0.5 }).diffThreshold).toBe(0.5);
    expect(planCi(settings, { ...none, diffThreshold: 87.5 }).diffThreshold).toBe(87.5);
    expect(planCi(settings, { ...none, diffThreshold: 100 }).diffThreshold).toBe(100);
    for (const bad of [101, -0.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => planCi(settings, { ...none, diffThreshold: bad })).toThrow(
        `Invalid --diff-threshold '${bad}'. Expected a number from 0 to 100, e.g. 80 (0, the default, only reports).`,
      );
    }
  });

  it("keeps the fail-on severity and the settings' multi-arch platform list", () => {
    const plan = planCi(
      { ...settings, platforms: ["linux/amd64", "linux/arm64"] },
      { ...none, failOn: "high" },
    );
    expect(plan.failOn).toBe("HIGH");
    expect(plan.platforms).toEqual(["linux/amd64", "linux/arm64"]);
  });
});

describe("planCi, what the plan leaves out and what a rehearsal moves", () => {
  it("carries no sha, branch, fail-on or diff threshold it was not given", () => {
    const plan = planCi(settings, none);
    for (const key of ["sha", "branch", "failOn", "diffThreshold", "runUrl"])
      expect(plan).not.toHaveProperty(key);
    const given = planCi(settings, { ...none, sha: SHA, branch: "main", failOn: "HIGH", diffThreshold: 80 });
    expect(given).toMatchObject({ sha: SHA, branch: "main", failOn: "HIGH", diffThreshold: 80 });
  });

  it("rehearses as a push to the in-engine registry, so the branch tag moves there, and names a default branch", () => {
    const main = planCi(settings, {
      ...none,
      rehearse: true,
      branch: "main",
      sha: SHA,
      event: "pull_request",
    });
    expect(main.publish?.rehearsal).toBe(true);
    expect(main.publish?.plan.tags).toEqual(["main", "sha-3f2a9c1"]);
    expect(main.publish?.plan).not.toHaveProperty("held");
    const unnamed = planCi(settings, { ...none, rehearse: true });
    expect(unnamed.publish?.plan.addresses).toEqual(["localhost:5000/rehearsal/app:rehearsal"]);
    const real = planCi(settings, {
      ...none,
      publish: true,
      repository: "o/r",
      branch: "b",
      sha: SHA,
      githubToken: token,
    });
    expect(real.publish?.rehearsal).toBe(false);
  });

  it("keeps a signing key's password, and without a URL an OIDC token alone is no way to sign", () => {
    const key = { marker: "key" } as unknown as Secret;
    const signing = {
      ...none,
      publish: true,
      repository: "o/r",
      branch: "b",
      sha: SHA,
      registryPassword: password,
      sign: true,
    };
    const signed = planCi(settings, { ...signing, cosignKey: key, cosignPassword: password });
    expect(signed.publish?.signer).toEqual({ kind: "key", key, password });
    expect(() => planCi(settings, { ...signing, oidcRequestToken: token })).toThrow(
      /^--sign needs a way to sign\./,
    );
  });
});
