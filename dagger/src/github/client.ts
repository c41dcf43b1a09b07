/** Octokit is injected so tests can aim one at a local server; errors never carry the token. */
import { randomUUID } from "node:crypto";
import { InputError } from "../settings/errors.js";
import { parseRepository } from "../settings/tags.js";

// Structural types, not Octokit's: importing even those slows a cold engine start (docs/engine-notes.md: Dagger engine).

export type Repo = { owner: string; repo: string };

type Endpoint<P, D> = (params: P) => Promise<{ data: D }>;

export type PullRef = { number: number; state?: string; head: { ref: string; sha: string } };

export type IssueComment = {
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

/** Retry and throttling need no member: they live inside `request` (docs/engine-notes.md: GitHub). */
export type Octokit = {
  rest: {
    repos: {
      listPullRequestsAssociatedWithCommit: Endpoint<
        Repo & { commit_sha: string; per_page?: number },
        PullRef[]
      >;
      listTags: Endpoint<Repo & { per_page?: number }, { name: string }[]>;
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
  /** GitHub's schema: viewer is User!, login String!; a refused viewer is an error (data.viewer null) */
  graphql: (query: string) => Promise<{ viewer: { login: string } }>;
  paginate: <P, T>(route: Endpoint<P, T[]>, params: P) => Promise<T[]>;
};

type PipelineOctokitClass = new (options: Record<string, unknown>) => Octokit;

type OctokitModules = [
  { Octokit: { plugin: (...plugins: unknown[]) => PipelineOctokitClass } },
  { retry: unknown },
  { throttling: unknown },
];

let pipelineOctokit: Promise<PipelineOctokitClass> | undefined;

/** The specifiers are variables so TypeScript does not resolve them. */
function loadOctokit(): Promise<PipelineOctokitClass> {
  pipelineOctokit ??= (async () => {
    const specifiers = ["@octokit/rest", "@octokit/plugin-retry", "@octokit/plugin-throttling"];
    const [{ Octokit }, { retry }, { throttling }] = (await Promise.all(
      specifiers.map((specifier) => import(specifier)),
    )) as OctokitModules;
    return Octokit.plugin(retry, throttling);
  })().catch((err: unknown) => {
    pipelineOctokit = undefined; // not cached: the next call tries again
    throw err;
  });
  return pipelineOctokit;
}

export type CreateOctokitOptions = {
  token: string;
  baseUrl?: string;
  userAgent?: string;
  log?: (msg: string) => void;
  retries?: number;
  /** ms per second of back-off; tests shrink it */
  retryAfterBaseMs?: number;
  /** clients sharing an id share write spacing (docs/engine-notes.md: GitHub) */
  throttleId?: string;
};

/** Longer primary rate limits are reported, not waited out: CI minutes cost money. */
const MAX_RATE_LIMIT_WAIT_SECONDS = 120;

/** Caps each wait and their sum: a comment is not worth holding a runner (docs/engine-notes.md: GitHub). */
export const MAX_SECONDARY_WAIT_SECONDS = 60;

/** http only here: a local test server, never a token over the network. */
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** No trailing slash: Octokit joins `baseUrl + path` (docs/engine-notes.md: GitHub). */
export function parseGitHubApiUrl(value: string): string {
  const url = URL.canParse(value) ? new URL(value) : undefined;
  const secure =
    url?.protocol === "https:" || (url?.protocol === "http:" && LOOPBACK_HOSTS.has(url.hostname));
  if (url === undefined || !secure || url.username || url.password || /[?#]/.test(url.href)) {
    const shown = value.replace(/\/\/[^@/]*@/, "//***@"); // never repeat credentials
    throw new InputError(
      `Invalid GitHub API URL '${shown.slice(0, 200)}'. Expected an https URL without credentials, e.g. https://ghe.example.com/api/v3 (http only for 127.0.0.1 or localhost).`,
    );
  }
  return url.href.replace(/\/+$/, "");
}

/** Async: Octokit loads on first use; bad options reject before that. */
export async function createOctokit(opts: CreateOctokitOptions): Promise<Octokit> {
  if (opts.token.trim() === "") {
    throw new Error("A GitHub token is required. Pass one with --github-token=env:GITHUB_TOKEN.");
  }
  const retries = opts.retries ?? 3;
  if (!Number.isInteger(retries) || retries < 0 || retries > 10) {
    throw new InputError(`Invalid retries '${retries}'. Expected an integer from 0 to 10.`);
  }
  const baseUrl = opts.baseUrl === undefined ? undefined : parseGitHubApiUrl(opts.baseUrl);
  const log = opts.log ?? ((msg: string) => process.stderr.write(`${msg}\n`));
  const base = opts.retryAfterBaseMs ?? 1000;
  // `budget` is shared by every request of this client
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
      // failures are thrown; logging them too would repeat them
      error: () => {},
    },
    retry: { retries, retryAfterBaseValue: base },
    throttle: {
      // one id per client, so clients of one process (tests) never wait out each other's spacing
      id: opts.throttleId ?? `python-service-pipeline-${randomUUID()}`,
      retryAfterBaseValue: base,
      onRateLimit: onLimit("rate limit", MAX_RATE_LIMIT_WAIT_SECONDS, { left: Number.POSITIVE_INFINITY }),
      onSecondaryRateLimit: onLimit("secondary rate limit", MAX_SECONDARY_WAIT_SECONDS, {
        left: MAX_SECONDARY_WAIT_SECONDS,
      }),
    },
  });
}

/** Duck-typed Octokit RequestError: no extra dependency. */
type WithStatus = Error & { status: number; response?: { headers?: Record<string, string | undefined> } };

/** The innermost: Octokit's own, with the response headers. */
export function statusError(err: unknown): WithStatus | undefined {
  let found: WithStatus | undefined;
  for (let e = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (typeof (e as Partial<WithStatus>).status === "number") found = e as WithStatus;
  }
  return found;
}

const BY_STATUS: Readonly<Record<number, string>> = {
  401: "the token was rejected (401): check that it is valid and not expired",
  403: "the token cannot write to this repository (403; a fork's pull request gets a read-only token)",
  404: "not found (404): check --repository and the token's access",
};

/** By HTTP status, never by message text, never with the token; `byStatus` rewords a status for its caller. */
export function describeGitHubError(err: unknown, byStatus: Readonly<Record<number, string>> = {}): string {
  const e = statusError(err);
  if (e === undefined) return err instanceof Error ? err.message : `unexpected error: ${String(err)}`;
  const headers = e.response?.headers ?? {};
  if ((e.status === 403 || e.status === 429) && headers["x-ratelimit-remaining"] === "0") {
    return `the GitHub API rate limit is exhausted (${e.status})`;
  }
  // only a secondary rate limit sends retry-after (docs/engine-notes.md: GitHub)
  if ((e.status === 403 || e.status === 429) && headers["retry-after"] !== undefined) {
    return `GitHub's secondary rate limit was hit (${e.status}) and waiting it out was given up`;
  }
  return byStatus[e.status] ?? BY_STATUS[e.status] ?? `GitHub API error ${e.status}`;
}

/** Keeps the status, so callers can branch on it. */
export function wrap(context: string, err: unknown): Error & { status?: number } {
  const e = statusError(err);
  const wrapped = new Error(`${context}: ${describeGitHubError(err)}`, { cause: err });
  return e === undefined ? wrapped : Object.assign(wrapped, { status: e.status });
}

/** `call`, its failure wrapped with `context`. */
export async function wrapping<T>(context: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw wrap(context, err);
  }
}

export function checkRepository(owner: string, repo: string): void {
  parseRepository(`${owner}/${repo}`);
}
