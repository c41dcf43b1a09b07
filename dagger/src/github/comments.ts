import { InputError } from "../settings/errors.js";
import { checkRepository, type IssueComment, type Octokit, statusError, wrap } from "./client.js";

/** GitHub rejects a comment body over 65,536 characters; this leaves room to spare. */
export const MAX_COMMENT_LENGTH = 65_000;

/** The login of the Actions GITHUB_TOKEN's comments: that token cannot read GET /user. */
export const ACTIONS_BOT_LOGIN = "github-actions[bot]";

function truncationNote(omitted: number): string {
  return `\n\n… (truncated: ${omitted} characters omitted; see the run's artifacts for the full report)`;
}

/**
 * `text` if it fits in `limit` UTF-16 units; otherwise its start plus a visible note saying how much was cut.
 * The cut never splits a surrogate pair, and an open code fence or `<details>` is closed so the note shows.
 */
export function capCommentBody(text: string, limit: number = MAX_COMMENT_LENGTH): string {
  if (text.length <= limit) return text;
  const slack = 64; // room for the closing fence / </details> below
  let keep = Math.max(0, limit - truncationNote(text.length).length - slack);
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  let head = text.slice(0, keep);
  if ((head.match(/^\s*```/gm) ?? []).length % 2 === 1) head += "\n```";
  const unclosed = (head.match(/<details>/g) ?? []).length - (head.match(/<\/details>/g) ?? []).length;
  if (unclosed > 0) head += "\n</details>".repeat(Math.min(unclosed, 3));
  return `${head}${truncationNote(text.length - keep)}`;
}

/**
 * The login the token's comments are written by, asked three ways, each failure falling through to the next:
 * 1. GraphQL `viewer { login }`: a personal token's user, and a GitHub App installation token's
 *    `<app-slug>[bot]` (such a token gets 403 on GET /user);
 * 2. REST GET /user, for a token that may not use GraphQL;
 * 3. github-actions[bot], when GET /user answers 401/403/404 as it does for the Actions GITHUB_TOKEN.
 * Any failure of step 1 (an `errors` answer, a 403, a 5xx after retries) tries step 2; only an unexpected
 * failure of step 2 (e.g. a 5xx after retries) is an error.
 */
async function commentAuthor(octokit: Octokit): Promise<string> {
  try {
    const data = await octokit.graphql("query { viewer { login } }");
    const login = data.viewer?.login;
    if (typeof login === "string" && login !== "") return login;
  } catch {
    // deliberately ignored: GET /user below is the next way to ask
  }
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (err) {
    const status = statusError(err)?.status;
    // the Actions GITHUB_TOKEN (an installation token) gets 403 on /user; its comments are github-actions[bot]'s
    if (status === 401 || status === 403 || status === 404) return ACTIONS_BOT_LOGIN;
    throw wrap("Could not read the token's identity (GET /user)", err);
  }
}

/**
 * Creates or updates THE comment for `marker` on an issue or pull request: the body is the marker line then
 * `body`, capped below GitHub's limit. Every page of comments is read; only comments that start with the
 * marker AND were written by the token's own identity (see commentAuthor) are ours, so someone else's
 * comment quoting the marker is never touched.
 *
 * One comment per marker, even when a create lands twice (Octokit retries a POST answered with a 5xx that
 * GitHub had carried out) or two runs create at once: after a create the comments are listed again, and
 * whenever several of ours carry the marker the OLDEST (created_at, then id: every run picks the same one)
 * gets the body and the others are deleted. `action` is "created" when none of ours existed beforehand.
 */
export async function upsertComment(
  octokit: Octokit,
  args: { owner: string; repo: string; issueNumber: number; marker: string; body: string },
): Promise<{ id: number; action: "created" | "updated" }> {
  const { owner, repo, issueNumber, marker } = args;
  checkRepository(owner, repo);
  if (!/^<!--(?:(?!-->)[^\n])*-->$/.test(marker)) {
    throw new InputError(
      `Invalid comment marker '${marker.slice(0, 80)}'. Expected one HTML comment on one line, e.g. <!-- pipeline:ci -->.`,
    );
  }
  if (!Number.isSafeInteger(issueNumber) || issueNumber <= 0) {
    throw new InputError(
      `Invalid pull request number '${issueNumber}'. Expected a positive integer, e.g. 42.`,
    );
  }
  const where = `${owner}/${repo}#${issueNumber}`;
  const body = capCommentBody(`${marker}\n${args.body}`);

  const author = (await commentAuthor(octokit)).toLowerCase();
  /** ours with the marker, oldest first */
  const listOurs = async (context: string): Promise<IssueComment[]> => {
    let all: IssueComment[];
    try {
      all = await octokit.paginate(octokit.rest.issues.listComments, {
        owner,
        repo,
        issue_number: issueNumber,
        per_page: 100,
      });
    } catch (err) {
      throw wrap(context, err);
    }
    return all
      .filter((c) => c.user?.login.toLowerCase() === author && (c.body ?? "").trimStart().startsWith(marker))
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);
  };

  let ours = await listOurs(`Could not list the comments of ${where}`);
  const action = ours.length === 0 ? "created" : "updated";
  if (action === "created") {
    let created: number;
    try {
      const { data } = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: issueNumber,
        body,
      });
      created = data.id;
    } catch (err) {
      throw wrap(`Could not create a comment on ${where}`, err);
    }
    ours = await listOurs(`Created comment ${created} on ${where}, but could not list the comments again`);
    if (ours.length === 0) return { id: created, action }; // not listed yet: nothing to merge
  }

  const [keep, ...duplicates] = ours; // oldest first
  if (keep === undefined) throw new Error(`No comment of ours with ${marker} on ${where} after writing one.`);
  if (keep.body !== body) {
    try {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: keep.id, body });
    } catch (err) {
      throw wrap(`Could not update comment ${keep.id} on ${where}`, err);
    }
  }
  for (const duplicate of duplicates) {
    try {
      await octokit.rest.issues.deleteComment({ owner, repo, comment_id: duplicate.id });
    } catch (err) {
      // 404: already gone, deleted by a concurrent run that chose the same comment to keep
      if (statusError(err)?.status !== 404) {
        throw wrap(`Could not delete the duplicate comment ${duplicate.id} on ${where}`, err);
      }
    }
  }
  return { id: keep.id, action };
}
