/**
 * What the docs tell people to type or copy resolves: every `dagger … call …` command line in README.md and
 * docs/*.md (fenced blocks and inline code, `\` continuations joined, generated example blocks skipped) is one
 * the module's surface accepts, and every file the docs say to copy exists in this repository.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkDaggerCall, SURFACE, type Surface, words } from "../helpers/dagger-cli.js";

const ROOT = join(import.meta.dirname, "..", "..");
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`),
];

/**
 * The surface plus the scalars as objects with nothing on them: the CLI prints a scalar and takes no chain after
 * it (`dagger call ci reports` is refused, since ci returns text), so any word after one is a problem.
 */
const SCALARS = ["STRING_KIND", "BOOLEAN_KIND", "INTEGER_KIND", "FLOAT_KIND", "VOID_KIND", "LIST_KIND"];
const STRICT: Surface = {
  ...SURFACE,
  ...Object.fromEntries(SCALARS.map((t) => [t, { fields: {} } as Surface[string]])),
};

type Found = { line: number; command: string };

/** The text with each generated example block blanked (line count kept), so nothing in them is checked. */
function withoutExamples(markdown: string): string {
  return markdown.replace(/<!-- example:([a-z-]+) -->[\s\S]*?<!-- \/example:\1 -->/g, (block) =>
    block.replace(/[^\n]/g, ""),
  );
}

const lineOf = (text: string, index: number) => text.slice(0, index).split("\n").length;

/** A shell line's words from the `dagger` word on, up to the first shell operator; undefined for no dagger call. */
function daggerWords(command: string): string[] | undefined {
  const all = words(command);
  const start = all.indexOf("dagger");
  if (start < 0) return undefined;
  const end = all.findIndex((w, i) => i > start && /^(\||\|\||&&|;|>>?|[0-9]?>.*|<)$/.test(w));
  const argv = all.slice(start + 1, end < 0 ? undefined : end);
  return argv.includes("call") ? argv : undefined;
}

/** Every dagger call in a markdown text: fenced lines (continuations joined), then inline code spans. */
function daggerCommands(markdown: string): Found[] {
  const text = withoutExamples(markdown);
  const found: Found[] = [];
  const lines = text.split("\n");
  let fenced = false;
  let prose = "";
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i] ?? "";
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      prose += "\n";
      continue;
    }
    if (!fenced) {
      prose += `${line}\n`;
      continue;
    }
    prose += "\n";
    const start = i;
    let command = line;
    while (/\\\s*$/.test(command) && i + 1 < lines.length) {
      i += 1;
      prose += "\n";
      command = `${command.replace(/\\\s*$/, "")} ${lines[i] ?? ""}`;
    }
    if (daggerWords(command) !== undefined) found.push({ line: start + 1, command });
  }
  // inline code may wrap onto the next line, never across a paragraph
  for (const m of prose.matchAll(/`([^`]+)`/g)) {
    const span = m[1] ?? "";
    const command = span.replace(/\s*\n\s*/g, " ");
    // `dagger call` alone names the command in a sentence; it is not a line to copy
    if (span.includes("\n\n") || !/^dagger\s/.test(command) || command.trim() === "dagger call") continue;
    if (daggerWords(command) !== undefined) found.push({ line: lineOf(prose, m.index ?? 0), command });
  }
  return found.sort((a, b) => a.line - b.line);
}

/**
 * What the CLI would refuse in one command line. `pipeline` right after `call` is the toolchain's name
 * (`dagger toolchain install`): the module's functions follow it. `--help` prints help and ends the line.
 */
function problemsOf(command: string): string[] {
  const argv = daggerWords(command) ?? [];
  const call = argv.indexOf("call");
  if (argv[call + 1] === "pipeline") argv.splice(call + 1, 1);
  const help = argv.indexOf("--help");
  if (help >= 0) {
    const problems = checkDaggerCall(argv.slice(0, help), STRICT);
    return problems.filter((p) => p !== "no function called");
  }
  return checkDaggerCall(argv, STRICT);
}

/**
 * The files a text tells people to copy: the code spans of the list right after the word "copy" (`copy \`a\`,
 * \`b\` and \`c\``), and the first column of a table under a heading that says "copy". Flags and placeholders
 * (OWNER/REPO) are not paths.
 */
