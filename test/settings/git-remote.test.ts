/**
 * The repository a clone belongs to, from its .git/config's origin remote, in each form git writes; and the
 * error that names --repository when there is none. Nothing else of the file is kept.
 */
import { describe, expect, it } from "vitest";
import { InputError } from "../../dagger/src/settings/errors.js";
import { originRepository, requireRepository } from "../../dagger/src/settings/git-remote.js";

const config = (url: string, remote = "origin") =>
  `[core]\n\trepositoryformatversion = 0\n[remote "${remote}"]\n\turl = ${url}\n\tfetch = +refs/heads/*:refs/remotes/${remote}/*\n`;

describe("originRepository", () => {
  it.each([
    ["https://github.com/octo-org/my-service.git", "octo-org/my-service"],
    ["https://github.com/octo-org/my-service", "octo-org/my-service"],
    ["https://github.com/octo-org/my.service.git/", "octo-org/my.service"],
    ["git@github.com:octo-org/my-service.git", "octo-org/my-service"],
    ["ssh://git@github.com/octo-org/my-service.git", "octo-org/my-service"],
    ["ssh://git@github.com:22/octo-org/my-service", "octo-org/my-service"],
    ["https://x-access-token:ghs_secret@github.com/octo-org/my-service.git", "octo-org/my-service"],
    ["https://ghe.example.com/team/api.git", "team/api"],
  ])("%s is %s", (url, repository) => {
    expect(originRepository(config(url))).toBe(repository);
  });

  it.each([
    ["no remote at all", "[core]\n\tbare = false\n"],
    ["only another remote", config("https://github.com/octo-org/fork.git", "upstream")],
    ["a local path", config("/srv/git/app.git")],
    ["a nested group path", config("https://gitlab.example.com/group/sub/app.git")],
    ["an empty file", ""],
  ])("finds none in %s", (_, text) => {
    expect(originRepository(text)).toBeUndefined();
  });

  it("reads origin's url whatever else the file holds, an extraheader with a token among it", () => {
    const text = [
      '[remote "upstream"]',
      "\turl = https://github.com/octo-org/upstream.git",
      '[http "https://github.com/"]',
      "\textraheader = AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX3NlY3JldA==",
      '[remote  "origin"]',
      "\turl=git@github.com:octo-org/my-service.git",
    ].join("\r\n");
    expect(originRepository(text)).toBe("octo-org/my-service");
  });
});

describe("requireRepository", () => {
  it("takes the one given over the checkout's", () => {
    expect(requireRepository("o/r", config("https://github.com/a/b.git"), "deploy")).toBe("o/r");
    expect(requireRepository("", config("https://github.com/a/b.git"), "deploy")).toBe("a/b");
  });

  it("names --repository, and what was missing, when neither says", () => {
    const missing = () => requireRepository("", undefined, "deploy");
    expect(missing).toThrow(InputError);
    expect(missing).toThrow(
      "deploy needs the GitHub repository, and no .git/config was found in the source. Expected --repository OWNER/REPO (a constructor flag: dagger call --repository octo-org/my-service deploy ...), or run it in a clone whose origin is on GitHub.",
    );
    expect(() => requireRepository("", "[core]\n", "publish")).toThrow(
      "publish needs the GitHub repository, and the checkout's .git/config has no GitHub-style origin remote.",
    );
  });

  it("never repeats a credential the file holds", () => {
    const text = config("https://x-access-token:ghs_secret@gitlab.example.com/a/b/c.git");
    expect(() => requireRepository("", text, "deploy")).toThrow(/^(?:(?!ghs_secret).)*$/s);
  });
});

describe("originRepository reads only the origin section's own url key", () => {
  it.each([
    ["a url before any section", "url = https://github.com/a/b.git\n[core]\n\tbare = false\n"],
    ["a remote whose name only starts like origin", config("https://github.com/a/b.git", "origin-old")],
    [
      "a remote whose name only ends like origin",
      '[remote "my-origin"]\n\turl = https://github.com/a/b.git\n',
    ],
    ["a pushurl alone", '[remote "origin"]\n\tpushurl = https://github.com/a/b.git\n'],
  ])("finds none in %s", (_, text) => {
    expect(originRepository(text)).toBeUndefined();
  });

  it("skips a pushurl to the url after it", () => {
    const text =
      '[remote "origin"]\n\tpushurl = https://github.com/push/only.git\n\turl = https://github.com/a/b.git\n';
    expect(originRepository(text)).toBe("a/b");
  });
});
