/**
 * The plain parts of the stages that do I/O: where an image goes, what a failed run says, which Python combines
 * coverage. No engine: these are the decisions, not the containers.
 */
import { describe, expect, it } from "vitest";
import { runDeploy } from "../../dagger/src/pipeline/deploy.js";
import { failureLines } from "../../dagger/src/pipeline/judge.js";
import type { CiStatus } from "../../dagger/src/report/types.js";
import { parseRelease } from "../../dagger/src/settings/release.js";
import { branchTag } from "../../dagger/src/settings/tags.js";
import { parseDigest, pinnedReference, withoutCosignTrailer } from "../../dagger/src/stages/deploy.js";
import { combiningVersion } from "../../dagger/src/stages/matrix.js";
import {
  packagePage,
  planPublish,
  REHEARSAL_REGISTRY,
  requireAuth,
  withReleaseTags,
} from "../../dagger/src/stages/publish.js";

const SHA = "3f2a9c1d0e4b5a69788796a5b4c3d2e1f0a9b8c7";

describe("withoutCosignTrailer", () => {
  it("drops cosign's repeat of its error (cmd/cosign/main.go's log line), and nothing else", () => {
    expect(
      withoutCosignTrailer(
        "exit code: 10: Error: no signatures found\nmain.go:74: error during command execution: no signatures found",
      ),
    ).toBe("exit code: 10: Error: no signatures found");
    expect(withoutCosignTrailer("Error: x\nsee main.go:74: error during command execution: y")).toBe(
      "Error: x\nsee main.go:74: error during command execution: y",
    );
  });
});

describe("planPublish", () => {
  it("tags by branch and by commit, owner and repository lowercased", () => {
    expect(planPublish("ghcr.io", "Octo-Org/My-Service", "feature/login", SHA)).toEqual({
      registry: "ghcr.io",
      owner: "Octo-Org",
      repo: "My-Service",
      tags: ["feature-login-df7c7aeb", "sha-3f2a9c1"],
      addresses: [
        "ghcr.io/octo-org/my-service:feature-login-df7c7aeb",
        "ghcr.io/octo-org/my-service:sha-3f2a9c1",
      ],
      own: "sha-3f2a9c1",
    });
  });

  it("a release tags its version and the run, never a branch, and only from a push of its tag", () => {
    const release = parseRelease("v1.3.0rc1");
    expect(planPublish("ghcr.io", "o/r", "", SHA, "push", "7001-1", release)).toEqual({
      registry: "ghcr.io",
      owner: "o",
      repo: "r",
      tags: ["1.3.0rc1", "run-7001-1"],
      addresses: ["ghcr.io/o/r:1.3.0rc1", "ghcr.io/o/r:run-7001-1"],
      own: "run-7001-1",
      release,
    });
    // by hand (no event) with a commit; the branch given is not tagged
    expect(planPublish("ghcr.io", "o/r", "main", SHA, "", "", release).tags).toEqual([
      "1.3.0rc1",
      "sha-3f2a9c1",
    ]);
    expect(() => planPublish("ghcr.io", "o/r", "main", SHA, "pull_request", "", release)).toThrow(
      "--release v1.3.0rc1 publishes only from a push of its tag (this run's event: pull_request). Expected --event push, or no --release.",
    );
  });

  it("moves a release's X.Y, X and latest only past older releases, and says what it held", () => {
    const plan = planPublish("ghcr.io", "o/r", "", SHA, "push", "", parseRelease("v1.2.4"));
    expect(withReleaseTags(plan, ["v1.3.0", "v1.2.3", "docs-v9"])).toMatchObject({
      tags: ["1.2.4", "1.2", "sha-3f2a9c1"],
      addresses: ["ghcr.io/o/r:1.2.4", "ghcr.io/o/r:1.2", "ghcr.io/o/r:sha-3f2a9c1"],
      own: "sha-3f2a9c1",
      held: "'1' not moved: 1.3.0 (v1.3.0) is newer; 'latest' not moved: 1.3.0 (v1.3.0) is newer",
    });
    // a branch's plan is left as it is
    const branch = planPublish("ghcr.io", "o/r", "main", SHA, "push");
    expect(withReleaseTags(branch, ["v9.0.0"])).toBe(branch);
  });

  it("publishes the branch tag alone when no commit is given", () => {
    expect(planPublish(REHEARSAL_REGISTRY, "rehearsal/app", "main", "", "push").addresses).toEqual([
      "localhost:5000/rehearsal/app:main",
    ]);
  });

  it.each([
    ["octo-org", "main", SHA, "Invalid repository 'octo-org'. Expected owner/name"],
    ["https://github.com/o/r", "main", SHA, "Invalid repository"],
    ["o/r", "", SHA, "Missing --branch"],
    ["o/r", "  ", SHA, "Missing --branch"],
    ["o/r", "main", "not-a-sha", "Invalid commit SHA 'not-a-sha'"],
  ])("refuses %j %j %j before building anything", (repository, branch, sha, message) => {
    expect(() => planPublish("ghcr.io", repository, branch, sha)).toThrow(message);
  });

  it("holds a protected tag back on any run but a push, naming the event or its absence", () => {
    expect(planPublish("ghcr.io", "o/r", "main", SHA)).toMatchObject({
      tags: ["sha-3f2a9c1"],
      held: "'main' not moved: only a push run of main moves it (event: none)",
    });
    expect(planPublish("ghcr.io", "o/r", "develop", SHA, "pull_request").held).toBe(
      "'develop' not moved: only a push run of develop moves it (event: pull_request)",
    );
    expect(planPublish("ghcr.io", "o/r", "main", SHA, "push")).not.toHaveProperty("held");
  });

  it("a commit of blanks is no commit: the branch tag alone, or nothing to push", () => {
    // the branch tag's own spelling is test/settings/tags.test.ts's business
    expect(planPublish("ghcr.io", "o/r", "feature/x", "   ", "push").tags).toEqual([branchTag("feature/x")]);
    expect(() => planPublish("ghcr.io", "o/r", "main", "   ")).toThrow(
      "Nothing to push: the 'main' tag moves only on a push run (--event push), and neither --run-id nor --sha was given for the run's own tag.",
    );
  });

  it("refuses a registry with a scheme", () => {
    expect(() => planPublish("https://ghcr.io", "o/r", "main", "", "push")).toThrow(
      "Invalid registry 'https://ghcr.io'",
    );
  });
});

