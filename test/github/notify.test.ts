/**
 * commentOnPullRequest, the module's one call into dagger/src/github/: the real Octokit against the local fake GitHub,
 * configured only through the CommentTarget the module builds from its arguments.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type CommentTarget, commentOnPullRequest } from "../../dagger/src/github/notify.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { fastTimers } from "../helpers/fast-timers.js";

// Octokit's throttling and retry waits pass at once (helpers/fast-timers.ts)
fastTimers();

const SHA = "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f";
const MARKER = "<!-- pipeline:ci -->";

/** A stand-in for a Dagger Secret: only plaintext() is called, and each read is counted. */
function secret(value: string): { token: CommentTarget["token"]; reads: () => number } {
  let reads = 0;
  const token = {
    plaintext: async () => {
      reads++;
      return value;
    },
  } as unknown as CommentTarget["token"];
  return { token, reads: () => reads };
}

let servers: FakeGitHub[] = [];

async function fake(opts: { prefix?: "" | "/api/v3" } = {}): Promise<FakeGitHub> {
  const gh = new FakeGitHub(opts);
  await gh.start();
  servers.push(gh);
  return gh;
}

afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

describe("commentOnPullRequest", () => {
  it("talks to the API root given as apiUrl: GitHub Enterprise Server's https://HOST/api/v3", async () => {
    const gh = await fake({ prefix: "/api/v3" });
    gh.addPull({ number: 7, ref: "feature/login", sha: SHA });
    gh.commitPulls.set(SHA, [7]);
    const { token } = secret(gh.token);
    const target = { repository: "octo-org/my-service", sha: SHA, apiUrl: gh.apiUrl, token };
    expect(await commentOnPullRequest(target, MARKER, "all green")).toEqual({ posted: true, pullRequest: 7 });
    expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([`${MARKER}\nall green`]);
    expect(gh.requests.every((r) => r.path.startsWith("/api/v3/") || r.path === "/api/graphql")).toBe(true);
    expect(gh.calls("POST", /^\/api\/graphql$/)).toHaveLength(1);
    // every request names the pipeline (GitHub asks API clients for a User-Agent that identifies them)
    expect(new Set(gh.requests.map((r) => r.userAgent?.split(" ")[0]))).toEqual(
      new Set(["python-service-pipeline"]),
    );
  });

  it.each(["http://ghe.example.com/api/v3", "ghe.example.com", ""])(
    "rejects apiUrl '%s' before reading the token",
    async (apiUrl) => {
      const { token, reads } = secret("ghp_neverRead");
      const target = { repository: "octo-org/my-service", sha: SHA, apiUrl, token };
      await expect(commentOnPullRequest(target, MARKER, "x")).rejects.toThrow(
        `Invalid GitHub API URL '${apiUrl}'. Expected an https URL without credentials, e.g. https://ghe.example.com/api/v3`,
      );
      expect(reads()).toBe(0);
    },
  );

  it("finds a fork's pull request through headOwner", async () => {
    const gh = await fake();
    gh.addPull({ number: 12, ref: "feature/login", sha: SHA, fork: "contributor/my-service" });
    const { token } = secret(gh.token);
    const target = {
      repository: "octo-org/my-service",
      sha: SHA,
      branch: "feature/login",
      headOwner: "contributor",
      apiUrl: gh.apiUrl,
      token,
    };
    expect(await commentOnPullRequest(target, MARKER, "x")).toEqual({ posted: true, pullRequest: 12 });
    expect(gh.calls("GET", /\/pulls$/).at(-1)?.query.head).toBe("contributor:feature/login");
  });

  it("turns a secondary rate limit past the wait budget into a warning, without waiting", async () => {
    const gh = await fake();
    gh.addPull({ number: 7, ref: "feature/login", sha: SHA });
    gh.commitPulls.set(SHA, [7]);
    gh.faults.push({
      method: "POST",
      path: /\/issues\/7\/comments$/,
      status: 403,
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      headers: { "retry-after": "600" },
    });
    const { token } = secret(gh.token);
    const started = Date.now();
    const result = await commentOnPullRequest(
      { repository: "octo-org/my-service", sha: SHA, apiUrl: gh.apiUrl, token },
      MARKER,
      "x",
    );
    expect(result).toEqual({
      posted: false,
      warning: "PR comment: GitHub's secondary rate limit was hit (403) and waiting it out was given up",
    });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(gh.comments.get(7) ?? []).toHaveLength(0);
  });
});

describe("commentOnPullRequest: nothing to comment on, or no way to", () => {
  it("with no open pull request for the commit, posts nothing and says so with the short SHA", async () => {
    const gh = await fake();
    gh.addPull({ number: 7, ref: "feature/login", sha: "0000000000000000000000000000000000000001" });
    const { token, reads } = secret(gh.token);
    const target = {
      repository: "octo-org/my-service",
      sha: SHA,
      branch: "feature/login",
      apiUrl: gh.apiUrl,
      token,
    };
    expect(await commentOnPullRequest(target, MARKER, "x")).toEqual({
      posted: false,
      warning: "PR comment: no open pull request has head 3f2a9c1; nothing posted.",
    });
    expect(gh.comments.get(7) ?? []).toHaveLength(0);
    expect(gh.calls("POST", /comments$/)).toHaveLength(0);
    expect(reads()).toBe(1);
  });

  it("turns a rejected token into a warning that says so and never shows the token", async () => {
    const gh = await fake();
    const { token } = secret("ghp_revokedTokenValue0000000000");
    const target = { repository: "octo-org/my-service", sha: SHA, apiUrl: gh.apiUrl, token };
    const result = await commentOnPullRequest(target, MARKER, "x");
    expect(result).toEqual({
      posted: false,
      warning: "PR comment: the token was rejected (401): check that it is valid and not expired",
    });
    expect(JSON.stringify(result)).not.toContain("ghp_");
  });
});
