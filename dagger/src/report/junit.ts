/** JUnit XML read with fast-xml-parser: its validator refuses what is not one well-formed tree, never a guess. */
import { errorText } from "../settings/errors.js";
import { objectOr } from "./json.js";

type ValidationError = { err: { code: string; msg: string; line: number; col?: number } };

type FastXmlParser = {
  XMLValidator: { validate: (xml: string) => true | ValidationError };
  XMLParser: new (options: Record<string, unknown>) => { parse: (xml: string) => unknown };
};

let fastXmlParser: Promise<FastXmlParser> | undefined;

/** A variable specifier keeps the parser's types out of the SDK's introspection (docs/engine-notes.md: Dagger engine). */
function loadFastXmlParser(): Promise<FastXmlParser> {
  fastXmlParser ??= (async () => {
    const specifier = "fast-xml-parser";
    return (await import(specifier)) as FastXmlParser;
  })().catch((err: unknown) => {
    fastXmlParser = undefined; // a failed load is not cached: the next call tries again
    throw err;
  });
  return fastXmlParser;
}

/** Raw strings, attributes under "@"; entities are decoded below, so DOCTYPE ones never expand. */
const PARSER_OPTIONS = {
  ignoreAttributes: false,
  attributesGroupName: "@",
  attributeNamePrefix: "",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
};

const PREDEFINED: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** One pass, so `&amp;#65;` stays `&#65;`. */
export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#")) {
      const code = ref.startsWith("#x")
        ? Number.parseInt(ref.slice(2), 16)
        : Number.parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

/** Open elements at the end, as the validator words it (docs/engine-notes.md: fast-xml-parser). */
function truncation(msg: string): string | undefined {
  // Stryker disable next-line Regex: the validator writes "Unclosed tag 'x'." with nothing around it (fast-xml-parser 5.12.1)
  const one = /^Unclosed tag '([^']*)'\.$/.exec(msg);
  if (one) return `the document is truncated: <${one[1]}> is never closed`;
  // Stryker disable next-line Regex: the validator writes "Invalid '[…]' found." with nothing around it (fast-xml-parser 5.12.1)
  const many = /^Invalid '(\[.*\])' found\.$/.exec(msg);
  try {
    // no match: JSON.parse("undefined") throws, and the message is reported as it is
    const open = JSON.parse(String(many?.[1])) as unknown;
    // Stryker disable next-line MethodExpression,ConditionalExpression,LogicalOperator: the validator lists tag names only, strings all (fast-xml-parser 5.12.1)
    if (Array.isArray(open) && open.every((n) => typeof n === "string")) {
      return `the document is truncated: ${open.map((n) => `<${n}>`).join(", ")} are never closed`;
    }
  } catch {
    // not the list the validator writes: reported as it is, below
  }
  return undefined;
}

/** An element as the parser gives it: its attributes under "@", its children by name. */
type Node = Record<string, unknown>;

/** Each element of `value`: one, or a repeated tag's array; text, an empty element, is an element too. */
const each = (value: unknown): Node[] => [value].flat().map(objectOr);

function attr(node: Node, name: string): string | undefined {
  const raw = objectOr(node["@"])[name];
  return raw === undefined ? undefined : decodeEntities(String(raw));
}

/** A count on a <testsuite>: absent is `fallback`; anything else that is not a whole number is an error. */
export function intAttr(node: Node, name: string, what: string, fallback = 0): number {
  const raw = attr(node, name);
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new Error(`${what}: attribute ${name}="${raw}" on <testsuite> is not a whole number.`);
  }
  return Number(raw);
}

/** Every <testcase> under `node`, not looking inside one. */
function testcases(node: Node): Node[] {
  return Object.entries(node)
    .filter(([name]) => name !== "@")
    .flatMap(([name, value]) => (name === "testcase" ? each(value) : each(value).flatMap(testcases)));
}

export type FailedTest = { test: string; message: string };

export type TestCounts = { tests: number; failures: number; errors: number; skipped: number };

export type JunitSummary = TestCounts & {
  /** at most `maxFailed`, with the message's first line (where pytest puts the assertion) */
  failed: FailedTest[];
};

/** The document's one root and its name, or why there is not one. */
async function readRoot(xml: string): Promise<{ name: string; node: unknown } | { problem: string }> {
  // a leading BOM is the validator's to skip (docs/engine-notes.md: fast-xml-parser)
  const { XMLValidator, XMLParser } = await loadFastXmlParser();
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { err } = valid;
    const where = err.col === undefined ? `line ${err.line}` : `line ${err.line}, column ${err.col}`;
    return { problem: truncation(err.msg) ?? `it is not well-formed XML (${where}: ${err.msg})` };
  }
  let parsed: unknown;
  try {
    parsed = new XMLParser(PARSER_OPTIONS).parse(xml);
  } catch (err) {
    // the parser's own limits (nesting depth, entity sizes) are not the validator's
    return { problem: `it cannot be parsed (${errorText(err)})` };
  }
  const roots = Object.entries(objectOr(parsed))
    .filter(([name]) => name !== "#text")
    .flatMap(([name, value]) => [value].flat().map((node) => ({ name, node })));
  // none is the validator's to refuse
  const [root] = roots;
  if (root === undefined || roots.length > 1) {
    return {
      problem: `it has ${roots.length} root elements (${roots.map((r) => `<${r.name}>`).join(", ")})`,
    };
  }
  return root;
}

/** A report we cannot read throws, never passes as "0 failures"; async as the parser loads on use. */
export async function parseJunit(xml: string, source = "junit.xml", maxFailed = 20): Promise<JunitSummary> {
  const what = `Cannot read ${source} as a JUnit report`;
  if (xml.trim() === "") throw new Error(`${what}: the file is empty.`);
  const root = await readRoot(xml);
  if ("problem" in root) {
    // no sign of a suite: most likely something else (an HTML error page, JSON)
    const foreign = /<testsuite[\s/>]/.test(xml) ? "" : "it has no <testsuite> element: ";
    throw new Error(`${what}: ${foreign}${root.problem}.`);
  }
  if (root.name !== "testsuite" && root.name !== "testsuites") {
    throw new Error(`${what}: it has no <testsuite> element (its root element is <${root.name}>).`);
  }
  const suites = root.name === "testsuite" ? each(root.node) : each(objectOr(root.node).testsuite ?? []);
  if (suites.length === 0) throw new Error(`${what}: it has no <testsuite> element.`);

  const summary: JunitSummary = { tests: 0, failures: 0, errors: 0, skipped: 0, failed: [] };
  for (const suite of suites) {
    summary.tests += intAttr(suite, "tests", what, Number.NaN);
    summary.failures += intAttr(suite, "failures", what);
    summary.errors += intAttr(suite, "errors", what);
    summary.skipped += intAttr(suite, "skipped", what);
  }
  if (Number.isNaN(summary.tests)) throw new Error(`${what}: a <testsuite> has no tests attribute.`);

  for (const testcase of suites.flatMap(testcases)) {
    if (summary.failed.length >= maxFailed) break;
    const failure = [...each(testcase.failure ?? []), ...each(testcase.error ?? [])][0];
    if (failure === undefined) continue;
    const classname = attr(testcase, "classname") ?? "";
    const name = attr(testcase, "name") ?? "?";
    // Stryker disable next-line StringLiteral,OptionalChaining: split('\n') always gives a first part
    const message = (attr(failure, "message") ?? "").split("\n")[0]?.trim() ?? "";
    summary.failed.push({ test: classname ? `${classname}::${name}` : name, message });
  }
  return summary;
}
