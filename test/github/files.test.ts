/**
 * A pull request's changed files, read by the real Octokit (createOctokit: retry + throttling plugins) from a
 * local server that answers like api.github.com: every page, the 3000-file cap, a file without a patch, and
 * every failure turned into the reason there is no figure. No network: every request goes to 127.0.0.1.
 */
import type { Secret } from "@dagger.io/dagger";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
// the module's own copies (dagger/node_modules): github/client.ts loads these at run time; tests are not introspected
import { retry } from "../../dagger/node_modules/@octokit/plugin-retry";
import { throttling } from "../../dagger/node_modules/@octokit/plugin-throttling";
import { Octokit as RestOctokit } from "../../dagger/node_modules/@octokit/rest";
import { createOctokit, type Octokit } from "../../dagger/src/github/client.js";
import {
  canListFiles,
  changedFiles,
  type FilesOctokit,
  readPullRequestChanges,
} from "../../dagger/src/github/files.js";
import { type CommentTarget, commentOnPullRequest } from "../../dagger/src/github/notify.js";
import { FAKE_MAX_PULL_FILES, FakeGitHub } from "../helpers/fake-github.js";
import { fastTimers } from "../helpers/fast-timers.js";

// Octokit's throttling and retry waits pass at once (helpers/fast-timers.ts)
fastTimers();

const SHA = "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f";
const PATCH = "@@ -1,3 +1,3 @@\n a\n-b\n+B\n c";

let gh: FakeGitHub;
let octokit: Octokit & FilesOctokit;
beforeEach(async () => {
  gh = new FakeGitHub();
  await gh.start();
  const client = await gh.client();
  if (!canListFiles(client)) throw new Error("the real client cannot list files");
  octokit = client;
  gh.addPull({ number: 7, ref: "feature/login", sha: SHA });
  gh.commitPulls.set(SHA, [7]);
});

afterEach(async () => {
  await gh.close();
});

const repo = () => ({ owner: gh.owner, repo: gh.repo });
const names = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) =>
    gh.file({ filename: `src/f${String(i + from).padStart(4, "0")}.py`, patch: PATCH }),
  );

/** A token as the engine hands it to the module. */
const secret = (value: string) => ({ plaintext: async () => value }) as unknown as Secret;
const target = (over: Partial<CommentTarget> = {}): CommentTarget => ({
  repository: `${gh.owner}/${gh.repo}`,
  sha: SHA,
  token: secret(gh.token),
  apiUrl: gh.apiUrl,
  ...over,
});

