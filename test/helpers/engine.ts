/**
 * A stand-in for a Dagger engine session: a loopback GraphQL endpoint the pinned SDK talks to in library mode
 * (it uses `http://127.0.0.1:$DAGGER_SESSION_PORT/query` with Basic auth `$DAGGER_SESSION_TOKEN:` when both are
 * set). Every query the SDK sends is one lazy chain (`container.from(x).withExec([...]).stdout`); the fake
 * records it as a list of calls, answers `id` leaves itself with an ID that encodes the chain, and asks a
 * resolver for every other leaf. IDs passed back as arguments, or selected with `node(id:)`, are decoded into
 * the chain they stand for, so a test sees what the module asked for, not opaque strings.
 */

import { createHash, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { connection } from "@dagger.io/dagger";
import { Kind, parse, type SelectionSetNode, valueFromASTUntyped } from "graphql";
import { afterEach } from "vitest";

export type Call = { field: string; args: Record<string, unknown> };
export type Chain = Call[];
/**
 * Answers a non-`id` leaf (may be async, e.g. to hold a query back). Throw `execError(...)` for a failed exec,
 * any other Error for a GraphQL error without extensions.
 */
export type Resolver = (chain: Chain) => unknown;

export type Engine = {
  port: number;
  token: string;
  /** every leaf query in arrival order, `id` leaves included (filter with `leafOf(q).field !== "id"`) */
  queries: Chain[];
  /** runs fn in the SDK's `connection()` bound to this engine, then restores the environment (one at a time) */
  connect<T>(fn: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
};

const ID_PREFIX = "fake:";
const MAX_BODY = 1 << 20;
const MAX_REQUESTS = 5000;

/** The ID the fake engine hands out for a chain; pass it as an argument (e.g. a Directory or Secret). */
export const idOf = (chain: Chain): string =>
  ID_PREFIX + Buffer.from(JSON.stringify(chain)).toString("base64url");

/** The chain an ID of this fake engine stands for; undefined for anything else. */
export function chainOf(value: unknown): Chain | undefined {
  if (typeof value !== "string" || !value.startsWith(ID_PREFIX)) return undefined;
  return JSON.parse(Buffer.from(value.slice(ID_PREFIX.length), "base64url").toString()) as Chain;
}

/** Replaces every ID inside an argument value by `{ $chain }`. */
function decode(value: unknown): unknown {
  const chain = chainOf(value);
  if (chain) return { $chain: chain };
  if (Array.isArray(value)) return value.map(decode);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, decode(v)]));
  }
  return value;
}

/** A directory of the host, as `dagger call` passes `--source=.`; the resolver decides what it holds. */
export const directoryId = (path = "/repo"): string =>
  idOf([
    { field: "host", args: {} },
    { field: "directory", args: { path } },
  ]);
/** A secret as `dagger call --token=env:NAME` passes it: the engine, not the module, knows its plaintext. */
export const secretId = (name: string): string => idOf([{ field: "secret", args: { uri: `env:${name}` } }]);