function filesToCopy(markdown: string): string[] {
  const text = withoutExamples(markdown).replace(/^\s*(```|~~~)[\s\S]*?^\s*\1/gm, "");
  const paths = new Set<string>();
  const add = (cells: string) => {
    for (const m of cells.matchAll(/`([^`]+)`/g)) {
      const span = m[1] ?? "";
      if (/^\.?[A-Za-z0-9_][\w.-]*(\/[\w.-]+)*\/?$/.test(span) && !/^[A-Z]+\/[A-Z]+$/.test(span))
        paths.add(span);
    }
  };
  let underCopy = false;
  for (const line of text.split("\n")) {
    const heading = /^#+\s+(.*)$/.exec(line);
    if (heading) underCopy = /\bcopy\b/i.test(heading[1] ?? "");
    if (underCopy && line.startsWith("|")) add(line.split("|")[1] ?? "");
  }
  for (const m of text.matchAll(/\bcopy\s+((?:`[^`]+`(?:,\s*|\s+and\s+|\s+or\s+)?)+)/gi)) add(m[1] ?? "");
  return [...paths].sort();
}

describe.each(DOCS)("%s", (path) => {
  const markdown = readFileSync(join(ROOT, path), "utf8");
  const commands = daggerCommands(markdown);

  it("has only dagger calls the module's surface accepts", () => {
    const bad = commands
      .map(({ line, command }) => ({ line, command, problems: problemsOf(command) }))
      .filter((c) => c.problems.length > 0)
      .map((c) => `${path}:${c.line}: ${c.command.trim()}\n  ${c.problems.join("\n  ")}`);
    expect(bad).toEqual([]);
  });

  it("tells people to copy only files that exist here", () => {
    const missing = filesToCopy(markdown).filter((p) => !existsSync(join(ROOT, p)));
    expect(missing, `${path} names files to copy that this repository lacks`).toEqual([]);
  });
});

/** The local `uses: ./…` of every workflow in a set of copied paths, each with the workflow naming it. */
function localUses(copied: readonly string[]): { from: string; uses: string }[] {
  const workflows = copied.flatMap((p) =>
    p.endsWith("/") ? readdirSync(join(ROOT, p)).map((f) => `${p}${f}`) : [p],
  );
  return workflows
    .filter((p) => /\.ya?ml$/.test(p) && existsSync(join(ROOT, p)))
    .flatMap((from) =>
      [...readFileSync(join(ROOT, from), "utf8").matchAll(/^\s*(?:-\s*)?uses:\s*['"]?(\.\/[^\s'"@]+)/gm)].map(
        (m) => ({ from, uses: (m[1] ?? "").slice(2) }),
      ),
    );
}

describe("docs/github-setup.md: the set an adopter copies is complete", () => {
  const copied = filesToCopy(readFileSync(join(ROOT, "docs/github-setup.md"), "utf8"));

  it("holds every local workflow or action a copied workflow calls (`uses: ./…`)", () => {
    const uses = localUses(copied);
    // ci.yml calls the reusable python-pipeline.yml: a copy without it fails on its first run
    expect(uses).toContainEqual({
      from: ".github/workflows/ci.yml",
      uses: ".github/workflows/python-pipeline.yml",
    });
    expect(uses.filter(({ uses: path }) => !copied.includes(path))).toEqual([]);
  });

  it("would miss python-pipeline.yml in a table that leaves it out", () => {
    const broken = copied.filter((p) => p !== ".github/workflows/python-pipeline.yml");
    expect(localUses(broken).filter(({ uses: path }) => !broken.includes(path)).length).toBeGreaterThan(0);
  });
});

describe("README.md", () => {
  it("opens with the two commands a newcomer needs: the pipeline and the repository's own checks", () => {
    const first = /```console\n([\s\S]*?)```/.exec(readFileSync(join(ROOT, "README.md"), "utf8"))?.[1] ?? "";
    const lines = first.split("\n").map((l) => words(l).join(" "));
    expect(lines[0]).toBe("dagger call ci");
    expect(lines[1]).toBe("bash .ci/run");
  });

  it("is at most 150 lines, with the adoption snippet in the first 40 and internals in docs/", () => {
    const lines = readFileSync(join(ROOT, "README.md"), "utf8").trimEnd().split("\n");
    expect(lines.length).toBeLessThanOrEqual(150);
    const adopt = lines.findIndex((l) => l.startsWith("dagger toolchain install "));
    expect(adopt).toBeGreaterThanOrEqual(0);
    expect(adopt + 1).toBeLessThanOrEqual(40);
    expect(lines.some((l) => l.includes("(docs/reusable-workflow.md)"))).toBe(true);
  });
});

describe("the reader of the docs", () => {
  it("finds the calls the docs hold: fenced, continued, inline and wrapped", () => {
    const commands = daggerCommands(
      [
        "Run `dagger call lint summary`, or `dagger call",
        "typecheck` alone. `dagger check` and a `dagger call` in a sentence are no command lines.",
        "",
        "```console",
        '$ dagger call --repository octo-org/my-service publish --branch main --sha "$(git rev-parse HEAD)" \\',
        "    --sign",
        "GITHUB_TOKEN=x dagger call ci --publish | tee out.txt",
        "uv run pytest",
        "```",
        "<!-- example:ci-pass -->",
        "> dagger call check-lint",
        "<!-- /example:ci-pass -->",
      ].join("\n"),
    );
    expect(commands.map((c) => [c.line, c.command.replace(/\s+/g, " ").trim()])).toEqual([
      [1, "dagger call lint summary"],
      [1, "dagger call typecheck"],
      [
        5,
        '$ dagger call --repository octo-org/my-service publish --branch main --sha "$(git rev-parse HEAD)" --sign',
      ],
      [7, "GITHUB_TOKEN=x dagger call ci --publish | tee out.txt"],
    ]);
    expect(commands.flatMap((c) => problemsOf(c.command))).toEqual([]);
  });

  // each old form fails, naming the word the CLI would refuse
  it.each([
    [`\`dagger call ci --service redis=redis@sha256:${"a".repeat(64)}:6379\``, /\bci\b.*--service\b/],
    ["`dagger call check-lint`", /check-lint/],
    ["```\ndagger call ci \\\n  --repository o/r\n```", /\bci\b.*--repository/],
    ["`dagger call scan --severity HIGH`", /\bscan\b.*--severity\b/],
    ["`dagger call ci --exit-zero reports export --path reports`", /\breports\b/],
    ["`dagger call deploy --repository o/r`", /\bdeploy\b.*--repository/],
    ["`dagger call pipeline check-coverage`", /check-coverage/],
  ])("fails a doc that says %s", (doc, problem) => {
    const problems = daggerCommands(doc).flatMap((c) => problemsOf(c.command));
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join("\n")).toMatch(problem);
  });

  it("accepts the toolchain's name and a --help", () => {
    expect(problemsOf("dagger call pipeline ci --publish")).toEqual([]);
    expect(problemsOf("dagger call --help")).toEqual([]);
    expect(problemsOf("dagger call ci --help")).toEqual([]);
    expect(problemsOf("dagger call bogus --help").join("\n")).toMatch(/bogus/);
  });

  it("names the files a text says to copy, so a missing one fails", () => {
    const doc = [
      "Or copy `dagger.json`, `dagger/` and `.github/workflows/gone.yml`, point `--app` at `OWNER/REPO`.",
      "",
      "### What to copy",
      "",
      "| Path | What |",
      "| --- | --- |",
      "| `Dockerfile`, `.github/CODEOWNERS` | the image; the owners |",
      "",
      "### Elsewhere",
      "",
      "| `not/copied.txt` | a table under another heading |",
    ].join("\n");
    const files = filesToCopy(doc);
    expect(files).toEqual([
      ".github/CODEOWNERS",
      ".github/workflows/gone.yml",
      "Dockerfile",
      "dagger.json",
      "dagger/",
    ]);
    expect(files.filter((p) => !existsSync(join(ROOT, p)))).toEqual([".github/workflows/gone.yml"]);
  });
});
