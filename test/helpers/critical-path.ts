import type { Chain, Resolver } from "./engine.js";

/** What the model times: a process the engine runs, an image build, a push. One unit each. */
const TIMED = new Set(["withExec", "dockerBuild", "publish"]);

/** The chains nested in a call's arguments (`{ $chain }`, as the stand-in decodes IDs), at any depth. */
function nested(value: unknown): Chain[] {
  if (Array.isArray(value)) return value.flatMap(nested);
  if (value === null || typeof value !== "object") return [];
  const chain = (value as { $chain?: Chain }).$chain;
  if (chain) return [chain];
  return Object.values(value).flatMap(nested);
}

/**
 * A stand-in engine on a virtual clock, to measure a run's critical path: each timed operation (a process, a
 * build, a push) takes one unit and starts when its inputs are done and it was first asked for; the engine
 * runs one definition once (a second request waits for the first). A query is answered when the operations it
 * needs are done; the clock moves to the earliest pending answer only when the module has asked everything it
 * can (no query for `idleMs` of real time), so what the module waits for before asking shows in the time.
 */
export function timedEngine(inner: Resolver, idleMs = 400) {
  const finish = new Map<string, number>();
  let now = 0;
  const waiting: { at: number; go: () => void }[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;

  const done = (chain: Chain, asked: number): number => {
    let ready = 0;
    chain.forEach((call, i) => {
      for (const input of nested(call.args)) ready = Math.max(ready, done(input, asked));
      if (!TIMED.has(call.field)) return;
      const key = JSON.stringify(chain.slice(0, i + 1));
      let end = finish.get(key);
      if (end === undefined) {
        end = Math.max(ready, asked) + 1;
        finish.set(key, end);
      }
      ready = Math.max(ready, end);
    });
    return ready;
  };

  const release = () => {
    timer = undefined;
    if (waiting.length === 0) return;
    now = Math.max(now, Math.min(...waiting.map((w) => w.at)));
    for (const w of waiting.filter((w) => w.at <= now)) {
      waiting.splice(waiting.indexOf(w), 1);
      w.go();
    }
    if (waiting.length > 0) timer = setTimeout(release, idleMs);
  };

  const resolver: Resolver = (chain) => {
    const at = done(chain, now);
    if (at <= now) return inner(chain);
    return new Promise((resolve, reject) => {
      waiting.push({
        at,
        go: () => {
          try {
            resolve(inner(chain));
          } catch (err) {
            reject(err);
          }
        },
      });
      if (timer) clearTimeout(timer);
      timer = setTimeout(release, idleMs);
    });
  };
  const path = () =>
    [...finish.entries()]
      .sort((a, b) => a[1] - b[1])
      .map(([key, end]) => {
        const chain = JSON.parse(key) as Chain;
        const last = chain.at(-1);
        const what = last?.field === "withExec" ? JSON.stringify(last.args.args).slice(0, 90) : last?.field;
        return `${end}: ${what}`;
      });
  return { resolver, elapsed: () => Math.max(now, ...finish.values(), 0), path };
}
