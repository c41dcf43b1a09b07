/**
 * The real Octokit (createOctokit: retry + throttling plugins) against a local server that answers like
 * api.github.com. No network: every request goes to 127.0.0.1.
 */
import { inspect } from "node:util";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
// the module's own copies (dagger/node_modules): github/client.ts loads these at run time; tests are not introspected
import { retry } from "../../dagger/node_modules/@octokit/plugin-retry";
import { throttling } from "../../dagger/node_modules/@octokit/plugin-throttling";
import { Octokit as RestOctokit } from "../../dagger/node_modules/@octokit/rest";
import {
  createOctokit,
  describeGitHubError,
  type Octokit,
  parseGitHubApiUrl,
} from "../../dagger/src/github/client.js";
import { capCommentBody, MAX_COMMENT_LENGTH, upsertComment } from "../../dagger/src/github/comments.js";
import { findPullRequest } from "../../dagger/src/github/pulls.js";
import { ACTIONS_BOT, FakeGitHub, type FakeUser, type Fault } from "../helpers/fake-github.js";
import { fastTimers } from "../helpers/fast-timers.js";

const SHA = "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f";
const OTHER_SHA = "0000000000000000000000000000000000000001";
const MARKER = "<!-- pipeline:ci -->";

let gh: FakeGitHub;
let octokit: Octokit;
let warnings: string[];
let testId = 0;

function client(token = gh.token): Promise<Octokit> {
  return createOctokit({
    token,
    baseUrl: gh.baseUrl,
    log: (msg) => warnings.push(msg),
    // a distinct id per client: the throttling plugin spaces writes per id across the whole process
    throttleId: `test-${++testId}`,
  });
}

/** A client that waits 10 ms per second of back-off or retry-after, so retries cost a test little time. */
function quickClient(retries?: number): Promise<Octokit> {
  return gh.client({ log: (msg) => warnings.push(msg), ...(retries === undefined ? {} : { retries }) });
}

const repo = () => ({ owner: gh.owner, repo: gh.repo });

const APP_BOT: FakeUser = { login: "pipeline-app[bot]", type: "Bot" };

/**
 * GitHub's answer to a secondary rate limit: 403, the message the throttling plugin knows, and retry-after.
 * On the comment listing, a read: the throttling plugin spaces writes (3 s for a POST comment) even on retries.
 */
function secondaryLimit(retryAfter: string, times = 1): Fault {
  return {
    method: "GET",
    path: /\/issues\/7\/comments$/,
    status: 403,
    message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
    headers: { "retry-after": retryAfter },
    times,
  };
}

/** Runs `fn`, expecting it to throw, and returns the error. */
async function failure(fn: () => Promise<unknown>): Promise<Error & { status?: number }> {
  try {
    await fn();
  } catch (err) {
    return err as Error & { status?: number };
  }
  throw new Error("expected a failure");
}

/** Every message along the cause chain, and the error as util.inspect shows it. */
function everything(err: unknown): string {
  const parts: string[] = [inspect(err, { depth: 6 })];
  for (let e = err; e instanceof Error; e = e.cause) parts.push(e.message);
  return parts.join("\n");
}

fastTimers();

beforeEach(async () => {
  gh = new FakeGitHub();
  await gh.start();
  warnings = [];
  octokit = await client();
});

afterEach(async () => {
  await gh.close();
});

describe("findPullRequest", () => {
  it("finds the open pull request whose head is the commit, through the commit endpoint", async () => {
    gh.addPull({ number: 7, ref: "feature/login", sha: SHA });
    gh.commitPulls.set(SHA, [7]);
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "feature/login" })).toBe(7);
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/octo-org/my-service/commits/${SHA}/pulls`,
    ]);
    expect(gh.requests.every((r) => r.authorized)).toBe(true);
  });

  it("finds a fork's pull request by head owner, branch and head SHA when the commit endpoint returns []", async () => {
    gh.addPull({ number: 3, ref: "feature/login", sha: SHA, fork: "someone/my-service" });
    gh.addPull({ number: 12, ref: "feature/login", sha: SHA, fork: "contributor/my-service" });
    gh.addPull({ number: 13, ref: "other", sha: SHA, fork: "contributor/my-service" });
    const args = { ...repo(), sha: SHA, branch: "feature/login", headOwner: "contributor" };
    expect(await findPullRequest(octokit, args)).toBe(12);
    expect(gh.calls("GET", /\/pulls$/).map((r) => r.query)).toEqual([
      { per_page: "100" },
      { state: "open", head: "contributor:feature/login", per_page: "100" },
    ]);
  });

  it("asks only for the open pull requests of owner:branch, not every open pull request", async () => {
    for (let n = 1; n <= 230; n++) {
      // GitHub lists the newest first: unfiltered, #5 would be on the last of three pages
      gh.addPull(
        n === 5
          ? { number: n, ref: "fork-branch", sha: SHA, fork: "contributor/my-service" }
          : { number: n, ref: `b-${n}`, sha: OTHER_SHA },
      );
    }
    const args = { ...repo(), sha: SHA, branch: "fork-branch", headOwner: "Contributor" };
    expect(await findPullRequest(octokit, args)).toBe(5);
    const listed = gh.calls("GET", /\/pulls$/).filter((r) => r.query.state === "open");
    expect(listed.map((r) => r.query)).toEqual([
      { state: "open", head: "Contributor:fork-branch", per_page: "100" },
    ]);
  });

  it("pages through every pull request the head filter returns", async () => {
    // one head branch, 121 base branches: the match, #5, is the oldest, on page two
    for (let n = 5; n <= 125; n++) {
      gh.addPull({ number: n, ref: "fork-branch", sha: n === 5 ? SHA : OTHER_SHA, fork: "contributor/x" });
    }
    const args = { ...repo(), sha: SHA, branch: "fork-branch", headOwner: "contributor" };
    expect(await findPullRequest(octokit, args)).toBe(5);
    const pages = gh.calls("GET", /\/pulls$/).filter((r) => r.query.state === "open");
    expect(pages.map((r) => r.query.page ?? "1")).toEqual(["1", "2"]);
  });

  it("defaults the head owner to the repository's owner, which finds no fork's pull request", async () => {
    gh.addPull({ number: 12, ref: "feature/login", sha: SHA, fork: "contributor/my-service" });
    gh.addPull({ number: 14, ref: "same-repo", sha: SHA });
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "feature/login" })).toBeUndefined();
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "same-repo" })).toBe(14);
    expect(
      gh
        .calls("GET", /\/pulls$/)
        .map((r) => r.query.head)
        .filter(Boolean),
    ).toEqual(["octo-org:feature/login", "octo-org:same-repo"]);
  });

  it("rejects a malformed head owner before calling GitHub", async () => {
    const args = { ...repo(), sha: SHA, branch: "b", headOwner: "evil:other" };
    await expect(findPullRequest(octokit, args)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[InputError: Invalid head owner 'evil:other'. Expected the GitHub user or organization that owns the pull request's head repository, e.g. octocat.]`,
    );
    expect(gh.requests).toHaveLength(0);
  });

  it("returns undefined when no pull request matches", async () => {
    gh.addPull({ number: 4, ref: "feature/login", sha: OTHER_SHA });
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "feature/login" })).toBeUndefined();
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA })).toBeUndefined();
  });

  it("does not choose a closed pull request on the commit", async () => {
    gh.addPull({ number: 5, ref: "feature/login", sha: SHA, state: "closed" });
    gh.commitPulls.set(SHA, [5]);
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "feature/login" })).toBeUndefined();
  });

  it("prefers the head match and, among several, the lowest number", async () => {
    gh.addPull({ number: 20, ref: "feature/login", sha: SHA });
    gh.addPull({ number: 9, ref: "feature/login", sha: SHA });
    gh.addPull({ number: 2, ref: "older", sha: OTHER_SHA }); // contains the commit, head moved on
    gh.commitPulls.set(SHA, [20, 9, 2]);
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA })).toBe(9);
  });

  it("treats an unknown commit (422) as no pull request and still tries the branch", async () => {
    gh.unknownShas.add(SHA);
    gh.addPull({ number: 8, ref: "fork-branch", sha: SHA });
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "fork-branch" })).toBe(8);
  });

  it("propagates other errors with their status", async () => {
    gh.faults.push({
      method: "GET",
      path: /\/commits\//,
      status: 403,
      message: "Resource not accessible by integration",
    });
    const err = await failure(() => findPullRequest(octokit, { ...repo(), sha: SHA, branch: "x" }));
    expect(err.status).toBe(403);
    expect(err.message).toContain("Could not list the pull requests of commit");
  });

  it("rejects a short or malformed SHA before calling GitHub", async () => {
    await expect(findPullRequest(octokit, { ...repo(), sha: "abc1234" })).rejects.toThrow(
      /Invalid commit SHA 'abc1234'/,
    );
    expect(gh.requests).toHaveLength(0);
  });
});

