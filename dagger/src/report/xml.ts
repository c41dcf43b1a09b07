/**
 * XML documents for the report readers, read by fast-xml-parser (a maintained parser with a validator), never
 * by pattern matching: a document is checked for well-formedness first (every element closed in order,
 * attributes quoted, one root), comments and CDATA are not mistaken for elements, and either quote style
 * works. Anything that is not well-formed is a problem to report, never a guess.
 */

/*
 * fast-xml-parser is loaded at run time, only by the functions that parse, with a specifier TypeScript cannot
 * see (as github/client.ts loads Octokit, and for the same reason): the engine's SDK introspector builds one
 * program from every file in dagger/src and follows their imports, and the parser's declarations
 * (fxp.d.ts, path-expression-matcher's types) have no business in it. test/module/import-graph.test.ts keeps
 * them out. The structural type below is exactly what this file calls.
 */

/** A validation failure as fast-xml-parser's XMLValidator reports it. */
type ValidationError = { err: { code: string; msg: string; line: number; col?: number } };

type FastXmlParser = {
  XMLValidator: { validate: (xml: string) => true | ValidationError };
  XMLParser: new (options: Record<string, unknown>) => { parse: (xml: string) => unknown };
};

let fastXmlParser: Promise<FastXmlParser> | undefined;

/** fast-xml-parser, imported once on first use; the specifier is a variable on purpose. */
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

/** One element: its name, its attributes (entities decoded) and its child elements in document order. */
export type XmlElement = {
  name: string;
  attrs: Readonly<Record<string, string>>;
  children: XmlElement[];
};

/** The root element of a well-formed document, or what is wrong with it (a phrase, without the file's name). */
export type XmlReading = { root: XmlElement } | { problem: string };

/**
 * The options that make fast-xml-parser keep what a report reader needs and nothing it would guess: document
 * order (preserveOrder), attributes as raw strings, no number or boolean coercion, no entity expansion of its
 * own (DOCTYPE entities are never expanded; the XML entities are decoded below, in one pass).
 */
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

/** XML's five predefined entities and character references, decoded in one pass (`&amp;#65;` stays `&#65;`). */
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

/** The end of the document came with elements still open, as the validator words it (validator.js). */
function truncation(msg: string): string | undefined {
  const one = /^Unclosed tag '([^']*)'\.$/.exec(msg);
  if (one) return `the document is truncated: <${one[1]}> is never closed`;
  const many = /^Invalid '(\[.*\])' found\.$/.exec(msg);
  if (!many) return undefined;
  try {
    const open = JSON.parse(many[1] as string) as unknown;
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
  if (!Array.isArray(nodes)) return [];
  const elements: XmlElement[] = [];
  for (const node of nodes as OrderedNode[]) {
    const name = Object.keys(node).find((key) => key !== ":@");
    // text and CDATA ("#text"), and processing instructions ("?…"), are not elements
    if (name === undefined || name === "#text" || name.startsWith("?")) continue;
    const raw = (node[":@"] ?? {}) as Record<string, unknown>;
    const attrs = Object.fromEntries(
      Object.entries(raw).map(([key, value]) => [key, decodeEntities(String(value))]),
    );
    elements.push({ name, attrs, children: toElements(node[name]) });
  }
  return elements;
}

/**
 * Reads a whole XML document: fast-xml-parser's validator first (so truncated, unclosed or mis-nested
 * documents are refused with where it went wrong), then the parser; exactly one root element.
 */
export async function readXml(xml: string): Promise<XmlReading> {
  // a leading byte order mark is the library's to skip (validator.js `xmlData[0] === '\ufeff'`, 5.12.1)
  const { XMLValidator, XMLParser } = await loadFastXmlParser();
  const valid = XMLValidator.validate(xml);
  if (valid !== true) return { problem: describeInvalid(valid) };
  let parsed: unknown;
  try {
    parsed = new XMLParser(PARSER_OPTIONS).parse(xml);
  } catch (err) {
    // the parser has limits of its own (nesting depth, entity sizes) that the validator does not check
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

/** Every descendant of `element` called `name`, in document order, not looking inside a match. */
export function descendants(element: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of element.children) {
    if (child.name === name) found.push(child);
    else found.push(...descendants(child, name));
  }
  return found;
}

/** A non-negative integer attribute; absent counts as `fallback`, anything else unreadable is an error. */
export function intAttr(element: XmlElement, attr: string, what: string, fallback = 0): number {
  const raw = element.attrs[attr];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new Error(`${what}: attribute ${attr}="${raw}" on <${element.name}> is not a whole number.`);
  }
  return Number(raw.trim());
}
