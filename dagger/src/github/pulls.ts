import { InputError } from "../settings/errors.js";
import { checkRepository, type Octokit, type PullRef, statusError, wrap, wrapping } from "./client.js";

function lowest(pulls: PullRef[]): number | undefined {
  return pulls.length === 0 ? undefined : Math.min(...pulls.map((p) => p.number));
}

/** Only an open PR whose head IS `sha`, the lowest, so reruns agree; forks by branch (docs/engine-notes.md: GitHub). */
export async function findPullRequest(
  octokit: Octokit,
  args: { owner: string; repo: string; sha: string; branch?: string; headOwner?: string },
): Promise<number | undefined> {
  const { owner, repo, branch } = args;
  checkRepository(owner, repo);
  if (!/^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(args.sha)) {
    throw new InputError(
      `Invalid commit SHA '${args.sha.slice(0, 80)}'. Expected the full 40-hex commit id.`,
    );
  }
  const headOwner = args.headOwner ?? owner;
  if (!/^[A-Za-z0-9-]{1,39}$/.test(headOwner)) {
    throw new InputError(
      `Invalid head owner '${headOwner.slice(0, 80)}'. Expected the GitHub user or organization that owns the pull request's head repository, e.g. octocat.`,
    );
  }
  const sha = args.sha.toLowerCase();
  const isHead = (pr: PullRef) => pr.head.sha.toLowerCase() === sha;

  let associated: PullRef[] = [];
  try {
    const { data } = await octokit.rest.repos.listPullRequestsAssociatedWithCommit({
      owner,
      repo,
      commit_sha: sha,
      per_page: 100,
    });
    associated = data;
  } catch (err) {
    // 404/422: only a fork has the commit; the branch search may still find it
    const status = statusError(err)?.status;
    if (status !== 404 && status !== 422) {
      throw wrap(`Could not list the pull requests of commit ${sha} in ${owner}/${repo}`, err);
    }
  }
  const found = lowest(associated.filter((pr) => pr.state === "open" && isHead(pr)));
  if (found !== undefined || branch === undefined || branch === "") return found;

  const head = `${headOwner}:${branch}`;
  const open = await wrapping(
    `Could not list the open pull requests of ${owner}/${repo} with head ${head}`,
    () => octokit.paginate(octokit.rest.pulls.list, { owner, repo, state: "open", head, per_page: 100 }),
  );
  // re-checked: the head filter is not trusted
  return lowest(open.filter((pr) => pr.state === "open" && pr.head.ref === branch && isHead(pr)));
}
