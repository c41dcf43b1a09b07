/**
 * GitHub workflow annotations (`::error file=…,line=…::message`) for ruff and mypy findings and failed tests,
 * written to reports/annotations.txt and printed by the workflow, so a reviewer sees them on the pull request's
 * files.
 * Test names and messages come from the pull request's own code: every value is escaped the way GitHub's
 * toolkit escapes command data and properties (@actions/core command.ts: `%` `\r` `\n`, and `:` `,` in
 * properties), so no value can end the command or start one of its own.
 */
import type { TypecheckStatus } from "./mypy.js";
import type { CiStatus } from "./types.js";

/** How many annotations one run writes; GitHub shows at most 10 per step and 50 per job anyway. */
const MAX_ANNOTATIONS = 50;

/** The data part of a command: `%`, CR and LF escaped. */
export function escapeData(value: string): string {
  return value.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/** A property value: the data escapes, plus `:` and `,`, which end a property. */
export function escapeProperty(value: string): string {
  return escapeData(value).replaceAll(":", "%3A").replaceAll(",", "%2C");
}

type Annotation = {
  /** `error` unless said; mypy's notes are `notice`s, which never read as a failure */
  level?: "error" | "notice";
  file?: string;
  line?: number;
  col?: number;
  title: string;
  message: string;
};

function command({ level = "error", file, line, col, title, message }: Annotation): string {
  const props = [
    ...(file ? [`file=${escapeProperty(file)}`] : []),
    ...((line ?? 0) > 0 ? [`line=${line}`] : []),
    ...((col ?? 0) > 0 ? [`col=${col}`] : []),
    `title=${escapeProperty(title)}`,
  ];
  return `::${level} ${props.join(",")}::${escapeData(message)}`;
}

/** A path inside the app made relative to the repository root, where GitHub looks for it. */
function inRepo(app: string, file: string): string | undefined {
  if (file === "" || file.startsWith("/") || file.split("/").includes("..")) return undefined;
  return app === "." || app === "" ? file : `${app}/${file}`;
}

/**
 * `tests.test_cli::test_bad[x]` -> `tests/test_cli.py`: pytest's junit classname is the module's dotted path
 * (and the class, for methods: a capitalized last part is dropped). A name that does not look like that
 * gets no file: the annotation still shows, on the run instead of a line.
 */
function testFile(test: string): string | undefined {
  const classname = test.split("::")[0] ?? "";
  const parts = classname.split(".").filter((p) => p !== "");
  while (parts.length > 1 && /^[A-Z]/.test(parts.at(-1) ?? "")) parts.pop();
  if (parts.length === 0 || !parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return undefined;
  return `${parts.join("/")}.py`;
}

/**
 * Every annotation of a run, one command per line, ending in a newline (empty when there is none). A mypy
 * finding's hint (the notes mypy attached to it) follows its message on the lines below.
 */
export function renderAnnotations(status: CiStatus & { typecheck?: TypecheckStatus }, app: string): string {
  const annotations: Annotation[] = [];
  for (const f of status.lint.findings) {
    const file = inRepo(app, f.file);
    annotations.push({
      ...(file ? { file } : {}),
      line: f.line,
      col: f.column,
      title: `ruff ${f.code}`,
      message: f.message,
    });
  }
  for (const file of status.lint.unformatted) {
    const path = inRepo(app, file);
    annotations.push({
      ...(path ? { file: path } : {}),
      title: "ruff format",
      message: "File would be reformatted",
    });
  }
  for (const f of status.typecheck?.findings ?? []) {
    const file = inRepo(app, f.file);
    annotations.push({
      level: f.severity === "note" ? "notice" : "error",
      ...(file ? { file } : {}),
      line: f.line,
      col: f.column,
      title: f.code === "" ? "mypy" : `mypy ${f.code}`,
      message: f.hint === undefined ? f.message : `${f.message}\n${f.hint}`,
    });
  }
  const byTest = new Map<string, { versions: string[]; message: string }>();
  for (const t of status.tests) {
    for (const f of t.failedTests ?? []) {
      const seen = byTest.get(f.test);
      if (seen) seen.versions.push(t.version);
      else byTest.set(f.test, { versions: [t.version], message: f.message });
    }
  }
  for (const [test, { versions, message }] of byTest) {
    const module = testFile(test);
    const file = module ? inRepo(app, module) : undefined;
    annotations.push({
      ...(file ? { file } : {}),
      title: `${test} failed on Python ${versions.join(", ")}`,
      message: message || "failed",
    });
  }
  const lines = annotations.slice(0, MAX_ANNOTATIONS).map(command);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
