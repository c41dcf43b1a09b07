import type { Secret } from "@dagger.io/dagger";
import { parseRepository } from "../settings/tags.js";
import { createOctokit, describeGitHubError, type Octokit, parseGitHubApiUrl } from "./client.js";
import { upsertComment } from "./comments.js";
import { findPullRequest } from "./pulls.js";

export type CommentTarget = {
  repository: string;
  sha: string;
  branch?: string;
  /** a fork's owner; defaults to the repository's */
  headOwner?: string;
  /** the workflow's GITHUB_API_URL */
  apiUrl?: string;
  token: Secret;
};

export type TargetPullRequest = {
  octokit: Octokit;
  owner: string;
  repo: string;
  pullRequest: number | undefined;
};

const lookups = new WeakMap<CommentTarget, Promise<TargetPullRequest>>();

/** Once per target, shared by `ci`'s file read and comment; bad input throws before the token is read. */
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

export type CommentOutcome = { posted: true; pullRequest: number } | { posted: false; warning: string };

/** A comment never changes the verdict: failures become a warning; only malformed input throws. */
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
