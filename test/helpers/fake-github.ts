/**
 * A local stand-in for api.github.com, for the few endpoints the pipeline calls. It answers with GitHub's
 * shapes: JSON bodies, status codes, `{ message, documentation_url }` errors, Link-header pagination that
 * honours per_page and page, and rate-limit headers. Each test programs it (the token's identity, the pull
 * requests and comments that exist, failures to inject) and reads its request log afterwards.
 *
 * GraphQL answers one query, `{ viewer { login } }`, the way GitHub does: 200 with `data`, or 200 with
 * `errors` (type FORBIDDEN) when the token may not read its viewer. With `prefix: "/api/v3"` it is laid out
 * like GitHub Enterprise Server: REST under /api/v3, GraphQL at /api/graphql.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createOctokit, type Octokit } from "../../dagger/src/github/client.js";

export type FakeUser = { login: string; type: "User" | "Bot" };

export type FakeComment = {
  id: number;
  body: string;
  user: FakeUser;
  created_at: string;
  updated_at: string;
  html_url: string;
};

export type FakePull = {
  number: number;
  state: "open" | "closed";
  /** `label` is `owner:ref`, the form GitHub's `head` filter matches */
  head: { label: string; ref: string; sha: string; user: { login: string }; repo: { full_name: string } };
  base: { ref: string };
  html_url: string;
};

/**
 * One entry of a pull request's file list, in the shape of GitHub's `diff-entry` schema (@octokit/openapi-types
 * 29.0.1, components.schemas["diff-entry"]): `patch` is optional, and GitHub leaves it out for binary files and
 * diffs too large to show.
 */
export type FakeFile = {
  sha: string | null;
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  additions: number;
  deletions: number;
  changes: number;
  blob_url: string;
  raw_url: string;
  contents_url: string;
  patch?: string;
  previous_filename?: string;
};

/** GitHub's "List pull requests files" answers at most this many files, whatever the page asked for. */
export const FAKE_MAX_PULL_FILES = 3000;

export type LoggedRequest = {
  method: string;
  path: string;
  query: Record<string, string>;
  /** whether an Authorization header was sent (its value is never stored) */
  authorized: boolean;
  /** the User-Agent header as sent */
  userAgent?: string;
  body?: unknown;
};

/** A release as GitHub holds it, with the fields the module reads and what the test asserts. */
export type FakeRelease = {
  id: number;
  tag_name: string;
  name: string;
  body: string;
  draft: boolean;
  prerelease: boolean;
  /** the last `make_latest` a PATCH sent */
  make_latest?: string;
  html_url: string;
  upload_url: string;
  assets: { id: number; name: string; content: string }[];
};

/** A failure the server returns instead of the normal answer, `times` times (default once). */
export type Fault = {
  method: string;
  /** matched against the path without the query string */
  path: RegExp;
  status: number;
  message: string;
  headers?: Record<string, string>;
  times?: number;
  /** how many matching requests are answered normally first (a relisting that fails after a listing worked) */
  after?: number;
  /**
   * the request takes effect first and only its answer is lost (a 502 from a proxy after GitHub created the
   * comment): what a client that retries the POST turns into a duplicate
   */
  landed?: boolean;
};

/** The identity GitHub attributes to the token. `null`: GET /user answers 403, as for the Actions GITHUB_TOKEN. */
export type Identity = FakeUser | null;

/**
 * What GraphQL `viewer { login }` answers: a login (a GitHub App installation token gets `<app-slug>[bot]`), or
 * "forbidden": HTTP 200 with `errors: [{ type: "FORBIDDEN" }]`. HTTP failures (403, 5xx): use `faults`.
 */
export type Viewer = { login: string } | "forbidden";

export const ACTIONS_BOT: FakeUser = { login: "github-actions[bot]", type: "Bot" };

const DOCS = "https://docs.github.com/rest";
let clientCount = 0;
const MAX_REQUESTS = 400;

