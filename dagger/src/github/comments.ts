import { InputError } from "../settings/errors.js";
import { checkRepository, type IssueComment, type Octokit, statusError, wrap, wrapping } from "./client.js";

/** Below GitHub's comment limit, with room to spare (docs/engine-notes.md: GitHub). */
export const MAX_COMMENT_LENGTH = 65_000;

/** The Actions GITHUB_TOKEN's author: it cannot read GET /user (docs/engine-notes.md: GitHub). */
export const ACTIONS_BOT_LOGIN = "github-actions[bot]";

function truncationNote(omitted: number): string {
  return `\n\n… (truncated: ${omitted} characters omitted; see the run's artifacts for the full report)`;
}

/** Open fences and `<details>` are closed so the truncation note shows; surrogate pairs stay whole. */
export function capCommentBody(text: string, limit: number = MAX_COMMENT_LENGTH): string {
  if (text.length <= limit) return text;
  const slack = 64; // room for the closers below
  let keep = Math.max(0, limit - truncationNote(text.length).length - slack);
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep -= 1;
  let head = text.slice(0, keep);
  if ((head.match(/^\s*```/gm) ?? []).length % 2 === 1) head += "\n```";
  const unclosed = (head.match(/<details>/g) ?? []).length - (head.match(/<\/details>/g) ?? []).length;
  // Stryker disable next-line EqualityOperator: capCommentBody: at unclosed 0 the added text is '\n</details>'.repeat(0), the empty string
  if (unclosed > 0) head += "\n</details>".repeat(Math.min(unclosed, 3));
  return `${head}${truncationNote(text.length - keep)}`;
}

/** GraphQL first: an App installation token gets 403 on GET /user (docs/engine-notes.md: GitHub). */
async function commentAuthor(octokit: Octokit): Promise<string> {
  try {
    return (await octokit.graphql("query { viewer { login } }")).viewer.login;
  } catch {
    // deliberately ignored: GET /user is the next way to ask
  }
  try {
    const { data } = await octokit.rest.users.getAuthenticated();
    return data.login;
  } catch (err) {
    // Stryker disable next-line OptionalChaining: Octokit makes every failure a RequestError with a status (500 when fetch fails)
    const status = statusError(err)?.status;
    // the Actions GITHUB_TOKEN lands here
    if (status === 401 || status === 403 || status === 404) return ACTIONS_BOT_LOGIN;
    throw wrap("Could not read the token's identity (GET /user)", err);
  }
}

/** Ours: our author AND the marker; a create can land twice, so the oldest is kept (docs/engine-notes.md: GitHub). */
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
  const listOurs = async (context: string): Promise<IssueComment[]> =>
    (
      await wrapping(context, () =>
        octokit.paginate(octokit.rest.issues.listComments, {
          owner,
          repo,
          issue_number: issueNumber,
          per_page: 100,
        }),
      )
    )
      .filter(
        // Stryker disable next-line StringLiteral: a comment without a body is never ours: the marker starts with '<!--'
        (c) => c.user?.login.toLowerCase() === author && (c.body ?? "").trimStart().startsWith(marker),
      )
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id - b.id);

  let ours = await listOurs(`Could not list the comments of ${where}`);
  const action = ours.length === 0 ? "created" : "updated";
  if (action === "created") {
    const { data } = await wrapping(`Could not create a comment on ${where}`, () =>
      octokit.rest.issues.createComment({ owner, repo, issue_number: issueNumber, body }),
    );
    ours = await listOurs(`Created comment ${data.id} on ${where}, but could not list the comments again`);
    if (ours.length === 0) return { id: data.id, action }; // not listed yet: nothing to merge
  }

  // non-empty: the update path found one, and an empty relisting returned above
  const [keep, ...duplicates] = ours as [IssueComment, ...IssueComment[]];
  if (keep.body !== body) {
    await wrapping(`Could not update comment ${keep.id} on ${where}`, () =>
      octokit.rest.issues.updateComment({ owner, repo, comment_id: keep.id, body }),
    );
  }
  for (const duplicate of duplicates) {
    try {
      await octokit.rest.issues.deleteComment({ owner, repo, comment_id: duplicate.id });
    } catch (err) {
      // 404: a concurrent run that kept the same comment deleted it first
      // Stryker disable next-line OptionalChaining: as in commentAuthor, every failure Octokit throws has a status
      if (statusError(err)?.status !== 404) {
        throw wrap(`Could not delete the duplicate comment ${duplicate.id} on ${where}`, err);
      }
    }
  }
  return { id: keep.id, action };
}
