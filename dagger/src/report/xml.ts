/**
 * Just enough XML reading for the two report formats we consume (JUnit and Cobertura), so the module needs no
 * XML dependency: start tags with their attributes, quote-aware, entities decoded. Anything that is not
 * well-formed enough to trust is an error, never a guess.
 */

export type Tag = {
  name: string;
  attrs: Record<string, string>;
  selfClosing: boolean;
  index: number;
  end: number;
};

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (whole, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(Number.parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(Number.parseInt(ref.slice(1), 10));
    return ENTITIES[ref] ?? whole;
  });
}

/** Every start (or self-closing) tag called `name`, in document order. */
export function findTags(xml: string, name: string): Tag[] {
  const pattern = new RegExp(`<${name}(?=[\\s/>])((?:[^>"']|"[^"]*"|'[^']*')*)>`, "g");
  const tags: Tag[] = [];
  for (const match of xml.matchAll(pattern)) {
    const body = match[1] ?? "";
    const attrs: Record<string, string> = {};
    for (const attr of body.matchAll(/([\w:.-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      attrs[attr[1] as string] = decodeEntities(attr[2] ?? attr[3] ?? "");
    }
    const index = match.index ?? 0;
    tags.push({
      name,
      attrs,
      selfClosing: body.trimEnd().endsWith("/"),
      index,
      end: index + match[0].length,
    });
  }
  return tags;
}

/** A non-negative integer attribute; absent counts as `fallback`, anything else unreadable is an error. */
export function intAttr(tag: Tag, attr: string, what: string, fallback = 0): number {
  const raw = tag.attrs[attr];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw.trim())) {
    throw new Error(`${what}: attribute ${attr}="${raw}" on <${tag.name}> is not a whole number.`);
  }
  return Number(raw.trim());
}