describe("changedFiles", () => {
  it("reads every page, 100 per page, and keeps a file GitHub sent without a patch", async () => {
    const files = [...names(249), gh.file({ filename: "docs/logo.png", status: "added" })];
    gh.files.set(7, files);
    const { files: read, truncated } = await changedFiles(octokit, { ...repo(), pullNumber: 7 });
    expect(read).toHaveLength(250);
    expect(truncated).toBe(false);
    expect(read[0]).toEqual({ filename: "src/f0000.py", status: "modified", changes: 2, patch: PATCH });
    expect(read.at(-1)).toEqual({ filename: "docs/logo.png", status: "added", changes: 0 });
    const pages = gh.calls("GET", /\/pulls\/7\/files$/).map((r) => r.query);
    expect(pages).toEqual([
      { per_page: "100" },
      { per_page: "100", page: "2" },
      { per_page: "100", page: "3" },
    ]);
    expect(gh.requests.every((r) => r.authorized)).toBe(true);
  });

  it("keeps a rename's previous name, and reads an empty list as no files", async () => {
    gh.files.set(7, [
      gh.file({ filename: "b.py", status: "renamed", previous_filename: "a.py", changes: 0 }),
    ]);
    expect((await changedFiles(octokit, { ...repo(), pullNumber: 7 })).files).toEqual([
      { filename: "b.py", status: "renamed", changes: 0, previous_filename: "a.py" },
    ]);
    gh.files.set(7, []);
    expect(await changedFiles(octokit, { ...repo(), pullNumber: 7 })).toEqual({
      files: [],
      truncated: false,
    });
  });

  it("says when the list stopped at GitHub's 3000 files", async () => {
    gh.files.set(7, names(FAKE_MAX_PULL_FILES + 5));
    const { files, truncated } = await changedFiles(octokit, { ...repo(), pullNumber: 7 });
    expect(files).toHaveLength(3000);
    expect(truncated).toBe(true);
    expect(gh.calls("GET", /\/pulls\/7\/files$/)).toHaveLength(30);
  });

  it("propagates a 404 with its status, and refuses a bad number or repository before calling GitHub", async () => {
    const err = await changedFiles(octokit, { ...repo(), pullNumber: 8 }).catch((e: unknown) => e);
    expect((err as { status?: number }).status).toBe(404);
    await expect(changedFiles(octokit, { ...repo(), pullNumber: 0 })).rejects.toThrow(
      "Invalid pull request number '0'. Expected a positive integer",
    );
    await expect(changedFiles(octokit, { owner: "a b", repo: "c", pullNumber: 7 })).rejects.toThrow(
      "Invalid repository",
    );
    expect(gh.calls("GET", /\/files$/)).toHaveLength(1);
  });

  it("the real Octokit with the plugins fits the FilesOctokit type, and createOctokit's client can list files", async () => {
    // compile time: the real client is assignable to files.ts's structural type (tsc -p tsconfig.json)
    const real: FilesOctokit = new (RestOctokit.plugin(retry, throttling))({
      auth: gh.token,
      baseUrl: gh.baseUrl,
      throttle: { id: "files-shape", onRateLimit: () => false, onSecondaryRateLimit: () => false },
    });
    expect(typeof real.rest.pulls.listFiles).toBe("function");
    const built = await createOctokit({ token: gh.token, baseUrl: gh.baseUrl, throttleId: "files-built" });
    expect(canListFiles(built)).toBe(true);
    const lacking = { ...built, rest: { ...built.rest, pulls: { list: built.rest.pulls.list } } } as Octokit;
    expect(canListFiles(lacking)).toBe(false);
  });
});

