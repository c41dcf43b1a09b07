/**
 * The files a pull request changes, with their patches: what the changed lines' coverage is measured on.
 * `GET /repos/{owner}/{repo}/pulls/{pull_number}/files` (Octokit's `pulls.listFiles`), every page.
 */
import type { ChangedFile, PullRequestChanges } from "../report/diff.js";
import { MAX_PULL_FILES } from "../report/diff.js";
import { InputError } from "../settings/errors.js";
import { checkRepository, describeGitHubError, type Octokit, type Repo, statusError } from "./client.js";
import { type CommentTarget, targetPullRequest } from "./notify.js";

type ListFiles = (
  params: Repo & { pull_number: number; per_page?: number },
) => Promise<{ data: ChangedFile[] }>;

/** The part of Octokit {@link changedFiles} calls (the real client has it: test/github/files.test.ts). */
export type FilesOctokit = {
  rest: { pulls: { listFiles: ListFiles } };
  paginate: <P, T>(route: (params: P) => Promise<{ data: T[] }>, params: P) => Promise<T[]>;
};

/**
 * Whether the client can list a pull request's files. The module's client is the real Octokit, which can; the
 * structural type of github/client.ts names only what the comment code calls, so this is checked, not cast.
 */
export function canListFiles(octokit: Octokit): octokit is Octokit & FilesOctokit {
  return typeof (octokit.rest.pulls as { listFiles?: unknown }).listFiles === "function";
}

/**
 * Every file of a pull request, with its patch when GitHub sends one, read 100 per page (the most GitHub
 * serves per page). GitHub answers at most 3000 files (REST reference, "List pull requests files"):
 * `truncated` says when the list reached that cap, since the files past it cannot be asked for.
 */
export async function changedFiles(
  octokit: FilesOctokit,
  args: { owner: string; repo: string; pullNumber: number },
): Promise<{ files: ChangedFile[]; truncated: boolean }> {
  const { owner, repo, pullNumber } = args;
  checkRepository(owner, repo);
  if (!Number.isSafeInteger(pullNumber) || pullNumber < 1) {
    throw new InputError(`Invalid pull request number '${pullNumber}'. Expected a positive integer, e.g. 7.`);
  }
  const listed = await octokit.paginate(octokit.rest.pulls.listFiles, {
    owner,
    repo,
    pull_number: pullNumber,
    per_page: 100,
  });
  // only the fields read: a 3000-file answer carries URLs and counts nobody needs in memory
  const files = listed.map(
    (f): ChangedFile => ({
      filename: f.filename,
      status: f.status,
      ...(typeof f.changes === "number" ? { changes: f.changes } : {}),
      ...(typeof f.patch === "string" ? { patch: f.patch } : {}),
      ...(typeof f.previous_filename === "string" ? { previous_filename: f.previous_filename } : {}),
    }),
  );
  return { files, truncated: files.length >= MAX_PULL_FILES };
}

/** A failed read, in one line: a 403 here is a token that may not read pull requests, not one that cannot write. */
function describeReadError(err: unknown): string {
  const e = statusError(err);
  const headers = e?.response?.headers ?? {};
  const limited = headers["x-ratelimit-remaining"] === "0" || headers["retry-after"] !== undefined;
  if (e?.status === 403 && !limited) {
    return "GitHub refused (403): the token needs read access to the repository's pull requests (pull-requests: read)";
  }
  return describeGitHubError(err);
}

/**
 * The pull request whose head is the commit, and its changed files, with the same token, repository, commit
 * and API root as the PR comment. Whatever goes wrong (no pull request, a 403 or 404, GitHub down after
 * retries) comes back as the reason there is no figure: reading the changes never fails the run.
 */
export async function readPullRequestChanges(target: CommentTarget): Promise<PullRequestChanges> {
  const lookup = targetPullRequest(target);
  try {
    const { octokit, owner, repo, pullRequest } = await lookup;
    if (pullRequest === undefined) {
      return { reason: `no open pull request has head ${target.sha.slice(0, 7)}` };
    }
    if (!canListFiles(octokit)) return { reason: "this GitHub client cannot list a pull request's files" };
    const { files, truncated } = await changedFiles(octokit, { owner, repo, pullNumber: pullRequest });
    return { pullRequest, files, truncated };
  } catch (err) {
    return { reason: `the pull request's changed files could not be read: ${describeReadError(err)}` };
  }
}
