/**
 * The GitHub client: Octokit with the retry and throttling plugins, loaded at run time, and what every call
 * shares (the API root, errors described by HTTP status, never by message text, never with the token).
 * The pipeline's calls live beside it: pulls.ts finds the pull request of a commit, comments.ts keeps one
 * sticky comment per marker on it, notify.ts ties them to the module's arguments. The Octokit instance is
 * injected: the module builds one with {@link createOctokit}; tests aim one at a local server.
 */
import { randomUUID } from "node:crypto";
import { InputError } from "../settings/errors.js";
import { parseRepository } from "../settings/tags.js";

/*
 * Octokit is loaded at run time, never imported statically (not even `import type`). The engine's TypeScript
 * SDK introspector builds one program from every file in dagger/src and follows their imports: a static
 * `@octokit/*` import drags Octokit's huge declarations (@octokit/openapi-types, ...) into it and adds
 * seconds to every cold engine start. A specifier held in a variable is not resolved by TypeScript, so the
 * program stays small; the local structural types below describe exactly what this file uses instead
 * (test/github.test.ts checks that the real Octokit is assignable to them).
 */

export type Repo = { owner: string; repo: string };

/** One REST endpoint method, as `octokit.rest.*.*` exposes it: only the parameters and fields read here. */
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
   * instance in the process with the same id; default: an id of this client's own
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
    throw new InputError(
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
    throw new InputError(`Invalid retries '${retries}'. Expected an integer from 0 to 10.`);
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
      // one id per client: a `dagger call` runs one client that writes (the sticky comment), and clients of one
      // process (a test file's runs) never wait out each other's spacing
      id: opts.throttleId ?? `python-service-pipeline-${randomUUID()}`,
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
export function statusError(err: unknown): WithStatus | undefined {
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
export function wrap(context: string, err: unknown): Error & { status?: number } {
  const e = statusError(err);
  const wrapped = new Error(`${context}: ${describeGitHubError(err)}`, { cause: err });
  return e === undefined ? wrapped : Object.assign(wrapped, { status: e.status });
}

export function checkRepository(owner: string, repo: string): void {
  parseRepository(`${owner}/${repo}`);
}