describe("upsertComment", () => {
  beforeEach(() => {
    gh.addPull({ number: 7, ref: "feature/login", sha: SHA });
  });

  it("creates a comment starting with the marker when there is none", async () => {
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "hello" });
    expect(result.action).toBe("created");
    const [comment] = gh.comments.get(7) ?? [];
    expect(comment).toMatchObject({ id: result.id, body: `${MARKER}\nhello`, user: { login: "octocat" } });
  });

  it("with a personal token, updates its own comment (the GraphQL viewer, any case)", async () => {
    gh.identity = { login: "Release-Bot", type: "User" };
    gh.addComment(7, { login: "release-bot", type: "User" }, `${MARKER}\nold`);
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "new" });
    expect(result.action).toBe("updated");
    expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([`${MARKER}\nnew`]);
  });

  it("updates its comment when the body starts with blank lines before the marker", async () => {
    const ours = gh.addComment(7, { login: "octocat", type: "User" }, `\n \n${MARKER}\nold`);
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "new" });
    expect(result).toEqual({ id: ours.id, action: "updated" });
    expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([`${MARKER}\nnew`]);
  });

  it("reports a create that GitHub does not list yet as created, and merges nothing", async () => {
    gh.listLags = true;
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" });
    const [comment] = gh.comments.get(7) ?? [];
    expect(result).toEqual({ id: comment.id, action: "created" });
    expect(gh.calls("GET", /comments$/)).toHaveLength(2); // listed again after the create
    expect(gh.calls("PATCH", /comments/)).toHaveLength(0);
    expect(gh.calls("DELETE", /comments/)).toHaveLength(0);
  });

  it("names the comment it created when listing the comments again fails", async () => {
    gh.faults.push({ method: "GET", path: /comments$/, status: 403, message: "Forbidden", after: 1 });
    const err = await failure(() =>
      upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" }),
    );
    const [comment] = gh.comments.get(7) ?? [];
    expect(err.message).toBe(
      `Created comment ${comment.id} on octo-org/my-service#7, but could not list the comments again: the token cannot write to this repository (403; a fork's pull request gets a read-only token)`,
    );
    expect(err.status).toBe(403);
  });

  it("with the Actions GITHUB_TOKEN (GET /user is 403), updates github-actions[bot]'s comment", async () => {
    gh.identity = null;
    gh.addComment(7, { login: "octocat", type: "User" }, "LGTM");
    const ours = gh.addComment(7, ACTIONS_BOT, `${MARKER}\nold`);
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "new" });
    expect(result).toEqual({ id: ours.id, action: "updated" });
    expect(gh.calls("GET", /^\/user$/)).toHaveLength(1);
    expect(gh.calls("PATCH", /comments/)[0].path).toBe(
      `/repos/octo-org/my-service/issues/comments/${ours.id}`,
    );
  });

  it("with a GitHub App installation token (GET /user is 403), updates <app-slug>[bot]'s comment: the GraphQL viewer", async () => {
    gh.identity = null;
    gh.viewer = { login: APP_BOT.login };
    const actions = gh.addComment(7, ACTIONS_BOT, `${MARKER}\nanother workflow's, not ours`);
    const ours = gh.addComment(7, APP_BOT, `${MARKER}\nold`);
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "new" });
    expect(result).toEqual({ id: ours.id, action: "updated" });
    expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([actions.body, `${MARKER}\nnew`]);
    expect(gh.calls("POST", /^\/graphql$/).map((r) => r.body)).toEqual([
      { query: "query { viewer { login } }" },
    ]);
    expect(gh.calls("GET", /^\/user$/)).toHaveLength(0);
    expect(gh.calls("POST", /comments$/)).toHaveLength(0);
  });

  it.each<{ graphql: string; refuse: () => void; identity: FakeUser | null; author: FakeUser }>([
    {
      graphql: "answers errors: FORBIDDEN",
      refuse: () => (gh.viewer = "forbidden"),
      identity: null,
      author: ACTIONS_BOT,
    },
    {
      graphql: "answers 403",
      refuse: () =>
        gh.faults.push({
          method: "POST",
          path: /^\/graphql$/,
          status: 403,
          message: "Resource not accessible by integration",
        }),
      identity: null,
      author: ACTIONS_BOT,
    },
    {
      graphql: "answers errors: FORBIDDEN",
      refuse: () => (gh.viewer = "forbidden"),
      identity: { login: "release-bot", type: "User" },
      author: { login: "release-bot", type: "User" },
    },
  ])(
    "when GraphQL $graphql, falls back to GET /user, then to github-actions[bot] ($author.login)",
    async ({ refuse, identity, author }) => {
      gh.identity = identity;
      refuse();
      const ours = gh.addComment(7, author, `${MARKER}\nold`);
      const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "new" });
      expect(result).toEqual({ id: ours.id, action: "updated" });
      expect(ours.body).toBe(`${MARKER}\nnew`);
      expect(gh.calls("POST", /^\/graphql$/)).toHaveLength(1);
      expect(gh.calls("GET", /^\/user$/)).toHaveLength(1);
    },
  );

  it("finds our comment on page two of 150 and updates it instead of adding another", async () => {
    for (let i = 0; i < 120; i++) gh.addComment(7, { login: "someone", type: "User" }, `comment ${i}`);
    const ours = gh.addComment(7, { login: "octocat", type: "User" }, `${MARKER}\nold`);
    for (let i = 0; i < 29; i++) gh.addComment(7, { login: "someone", type: "User" }, `later ${i}`);
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "new" });
    expect(result).toEqual({ id: ours.id, action: "updated" });
    expect(gh.comments.get(7)).toHaveLength(150);
    expect(gh.calls("POST", /comments/)).toHaveLength(0);
    const listed = gh.calls("GET", /\/issues\/7\/comments$/);
    expect(listed.map((r) => [r.query.per_page, r.query.page ?? "1"])).toEqual([
      ["100", "1"],
      ["100", "2"],
    ]);
  });

  it("keeps the oldest of several of ours, gives it the body and deletes the others, never someone else's", async () => {
    const octocat = { login: "octocat", type: "User" } as const;
    const first = gh.addComment(7, octocat, `${MARKER}\nfirst`);
    const theirs = gh.addComment(7, { login: "mallory", type: "User" }, `${MARKER}\nquoted`);
    const second = gh.addComment(7, octocat, `${MARKER}\nsecond`);
    gh.addComment(7, octocat, "<!-- pipeline:cd -->\nanother marker");
    const third = gh.addComment(7, octocat, `${MARKER}\nthird`);
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "new" });
    expect(result).toEqual({ id: first.id, action: "updated" });
    expect(gh.comments.get(7)?.map((c) => c.body)).toEqual([
      `${MARKER}\nnew`,
      `${MARKER}\nquoted`,
      "<!-- pipeline:cd -->\nanother marker",
    ]);
    expect(theirs.body).toBe(`${MARKER}\nquoted`);
    expect(gh.calls("DELETE", /comments/).map((r) => r.path)).toEqual([
      `/repos/octo-org/my-service/issues/comments/${second.id}`,
      `/repos/octo-org/my-service/issues/comments/${third.id}`,
    ]);
  });

  it("a create that landed but was answered 502 is retried; exactly one comment remains, the first", async () => {
    const quick = await quickClient();
    gh.faults.push({ method: "POST", path: /comments$/, status: 502, message: "Bad Gateway", landed: true });
    const result = await upsertComment(quick, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" });
    expect(gh.calls("POST", /comments$/)).toHaveLength(2); // Octokit retried the POST: GitHub created two
    const left = gh.comments.get(7) ?? [];
    expect(left.map((c) => c.body)).toEqual([`${MARKER}\nx`]);
    expect(result).toEqual({ id: left[0].id, action: "created" });
    const deleted = gh.calls("DELETE", /comments/).map((r) => Number(r.path.split("/").at(-1)));
    expect(deleted).toHaveLength(1);
    expect(deleted[0]).toBeGreaterThan(result.id); // the retry's copy went, the oldest stayed
    expect(gh.calls("PATCH", /comments/)).toHaveLength(0); // it already had the body
  });

  it("two runs that create at once leave one comment: the oldest, which both report", async () => {
    const [a, b] = await Promise.all([client(), client()]);
    const run = (o: Octokit, body: string) =>
      upsertComment(o, { ...repo(), issueNumber: 7, marker: MARKER, body });
    const results = await Promise.all([run(a, "run a"), run(b, "run b")]);
    expect(gh.calls("POST", /comments$/)).toHaveLength(2); // both saw none and created
    const left = gh.comments.get(7) ?? [];
    expect(left).toHaveLength(1);
    expect(results.map((r) => r.id)).toEqual([left[0].id, left[0].id]);
    expect([`${MARKER}\nrun a`, `${MARKER}\nrun b`]).toContain(left[0].body);
  });

  it("never deletes a comment that is not ours, even one that is older and carries the marker", async () => {
    const quick = await quickClient();
    const theirs = gh.addComment(7, { login: "mallory", type: "User" }, `${MARKER}\nolder, quoting`);
    gh.faults.push({ method: "POST", path: /comments$/, status: 502, message: "Bad Gateway", landed: true });
    await upsertComment(quick, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" });
    expect(gh.comments.get(7)?.map((c) => c.user.login)).toEqual(["mallory", "octocat"]);
    expect(theirs.body).toBe(`${MARKER}\nolder, quoting`);
    expect(gh.calls("DELETE", /comments/).map((r) => r.path)).not.toContain(
      `/repos/octo-org/my-service/issues/comments/${theirs.id}`,
    );
  });

  it("never edits someone else's comment that carries our marker: it creates ours", async () => {
    const theirs = gh.addComment(7, { login: "mallory", type: "User" }, `${MARKER}\nI quote your marker`);
    gh.addComment(7, { login: "octocat", type: "User" }, "a comment of ours without the marker");
    gh.addComment(7, { login: "octocat", type: "User" }, `the marker not first: ${MARKER}`);
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "ours" });
    expect(result.action).toBe("created");
    expect(result.id).not.toBe(theirs.id);
    expect(theirs.body).toBe(`${MARKER}\nI quote your marker`);
    expect(gh.calls("PATCH", /comments/)).toHaveLength(0);
  });

  it("keeps the CI and CD comments apart by marker", async () => {
    await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "ci" });
    // the CD job is another process with its own client (one client would space the two posts by 3 s)
    const cd = await upsertComment(await client(), {
      ...repo(),
      issueNumber: 7,
      marker: "<!-- pipeline:cd -->",
      body: "cd",
    });
    expect(cd.action).toBe("created");
    expect(gh.comments.get(7)).toHaveLength(2);
  });

  it("surfaces a 403 on create with its status and a one-line explanation", async () => {
    gh.faults.push({
      method: "POST",
      path: /comments$/,
      status: 403,
      message: "Resource not accessible by integration",
    });
    const err = await failure(() =>
      upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" }),
    );
    expect(err.status).toBe(403);
    expect(describeGitHubError(err)).toBe(
      "the token cannot write to this repository (403; a fork's pull request gets a read-only token)",
    );
    expect(err.message).toMatchInlineSnapshot(
      `"Could not create a comment on octo-org/my-service#7: the token cannot write to this repository (403; a fork's pull request gets a read-only token)"`,
    );
    expect(gh.calls("POST", /comments$/)).toHaveLength(1); // 403 is not retried
  });

  it("surfaces a 404 (unknown pull request or repository)", async () => {
    const err = await failure(() =>
      upsertComment(octokit, { ...repo(), issueNumber: 99, marker: MARKER, body: "x" }),
    );
    expect(err.status).toBe(404);
    expect(describeGitHubError(err)).toBe("not found (404): check --repository and the token's access");
    expect(err.message).toContain("octo-org/my-service#99");
  });

  it("retries a 500 and creates exactly one comment", async () => {
    gh.faults.push({ method: "POST", path: /comments$/, status: 500, message: "Server Error" });
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" });
    expect(result.action).toBe("created");
    expect(gh.calls("POST", /comments$/)).toHaveLength(2);
    expect(gh.comments.get(7)).toHaveLength(1);
  });

  it("gives up on a persistent 500 after the configured retries", async () => {
    const quick = await createOctokit({
      token: gh.token,
      baseUrl: gh.baseUrl,
      retries: 2,
      retryAfterBaseMs: 10,
      throttleId: "t-500",
    });
    // the identity is asked twice (GraphQL, then GET /user); each is retried twice, then given up
    gh.faults.push({ method: "POST", path: /^\/graphql$/, status: 502, message: "Bad Gateway", times: 10 });
    gh.faults.push({ method: "GET", path: /\/user$/, status: 502, message: "Bad Gateway", times: 10 });
    const err = await failure(() =>
      upsertComment(quick, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" }),
    );
    expect(err.status).toBe(502);
    expect(describeGitHubError(err)).toBe("GitHub API error 502");
    expect(gh.calls("POST", /^\/graphql$/)).toHaveLength(3);
    expect(gh.calls("GET", /^\/user$/)).toHaveLength(3);
  });

  it("waits out a secondary rate limit (retry-after: 1) and succeeds", async () => {
    gh.faults.push({
      method: "POST",
      path: /comments$/,
      status: 403,
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      headers: { "retry-after": "1" },
    });
    const started = Date.now();
    const result = await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" });
    const elapsed = Date.now() - started;
    expect(result.action).toBe("created");
    expect(gh.calls("POST", /comments$/)).toHaveLength(2);
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(elapsed).toBeLessThan(5000);
    expect(warnings).toEqual([
      "warning: GitHub secondary rate limit on POST /repos/{owner}/{repo}/issues/{issue_number}/comments; retrying in 1s (1/3)",
    ]);
  });

  it("gives up at once on a secondary rate limit that asks for more than 60 s", async () => {
    const quick = await quickClient();
    gh.faults.push(secondaryLimit("61"));
    const err = await failure(() =>
      upsertComment(quick, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" }),
    );
    expect(err.status).toBe(403);
    expect(describeGitHubError(err)).toBe(
      "GitHub's secondary rate limit was hit (403) and waiting it out was given up",
    );
    expect(gh.calls("GET", /comments$/)).toHaveLength(1);
    expect(warnings).toEqual([
      expect.stringMatching(
        /^warning: GitHub secondary rate limit on GET \S+\/issues\/7\/comments\S*; a 61s wait is past the 60s limit, giving up after 0 retries$/,
      ),
    ]);
  });

  it("waits out secondary rate limits for 60 s at most over a client's life, then gives up", async () => {
    const quick = await quickClient();
    const args = { ...repo(), issueNumber: 7, marker: MARKER, body: "x" };
    gh.faults.push(secondaryLimit("25", 3));
    expect((await failure(() => upsertComment(quick, args))).status).toBe(403);
    expect(gh.calls("GET", /comments$/)).toHaveLength(3); // the first try and two retries: 50 s waited
    // later, the same client: 10 s are left, so an 11 s wait is refused outright
    gh.faults.push(secondaryLimit("11"));
    expect((await failure(() => upsertComment(quick, args))).status).toBe(403);
    expect(gh.calls("GET", /comments$/)).toHaveLength(4);
    expect(
      warnings.map((w) => w.replace(/^warning: GitHub secondary rate limit on GET [^;]*; /, "")),
    ).toEqual([
      "retrying in 25s (1/3)",
      "retrying in 25s (2/3)",
      "a 25s wait would pass what this client may wait (10s left), giving up after 2 retries",
      "a 11s wait would pass what this client may wait (10s left), giving up after 0 retries",
    ]);
    // another client (the next run) has its own 60 s
    gh.faults.push(secondaryLimit("11"));
    expect((await upsertComment(await quickClient(), args)).action).toBe("created");
  });

  it("waits for a primary rate limit that resets soon, and reports one that resets in an hour", async () => {
    const quick = await createOctokit({
      token: gh.token,
      baseUrl: gh.baseUrl,
      retryAfterBaseMs: 10,
      throttleId: "t-primary",
      log: (msg) => warnings.push(msg),
    });
    const limited = (resetIn: number) => ({
      method: "GET",
      path: /\/issues\/7\/comments$/,
      status: 403,
      message: "API rate limit exceeded for installation ID 1.",
      headers: {
        "x-ratelimit-remaining": "0",
        "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + resetIn),
      },
    });
    gh.faults.push(limited(1));
    expect(
      (await upsertComment(quick, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" })).action,
    ).toBe("created");
    expect(warnings[0]).toMatch(/^warning: GitHub rate limit on GET .*; retrying in \d+s \(1\/3\)$/);

    gh.faults.push(limited(3600));
    const err = await failure(() =>
      upsertComment(quick, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" }),
    );
    expect(err.status).toBe(403);
    expect(describeGitHubError(err)).toBe("the GitHub API rate limit is exhausted (403)");
    expect(warnings.at(-1)).toMatch(/giving up after 0 retries$/);
  });

  it("cuts an over-long body below GitHub's limit, keeps the marker and says so", async () => {
    const body = "x".repeat(70_000);
    await upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body });
    const [comment] = gh.comments.get(7) ?? [];
    expect(comment.body.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(comment.body.length).toBeLessThan(65_536);
    expect(comment.body.startsWith(`${MARKER}\n`)).toBe(true);
    expect(comment.body).toMatch(
      /… \(truncated: \d+ characters omitted; see the run's artifacts for the full report\)$/,
    );
    const omitted = Number(/truncated: (\d+)/.exec(comment.body)?.[1]);
    const kept = comment.body.indexOf("\n\n… (truncated");
    expect(kept + omitted).toBe(MARKER.length + 1 + body.length);
  });

  it("rejects a bad marker or issue number before calling GitHub", async () => {
    const args = { ...repo(), issueNumber: 7, marker: MARKER, body: "x" };
    for (const marker of ["pipeline:ci", `x${MARKER}`, `${MARKER}x`, "<!-- a -->\n<!-- b -->"]) {
      await expect(upsertComment(octokit, { ...args, marker })).rejects.toThrow(/Invalid comment marker/);
    }
    await expect(upsertComment(octokit, { ...args, issueNumber: 0 })).rejects.toThrow(
      /Invalid pull request number '0'/,
    );
    await expect(upsertComment(octokit, { ...args, issueNumber: 1.5 })).rejects.toThrow(/positive integer/);
    await expect(upsertComment(octokit, { ...args, owner: "a/b" })).rejects.toThrow(
      /Invalid repository 'a\/b\/my-service'/,
    );
    expect(gh.requests).toHaveLength(0);
  });

  it("never puts the token in an error, whatever fails", async () => {
    const failures: Error[] = [];
    const wrongToken = await client("ghp_wrongTokenValue999");
    failures.push(
      await failure(() =>
        upsertComment(wrongToken, {
          ...repo(),
          issueNumber: 7,
          marker: MARKER,
          body: "x",
        }),
      ),
    );
    gh.faults.push({
      method: "POST",
      path: /comments$/,
      status: 403,
      message: "Resource not accessible by integration",
    });
    failures.push(
      await failure(() => upsertComment(octokit, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" })),
    );
    gh.faults.push({ method: "GET", path: /\/pulls$/, status: 404, message: "Not Found", times: 2 });
    failures.push(await failure(() => findPullRequest(octokit, { ...repo(), sha: SHA, branch: "b" })));
    const quick = await createOctokit({
      token: gh.token,
      baseUrl: gh.baseUrl,
      retries: 0,
      throttleId: "t-token",
    });
    gh.faults.push({ method: "GET", path: /\/comments$/, status: 503, message: "Unavailable" });
    failures.push(
      await failure(() => upsertComment(quick, { ...repo(), issueNumber: 7, marker: MARKER, body: "x" })),
    );
    expect(failures[0]).toMatchObject({ status: 401 });
    for (const err of failures) {
      const shown = everything(err);
      expect(shown).not.toContain(gh.token);
      expect(shown).not.toContain("ghp_wrongTokenValue999");
      expect(describeGitHubError(err)).not.toContain(gh.token);
    }
    expect(warnings.join("\n")).not.toContain(gh.token);
  });
});

describe("createOctokit", () => {
  it("requires a token and a sane retry count", async () => {
    await expect(createOctokit({ token: "" })).rejects.toThrow("A GitHub token is required");
    await expect(createOctokit({ token: "t", retries: -1 })).rejects.toThrow("Invalid retries '-1'");
  });

  it("builds the real Octokit with the retry and throttling plugins, which fits the local Octokit type", async () => {
    // compile time: the real client must stay assignable to github/client.ts's structural type (tsc -p tsconfig.json)
    const PipelineOctokit = RestOctokit.plugin(retry, throttling);
    const real: Octokit = new PipelineOctokit({
      auth: gh.token,
      baseUrl: gh.baseUrl,
      throttle: { id: "t-shape", onRateLimit: () => false, onSecondaryRateLimit: () => false },
    });
    // run time: what createOctokit returns is that same client, with every member github/ calls
    const built = await createOctokit({ token: gh.token, baseUrl: gh.baseUrl, throttleId: "t-built" });
    expect(built).toBeInstanceOf(RestOctokit);
    for (const octo of [real, built]) {
      expect(typeof octo.paginate).toBe("function");
      expect(typeof octo.rest.repos.listPullRequestsAssociatedWithCommit).toBe("function");
      expect(typeof octo.rest.repos.listTags).toBe("function");
      expect(typeof octo.rest.pulls.list).toBe("function");
      expect(typeof octo.rest.issues.listComments).toBe("function");
      expect(typeof octo.rest.issues.createComment).toBe("function");
      expect(typeof octo.rest.issues.updateComment).toBe("function");
      expect(typeof octo.rest.issues.deleteComment).toBe("function");
      expect(typeof octo.graphql).toBe("function");
      expect(typeof octo.rest.users.getAuthenticated).toBe("function");
    }
    // the plugins are in: Octokit's retry plugin adds `retry`, and the client answers like the real one
    expect(typeof (built as unknown as { retry?: { retryRequest?: unknown } }).retry?.retryRequest).toBe(
      "function",
    );
    expect((await built.rest.users.getAuthenticated()).data.login).toBe("octocat");
  });
});

describe("parseGitHubApiUrl", () => {
  it.each([
    ["https://api.github.com", "https://api.github.com"],
    ["https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3"],
    ["https://ghe.example.com/api/v3/", "https://ghe.example.com/api/v3"],
    ["https://api.octo.ghe.com", "https://api.octo.ghe.com"],
    ["http://127.0.0.1:8080/api/v3", "http://127.0.0.1:8080/api/v3"],
    ["http://localhost:3000", "http://localhost:3000"],
  ])("accepts %s", (input, expected) => {
    expect(parseGitHubApiUrl(input)).toBe(expected);
  });

  it.each([
    "http://ghe.example.com/api/v3",
    "ghe.example.com/api/v3",
    "",
    "ftp://ghe.example.com/api/v3",
    "https://ghe.example.com/api/v3?x=1",
    "https://ghe.example.com/api/v3#x",
    "https://ghe.example.com/api/v3?",
    "http://127.0.0.1.evil.example/api/v3",
  ])("rejects '%s', naming it and the expected form", (bad) => {
    expect(() => parseGitHubApiUrl(bad)).toThrow(`Invalid GitHub API URL '${bad}'. Expected an https URL`);
    expect(() => parseGitHubApiUrl(bad)).toThrow("e.g. https://ghe.example.com/api/v3");
  });

  it("rejects credentials in the URL without repeating them", () => {
    const err = (() => {
      try {
        parseGitHubApiUrl("https://x-access-token:ghs_secretValue123@ghe.example.com/api/v3");
      } catch (e) {
        return e as Error;
      }
      throw new Error("expected a failure");
    })();
    expect(err.message).not.toContain("ghs_secretValue123");
    expect(err.message).toMatchInlineSnapshot(
      `"Invalid GitHub API URL 'https://***@ghe.example.com/api/v3'. Expected an https URL without credentials, e.g. https://ghe.example.com/api/v3 (http only for 127.0.0.1 or localhost)."`,
    );
  });

  it("is checked by createOctokit before anything is loaded", async () => {
    await expect(createOctokit({ token: "t", baseUrl: "http://ghe.example.com/api/v3" })).rejects.toThrow(
      "Invalid GitHub API URL 'http://ghe.example.com/api/v3'",
    );
  });
});

describe("GitHub Enterprise Server", () => {
  it("asks GraphQL at /api/graphql and REST under /api/v3, from a baseUrl of https://HOST/api/v3", async () => {
    const ghes = new FakeGitHub({ prefix: "/api/v3" });
    await ghes.start();
    try {
      ghes.identity = null;
      ghes.viewer = { login: APP_BOT.login };
      ghes.addPull({ number: 7, ref: "feature/login", sha: SHA });
      ghes.commitPulls.set(SHA, [7]);
      const ours = ghes.addComment(7, APP_BOT, `${MARKER}\nold`);
      const enterprise = await createOctokit({
        token: ghes.token,
        baseUrl: `${ghes.apiUrl}/`,
        log: (msg) => warnings.push(msg),
        throttleId: `test-${++testId}`,
      });
      const target = { owner: ghes.owner, repo: ghes.repo };
      expect(await findPullRequest(enterprise, { ...target, sha: SHA })).toBe(7);
      const result = await upsertComment(enterprise, {
        ...target,
        issueNumber: 7,
        marker: MARKER,
        body: "new",
      });
      expect(result).toEqual({ id: ours.id, action: "updated" });
      expect(ghes.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /api/v3/repos/octo-org/my-service/commits/${SHA}/pulls`,
        "POST /api/graphql",
        "GET /api/v3/repos/octo-org/my-service/issues/7/comments",
        `PATCH /api/v3/repos/octo-org/my-service/issues/comments/${ours.id}`,
      ]);
    } finally {
      await ghes.close();
    }
  });
});

describe("describeGitHubError", () => {
  it("says what a status means, in one line, without the response", () => {
    const err = (status: number, headers: Record<string, string> = {}) =>
      Object.assign(new Error("GitHub said something long"), {
        status,
        response: { headers, data: { secret: 1 } },
      });
    expect(describeGitHubError(err(403))).toContain("cannot write");
    expect(describeGitHubError(err(403, { "x-ratelimit-remaining": "0" }))).toBe(
      "the GitHub API rate limit is exhausted (403)",
    );
    expect(describeGitHubError(err(403, { "retry-after": "61" }))).toBe(
      "GitHub's secondary rate limit was hit (403) and waiting it out was given up",
    );
    expect(describeGitHubError(err(401))).toContain("401");
    expect(describeGitHubError(err(422))).toBe("GitHub API error 422");
    expect(describeGitHubError(new Error("outer", { cause: err(404) }))).toContain("not found (404)");
    expect(describeGitHubError(new Error("plain"))).toBe("plain");
    expect(describeGitHubError("weird")).toBe("unexpected error: weird");
  });
});

/** No lone surrogate (String.prototype.isWellFormed is ES2024, past our lib). */
const wellFormed = (s: string) =>
  !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);

describe("capCommentBody", () => {
  it("leaves a body that fits alone", () => {
    expect(capCommentBody("short", 100)).toBe("short");
    const exact = "a".repeat(MAX_COMMENT_LENGTH);
    expect(capCommentBody(exact)).toBe(exact);
  });

  it("never splits a surrogate pair", () => {
    const body = "🚀".repeat(40_000);
    const capped = capCommentBody(body);
    expect(capped.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(wellFormed(capped)).toBe(true);
    for (let limit = 200; limit < 210; limit++) {
      expect(wellFormed(capCommentBody(body, limit))).toBe(true);
    }
  });

  it("closes a code fence and a <details> it cut through, so the note is visible", () => {
    const body = `<details><summary>x</summary>\n\n\`\`\`\n${"line\n".repeat(20_000)}\`\`\`\n</details>`;
    const capped = capCommentBody(body);
    expect(capped.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(capped).toMatch(/\n```\n<\/details>\n\n… \(truncated/);
  });
});

/** The warnings of a secondary rate limit on the comment listing, without the request line. */
const afterRequest = (w: string) => w.replace(/^warning: GitHub secondary rate limit on GET [^;]*; /, "");

describe("createOctokit: retries and waits at their limits", () => {
  beforeEach(() => {
    gh.addPull({ number: 7, ref: "feature/login", sha: SHA });
  });
  const args = () => ({ ...repo(), issueNumber: 7, marker: MARKER, body: "x" });

  it("stops after the configured retries and says so, even when the waits are short", async () => {
    const quick = await quickClient(1);
    gh.faults.push(secondaryLimit("1", 5));
    expect((await failure(() => upsertComment(quick, args()))).status).toBe(403);
    expect(gh.calls("GET", /\/issues\/7\/comments$/)).toHaveLength(2); // the first try and one retry
    expect(warnings.map(afterRequest)).toEqual(["retrying in 1s (1/1)", "giving up after 1 retries"]);
  });

  it.each<{ name: string; retryAfter: string[]; said: string[] }>([
    { name: "a wait of exactly 60 s", retryAfter: ["60"], said: ["retrying in 60s (1/3)"] },
    {
      name: "a wait of exactly what the client has left",
      retryAfter: ["30", "30"],
      said: ["retrying in 30s (1/3)", "retrying in 30s (2/3)"],
    },
  ])("waits out $name", async ({ retryAfter, said }) => {
    const quick = await quickClient(); // 10 ms per second: 60 s of waiting is 0.6 s
    for (const after of retryAfter) gh.faults.push(secondaryLimit(after));
    expect((await upsertComment(quick, args())).action).toBe("created");
    expect(gh.calls("GET", /\/issues\/7\/comments$/).length).toBe(retryAfter.length + 2); // + the relisting
    expect(warnings.map(afterRequest)).toEqual(said);
  });

  it("writes its warnings to stderr, one per line, when no log is given", async () => {
    const written: string[] = [];
    const spy = vi.spyOn(process.stderr, "write").mockImplementation((chunk: unknown) => {
      written.push(String(chunk));
      return true;
    });
    try {
      const quiet = await createOctokit({ token: gh.token, baseUrl: gh.baseUrl, retryAfterBaseMs: 10 });
      gh.faults.push(secondaryLimit("1"));
      expect((await upsertComment(quiet, args())).action).toBe("created");
    } finally {
      spy.mockRestore();
    }
    expect(written.filter((w) => w.startsWith("warning:"))).toEqual([
      expect.stringMatching(/^warning: GitHub secondary rate limit on GET \S+; retrying in 1s \(1\/3\)\n$/),
    ]);
  });

  it("hands Octokit's own warnings (a renamed or deprecated method) to the log, marked as warnings", async () => {
    // @octokit/plugin-rest-endpoint-methods warns through octokit.log.warn when a method is renamed or deprecated
    const { log } = octokit as unknown as {
      log: { warn: (msg: string) => void; error: (msg: string) => void };
    };
    log.warn("octokit.rest.issues.listComments() is deprecated, see https://docs.github.com/rest");
    log.error("a failed request, which surfaces as the thrown error instead");
    expect(warnings).toEqual([
      "warning: octokit.rest.issues.listComments() is deprecated, see https://docs.github.com/rest",
    ]);
  });

  it("introduces itself with the pipeline's User-Agent, or the one it is given", async () => {
    await findPullRequest(octokit, { ...repo(), sha: SHA });
    const named = await createOctokit({ token: gh.token, baseUrl: gh.baseUrl, userAgent: "my-ci/2" });
    await findPullRequest(named, { ...repo(), sha: SHA });
    expect(gh.requests.map((r) => r.userAgent?.split(" ")[0])).toEqual([
      "python-service-pipeline",
      "my-ci/2",
    ]);
  });
});

describe("describeGitHubError: rate limits are told apart by status and headers", () => {
  const err = (status: number, headers: Record<string, string>) =>
    Object.assign(new Error("GitHub said something long"), { status, response: { headers } });

  it.each<[number, Record<string, string>, string]>([
    [429, { "x-ratelimit-remaining": "0" }, "the GitHub API rate limit is exhausted (429)"],
    // the request that used the last of the quota carries remaining 0 whatever it answered
    [404, { "x-ratelimit-remaining": "0" }, "not found (404): check --repository and the token's access"],
    [500, { "x-ratelimit-remaining": "0" }, "GitHub API error 500"],
    [
      403,
      { "x-ratelimit-remaining": "1" },
      "the token cannot write to this repository (403; a fork's pull request gets a read-only token)",
    ],
    [
      429,
      { "retry-after": "30" },
      "GitHub's secondary rate limit was hit (429) and waiting it out was given up",
    ],
    // maintenance: a 503 may carry retry-after too, and is no rate limit
    [503, { "retry-after": "30" }, "GitHub API error 503"],
  ])("%s with %o: %s", (status, headers, said) => {
    expect(describeGitHubError(err(status, headers))).toBe(said);
  });

  it("looks for the status at most five causes deep, so a looping cause chain ends", () => {
    const wrapped = (depth: number): Error => {
      let e: Error = err(404, {});
      for (let i = 1; i <= depth; i++) e = new Error(`layer ${i}`, { cause: e });
      return e;
    };
    expect(describeGitHubError(wrapped(4))).toBe(
      "not found (404): check --repository and the token's access",
    );
    expect(describeGitHubError(wrapped(5))).toBe("layer 5");
    const loop: Error & { status?: number } = new Error("loops");
    loop.cause = loop;
    expect(describeGitHubError(loop)).toBe("loops");
  });
});

describe("bad input: the message quotes a bounded part of the value", () => {
  it.each<[string, () => Promise<unknown>, string]>([
    [
      "an API URL",
      async () => parseGitHubApiUrl(`ftp://${"a".repeat(500)}`),
      `Invalid GitHub API URL 'ftp://${"a".repeat(194)}'.`,
    ],
    [
      "a commit SHA",
      () => findPullRequest(octokit, { ...repo(), sha: "g".repeat(500) }),
      `Invalid commit SHA '${"g".repeat(80)}'.`,
    ],
    [
      "a head owner",
      () => findPullRequest(octokit, { ...repo(), sha: SHA, branch: "b", headOwner: "o".repeat(500) }),
      `Invalid head owner '${"o".repeat(80)}'.`,
    ],
    [
      "a comment marker",
      () =>
        upsertComment(octokit, { ...repo(), issueNumber: 7, marker: `<!-- ${"m".repeat(500)}`, body: "x" }),
      `Invalid comment marker '<!-- ${"m".repeat(75)}'.`,
    ],
  ])("%s", async (_name, call, said) => {
    const err = await failure(call);
    expect(err.message.startsWith(said)).toBe(true);
    expect(gh.requests).toHaveLength(0);
  });
});

describe("findPullRequest: what it asks and what it trusts", () => {
  it.each<[string, string | undefined]>([
    ["no branch", undefined],
    ["an empty branch", ""],
  ])("with %s, asks only the commit endpoint", async (_name, branch) => {
    gh.addPull({ number: 8, ref: "feature/login", sha: SHA, fork: "contributor/my-service" });
    const args = { ...repo(), sha: SHA, ...(branch === undefined ? {} : { branch }) };
    expect(await findPullRequest(octokit, args)).toBeUndefined();
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/octo-org/my-service/commits/${SHA}/pulls`,
    ]);
  });

  it("treats a commit the commit endpoint answers 404 for as no pull request and still tries the branch", async () => {
    gh.faults.push({ method: "GET", path: /\/commits\/[^/]+\/pulls$/, status: 404, message: "Not Found" });
    gh.addPull({ number: 8, ref: "fork-branch", sha: SHA });
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "fork-branch" })).toBe(8);
  });

  it("checks state, branch and head SHA itself when the list ignores its filters", async () => {
    gh.listFilters = false;
    gh.addPull({ number: 2, ref: "feature/login", sha: SHA, state: "closed" }); // an earlier, closed attempt
    gh.addPull({ number: 3, ref: "feature/login-copy", sha: SHA }); // another branch at the same commit
    gh.addPull({ number: 9, ref: "feature/login", sha: SHA });
    expect(await findPullRequest(octokit, { ...repo(), sha: SHA, branch: "feature/login" })).toBe(9);
  });

  it("names the branch search that failed, with its status", async () => {
    gh.faults.push({
      method: "GET",
      path: /^\/repos\/[^/]+\/[^/]+\/pulls$/,
      status: 403,
      message: "Resource not accessible by integration",
    });
    const err = await failure(() =>
      findPullRequest(octokit, { ...repo(), sha: SHA, branch: "feature/login" }),
    );
    expect(err.status).toBe(403);
    expect(err.message).toMatch(
      /^Could not list the open pull requests of octo-org\/my-service with head octo-org:feature\/login: the token cannot write/,
    );
  });
});

describe("capCommentBody: where it cuts and what it closes", () => {
  const kept = (capped: string) => capped.indexOf("\n\n… (truncated");

  it.each<[string, string]>([
    ["🚀 (U+1F680)", "🚀"],
    ["U+10000, the first pair (high half 0xD800)", "\u{10000}"],
    ["U+10FFFF, the last pair (high half 0xDBFF)", "\u{10FFFF}"],
  ])("never splits %s wherever the cut falls, nor keeps more than of plain text", (_name, pair) => {
    const limit = 300;
    const plain = kept(capCommentBody("a".repeat(1000), limit));
    for (let at = 0; at < 250; at++) {
      const capped = capCommentBody(`${"a".repeat(at)}${pair}${"a".repeat(998 - at)}`, limit);
      expect(wellFormed(capped)).toBe(true);
      expect(kept(capped)).toBeGreaterThanOrEqual(plain - 1); // only the pair's first half may go
      expect(kept(capped)).toBeLessThanOrEqual(plain);
    }
  });

  it.each<[string, string, boolean]>([
    ["a fence right after a line of text", "Log:\n```\n", true],
    ["an indented fence, in a list item", "- step\n  ```\n", true],
    ["``` inside a line, which opens no fence", "Type ``` to start a block.\n", false],
    ["a fence already closed", "```\ncode\n```\n", false],
  ])("%s: closed before the note only when it is open", (_name, start, closes) => {
    const capped = capCommentBody(`${start}${"line\n".repeat(20_000)}`);
    expect(capped.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(capped.includes("\n```\n\n… (truncated")).toBe(closes);
  });

  it.each<{ name: string; start: string; added: number }>([
    { name: "a closed <details>", start: "<details><summary>a</summary>\n\nbody\n</details>\n\n", added: 0 },
    { name: "an open <details>", start: "<details><summary>a</summary>\n\n", added: 1 },
    { name: "a stray </details>", start: "</details>\n", added: 0 },
    { name: "four open <details>, of which three are closed", start: "<details>\n".repeat(4), added: 3 },
  ])("$name, then the cut: adds $added </details>", ({ start, added }) => {
    const closers = (s: string) => s.split("</details>").length - 1;
    const capped = capCommentBody(`${start}${"line\n".repeat(20_000)}`);
    expect(capped.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(closers(capped) - closers(start)).toBe(added);
  });
});

describe("upsertComment: identities, order and failures", () => {
  beforeEach(() => {
    gh.addPull({ number: 7, ref: "feature/login", sha: SHA });
  });
  const args = (body = "new") => ({ ...repo(), issueNumber: 7, marker: MARKER, body });
  const octocat: FakeUser = { login: "octocat", type: "User" };

  it.each([401, 403, 404])(
    "when GraphQL has no viewer and GET /user answers %i, the comments are github-actions[bot]'s",
    async (status) => {
      gh.viewer = "forbidden";
      gh.faults.push({
        method: "GET",
        path: /^\/user$/,
        status,
        message: "Resource not accessible by integration",
      });
      gh.addComment(7, octocat, `${MARKER}\nnot ours: the token is not octocat's`);
      const ours = gh.addComment(7, ACTIONS_BOT, `${MARKER}\nold`);
      expect(await upsertComment(octokit, args())).toEqual({ id: ours.id, action: "updated" });
      expect(ours.body).toBe(`${MARKER}\nnew`);
    },
  );

  it("says which lookup failed when neither GraphQL nor GET /user names the token's identity", async () => {
    const quick = await createOctokit({
      token: gh.token,
      baseUrl: gh.baseUrl,
      retries: 0,
      throttleId: "t-who",
    });
    gh.viewer = "forbidden";
    gh.faults.push({ method: "GET", path: /^\/user$/, status: 502, message: "Bad Gateway" });
    const err = await failure(() => upsertComment(quick, args()));
    expect(err.status).toBe(502);
    expect(err.message).toBe("Could not read the token's identity (GET /user): GitHub API error 502");
    expect(gh.calls("GET", /comments$/)).toHaveLength(0);
  });

  it.each<{ name: string; stamps: [string, string]; kept: 0 | 1 }>([
    // created_at has one-second resolution: two runs that create in the same second tie, the lower id wins
    {
      name: "of the same second, the lower id",
      stamps: ["2026-01-01T00:00:05Z", "2026-01-01T00:00:05Z"],
      kept: 0,
    },
    {
      name: "the older created_at, whatever the ids",
      stamps: ["2026-01-01T00:00:09Z", "2026-01-01T00:00:05Z"],
      kept: 1,
    },
  ])("of two of ours, keeps $name", async ({ stamps, kept }) => {
    const pair = [gh.addComment(7, octocat, `${MARKER}\na`), gh.addComment(7, octocat, `${MARKER}\nb`)];
    pair.forEach((c, i) => {
      c.created_at = stamps[i];
    });
    gh.comments.set(7, [pair[1], pair[0]]); // listed newest id first: the order is ours to decide
    const keep = pair[kept];
    const drop = pair[1 - kept];
    expect(await upsertComment(octokit, args())).toEqual({ id: keep.id, action: "updated" });
    expect(gh.comments.get(7)?.map((c) => [c.id, c.body])).toEqual([[keep.id, `${MARKER}\nnew`]]);
    expect(gh.calls("DELETE", /comments/).map((r) => r.path)).toEqual([
      `/repos/octo-org/my-service/issues/comments/${drop.id}`,
    ]);
  });

  it("does not take a comment without a body, or one by a deleted account, for ours", async () => {
    const bodiless = gh.addComment(7, octocat, "");
    delete (bodiless as { body?: string }).body;
    const ghost = gh.addComment(7, octocat, `${MARKER}\nby an account since deleted`);
    (ghost as { user: FakeUser | null }).user = null;
    expect((await upsertComment(octokit, args())).action).toBe("created");
    expect(gh.comments.get(7)).toHaveLength(3);
  });

  it("names the comment it could not update, with the status", async () => {
    const ours = gh.addComment(7, octocat, `${MARKER}\nold`);
    gh.faults.push({ method: "PATCH", path: /\/comments\/\d+$/, status: 403, message: "Forbidden" });
    const err = await failure(() => upsertComment(octokit, args()));
    expect(err.status).toBe(403);
    expect(err.message).toBe(
      `Could not update comment ${ours.id} on octo-org/my-service#7: the token cannot write to this repository (403; a fork's pull request gets a read-only token)`,
    );
    expect(ours.body).toBe(`${MARKER}\nold`);
  });

  it.each<{ status: number; fails: boolean }>([
    { status: 404, fails: false }, // already deleted by a concurrent run that kept the same comment
    { status: 403, fails: true },
  ])("a duplicate whose delete answers $status: fails is $fails", async ({ status, fails }) => {
    const keep = gh.addComment(7, octocat, `${MARKER}\nfirst`);
    const duplicate = gh.addComment(7, octocat, `${MARKER}\nsecond`);
    gh.faults.push({
      method: "DELETE",
      path: /\/comments\/\d+$/,
      status,
      message: "x",
      landed: status === 404,
    });
    const run = upsertComment(octokit, args());
    if (fails) {
      const err = await failure(() => run);
      expect(err.status).toBe(status);
      expect(err.message).toMatch(
        new RegExp(`^Could not delete the duplicate comment ${duplicate.id} on octo-org/my-service#7: `),
      );
    } else {
      expect(await run).toEqual({ id: keep.id, action: "updated" });
      expect(gh.comments.get(7)?.map((c) => c.id)).toEqual([keep.id]);
    }
    expect(keep.body).toBe(`${MARKER}\nnew`);
  });
});
