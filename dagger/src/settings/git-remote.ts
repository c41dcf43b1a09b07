import { InputError } from "./errors.js";

/** owner/name of the origin remote; only that is returned, so no credential in the file leaks. */
export function originRepository(gitConfig: string): string | undefined {
  let inOrigin = false;
  for (const raw of gitConfig.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith("[")) {
      inOrigin = /^\[remote\s+"origin"\]$/.test(line);
      continue;
    }
    const url = inOrigin ? /^url\s*=\s*(\S+)$/.exec(line)?.[1] : undefined;
    if (url === undefined) continue;
    // scp-like git@host:o/r first, else a URL's path
    const path = /^[^/:@]+@[^/:]+:(.+)$/.exec(url)?.[1] ?? /^[a-z+]+:\/\/[^/]+\/(.+)$/.exec(url)?.[1];
    const match = /^\/?([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100}?)(?:\.git)?\/?$/.exec(path ?? "");
    if (match) return `${match[1]}/${match[2]}`;
  }
  return undefined;
}

export function requireRepository(given: string, gitConfig: string | undefined, what: string): string {
  if (given !== "") return given;
  const found = gitConfig === undefined ? undefined : originRepository(gitConfig);
  if (found !== undefined) return found;
  throw new InputError(
    `${what} needs the GitHub repository, and ${gitConfig === undefined ? "no .git/config was found in the source" : "the checkout's .git/config has no GitHub-style origin remote"}. Expected --repository OWNER/REPO (a constructor flag: dagger call --repository octo-org/my-service ${what} ...), or run it in a clone whose origin is on GitHub.`,
  );
}