export class FakeGitHub {
  readonly owner: string;
  readonly repo: string;
  /** requests with another `Authorization: token …` get 401 */
  readonly token: string;
  identity: Identity = { login: "octocat", type: "User" };
  /** unset: the identity's login, or "forbidden" when GET /user is refused (identity null) */
  viewer: Viewer | undefined;
  pulls: FakePull[] = [];
  /** sha -> numbers of the pull requests GitHub associates with that commit */
  commitPulls = new Map<string, number[]>();
  /** shas GitHub does not know at all (the commit endpoint answers 422) */
  unknownShas = new Set<string>();
  comments = new Map<number, FakeComment[]>();
  /** pull request number -> its changed files, as GET /pulls/{n}/files lists them (see {@link file}) */
  files = new Map<number, FakeFile[]>();
  faults: Fault[] = [];
  /** the repository's git tags, as GET /tags lists them (newest first, as GitHub does) */
  tags: string[] = [];
  /** "base...head" -> the files GET /compare/{base}...{head} lists (at most 300, as GitHub does) */
  comparisons = new Map<string, FakeFile[]>();
  /** its releases, drafts included (GET /releases lists them to a token with push access) */
  releases: FakeRelease[] = [];
  /**
   * false: GET /pulls ignores its `state` and `head` filters and lists every pull request, newest first (GitHub
   * ignores a `head` it cannot parse): for a client that says it checks the answer itself rather than trust them
   */
  listFilters = true;
  /** true: a comment created through the API is not listed yet (GitHub's lists can lag its writes) */
  listLags = false;
  private readonly unlisted = new Set<number>();
  readonly requests: LoggedRequest[] = [];
  private server: Server | undefined;
  private nextId = 1000;
  private remaining = 5000;
  private clock = Date.parse("2026-01-01T00:00:00Z");
  /** the REST root's path: "" as on api.github.com, "/api/v3" as on GitHub Enterprise Server */
  readonly prefix: "" | "/api/v3";
  /** the server's origin, without the prefix */
  baseUrl = "";

  /**
   * The module's real client (createOctokit: retry and throttling) aimed at this server: a second of back-off or
   * retry-after waits 10 ms, and each client has its own throttle, so no test waits out another's spacing.
   */
  client(opts: { log?: (msg: string) => void; retries?: number } = {}): Promise<Octokit> {
    return createOctokit({
      token: this.token,
      baseUrl: this.baseUrl,
      log: opts.log ?? (() => {}),
      retryAfterBaseMs: 10,
      throttleId: `fake-github-${++clientCount}`,
      ...(opts.retries === undefined ? {} : { retries: opts.retries }),
    });
  }

  constructor(opts: { owner?: string; repo?: string; token?: string; prefix?: "" | "/api/v3" } = {}) {
    this.owner = opts.owner ?? "octo-org";
    this.repo = opts.repo ?? "my-service";
    this.token = opts.token ?? "ghp_fakeTokenValue1234567890abcdef";
    this.prefix = opts.prefix ?? "";
  }

  /** The REST API root a client is given: the origin plus the prefix. */
  get apiUrl(): string {
    return `${this.baseUrl}${this.prefix}`;
  }

  /** Where GraphQL is served: /graphql, or /api/graphql on GitHub Enterprise Server. */
  get graphqlPath(): string {
    return this.prefix === "/api/v3" ? "/api/graphql" : "/graphql";
  }

  async start(): Promise<string> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        this.send(res, error(500, `fake server bug: ${String(err)}`));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    this.server = server;
    this.baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** A pull request; `fork` is the head repository's owner/name when it is not this repository. */
  addPull(pull: {
    number: number;
    ref: string;
    sha: string;
    state?: "open" | "closed";
    fork?: string;
  }): FakePull {
    const headRepo = pull.fork ?? `${this.owner}/${this.repo}`;
    const headOwner = headRepo.split("/")[0];
    const p: FakePull = {
      number: pull.number,
      state: pull.state ?? "open",
      head: {
        label: `${headOwner}:${pull.ref}`,
        ref: pull.ref,
        sha: pull.sha,
        user: { login: headOwner },
        repo: { full_name: headRepo },
      },
      base: { ref: "main" },
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${pull.number}`,
    };
    this.pulls.push(p);
    return p;
  }

  addComment(issue: number, user: FakeUser, body: string): FakeComment {
    const stamp = this.tick();
    const comment: FakeComment = {
      id: this.nextId++,
      body,
      user,
      created_at: stamp,
      updated_at: stamp,
      html_url: `https://github.com/${this.owner}/${this.repo}/pull/${issue}#issuecomment-${this.nextId - 1}`,
    };
    const list = this.comments.get(issue) ?? [];
    list.push(comment);
    this.comments.set(issue, list);
    return comment;
  }