describe("packagePage", () => {
  it("links GHCR's package page of the repository, and nothing for another registry", () => {
    expect(packagePage(planPublish("ghcr.io", "Octo-Org/My-Service", "main", SHA, "push"))).toBe(
      "https://github.com/Octo-Org/My-Service/pkgs/container/my-service",
    );
    expect(packagePage(planPublish("registry.example.com", "o/r", "main", SHA, "push"))).toBeUndefined();
  });
});

describe("requireAuth", () => {
  const secret = { id: "a-secret" } as never;

  it("is none when neither part is given, and both when both are", () => {
    expect(requireAuth("", undefined, "ghcr.io")).toBeUndefined();
    expect(requireAuth("octocat", secret, "ghcr.io")).toEqual({ username: "octocat", password: secret });
  });

  it("names the missing half", () => {
    expect(() => requireAuth("octocat", undefined, "ghcr.io")).toThrow(
      "Missing --registry-password for ghcr.io. Expected a secret, e.g. --registry-password=env:GITHUB_TOKEN.",
    );
    expect(() => requireAuth("", secret, "ghcr.io")).toThrow("Missing --registry-username for ghcr.io");
  });
});

describe("deploy by digest", () => {
  const digest = `sha256:${"ab".repeat(32)}`;

  it("pins the tagged reference to the digest", () => {
    expect(pinnedReference("ghcr.io/o/r:main", digest)).toBe(`ghcr.io/o/r@${digest}`);
    expect(pinnedReference("localhost:5000/o/r:main", digest)).toBe(`localhost:5000/o/r@${digest}`);
    expect(pinnedReference("localhost:5000/o/r", digest)).toBe(`localhost:5000/o/r@${digest}`);
    expect(pinnedReference("app", digest)).toBe(`app@${digest}`);
    // a reference that is already pinned moves to the new digest, whatever it carried
    expect(pinnedReference(`ghcr.io/o/r:main@sha256:${"cd".repeat(32)}`, digest)).toBe(
      `ghcr.io/o/r@${digest}`,
    );
    expect(pinnedReference(`ghcr.io/o/r@sha256:${"cd".repeat(32)}`, digest)).toBe(`ghcr.io/o/r@${digest}`);
  });

  it.each([
    ["sha256:abc"],
    ["ABCDEF"],
    [`sha512:${"a".repeat(128)}`],
    [`sha256:${"G".repeat(64)}`],
    [`xsha256:${"a".repeat(64)}`],
    [`sha256:${"a".repeat(64)}x`],
  ])("refuses digest %j", (bad) => {
    expect(() => parseDigest(bad)).toThrow(`Invalid digest '${bad}'. Expected sha256: followed by 64`);
  });
});

