/**
 * `ci` reads the combined coverage.json from the matrix's merged reports directory (to measure a pull
 * request's changed lines). The scripted scenario (test/helpers/scenario.ts) answers reads from the combine
 * container itself; this wraps it so a read through the merged directory gets what the combine container that
 * wrote the file answers, as the engine would: the last `withDirectory` source that is a combine wins.
 */
import { type Chain, execs, find, leafOf, type Resolver } from "../helpers/engine.js";
import { runsScript } from "../helpers/scenario.js";

const isCombine = (chain: Chain) => execs(chain).some(runsScript("combine.sh"));

export function throughMergedReports(inner: Resolver): Resolver {
  return (chain) => {
    const path = find(chain, "file").at(-1)?.args.path;
    if (leafOf(chain).field === "contents" && chain[0]?.field === "directory" && path !== undefined) {
      const sources = find(chain, "withDirectory")
        .map((c) => (c.args.source as { $chain?: Chain } | undefined)?.$chain)
        .filter((c): c is Chain => c !== undefined && isCombine(c));
      const writer = sources.at(-1);
      if (writer)
        return inner([...writer, { field: "file", args: { path } }, { field: "contents", args: {} }]);
    }
    return inner(chain);
  };
}