  /**
   * A changed file as GitHub lists it; additions and deletions are counted from the patch. Without `patch`,
   * the entry has none, as GitHub sends a binary file or a diff too large to show.
   */
  file(f: {
    filename: string;
    status?: FakeFile["status"];
    patch?: string;
    previous_filename?: string;
    changes?: number;
  }): FakeFile {
    const lines = (f.patch ?? "").split("\n");
    const additions = lines.filter((l) => l.startsWith("+")).length;
    const deletions = lines.filter((l) => l.startsWith("-")).length;
    const web = `https://github.com/${this.owner}/${this.repo}`;
    return {
      sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
      filename: f.filename,
      status: f.status ?? "modified",
      additions,
      deletions,
      changes: f.changes ?? additions + deletions,
      blob_url: `${web}/blob/bbcd538c8e72b8c175046e27cc8f907076331401/${f.filename}`,
      raw_url: `${web}/raw/bbcd538c8e72b8c175046e27cc8f907076331401/${f.filename}`,
      contents_url: `https://api.github.com/repos/${this.owner}/${this.repo}/contents/${f.filename}?ref=bbcd538c8e72b8c175046e27cc8f907076331401`,
      ...(f.patch !== undefined ? { patch: f.patch } : {}),
      ...(f.previous_filename !== undefined ? { previous_filename: f.previous_filename } : {}),
    };
  }

  /** Requests matching a method and a path pattern. */
  calls(method: string, path: RegExp): LoggedRequest[] {
    return this.requests.filter((r) => r.method === method && path.test(r.path));
  }

