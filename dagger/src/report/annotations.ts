/** Annotations put findings on the PR's lines; the PR's own code supplies the values, so all are escaped. */
import { failuresByTest } from "./sections.js";
import type { CiStatus } from "./types.js";

/** GitHub shows no more than 50 per job anyway (docs/engine-notes.md: GitHub). */
const MAX_ANNOTATIONS = 50;

/** As @actions/core does, so no value can end the command (docs/engine-notes.md: GitHub). */
export function escapeData(value: string): string {
  return value.replaceAll("%", "%25").replaceAll("\r", "%0D").replaceAll("\n", "%0A");
}

/** `:` and `,` would end a property. */
export function escapeProperty(value: string): string {
  return escapeData(value).replaceAll(":", "%3A").replaceAll(",", "%2C");
}

type Annotation = {
  /** mypy's notes are notices, which never read as a failure */
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

/** GitHub looks for the file from the repository root. */
function inRepo(app: string, file: string): string | undefined {
  if (file === "" || file.startsWith("/") || file.split("/").includes("..")) return undefined;
  return app === "." || app === "" ? file : `${app}/${file}`;
}

/** junit classname = dotted module path (+ capitalized class); anything else gets no file, shown on the run. */
function testFile(test: string): string | undefined {
  const classname = test.split("::")[0] ?? "";
  const parts = classname.split(".").filter((p) => p !== "");
  while (parts.length > 1 && /^[A-Z]/.test(parts.at(-1) ?? "")) parts.pop();
  if (parts.length === 0 || !parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return undefined;
  return `${parts.join("/")}.py`;
}

export function renderAnnotations(status: CiStatus, app: string): string {
  const annotations: Annotation[] = [
    ...status.lint.findings.map((f) => ({
      file: inRepo(app, f.file),
      line: f.line,
      col: f.column,
      title: `ruff ${f.code}`,
      message: f.message,
    })),
    ...status.lint.unformatted.map((file) => ({
      file: inRepo(app, file),
      title: "ruff format",
      message: "File would be reformatted",
    })),
    ...(status.typecheck?.findings ?? []).map(
      (f): Annotation => ({
        level: f.severity === "note" ? "notice" : "error",
        file: inRepo(app, f.file),
        line: f.line,
        col: f.column,
        title: f.code === "" ? "mypy" : `mypy ${f.code}`,
        message: f.hint === undefined ? f.message : `${f.message}\n${f.hint}`,
      }),
    ),
    ...[...failuresByTest(status.tests)].map(([test, { versions, message }]) => ({
      file: inRepo(app, testFile(test) ?? ""),
      title: `${test} failed on Python ${versions.join(", ")}`,
      message: message || "failed",
    })),
  ];
  const lines = annotations.slice(0, MAX_ANNOTATIONS).map(command);
  return lines.length === 0 ? "" : `${lines.join("\n")}\n`;
}
