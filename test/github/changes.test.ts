/**
 * The files a change touched, read by the real Octokit from a local server that answers like api.github.com: a
 * pull request's (found by its head commit), or a push's commits (compare base...head); what GitHub cannot list
 * in full is "not known", so every app runs.
 */
import type { Secret } from "@dagger.io/dagger";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { retry } from "../../dagger/node_modules/@octokit/plugin-retry";
import { throttling } from "../../dagger/node_modules/@octokit/plugin-throttling";
import { Octokit as RestOctokit } from "../../dagger/node_modules/@octokit/rest";
import { type CompareOctokit, canCompare, readChangedPaths } from "../../dagger/src/github/changes.js";
import { FakeGitHub } from "../helpers/fake-github.js";
import { fastTimers } from "../helpers/fast-timers.js";

fastTimers();

const SHA = "3f2a9c1d5e6b7a8f9e0d1c2b3a4f5e6d7c8b9a0f";
const BASE = "1111111111111111111111111111111111111111";
const secret = (value: string) => ({ plaintext: async () => value }) as unknown as Secret;

let gh: FakeGitHub;
beforeEach(async () => {
  gh = new FakeGitHub();
  await gh.start();
});
afterEach(async () => {
  await gh.close();
});

const target = (sha = SHA) => ({
  repository: `${gh.owner}/${gh.repo}`,
  sha,
  token: secret(gh.token),
  apiUrl: gh.apiUrl,
});

describe("readChangedPaths", () => {
  it("the real Octokit fits the structural type, and the module's client can compare", async () => {
    const real: CompareOctokit = new (RestOctokit.plugin(retry, throttling))({
      auth: gh.token,
      throttle: { id: "t-compare-shape", onRateLimit: () => false, onSecondaryRateLimit: () => false },
    });
    expect(typeof real.rest.repos.compareCommits).toBe("function");
    expect(canCompare(await gh.client())).toBe(true);
  });

  it("a pull request's files, a renamed file's old path too, each once", async () => {
    gh.addPull({ number: 7, ref: "feature/x", sha: SHA });
    gh.commitPulls.set(SHA, [7]);
    gh.files.set(7, [
      gh.file({ filename: "services/api/app.py" }),
      gh.file({ filename: "libs/core/new.py", status: "renamed", previous_filename: "services/api/old.py" }),
      gh.file({ filename: "services/api/app.py" }),
    ]);
    expect(await readChangedPaths(target(), "")).toEqual({
      files: ["libs/core/new.py", "services/api/app.py", "services/api/old.py"],
      source: "pull request #7",
    });
  });

  it("no pull request, or one GitHub cannot list in full: not known, so every app runs", async () => {
    expect(await readChangedPaths(target(), "")).toEqual({
      source: "no open pull request has head 3f2a9c1: every app runs",
    });
    gh.addPull({ number: 8, ref: "big", sha: SHA });
    gh.commitPulls.set(SHA, [8]);
    gh.files.set(
      8,
      Array.from({ length: 3000 }, (_, i) => gh.file({ filename: `f${i}.py` })),
    );
    expect(await readChangedPaths(target(), "")).toEqual({
      source: "pull request #8 changes more files than GitHub lists: every app runs",
    });
  });

  it("a push: the files of base...head, and not known past GitHub's 300 or when GitHub refuses", async () => {
    gh.comparisons.set(`${BASE}...${SHA}`, [gh.file({ filename: "uv.lock" })]);
    expect(await readChangedPaths(target(), BASE)).toEqual({
      files: ["uv.lock"],
      source: "the commits 1111111...3f2a9c1",
    });
    expect(gh.calls("GET", /\/compare\//).map((r) => r.path)).toEqual([
      `/repos/${gh.owner}/${gh.repo}/compare/${BASE}...${SHA}`,
    ]);
    gh.comparisons.set(
      `${BASE}...${SHA}`,
      Array.from({ length: 300 }, (_, i) => gh.file({ filename: `f${i}.py` })),
    );
    expect(await readChangedPaths(target(), BASE)).toEqual({
      source: "1111111...3f2a9c1 changes 300 files or more, past what GitHub lists: every app runs",
    });
    expect(await readChangedPaths(target(), "2222222")).toEqual({
      source:
        "the changes 2222222...3f2a9c1 could not be read: not found (404): check --repository and the token's access",
    });
  });

  it("a new branch's push (before is all zeros) has no previous commit: the pull request says what changed", async () => {
    expect(await readChangedPaths(target(), "0".repeat(40))).toEqual({
      source: "no open pull request has head 3f2a9c1: every app runs",
    });
    expect(gh.calls("GET", /\/compare\//)).toEqual([]);
  });

  it("refuses a commit that is no commit id before asking GitHub", async () => {
    await expect(readChangedPaths(target("main"), "")).rejects.toThrow(
      "Invalid --sha 'main'. Expected a commit id of 7 to 40 hex, e.g. 3f2a9c1.",
    );
    await expect(readChangedPaths(target(), "HEAD~1")).rejects.toThrow("Invalid --base 'HEAD~1'.");
    expect(gh.requests).toEqual([]);
  });
});