  private tick(): string {
    this.clock += 1000;
    return new Date(this.clock).toISOString();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.baseUrl);
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    const body = raw === "" ? undefined : parseBody(raw);
    const auth = req.headers.authorization;
    this.requests.push({
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      authorized: auth !== undefined,
      ...(req.headers["user-agent"] === undefined ? {} : { userAgent: req.headers["user-agent"] }),
      body,
    });
    this.send(res, this.answer(method, url, body, auth));
  }

  private answer(method: string, url: URL, body: unknown, auth: string | undefined): Reply {
    if (this.requests.length > MAX_REQUESTS) {
      return error(429, "fake server: too many requests in one test");
    }
    if (auth?.replace(/^(token|bearer) /i, "") !== this.token) return error(401, "Bad credentials");
    const fault = this.faults.find((f) => f.method === method && f.path.test(url.pathname));
    if (fault?.after) fault.after -= 1;
    else if (fault !== undefined) {
      fault.times = (fault.times ?? 1) - 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
      if (fault.landed) this.route(method, url, body);
      return error(fault.status, fault.message, fault.headers);
    }
    return this.route(method, url, body);
  }

  /** Who the token's comments are by: the GraphQL viewer when it is set, else the REST identity. */
  private author(): FakeUser {
    if (this.viewer !== undefined && this.viewer !== "forbidden") {
      const { login } = this.viewer;
      return { login, type: login.endsWith("[bot]") ? "Bot" : "User" };
    }
    return this.identity ?? ACTIONS_BOT;
  }

  private graphql(body: unknown): Reply {
    const query = (body as { query?: unknown } | undefined)?.query;
    if (typeof query !== "string" || !/^\s*(?:query\s*)?\{\s*viewer\s*\{\s*login\s*\}\s*\}\s*$/.test(query)) {
      // the fake knows one query; anything else is answered as GitHub answers a field it does not have
      return {
        status: 200,
        body: { errors: [{ message: `fake server: unsupported query ${JSON.stringify(query)}` }] },
      };
    }
    const viewer = this.viewer ?? (this.identity === null ? "forbidden" : { login: this.identity.login });
    if (viewer === "forbidden") {
      return {
        status: 200,
        body: {
          data: { viewer: null },
          errors: [
            {
              type: "FORBIDDEN",
              path: ["viewer"],
              extensions: { saml_failure: false },
              locations: [{ line: 1, column: 9 }],
              message: "Resource not accessible by integration",
            },
          ],
        },
      };
    }
    return { status: 200, body: { data: { viewer: { login: viewer.login } } } };
  }

  private route(method: string, url: URL, body: unknown): Reply {
    if (url.pathname === this.graphqlPath) {
      return method === "POST" ? this.graphql(body) : error(404, "Not Found");
    }
    if (!url.pathname.startsWith(`${this.prefix}/`)) return error(404, "Not Found");
    const path = url.pathname.slice(this.prefix.length);
    if (method === "GET" && path === "/user") {
      if (this.identity === null) return error(403, "Resource not accessible by integration");
      return { status: 200, body: { ...this.identity, id: 1 } };
    }
    const repoPrefix = `/repos/${this.owner}/${this.repo}/`;
    if (!path.startsWith(repoPrefix)) return error(404, "Not Found");
    const rest = path.slice(repoPrefix.length);
    const text = (body as { body?: unknown } | undefined)?.body;

    const compared = /^compare\/([^/]+\.\.\.[^/]+)$/.exec(rest);
    if (method === "GET" && compared) {
      const files = this.comparisons.get(compared[1] ?? "");
      if (files === undefined) return error(404, "Not Found");
      return {
        status: 200,
        body: { status: "ahead", ahead_by: 1, behind_by: 0, commits: [], files: files.slice(0, 300) },
      };
    }
    const commit = /^commits\/([^/]+)\/pulls$/.exec(rest);
    if (method === "GET" && commit) {
      const sha = commit[1];
      if (this.unknownShas.has(sha)) return error(422, `No commit found for SHA: ${sha}`);
      const numbers = this.commitPulls.get(sha) ?? [];
      return this.page(
        url,
        this.pulls.filter((p) => numbers.includes(p.number)),
      );
    }
    if (method === "GET" && rest === "tags") {
      const sha = "bbcd538c8e72b8c175046e27cc8f907076331401";
      return this.page(
        url,
        this.tags.map((name) => ({
          name,
          commit: { sha, url: `https://api.github.com/repos/${this.owner}/${this.repo}/commits/${sha}` },
          zipball_url: `https://api.github.com/repos/${this.owner}/${this.repo}/zipball/refs/tags/${name}`,
          tarball_url: `https://api.github.com/repos/${this.owner}/${this.repo}/tarball/refs/tags/${name}`,
          node_id: "MDM6UmVmcmVmcy90YWdzL3YxLjAuMA==",
        })),
      );
    }
    const released = this.routeReleases(method, rest, url, body);
    if (released !== undefined) return released;
    if (method === "GET" && rest === "pulls") {
      const state = this.listFilters ? (url.searchParams.get("state") ?? "open") : "all";
      // GitHub's `head` filter is `user:ref-name` (the user case-insensitive); without a ':' it is ignored
      const head = this.listFilters ? /^([^:]+):(.+)$/.exec(url.searchParams.get("head") ?? "") : null;
      const pulls = this.pulls
        .filter((p) => state === "all" || p.state === state)
        .filter(
          (p) =>
            head === null ||
            (p.head.user.login.toLowerCase() === head[1].toLowerCase() && p.head.ref === head[2]),
        )
        .sort((a, b) => b.number - a.number);
      return this.page(url, pulls);
    }
    const listed = /^pulls\/(\d+)\/files$/.exec(rest);
    if (method === "GET" && listed) {
      const n = Number(listed[1]);
      if (!this.pulls.some((p) => p.number === n)) return error(404, "Not Found");
      return this.page(url, (this.files.get(n) ?? []).slice(0, FAKE_MAX_PULL_FILES));
    }
    const issue = /^issues\/(\d+)\/comments$/.exec(rest);
    if (issue) {
      const n = Number(issue[1]);
      if (!this.pulls.some((p) => p.number === n)) return error(404, "Not Found");
      if (method === "GET") {
        return this.page(
          url,
          (this.comments.get(n) ?? []).filter((c) => !this.unlisted.has(c.id)),
        );
      }
      if (method === "POST") {
        if (typeof text !== "string") return error(422, 'Invalid request. "body" wasn\'t supplied.');
        const comment = this.addComment(n, this.author(), text);
        if (this.listLags) this.unlisted.add(comment.id);
        return { status: 201, body: comment };
      }
    }
    const edit = /^issues\/comments\/(\d+)$/.exec(rest);
    if (edit && (method === "PATCH" || method === "DELETE")) {
      const id = Number(edit[1]);
      const comment = [...this.comments.values()].flat().find((c) => c.id === id);
      if (comment === undefined) return error(404, "Not Found");
      if (method === "DELETE") {
        for (const [issue, list] of this.comments) {
          this.comments.set(
            issue,
            list.filter((c) => c.id !== id),
          );
        }
        return { status: 204, body: undefined };
      }
      if (typeof text !== "string") return error(422, 'Invalid request. "body" wasn\'t supplied.');
      comment.body = text;
      comment.updated_at = this.tick();
      return { status: 200, body: comment };
    }
    return error(404, "Not Found");
  }

  /** The Releases and Release assets endpoints, as GitHub answers them; undefined for any other path. */
  private routeReleases(method: string, rest: string, url: URL, body: unknown): Reply | undefined {
    const fields = (body ?? {}) as Partial<FakeRelease> & { make_latest?: string };
    if (rest === "releases" && method === "GET") return this.page(url, this.releases);
    if (rest === "releases" && method === "POST") {
      if (this.releases.some((r) => r.tag_name === fields.tag_name)) {
        return error(422, "Validation Failed: tag_name already_exists");
      }
      const id = this.nextId++;
      const release: FakeRelease = {
        id,
        tag_name: String(fields.tag_name),
        name: String(fields.name ?? fields.tag_name),
        body: String(fields.body ?? ""),
        draft: fields.draft === true,
        prerelease: fields.prerelease === true,
        html_url: `https://github.com/${this.owner}/${this.repo}/releases/tag/${fields.tag_name}`,
        upload_url: `${this.baseUrl}${this.prefix}/repos/${this.owner}/${this.repo}/releases/${id}/assets{?name,label}`,
        assets: [],
      };
      this.releases.push(release);
      return { status: 201, body: release };
    }
    const one = /^releases\/(\d+)(\/assets)?$/.exec(rest);
    const release = this.releases.find((r) => r.id === Number(one?.[1]));
    if (one && release === undefined) return error(404, "Not Found");
    if (one && release && !one[2] && method === "PATCH") {
      if (typeof fields.body === "string") release.body = fields.body;
      if (typeof fields.draft === "boolean") release.draft = fields.draft;
      if (typeof fields.make_latest === "string") release.make_latest = fields.make_latest;
      return { status: 200, body: release };
    }
    if (one?.[2] && release && method === "GET") return this.page(url, release.assets);
    if (one?.[2] && release && method === "POST") {
      const name = url.searchParams.get("name") ?? "";
      if (release.assets.some((a) => a.name === name))
        return error(422, "Validation Failed: name already_exists");
      const asset = {
        id: this.nextId++,
        name,
        content: typeof body === "string" ? body : JSON.stringify(body),
      };
      release.assets.push(asset);
      return { status: 201, body: asset };
    }
    const asset = /^releases\/assets\/(\d+)$/.exec(rest);
    if (asset && method === "DELETE") {
      const owner = this.releases.find((r) => r.assets.some((a) => a.id === Number(asset[1])));
      if (owner === undefined) return error(404, "Not Found");
      owner.assets = owner.assets.filter((a) => a.id !== Number(asset[1]));
      return { status: 204, body: undefined };
    }
    return undefined;
  }

  /** One page of `items`, with GitHub's Link header (next, last, first, prev) when there is more than one. */
  private page(url: URL, items: unknown[]): Reply {
    const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page") ?? 30) || 30, 1), 100);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
    const last = Math.max(Math.ceil(items.length / perPage), 1);
    const at = (n: number) => {
      const u = new URL(url.pathname, this.baseUrl);
      for (const [k, v] of url.searchParams) if (k !== "page") u.searchParams.set(k, v);
      u.searchParams.set("page", String(n));
      return u.toString();
    };
    const links: string[] = [];
    if (page < last) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(last)}>; rel="last"`);
    if (page > 1) links.push(`<${at(1)}>; rel="first"`, `<${at(page - 1)}>; rel="prev"`);
    const headers: Record<string, string> = links.length === 0 ? {} : { link: links.join(", ") };
    return { status: 200, body: items.slice((page - 1) * perPage, page * perPage), headers };
  }

  private send(res: ServerResponse, reply: Reply): void {
    this.remaining = Math.max(this.remaining - 1, 0);
    const json = reply.status === 204 ? "" : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      "content-type": "application/json; charset=utf-8",
      "content-length": Buffer.byteLength(json),
      "x-ratelimit-limit": "5000",
      "x-ratelimit-remaining": String(this.remaining),
      "x-ratelimit-reset": String(Math.floor(Date.now() / 1000) + 3600),
      "x-ratelimit-used": String(5000 - this.remaining),
      "x-ratelimit-resource": "core",
      "x-github-api-version-selected": "2022-11-28",
      ...reply.headers,
    });
    res.end(json);
  }
}

type Reply = { status: number; body: unknown; headers?: Record<string, string> };

/** JSON as GitHub takes it; an asset upload's body may be any bytes. */
function parseBody(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** An error as GitHub sends it. */
function error(status: number, message: string, headers: Record<string, string> = {}): Reply {
  return { status, body: { message, documentation_url: DOCS, status: String(status) }, headers };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}
