/**
 * The XML reader under the JUnit report (report/xml.ts): entities decoded the way XML defines them, counts that
 * are whole numbers or an error naming the attribute, and documents that are not one well-formed tree refused
 * with what is wrong. A reader that guesses here turns a broken report into "0 failures".
 */
import { describe, expect, it } from "vitest";
import { parseJunit } from "../../dagger/src/report/junit.js";
import {
  decodeEntities,
  descendants,
  intAttr,
  readXml,
  type XmlElement,
} from "../../dagger/src/report/xml.js";

const element = (attrs: Record<string, string>): XmlElement => ({ name: "testsuite", attrs, children: [] });

describe("decodeEntities", () => {
  it.each([
    ["a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos;", `a <b> & "c" 'd'`],
    ["&#65;&#x42;&#X43;&#x1F600;", "AB&#X43;😀"], // XML's hex reference is a lowercase x only
    ["&#1114111;", String.fromCodePoint(0x10ffff)], // the last code point
    ["&#1114112;", "&#1114112;"], // past it: left as written, never a throw
    ["&#x110000;", "&#x110000;"],
    ["&amp;#65;", "&#65;"], // one pass: a decoded ampersand does not start a second reference
    ["&nbsp; &unknown;", "&nbsp; &unknown;"], // HTML's names are not XML's
    ["& alone, &#; and &#x;", "& alone, &#; and &#x;"],
  ])("%j reads %j", (raw, text) => {
    expect(decodeEntities(raw)).toBe(text);
  });
});

describe("intAttr", () => {
  it.each([
    [{ tests: "5" }, 5],
    [{ tests: " 7 " }, 7],
    [{ tests: "007" }, 7],
    [{}, 0], // absent: the fallback
    [{ tests: "" }, 0], // empty: the fallback too (some writers emit failures="")
  ])("%j reads %i", (attrs, n) => {
    expect(intAttr(element(attrs), "tests", "junit.xml")).toBe(n);
  });

  it("uses the caller's fallback for a missing attribute", () => {
    expect(intAttr(element({}), "tests", "junit.xml", Number.NaN)).toBeNaN();
  });

  it.each(["5abc", "-1", "1.5", "1e3", "0x10", "five"])(
    "refuses tests=%j, naming the attribute and element",
    (raw) => {
      expect(() => intAttr(element({ tests: raw }), "tests", "junit-3.12.xml")).toThrow(
        `junit-3.12.xml: attribute tests="${raw}" on <testsuite> is not a whole number.`,
      );
    },
  );
});

describe("readXml", () => {
  it("keeps elements in document order with decoded attributes, and skips text, comments, CDATA and PIs", async () => {
    const reading = await readXml(
      `\ufeff<?xml version="1.0"?><!-- a comment <x/> --><r a='1 &amp; 2'><?pi x?><b n="&#x41;"/>text<![CDATA[<c/>]]><c/></r>`,
    );
    expect(reading).toEqual({
      root: {
        name: "r",
        attrs: { a: "1 & 2" },
        children: [
          { name: "b", attrs: { n: "A" }, children: [] },
          { name: "c", attrs: {}, children: [] },
        ],
      },
    });
  });

  it.each([
    ["<a><b></a>", "it is not well-formed XML (line 1"],
    ["<a><b>", "the document is truncated: <a>, <b> are never closed"],
    ["<a>", "the document is truncated"],
    ["<a/><b/>", "it has 2 root elements (<a>, <b>)"],
    ["plain text", "not well-formed"],
  ])("refuses %j: %s", async (xml, problem) => {
    const reading = await readXml(xml);
    expect("problem" in reading && reading.problem).toContain(problem);
  });

  it("says exactly where a document went wrong, and with no line and column when there is no element at all", async () => {
    const problem = async (xml: string) => {
      const reading = await readXml(xml);
      return "problem" in reading ? reading.problem : undefined;
    };
    expect(await problem("<!-- only a comment -->")).toBe(
      "it is not well-formed XML (line 1: Start tag expected.)",
    );
    expect(await problem("<a>\n  <b></a>")).toBe(
      "it is not well-formed XML (line 2, column 6: Expected closing tag 'b' (opened in line 2, col 3) instead of closing tag 'a'.)",
    );
    expect(await problem("<a>")).toBe("the document is truncated: <a> is never closed");
  });

  it("refuses a well-formed document nested deeper than the parser allows, saying so instead of throwing", async () => {
    // fast-xml-parser 5.12.1 refuses a 102nd open element (OptionsBuilder.js maxNestedTags: 100, checked against the
    // 101 already open in OrderedObjParser.js); its validator has no such limit, so the document gets that far.
    const nested = (depth: number) => `${"<e>".repeat(depth)}${"</e>".repeat(depth)}`;
    expect("root" in (await readXml(nested(101)))).toBe(true);
    expect(await readXml(nested(102))).toEqual({
      problem: "it cannot be parsed (Maximum nested tags exceeded)",
    });
  });

  it("finds descendants without looking inside a match", async () => {
    const reading = await readXml("<s><t n='1'><t n='inner'/></t><g><t n='2'/></g></s>");
    if (!("root" in reading)) throw new Error(reading.problem);
    expect(descendants(reading.root, "t").map((t) => t.attrs.n)).toEqual(["1", "2"]);
  });
});

describe("JUnit counts through the reader", () => {
  it("refuses a suite whose count is not a number instead of reading 5", async () => {
    await expect(
      parseJunit("<testsuites><testsuite tests='5abc' failures='0'/></testsuites>", "junit-3.13.xml"),
    ).rejects.toThrow(
      'Cannot read junit-3.13.xml as a JUnit report: attribute tests="5abc" on <testsuite> is not a whole number.',
    );
  });

  it("sums every top-level suite, and an empty failures attribute counts as none", async () => {
    const summary = await parseJunit(
      "<testsuites><testsuite tests='2' failures=''/><testsuite tests='3' failures='1' errors='1' skipped='1'/></testsuites>",
    );
    expect(summary).toMatchObject({ tests: 5, failures: 1, errors: 1, skipped: 1 });
  });
});
