/**
 * A small TOML reader, enough for pyproject.toml files: tables, arrays of tables, dotted and quoted
 * keys, basic and literal strings (single- and multi-line), integers, floats, booleans, arrays and
 * inline tables. Dates and times are not supported and raise an error, as does anything malformed,
 * so a test never silently reads a different configuration than the one written.
 */

export type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
export interface TomlTable {
  [key: string]: TomlValue;
}

export class TomlError extends Error {}

const BARE_KEY = /[A-Za-z0-9_-]/;
const ESCAPES: Record<string, string> = { b: "\b", t: "\t", n: "\n", f: "\f", r: "\r", '"': '"', "\\": "\\" };

function isTable(value: TomlValue | undefined): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

class Reader {
  private pos = 0;
  private readonly root: TomlTable = {};
  private readonly defined = new Set<TomlTable>();

  constructor(private readonly text: string) {}

  parse(): TomlTable {
    let current = this.root;
    for (;;) {
      this.skipBlank(true);
      if (this.pos >= this.text.length) return this.root;
      if (this.text.startsWith("[[", this.pos)) {
        this.pos += 2;
        const path = this.keyPath();
        this.expect("]]");
        current = this.appendTable(path);
      } else if (this.peek() === "[") {
        this.pos += 1;
        const path = this.keyPath();
        this.expect("]");
        current = this.openTable(path);
      } else {
        this.keyValue(current);
      }
      this.endOfLine();
    }
  }

  private fail(message: string): never {
    const line = this.text.slice(0, this.pos).split("\n").length;
    throw new TomlError(`TOML line ${line}: ${message}`);
  }

  private peek(): string {
    return this.text[this.pos] ?? "";
  }

  private expect(token: string): void {
    if (!this.text.startsWith(token, this.pos)) this.fail(`expected ${JSON.stringify(token)}`);
    this.pos += token.length;
  }

  /** Skips spaces and comments; with `newlines`, also line breaks. */
  private skipBlank(newlines: boolean): void {
    for (;;) {
      const c = this.peek();
      if (c === " " || c === "\t" || (newlines && (c === "\n" || c === "\r"))) this.pos += 1;
      else if (c === "#") while (this.pos < this.text.length && this.peek() !== "\n") this.pos += 1;
      else return;
    }
  }

  private endOfLine(): void {
    this.skipBlank(false);
    if (this.pos >= this.text.length) return;
    if (this.text.startsWith("\r\n", this.pos)) this.pos += 2;
    else if (this.peek() === "\n") this.pos += 1;
    else this.fail(`unexpected ${JSON.stringify(this.peek())} after a value`);
  }

  private key(): string {
    this.skipBlank(false);
    const c = this.peek();
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    const start = this.pos;
    while (BARE_KEY.test(this.peek())) this.pos += 1;
    if (start === this.pos) this.fail("expected a key");
    return this.text.slice(start, this.pos);
  }

  private keyPath(): string[] {
    const path = [this.key()];
    this.skipBlank(false);
    while (this.peek() === ".") {
      this.pos += 1;
      path.push(this.key());
      this.skipBlank(false);
    }
    return path;
  }

  private descend(table: TomlTable, key: string): TomlTable {
    const existing = table[key];
    if (existing === undefined) {
      const created: TomlTable = {};
      table[key] = created;
      return created;
    }
    if (Array.isArray(existing)) {
      const last = existing[existing.length - 1];
      if (isTable(last)) return last;
    }
    if (isTable(existing)) return existing;
    return this.fail(`key ${JSON.stringify(key)} is not a table`);
  }

  private openTable(path: string[]): TomlTable {
    let table = this.root;
    for (const key of path) table = this.descend(table, key);
    if (this.defined.has(table)) this.fail(`table [${path.join(".")}] defined twice`);
    this.defined.add(table);
    return table;
  }

  private appendTable(path: string[]): TomlTable {
    let table = this.root;
    for (const key of path.slice(0, -1)) table = this.descend(table, key);
    const last = path[path.length - 1] as string;
    const list = table[last] ?? [];
    if (!Array.isArray(list)) this.fail(`key ${JSON.stringify(last)} is not an array of tables`);
    const created: TomlTable = {};
    list.push(created);
    table[last] = list;
    return created;
  }

  private keyValue(table: TomlTable): void {
    const path = this.keyPath();
    this.expect("=");
    this.skipBlank(false);
    const value = this.value();
    let target = table;
    for (const key of path.slice(0, -1)) target = this.descend(target, key);
    const last = path[path.length - 1] as string;
    if (last in target) this.fail(`duplicate key ${JSON.stringify(path.join("."))}`);
    target[last] = value;
  }

