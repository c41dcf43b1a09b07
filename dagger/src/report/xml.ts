/** A validating parser, never pattern matching: a document that is not well-formed is reported, not guessed. */

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

export type XmlElement = {
  name: string;
  attrs: Readonly<Record<string, string>>;
  children: XmlElement[];
};

/** `problem` is a phrase, without the file's name. */
export type XmlReading = { root: XmlElement } | { problem: string };

/** Document order and raw strings, no coercion; entities are decoded below, so DOCTYPE ones never expand. */
const PARSER_OPTIONS = {
  preserveOrder: true,
  ignoreAttributes: false,
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
  if (!many) return undefined;
  try {
    const open = JSON.parse(many[1] as string) as unknown;
    // Stryker disable next-line MethodExpression,ConditionalExpression: the validator lists tag names only, strings all (fast-xml-parser 5.12.1)
    if (Array.isArray(open) && open.every((n) => typeof n === "string")) {
      return `the document is truncated: ${open.map((n) => `<${n}>`).join(", ")} are never closed`;
    }
  } catch {
    // not the list the validator writes: reported as it is, below
  }
  return undefined;
}

function describeInvalid({ err }: ValidationError): string {
  const where = err.col === undefined ? `line ${err.line}` : `line ${err.line}, column ${err.col}`;
  return truncation(err.msg) ?? `it is not well-formed XML (${where}: ${err.msg})`;
}

/** One node of fast-xml-parser's preserveOrder output: `{ [name]: children, ":@"?: attributes }`. */
type OrderedNode = Record<string, unknown>;

function toElements(nodes: unknown): XmlElement[] {
  // Stryker disable next-line ConditionalExpression: toElements: with preserveOrder the parser gives every element's children, and the document, as a list
  if (!Array.isArray(nodes)) return [];
  const elements: XmlElement[] = [];
  for (const node of nodes as OrderedNode[]) {
    // Stryker disable next-line ConditionalExpression,StringLiteral: toElements: a node's own name is its first key, before ':@', so find() returns it either way
    const name = Object.keys(node).find((key) => key !== ":@");
    // text and CDATA ("#text"), and processing instructions ("?…"), are not elements
    // Stryker disable next-line MethodExpression: toElements: PARSER_OPTIONS sets ignoreDeclaration and ignorePiTags, so no '?' node reaches here
    if (name === undefined || name === "#text" || name.startsWith("?")) continue;
    const raw = (node[":@"] ?? {}) as Record<string, unknown>;
    const attrs = Object.fromEntries(
      Object.entries(raw).map(([key, value]) => [key, decodeEntities(String(value))]),
    );
    elements.push({ name, attrs, children: toElements(node[name]) });
  }
  return elements;
}

/** Validator first, so a broken document is refused with where it went wrong. */
export async function readXml(xml: string): Promise<XmlReading> {
  // a leading BOM is the validator's to skip (docs/engine-notes.md: fast-xml-parser)
  const { XMLValidator, XMLParser } = await loadFastXmlParser();
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { problem: describeInvalid(valid) };
  let parsed: unknown;
  try {
    parsed = new XMLParser(PARSER_OPTIONS).parse(xml);
  } catch (err) {
    // the parser's own limits (nesting depth, entity sizes) are not the validator's
    return { problem: `it cannot be parsed (${err instanceof Error ? err.message : String(err)})` };
  }
  const roots = toElements(parsed);
  const [root, ...more] = roots;
  if (root === undefined) return { problem: "it has no root element" };
  if (more.length > 0) {
    return {
      problem: `it has ${roots.length} root elements (${roots.map((r) => `<${r.name}>`).join(", ")})`,
    };
  }
  return { root };
}

/** Document order; does not look inside a match. */
export function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of element.children) {
    if (child.name === name) found.push(child);
    else found.push(...descendants(child, name));
  }
  return found;
}

/** Absent is `fallback`; anything else that is not a whole number is an error. */
export function intAttr(element: XmlElement, attr: string, what: string, fallback = 0): number {
  const raw = element.attrs[attr];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new Error(`${what}: attribute ${attr}="${raw}" on <${element.name}> is not a whole number.`);
  }
  return Number(raw.trim());
}
