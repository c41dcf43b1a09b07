/**
 * The pipeline's few GitHub calls: find the pull request of a commit and keep one sticky comment per marker
 * on it. The Octokit instance is injected: the module builds one with {@link createOctokit}; tests aim one at
 * a local server. Errors branch on the HTTP status, never on message text, and never carry the token.
 */
import { parseRepository } from "./tags.js";

/*
 * Octokit is loaded at run time, never imported statically (not even `import type`). The engine's TypeScript
 * SDK introspector builds one program from every file in dagger/src and follows their imports: a static
 * `@octokit/*` import drags Octokit's huge declarations (@octokit/openapi-types, ...) into it and adds
 * seconds to every cold engine start. A specifier held in a variable is not resolved by TypeScript, so the
 * program stays small; the local structural types below describe exactly what this file uses instead
 * (test/github.test.ts checks that the real Octokit is assignable to them).
 */

type Repo = { owner: string; repo: string };

/** One REST endpoint method, as `octokit.rest.*.*` exposes it: only the parameters and fields read here. */
type Endpoint<P, D> = (params: P) => Promise<{ data: D }>;

type PullRef = { number: number; state?: string; head: { ref: string; sha: string } };

type IssueComment = {
  id: number;
  body?: string;
  user: { login: string; type?: string } | null;
  created_at: string;
};

type ListPulls = Endpoint<
  Repo & { state?: "open" | "closed" | "all"; head?: string; per_page?: number },
  PullRef[]
>;
type ListComments = Endpoint<Repo & { issue_number: number; per_page?: number }, IssueComment[]>;

/**
 * The part of Octokit (REST methods, pagination, retry and throttling plugins) this file calls. Octokit's
 * retry (5xx) and throttling (rate limits) live inside `request`, so they need no member here.
 */
export type Octokit = {
  rest: {
    repos: {
      listPullRequestsAssociatedWithCommit: Endpoint<
        Repo & { commit_sha: string; per_page?: number },
        PullRef[]
      >;
    };
    pulls: { list: ListPulls };
    issues: {
      listComments: ListComments;
      createComment: Endpoint<Repo & { issue_number: number; body: string }, { id: number }>;
      updateComment: Endpoint<Repo & { comment_id: number; body: string }, { id: number }>;
      deleteComment: Endpoint<Repo & { comment_id: number }, unknown>;
    };
    users: { getAuthenticated: () => Promise<{ data: { login: string } }> };
  };
  /** a GraphQL query's `data`; Octokit derives the GraphQL URL from baseUrl (GHES: /api/v3 -> /api/graphql) */
  graphql: (query: string) => Promise<{ viewer?: { login?: string } | null }>;
  /** every page of a list endpoint, concatenated; the items are typed by the endpoint method */
  paginate: <P, T>(route: Endpoint<P, T[]>, params: P) => Promise<T[]>;
};

/** `Octokit.plugin(retry, throttling)`: its options are Octokit's, read by the core and the two plugins. */
type PipelineOctokitClass = new (options: Record<string, unknown>) => Octokit;

/** The three module namespaces, as far as this file reads them. */
type OctokitModules = [
  { Octokit: { plugin: (...plugins: unknown[]) => PipelineOctokitClass } },
  { retry: unknown },
  { throttling: unknown },
];

let pipelineOctokit: Promise<PipelineOctokitClass> | undefined;

/** Octokit with the retry and throttling plugins, loaded once; the specifiers are variables on purpose. */
function loadOctokit(): Promise<PipelineOctokitClass> {
  pipelineOctokit ??= (async () => {
    const specifiers = ["@octokit/rest", "@octokit/plugin-retry", "@octokit/plugin-throttling"];
    const [{ Octokit }, { retry }, { throttling }] = (await Promise.all(
      specifiers.map((specifier) => import(specifier)),
    )) as OctokitModules;
    return Octokit.plugin(retry, throttling);
  })().catch((err: unknown) => {
    pipelineOctokit = undefined; // a failed load is not cached: the next call tries again
    throw err;
  });
  return pipelineOctokit;
}

export type CreateOctokitOptions = {
  token: string;
  /** REST API root; defaults to https://api.github.com (GitHub Enterprise Server: https://HOST/api/v3) */
  baseUrl?: string;
  userAgent?: string;
  /** receives one line per warning (rate limits, retries); defaults to stderr */
  log?: (msg: string) => void;
  /** how many times a 5xx or a rate-limited request is retried; default 3 */
  retries?: number;
  /** milliseconds per second of back-off and of `retry-after`; default 1000 (tests may shrink it) */
  retryAfterBaseMs?: number;
  /**
   * the throttling plugin spaces writes (1 s) and notification-triggering writes (3 s) per id, across every
   * instance in the process; give unrelated clients (e.g. parallel tests) distinct ids
   */
  throttleId?: string;
};

