import type { Secret } from "@dagger.io/dagger";
import { parseRepository } from "../settings/tags.js";
import { createOctokit, describeGitHubError, type Octokit, parseGitHubApiUrl } from "./client.js";
import { upsertComment } from "./comments.js";
import { findPullRequest } from "./pulls.js";

export type CommentTarget = {
  repository: string;
  sha: string;
  branch?: string;
  /** owner of the pull request's head repository (a fork's owner); defaults to the repository's owner */
  headOwner?: string;
  /** REST API root, the workflow's GITHUB_API_URL; GitHub Enterprise Server: https://HOST/api/v3 */
  apiUrl?: string;
  token: Secret;
};

/** A client for the target's repository, and the open pull request its commit heads (undefined: none). */
export type TargetPullRequest = {
  octokit: Octokit;
  owner: string;
  repo: string;
  pullRequest: number | undefined;
};

const lookups = new WeakMap<CommentTarget, Promise<TargetPullRequest>>();

/**
 * The pull request a target's commit heads, with the client that found it. Looked up once per target: `ci`
 * reads the changed files and posts its comment for the same target, and both share this one lookup (a
 * failed one included: each caller turns the error into its own words). A malformed repository or API URL
 * throws before the token is read.
 */
export function targetPullRequest(target: CommentTarget): Promise<TargetPullRequest> {
  const { owner, repo } = parseRepository(target.repository);
  const baseUrl = target.apiUrl === undefined ? undefined : parseGitHubApiUrl(target.apiUrl);
  let lookup = lookups.get(target);
  if (lookup === undefined) {
    lookup = (async () => {
      const octokit = await createOctokit({
        token: await target.token.plaintext(),
        baseUrl,
      });
      const pullRequest = await findPullRequest(octokit, {
        owner,
        repo,
        sha: target.sha,
        ...(target.branch ? { branch: target.branch } : {}),
        ...(target.headOwner ? { headOwner: target.headOwner } : {}),
      });
      return { octokit, owner, repo, pullRequest };
    })();
    lookups.set(target, lookup);
  }
  return lookup;
}

/** What became of a comment: posted on a pull request, or the warning line that says why not. */
export type CommentOutcome = { posted: true; pullRequest: number } | { posted: false; warning: string };

/**
 * Puts the sticky comment on the commit's pull request. Whatever goes wrong (no PR, a fork's read-only
 * token, GitHub down after retries or rate-limited past the wait budget) comes back as a warning line: a
 * comment never changes the verdict. A malformed repository or API URL is an error, thrown before the token
 * is read. The token is read here, handed to Octokit, and goes nowhere else.
 */
export async function commentOnPullRequest(
  target: CommentTarget,
  marker: string,
  body: string,
): Promise<CommentOutcome> {
  const lookup = targetPullRequest(target);
  try {
    const { octokit, owner, repo, pullRequest } = await lookup;
    if (pullRequest === undefined) {
      return {
        posted: false,
        warning: `PR comment: no open pull request has head ${target.sha.slice(0, 7)}; nothing posted.`,
      };
    }
    await upsertComment(octokit, { owner, repo, issueNumber: pullRequest, marker, body });
    return { posted: true, pullRequest };
  } catch (err) {
    return { posted: false, warning: `PR comment: ${describeGitHubError(err)}` };
  }
}
