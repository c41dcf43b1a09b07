/** The files a change touched: its pull request's (found by the head commit), or a push's (base...head). */
import type { ChangedFile, PullRequestChanges } from "../report/diff.js";
import { InputError } from "../settings/errors.js";
import { parseRepository } from "../settings/tags.js";
import { createOctokit, describeGitHubError, type Octokit, parseGitHubApiUrl, type Repo } from "./client.js";
import { readPullRequestChanges } from "./files.js";
import type { CommentTarget } from "./notify.js";

/** `files` undefined: not known, and `source` says why. */
export type ChangedPaths = { files?: string[]; source: string };

/** GitHub lists at most this many files of a comparison (REST reference, "Compare two commits"). */
export const MAX_COMPARE_FILES = 300;

type Compare = (
  params: Repo & { base: string; head: string; per_page?: number },
) => Promise<{ data: { files?: ChangedFile[] } }>;

/** test/github/changes.test.ts checks that the real client fits. */
export type CompareOctokit = { rest: { repos: { compareCommits: Compare } } };

export function canCompare(octokit: Octokit): octokit is Octokit & CompareOctokit {
  return typeof (octokit.rest.repos as { compareCommits?: unknown }).compareCommits === "function";
}

/** A renamed file touched the folder it left as well as the one it went to. */
const paths = (files: readonly ChangedFile[]) =>
  [
    ...new Set(files.flatMap((f) => [f.filename, ...(f.previous_filename ? [f.previous_filename] : [])])),
  ].sort();

const COMMIT = /^[0-9a-fA-F]{7,40}$/;

export async function compareFiles(
  octokit: CompareOctokit,
  repository: string,
  base: string,
  head: string,
): Promise<ChangedPaths> {
  const { owner, repo } = parseRepository(repository);
  const range = `${base.slice(0, 7)}...${head.slice(0, 7)}`;
  try {
    const { data } = await octokit.rest.repos.compareCommits({ owner, repo, base, head, per_page: 1 });
    const files = data.files ?? [];
    if (files.length >= MAX_COMPARE_FILES) {
      return {
        source: `${range} changes ${MAX_COMPARE_FILES} files or more, past what GitHub lists: every app runs`,
      };
    }
    return { files: paths(files), source: `the commits ${range}` };
  } catch (err) {
    return { source: `the changes ${range} could not be read: ${describeGitHubError(err)}` };
  }
}

/** A push's base...sha, else (no or all-zero `base`: a new branch) sha's pull request; never throws on GitHub's answer. */
export async function readChangedPaths(
  target: CommentTarget,
  base: string,
  read: (target: CommentTarget) => Promise<PullRequestChanges> = readPullRequestChanges,
): Promise<ChangedPaths> {
  for (const [flag, value] of [
    ["--sha", target.sha],
    ["--base", base],
  ] as const) {
    if (value !== "" && !COMMIT.test(value)) {
      throw new InputError(
        `Invalid ${flag} '${value.slice(0, 80)}'. Expected a commit id of 7 to 40 hex, e.g. 3f2a9c1.`,
      );
    }
  }
  if (base !== "" && !/^0+$/.test(base)) {
    const apiUrl = target.apiUrl ? parseGitHubApiUrl(target.apiUrl) : undefined;
    const octokit = await createOctokit({ token: await target.token.plaintext(), baseUrl: apiUrl });
    // Stryker disable next-line ConditionalExpression: the real client always can; the guard is for the structural type
    if (!canCompare(octokit)) return { source: "this GitHub client cannot compare commits" };
    return compareFiles(octokit, target.repository, base, target.sha);
  }
  const changes = await read(target);
  if ("reason" in changes) return { source: `${changes.reason}: every app runs` };
  if (changes.truncated) {
    return {
      source: `pull request #${changes.pullRequest} changes more files than GitHub lists: every app runs`,
    };
  }
  return { files: paths(changes.files), source: `pull request #${changes.pullRequest}` };
}