/** A primary rate limit that resets later than this is reported, not waited out: CI minutes cost money. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 120;

/**
 * Secondary rate limits: one wait, and all of them together over a client's life, stay within this. GitHub
 * asks for a minute when it sends no retry-after; past that, a comment is not worth holding a CI runner.
 */
export const MAX_SECONDARY_WAIT_SECONDS = 60;

/** `http:` is accepted only for these hosts: a test server on this machine, never a token over the network. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The REST API root, checked: an https URL (api.github.com, GitHub Enterprise Server's https://HOST/api/v3,
 * a GHE.com https://api.SUBDOMAIN.ghe.com), or http only on the loopback; no credentials, query or fragment.
 * Returned without a trailing slash, as Octokit joins `baseUrl + path`.
 */
export function parseGitHubApiUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const secure =
    url?.protocol === "https:" || (url?.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  if (url === undefined || !secure || url.username || url.password || /[?#]/.test(url.href)) {
    const shown = value.replace(/\/\/[^@/]*@/, "//***@"); // credentials in the URL are not repeated
    throw new Error(
      `Invalid GitHub API URL '${shown.slice(0, 200)}'. Expected an https URL without credentials, e.g. https://ghe.example.com/api/v3 (http only for 127.0.0.1 or localhost).`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

/**
 * Builds the Octokit the module uses: retries 5xx, waits out secondary rate limits, logs without the token.
 * Async because Octokit is imported on first use; invalid options still reject before anything is loaded.
 */
export async function createOctokit(opts: CreateOctokitOptions): Promise<Octokit> {
  if (opts.token.trim() === "") {
    throw new Error("A GitHub token is required. Pass one with --github-token=env:GITHUB_TOKEN.");
  }
  const retries = opts.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw new Error(`Invalid retries '${retries}'. Expected an integer from 0 to 10.`);
  }
  const baseUrl = opts.baseUrl === undefined ? undefined : parseGitHubApiUrl(opts.baseUrl);
  const log = opts.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  const base = opts.retryAfterBaseMs ?? 1000;
  /** `budget.left`: seconds this client may still wait, shared by every request it makes */
  const onLimit =
    (kind: string, maxWait: number, budget: { left: number }) =>
    (retryAfter: number, options: { method: string; url: string }, _octokit: unknown, retryCount: number) => {
      const request = `${options.method} ${options.url}`;
      const giveUp = (why: string) => {
        log(`warning: GitHub ${kind} on ${request}; ${why}giving up after ${retryCount} retries`);
        return false;
      };
      if (retryCount >= retries) return giveUp("");
      if (retryAfter > maxWait) return giveUp(`a ${retryAfter}s wait is past the ${maxWait}s limit, `);
      if (retryAfter > budget.left) {
        return giveUp(`a ${retryAfter}s wait would pass what this client may wait (${budget.left}s left), `);
      }
      budget.left -= retryAfter;
      log(`warning: GitHub ${kind} on ${request}; retrying in ${retryAfter}s (${retryCount + 1}/${retries})`);
      return true;
    };
  const PipelineOctokit = await loadOctokit();
  return new PipelineOctokit({
    auth: opts.token,
    baseUrl,
    userAgent: opts.userAgent ?? "python-service-pipeline",
    log: {
      debug: () => {},
      info: () => {},
      warn: (msg: string) => log(`warning: ${msg}`),
      // request failures surface as thrown errors; logging them here as well would only repeat them
      error: () => {},
    },
    retry: { retries, retryAfterBaseValue: base },
    throttle: {
      id: opts.throttleId ?? "python-service-pipeline",
      retryAfterBaseValue: base,
      onRateLimit: onLimit("rate limit", MAX_RATE_LIMIT_WAIT_SECONDS, { left: Number.POSITIVE_INFINITY }),
      onSecondaryRateLimit: onLimit("secondary rate limit", MAX_SECONDARY_WAIT_SECONDS, {
        left: MAX_SECONDARY_WAIT_SECONDS,
      }),
    },
  });
}

/** An error carrying an HTTP status, as Octokit's RequestError does (duck-typed: no extra dependency). */
type WithStatus = Error & { status: number; response?: { headers?: Record<string, string | undefined> } };

/** The innermost error with a status along the cause chain: Octokit's own, with the response headers. */
function statusError(err: unknown): WithStatus | undefined {
  let found: WithStatus | undefined;
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (typeof (e as Partial<WithStatus>).status === "number") found = e as WithStatus;
  }
  return found;
}

/** One line for a warning or an error message: what went wrong with a GitHub call, never the token. */
export function describeGitHubError(err: unknown): string {
  const e = statusError(err);
  if (e === undefined) {
    return err instanceof Error ? err.message : `unexpected error: ${String(err)}`;
  }
  const headers = e.response?.headers ?? {};
  if ((e.status === 403 || e.status === 429) && headers["x-ratelimit-remaining"] === "0") {
    return `the GitHub API rate limit is exhausted (${e.status})`;
  }
  // GitHub sends retry-after with a secondary rate limit; a plain permission 403 has none
  if ((e.status === 403 || e.status === 429) && headers["retry-after"] !== undefined) {
    return `GitHub's secondary rate limit was hit (${e.status}) and waiting it out was given up`;
  }
  switch (e.status) {
    case 401:
      return "the token was rejected (401): check that it is valid and not expired";
    case 403:
      return "the token cannot write to this repository (403; a fork's pull request gets a read-only token)";
    case 404:
      return "not found (404): check --repository and the token's access";
    default:
      return `GitHub API error ${e.status}`;
  }
}

/** Adds context to a failed call, keeping the status (so callers can branch on it) and the cause. */
function wrap(context: string, err: unknown): Error & { status?: number } {
  const e = statusError(err);
  const wrapped = new Error(`${context}: ${describeGitHubError(err)}`, { cause: err });
  return e === undefined ? wrapped : Object.assign(wrapped, { status: e.status });
}

function checkRepository(owner: string, repo: string): void {
  parseRepository(`${owner}/${repo}`);
}

function lowest(pulls: PullRef[]): number | undefined {
  return pulls.length === 0 ? undefined : Math.min(...pulls.map((p) => p.number));
}

/**
 * The open pull request whose head is exactly `sha`, or `undefined`.
 *
 * The commit endpoint comes first; it returns [] for a commit that exists only in a fork, so then (when
 * `branch` is given) GitHub is asked only for the open pull requests whose head is `headOwner:branch` (its
 * `head` filter, every page), and of those only one whose head SHA is `sha` is taken.
 *
 * `headOwner` is the owner of the repository the pull request comes FROM: for a fork, the fork's owner
 * (in a workflow, `github.event.pull_request.head.repo.owner.login` or
 * `github.event.workflow_run.head_repository.owner.login`). A branch name alone does not say it, so it
 * defaults to `owner`, which finds only same-repository pull requests: pass it for forks.
 *
 * Only a PR whose head IS this commit is chosen: a PR that merely contains it has moved on, and a late run
 * must not overwrite the newer run's comment. Several matches (one branch, two base branches): the lowest
 * number, the oldest PR, so reruns pick the same one.
 */
export async function findPullRequest(
  octokit: Octokit,
  args: { owner: string; repo: string; sha: string; branch?: string; headOwner?: string },
): Promise<number | undefined> {
  const { owner, repo, branch } = args;
  checkRepository(owner, repo);
  if (!/^(?:[0-9A-Fa-f]{40}|[0-9A-Fa-f]{64})$/.test(args.sha)) {
    throw new Error(`Invalid commit SHA '${args.sha.slice(0, 80)}'. Expected the full 40-hex commit id.`);
  }
  const headOwner = args.headOwner ?? owner;
  if (!/^[A-Za-z0-9-]{1,39}$/.test(headOwner)) {
    throw new Error(
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
    // 404/422: GitHub does not know this commit (only a fork has it); the branch search below may still find it
    const status = statusError(err)?.status;
    if (status !== 404 && status !== 422) {
      throw wrap(`Could not list the pull requests of commit ${sha} in ${owner}/${repo}`, err);
    }
  }
  const found = lowest(associated.filter((pr) => pr.state === "open" && isHead(pr)));
  if (found !== undefined || branch === undefined || branch === "") return found;

  const head = `${headOwner}:${branch}`;
  try {
    const open = await octokit.paginate(octokit.rest.pulls.list, {
      owner,
      repo,
      state: "open",
      head,
      per_page: 100,
    });
    // GitHub filtered by head already; checking again costs nothing and does not trust the filter
    return lowest(open.filter((pr) => pr.state === "open" && pr.head.ref === branch && isHead(pr)));
  } catch (err) {
    throw wrap(`Could not list the open pull requests of ${owner}/${repo} with head ${head}`, err);
  }
}

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
    throw new Error(
      `Invalid comment marker '${marker.slice(0, 80)}'. Expected one HTML comment on one line, e.g. <!-- pipeline:ci -->.`,
    );
  }
  if (!Number.isSafeInteger(issueNumber) || issueNumber <= 0) {
    throw new Error(`Invalid pull request number '${issueNumber}'. Expected a positive integer, e.g. 42.`);
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

  const [keep, ...duplicates] = ours; // oldest first; not empty here
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