describe("readPullRequestChanges", () => {
  it("finds the commit's pull request and reads its files with the comment's token, repository and API root", async () => {
    gh.files.set(7, [gh.file({ filename: "sample-app/src/a.py", patch: PATCH })]);
    expect(await readPullRequestChanges(target())).toEqual({
      pullRequest: 7,
      files: [{ filename: "sample-app/src/a.py", status: "modified", changes: 2, patch: PATCH }],
      truncated: false,
    });
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /repos/octo-org/my-service/commits/${SHA}/pulls`,
      "GET /repos/octo-org/my-service/pulls/7/files",
    ]);
  });

  it("no pull request: the reason, and no file list asked for", async () => {
    gh.commitPulls.clear();
    expect(await readPullRequestChanges(target())).toEqual({
      reason: "no open pull request has head 3f2a9c1",
    });
    expect(gh.calls("GET", /\/files$/)).toEqual([]);
  });

  it.each<[string, number, string, string]>([
    [
      "a token that may not read pull requests",
      403,
      "Resource not accessible by integration",
      "the pull request's changed files could not be read: GitHub refused (403): the token needs read access to the repository's pull requests (pull-requests: read)",
    ],
    [
      "a pull request GitHub does not show",
      404,
      "Not Found",
      "the pull request's changed files could not be read: not found (404): check --repository and the token's access",
    ],
  ])("%s (%s) is a reason, not a crash", async (_n, status, message, reason) => {
    gh.faults.push({ method: "GET", path: /\/pulls\/7\/files$/, status, message, times: 10 });
    expect(await readPullRequestChanges(target())).toEqual({ reason });
  });

  it("a rate limit on the file list is named as one, and a bad token as one", async () => {
    gh.faults.push({
      method: "GET",
      path: /\/pulls\/7\/files$/,
      status: 403,
      message: "API rate limit exceeded",
      headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999" },
      times: 10,
    });
    expect(await readPullRequestChanges(target())).toEqual({
      reason:
        "the pull request's changed files could not be read: the GitHub API rate limit is exhausted (403)",
    });
    const rejected = await readPullRequestChanges(target({ token: secret("ghp_wrongTokenValue0000000000") }));
    expect(rejected).toEqual({
      reason:
        "the pull request's changed files could not be read: the token was rejected (401): check that it is valid and not expired",
    });
    expect(JSON.stringify(rejected)).not.toContain("ghp_");
  });
});

describe("readPullRequestChanges and the PR comment share one lookup", () => {
  /** A token that counts how often the engine is asked for it. */
  const counted = () => {
    let reads = 0;
    const token = {
      plaintext: async () => {
        reads++;
        return gh.token;
      },
    } as unknown as Secret;
    return { token, reads: () => reads };
  };
  const commitLookups = () => gh.calls("GET", /\/commits\/[^/]+\/pulls$/).length;

  it("the same target: the commit's pull request is asked for and the token read once", async () => {
    gh.files.set(7, [gh.file({ filename: "sample-app/src/a.py", patch: PATCH })]);
    const { token, reads } = counted();
    const shared = target({ token });
    expect(await readPullRequestChanges(shared)).toMatchObject({ pullRequest: 7, truncated: false });
    expect(await commentOnPullRequest(shared, "<!-- pipeline:ci -->", "body")).toEqual({
      posted: true,
      pullRequest: 7,
    });
    expect(commitLookups()).toBe(1);
    expect(reads()).toBe(1);
    // another target (another run) asks again
    expect(await readPullRequestChanges(target({ token }))).toMatchObject({ pullRequest: 7 });
    expect(commitLookups()).toBe(2);
    expect(reads()).toBe(2);
  });

  it("a failed lookup is shared too, and each caller says it in its own words", async () => {
    gh.faults.push({
      method: "GET",
      path: /\/commits\/[^/]+\/pulls$/,
      status: 403,
      message: "Resource not accessible by integration",
    });
    const shared = target();
    expect(await readPullRequestChanges(shared)).toEqual({
      reason:
        "the pull request's changed files could not be read: GitHub refused (403): the token needs read access to the repository's pull requests (pull-requests: read)",
    });
    expect(await commentOnPullRequest(shared, "<!-- pipeline:ci -->", "body")).toEqual({
      posted: false,
      warning:
        "PR comment: the token cannot write to this repository (403; a fork's pull request gets a read-only token)",
    });
    expect(commitLookups()).toBe(1);
  });
});

describe("readPullRequestChanges: more of what can happen", () => {
  it("reads the files of a fork's pull request, found through branch and head owner", async () => {
    gh.addPull({ number: 12, ref: "feature/login", sha: SHA, fork: "contributor/my-service" });
    gh.commitPulls.clear();
    gh.files.set(12, [gh.file({ filename: "sample-app/src/b.py", patch: PATCH })]);
    const changes = await readPullRequestChanges(
      target({ branch: "feature/login", headOwner: "contributor" }),
    );
    expect(changes).toMatchObject({ pullRequest: 12, files: [{ filename: "sample-app/src/b.py" }] });
    expect(gh.calls("GET", /\/pulls$/).at(-1)?.query.head).toBe("contributor:feature/login");
  });

  it("a secondary rate limit on the file list is named as one, not as a missing permission", async () => {
    gh.faults.push({
      method: "GET",
      path: /\/pulls\/7\/files$/,
      status: 403,
      message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
      headers: { "retry-after": "600" }, // past the 60 s a client may wait: given up at once
      times: 10,
    });
    expect(await readPullRequestChanges(target())).toEqual({
      reason:
        "the pull request's changed files could not be read: GitHub's secondary rate limit was hit (403) and waiting it out was given up",
    });
    expect(gh.calls("GET", /\/pulls\/7\/files$/)).toHaveLength(1);
  });
});