describe("combiningVersion", () => {
  it.each([
    [["3.10", "3.11", "3.12", "3.13", "3.14", "3.14t"], "3.14"],
    [["3.14t"], "3.14t"],
    [["3.10", "3.14t"], "3.10"],
    [[], undefined],
  ])("combines %j on %s", (versions, expected) => {
    expect(combiningVersion(versions)).toBe(expected);
  });
});

function status(overrides: Partial<CiStatus>): CiStatus {
  return {
    passed: false,
    lint: { passed: true, findings: [], unformatted: [] },
    tests: [{ version: "3.12", passed: true, tests: 10, failures: 0, errors: 0, skipped: 0, coverage: 95 }],
    gate: {
      passed: true,
      threshold: 90,
      coverage: 95,
      message: "Combined coverage 95.00% meets the 90% threshold.",
    },
    smoke: { passed: true, command: "python -m sample_app 2 3", expected: "5", output: "5" },
    skipped: [],
    warnings: [],
    ...overrides,
  };
}

describe("failureLines", () => {
  it("says nothing for a run where every gate passed", () => {
    expect(failureLines(status({ passed: true }))).toEqual([]);
  });

  it("names every failed gate with its figures", () => {
    const lines = failureLines(
      status({
        lint: {
          passed: false,
          findings: [{ file: "a.py", line: 1, column: 1, code: "F401", message: "unused" }],
          unformatted: ["b.py"],
        },
        tests: [
          { version: "3.12", passed: false, tests: 10, failures: 2, errors: 1, skipped: 0 },
          {
            version: "3.14t",
            passed: false,
            tests: 0,
            failures: 0,
            errors: 0,
            skipped: 0,
            error: "uv sync failed",
          },
        ],
        gate: {
          passed: false,
          threshold: 90,
          coverage: 80,
          message: "Combined coverage 80.00% is below the 90% threshold.",
        },
        smoke: { passed: false, command: "python -m sample_app 2 3", expected: "5", output: "6" },
        scan: {
          passed: false,
          counts: { CRITICAL: 1, HIGH: 0, MEDIUM: 0, LOW: 0, UNKNOWN: 0 },
          failOn: "HIGH",
          scanner: "aquasec/trivy:0.69.3",
        },
      }),
    );
    expect(lines).toEqual([
      "lint: 1 finding(s), 1 file(s) to reformat",
      "tests on Python 3.12: 2 failure(s), 1 error(s) of 10",
      "tests on Python 3.14t: uv sync failed",
      "coverage gate: Combined coverage 80.00% is below the 90% threshold.",
      "smoke run: 'python -m sample_app 2 3' printed '6', expected '5'",
      "scan: findings at or above HIGH",
    ]);
  });

  it("names the stages that could not run and so failed the run", () => {
    const lines = failureLines(
      status({
        errors: ["publish: 403 denied", "scan: --fail-on HIGH needs a scan, and Trivy could not run"],
      }),
    );
    expect(lines).toEqual([
      "publish: 403 denied",
      "scan: --fail-on HIGH needs a scan, and Trivy could not run",
    ]);
  });

  it("reports a broken build", () => {
    const lines = failureLines(
      status({ smoke: undefined, skipped: [{ stage: "build", reason: "the image did not build: x" }] }),
    );
    expect(lines).toEqual(["build: the image did not build"]);
  });
});

describe("deploy refuses bad input before pulling anything", () => {
  const settings = {
    source: {} as never,
    app: "sample-app",
    versions: ["3.12"],
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
    severities: [],
    platforms: [],
  };
  const args = {
    branch: "main",
    repository: "o/r",
    sha: SHA,
    digest: "",
    environment: "",
    event: "push",
    runUrl: "",
    githubApiUrl: "",
    registryUsername: "",
    allowUnsigned: false,
  };

  it.each([
    [{ repository: "o" }, "Invalid repository 'o'. Expected owner/name"],
    [{ environment: "Prod!" }, "Invalid environment 'Prod!'"],
    [{ digest: "sha256:1234" }, "Invalid digest 'sha256:1234'"],
    [{ registryUsername: "octocat" }, "Missing --registry-password"],
    [
      { branch: " " },
      "deploy needs --branch or --release. Expected the branch whose image to deploy, e.g. --branch main, or a release's tag, e.g. --release v1.2.3.",
    ],
    [{ sha: "3f2a9c1" }, "Invalid --sha '3f2a9c1'. Expected the full 40-hex commit id"],
    [{ event: "Push" }, "Invalid event 'Push'"],
    [{ githubApiUrl: "ghe.example.com" }, "ghe.example.com"],
  ])("%j", async (overrides, message) => {
    await expect(runDeploy(settings, { ...args, ...overrides })).rejects.toThrow(message);
  });
});