  private value(): TomlValue {
    const c = this.peek();
    if (this.text.startsWith('"""', this.pos)) return this.multilineString('"""');
    if (this.text.startsWith("'''", this.pos)) return this.multilineString("'''");
    if (c === '"') return this.basicString();
    if (c === "'") return this.literalString();
    if (c === "[") return this.array();
    if (c === "{") return this.inlineTable();
    const match = /^[^\s,\]}#]+/.exec(this.text.slice(this.pos));
    if (!match) return this.fail("expected a value");
    const word = match[0];
    this.pos += word.length;
    if (word === "true") return true;
    if (word === "false") return false;
    if (/^[+-]?(0|[1-9](_?[0-9])*)$/.test(word)) return Number(word.replaceAll("_", ""));
    if (/^[+-]?(0|[1-9](_?[0-9])*)(\.[0-9](_?[0-9])*)?([eE][+-]?[0-9](_?[0-9])*)?$/.test(word)) {
      return Number(word.replaceAll("_", ""));
    }
    return this.fail(`unsupported value ${JSON.stringify(word)}`);
  }

  private basicString(): string {
    this.expect('"');
    let out = "";
    for (;;) {
      const c = this.peek();
      if (c === "" || c === "\n") this.fail("unterminated string");
      this.pos += 1;
      if (c === '"') return out;
      out += c === "\\" ? this.escape() : c;
    }
  }

  private escape(): string {
    const c = this.peek();
    this.pos += 1;
    const simple = ESCAPES[c];
    if (simple !== undefined) return simple;
    const width = c === "u" ? 4 : c === "U" ? 8 : 0;
    const hex = this.text.slice(this.pos, this.pos + width);
    if (width === 0 || !/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== width) this.fail("bad escape");
    this.pos += width;
    return String.fromCodePoint(Number.parseInt(hex, 16));
  }

  private literalString(): string {
    this.expect("'");
    const end = this.text.indexOf("'", this.pos);
    const newline = this.text.indexOf("\n", this.pos);
    if (end < 0 || (newline >= 0 && newline < end)) this.fail("unterminated string");
    const out = this.text.slice(this.pos, end);
    this.pos = end + 1;
    return out;
  }

  private multilineString(quote: string): string {
    this.expect(quote);
    if (this.text.startsWith("\r\n", this.pos)) this.pos += 2;
    else if (this.peek() === "\n") this.pos += 1;
    let out = "";
    for (;;) {
      if (this.pos >= this.text.length) this.fail("unterminated string");
      if (this.text.startsWith(quote, this.pos)) {
        this.pos += quote.length;
        return out;
      }
      const c = this.peek();
      this.pos += 1;
      if (c === "\\" && quote === '"""') {
        if (/^[ \t]*\r?\n/.test(this.text.slice(this.pos))) {
          while (/[ \t\r\n]/.test(this.peek())) this.pos += 1;
        } else {
          out += this.escape();
        }
      } else {
        out += c;
      }
    }
  }

  private array(): TomlValue[] {
    this.expect("[");
    const items: TomlValue[] = [];
    for (;;) {
      this.skipBlank(true);
      if (this.peek() === "]") break;
      items.push(this.value());
      this.skipBlank(true);
      if (this.peek() === ",") this.pos += 1;
      else if (this.peek() !== "]") this.fail("expected , or ] in an array");
    }
    this.pos += 1;
    return items;
  }

  private inlineTable(): TomlTable {
    this.expect("{");
    const table: TomlTable = {};
    this.skipBlank(false);
    if (this.peek() === "}") {
      this.pos += 1;
      return table;
    }
    for (;;) {
      this.keyValue(table);
      this.skipBlank(false);
      if (this.peek() === "}") break;
      this.expect(",");
    }
    this.pos += 1;
    return table;
  }
}

/** Parses TOML text into plain objects; throws {@link TomlError} on anything it does not support. */
export function parseToml(text: string): TomlTable {
  return new Reader(text).parse();
}

/** Follows `path` through nested tables, e.g. `tableAt(doc, "tool", "ruff")`; undefined if absent. */
export function tableAt(doc: TomlTable, ...path: string[]): TomlTable | undefined {
  let table: TomlTable | undefined = doc;
  for (const key of path) {
    const next: TomlValue | undefined = table?.[key];
    table = isTable(next) ? next : undefined;
  }
  return table;
}
