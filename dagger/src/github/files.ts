/** A pull request's changed files and patches: what the changed lines' coverage is measured on. */
import type { ChangedFile, PullRequestChanges } from "../report/diff.js";
import { MAX_PULL_FILES } from "../report/diff.js";
import { InputError } from "../settings/errors.js";
import { checkRepository, describeGitHubError, type Octokit, type Repo } from "./client.js";
import { type CommentTarget, targetPullRequest } from "./notify.js";

type ListFiles = (
  params: Repo & { pull_number: number; per_page?: number },
) => Promise<{ data: ChangedFile[] }>;

/** test/github/files.test.ts checks that the real client fits. */
export type FilesOctokit = {
  rest: { pulls: { listFiles: ListFiles } };
  paginate: <P, T>(route: (params: P) => Promise<{ data: T[] }>, params: P) => Promise<T[]>;
};

/** Checked, not cast: client.ts's structural type names only what the comment code calls. */
export function canListFiles(octokit: Octokit): octokit is Octokit & FilesOctokit {
  return typeof (octokit.rest.pulls as { listFiles?: unknown }).listFiles === "function";
}

/** `truncated`: files past GitHub's cap cannot be asked for (docs/engine-notes.md: GitHub). */
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
  // only the fields read: a big answer carries URLs nobody needs in memory
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

/** A 403 here means the token may not read pull requests, not that it cannot write. */
const READ_403 = {
  403: "GitHub refused (403): the token needs read access to the repository's pull requests (pull-requests: read)",
};

/** Never fails the run: whatever goes wrong becomes the reason there is no figure. */
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
    return {
      reason: `the pull request's changed files could not be read: ${describeGitHubError(err, READ_403)}`,
    };
  }
}