export class EngineError extends Error {
  constructor(
    message: string,
    readonly extensions?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A failed exec, as the engine reports it (the SDK turns it into an ExecError). */
export function execError(e: { exitCode?: number; stdout?: string; stderr?: string; cmd?: string[] }) {
  const { exitCode = 1, stdout = "", stderr = "", cmd = [] } = e;
  return new EngineError(`exit code: ${exitCode}`, { _type: "EXEC_ERROR", cmd, exitCode, stdout, stderr });
}

/** The last call of a chain (the leaf the query read). */
export const leafOf = (chain: Chain): Call => chain[chain.length - 1] ?? { field: "", args: {} };
const digestOf = (chain: Chain) =>
  `sha256:${createHash("sha256").update(JSON.stringify(chain)).digest("hex")}`;

/** Sensible answers for the leaves a module reads; unknown fields answer null. */
export function defaultLeaf(chain: Chain): unknown {
  const { field, args } = leafOf(chain);
  switch (field) {
    case "sync":
      return idOf(chain.slice(0, -1));
    case "exitCode":
    case "size":
      return 0;
    case "stdout":
    case "stderr":
    case "contents":
    case "combinedOutput":
      return "";
    case "entries":
    case "glob":
    case "addedPaths":
    case "modifiedPaths":
    case "removedPaths":
      return [];
    case "exists":
      return true;
    case "digest":
      return digestOf(chain);
    case "export":
      return args.path ?? "";
    case "imageRef":
      return `registry.invalid/fake@${digestOf(chain)}`;
    case "publish":
      return `${String(args.address)}@${digestOf(chain)}`;
    case "plaintext":
      return "fake-secret-value";
    default:
      return null;
  }
}

export async function startEngine(resolve: Resolver = defaultLeaf): Promise<Engine> {
  const token = randomBytes(16).toString("hex");
  const queries: Chain[] = [];

  const answer = async (set: SelectionSetNode, prefix: Chain): Promise<Record<string, unknown>> => {
    const out: Record<string, unknown> = {};
    for (const sel of set.selections) {
      if (sel.kind === Kind.INLINE_FRAGMENT) Object.assign(out, await answer(sel.selectionSet, prefix));
      if (sel.kind !== Kind.FIELD) continue;
      const args = Object.fromEntries(
        sel.arguments?.map((a) => [a.name.value, valueFromASTUntyped(a.value)]) ?? [],
      );
      const field = sel.name.value;
      const byId = prefix.length === 0 && (field === "node" || /^load\w+FromID$/.test(field));
      const chain = byId
        ? (chainOf(args.id) ?? [])
        : [...prefix, { field, args: decode(args) as Call["args"] }];
      const key = sel.alias?.value ?? field;
      if (sel.selectionSet) out[key] = await answer(sel.selectionSet, chain);
      else {
        queries.push(chain);
        out[key] = field === "id" ? idOf(chain.slice(0, -1)) : ((await resolve(chain)) ?? null);
      }
    }
    return out;
  };

  const body = (req: IncomingMessage) =>
    new Promise<string>((ok, fail) => {
      let text = "";
      req.setEncoding("utf8");
      req.on("data", (chunk: string) => {
        text += chunk;
        if (text.length > MAX_BODY) req.destroy(new Error("request body too large"));
      });
      req.on("end", () => ok(text));
      req.on("error", fail);
    });

  let served = 0;
  const server = createServer(async (req, res) => {
    const send = (status: number, payload: unknown) => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(payload));
    };
    const auth = `Basic ${Buffer.from(`${token}:`).toString("base64")}`;
    if (req.method !== "POST" || req.url !== "/query")
      return send(404, { errors: [{ message: "not found" }] });
    if (req.headers.authorization !== auth) return send(401, { errors: [{ message: "unauthorized" }] });
    if (++served > MAX_REQUESTS)
      return send(429, { errors: [{ message: "fake engine: too many requests" }] });
    try {
      const { query } = JSON.parse(await body(req)) as { query: string };
      const op = parse(query).definitions[0];
      if (op?.kind !== Kind.OPERATION_DEFINITION) throw new Error(`fake engine: not an operation: ${query}`);
      send(200, { data: await answer(op.selectionSet, []) });
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const extensions = e instanceof EngineError ? e.extensions : undefined;
      send(200, { data: null, errors: [{ message: e.message, ...(extensions ? { extensions } : {}) }] });
    }
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const port = (server.address() as AddressInfo).port;

  return {
    port,
    token,
    queries,
    async connect<T>(fn: () => Promise<T>): Promise<T> {
      const saved = [process.env.DAGGER_SESSION_PORT, process.env.DAGGER_SESSION_TOKEN] as const;
      setSession(String(port), token);
      let result: { value: T } | undefined;
      try {
        await connection(async () => {
          result = { value: await fn() };
        });
      } finally {
        setSession(...saved);
      }
      return (result as { value: T }).value;
    },
    close: () =>
      new Promise<void>((ok, fail) => {
        server.close((err) => (err ? fail(err) : ok()));
        server.closeAllConnections();
      }),
  };
}

/** Sets (or, for undefined, removes) the two variables the SDK's library mode connects with. */
function setSession(port: string | undefined, token: string | undefined): void {
  for (const [key, value] of [
    ["DAGGER_SESSION_PORT", port],
    ["DAGGER_SESSION_TOKEN", token],
  ] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
}

// ---- assertions over recorded chains ----

/** The calls of a chain named `field`, in order. */
export const find = (chain: Chain, field: string): Call[] => chain.filter((c) => c.field === field);

/** The argument lists of a chain's `withExec` calls, in order. */
export const execs = (chain: Chain): string[][] =>
  find(chain, "withExec").map((c) => c.args.args as string[]);

/** Every chain the engine saw, including those passed as arguments (`{ $chain }`), without duplicates. */
export function allChains(engine: Engine): Chain[] {
  const seen = new Map<string, Chain>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (value !== null && typeof value === "object") {
      const inner = (value as { $chain?: Chain }).$chain;
      if (inner) add(inner);
      else Object.values(value).forEach(visit);
    }
  };
  const add = (chain: Chain) => {
    seen.set(JSON.stringify(chain), chain);
    for (const call of chain) visit(call.args);
  };
  engine.queries.forEach(add);
  return [...seen.values()];
}

/** Recorded chains rooted at `container` (queried or passed as arguments) that satisfy the predicate. */
export const containersWith = (engine: Engine, predicate: (chain: Chain) => boolean = () => true): Chain[] =>
  allChains(engine).filter((c) => c[0]?.field === "container" && predicate(c));

/** Whether an argument value is a Secret (an ID of a `secret`/`setSecret` chain). */
export const isSecret = (value: unknown): boolean => {
  const chain = (value as { $chain?: Chain } | null)?.$chain;
  return !!chain && ["secret", "setSecret"].includes(leafOf(chain).field);
};

/** One readable line: `container.from(ghcr.io/…).withExec([sh,-c,set -u…]).stdout`. */
export function describe(chain: Chain, max = 40): string {
  const show = (v: unknown): string => {
    if (typeof v === "string") return v.length > max ? `${v.slice(0, max - 1)}…` : v;
    if (Array.isArray(v)) return `[${v.map(show).join(",")}]`;
    if (v !== null && typeof v === "object") {
      const inner = (v as { $chain?: Chain }).$chain;
      if (inner) return `{${describe(inner, max)}}`;
      return `{${Object.entries(v)
        .map(([k, x]) => `${k}:${show(x)}`)
        .join(",")}}`;
    }
    return String(v);
  };
  return chain
    .map(({ field, args }) => {
      const values = Object.values(args);
      return values.length ? `${field}(${values.map(show).join(", ")})` : field;
    })
    .join(".");
}

/**
 * A file's engines: each one `start` gives is closed after the test that started it (one already closed by
 * the test is fine), so no test leaks a server or the session's environment into the next.
 */
export function enginesPerTest(): (resolve?: Resolver) => Promise<Engine> {
  let started: Engine[] = [];
  afterEach(async () => {
    await Promise.allSettled(started.map((e) => e.close()));
    started = [];
  });
  return async (resolve = defaultLeaf) => {
    const engine = await startEngine(resolve);
    started.push(engine);
    return engine;
  };
}
