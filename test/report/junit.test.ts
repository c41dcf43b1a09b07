/**
 * How the JUnit report is read (report/junit.ts): entities decoded the way XML defines them, counts that are whole
 * numbers or an error naming the attribute, and documents that are not one well-formed tree refused with what is
 * wrong. A reader that guesses here turns a broken report into "0 failures".
 */
import { describe, expect, it } from "vitest";
import { decodeEntities, intAttr, parseJunit } from "../../dagger/src/report/junit.js";

const element = (attrs: Record<string, string>) => ({ "@": attrs });

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

describe("the document, as fast-xml-parser's validator and parser read it", () => {
  const problem = (xml: string) =>
    parseJunit(xml, "junit.xml").then(
      () => "",
      (err: Error) => err.message.replace(/^Cannot read junit\.xml as a JUnit report: /, ""),
    );

  it("reads past a byte-order mark, the declaration, processing instructions, comments, text and CDATA", async () => {
    const xml = `\ufeff<?xml version="1.0"?><!-- a comment <x/> --><testsuites><?pi x?>text<![CDATA[<testsuite tests="9"/>]]><testsuite tests='1 ' failures="1"><testcase name="a &amp; b"><failure message="&#x41;"/></testcase></testsuite></testsuites>`;
    expect(await parseJunit(xml)).toEqual({
      tests: 1,
      failures: 1,
      errors: 0,
      skipped: 0,
      failed: [{ test: "a & b", message: "A" }],
    });
  });

  it.each([
    ["<a><b></a>", "it has no <testsuite> element: it is not well-formed XML (line 1"],
    ["<testsuite><b>", "the document is truncated: <testsuite>, <b> are never closed."],
    ["<testsuite>", "the document is truncated: <testsuite> is never closed."],
    ["<testsuite/><b/>", "it has 2 root elements (<testsuite>, <b>)."],
    ["plain text", "not well-formed"],
    [
      "<!-- only a comment -->",
      "it has no <testsuite> element: it is not well-formed XML (line 1: Start tag expected.).",
    ],
    [
      '<testsuite tests="1">\n  <b></testsuite>',
      "it is not well-formed XML (line 2, column 6: Expected closing tag 'b' (opened in line 2, col 3) instead of closing tag 'testsuite'.).",
    ],
  ])("refuses %j: %s", async (xml, said) => {
    expect(await problem(xml)).toContain(said);
  });

  it("refuses a well-formed document nested deeper than the parser allows, saying so instead of throwing", async () => {
    // fast-xml-parser 5.12.1 refuses a 102nd open element (OptionsBuilder.js maxNestedTags: 100); its validator has
    // no such limit, so the document gets that far
    const nested = (depth: number) =>
      `<testsuite tests="0">${"<e>".repeat(depth)}${"</e>".repeat(depth)}</testsuite>`;
    expect(await problem(nested(100))).toBe("");
    expect(await problem(nested(101))).toBe("it cannot be parsed (Maximum nested tags exceeded).");
  });

  it("reads a suite with no attributes as one with no tests attribute, and takes no attribute for a test case", async () => {
    expect(await problem("<testsuites><testsuite/></testsuites>")).toBe(
      "a <testsuite> has no tests attribute.",
    );
    expect(await problem('<testsuites><testsuite tests="3" failures="x"/></testsuites>')).toBe(
      'attribute failures="x" on <testsuite> is not a whole number.',
    );
    const named =
      '<testsuite tests="1" testcase="x" failures="1"><testcase name="t"><failure/></testcase></testsuite>';
    expect((await parseJunit(named)).failed).toEqual([{ test: "t", message: "" }]);
  });

  it("finds test cases in nested suites, but not inside another test case", async () => {
    const xml = `<testsuites><testsuite tests="3"><testsuite><testcase name="deep"><failure/></testcase></testsuite><testcase name="outer"><testcase name="inner"><failure/></testcase><error message="e"/></testcase></testsuite></testsuites>`;
    expect((await parseJunit(xml)).failed).toEqual([
      { test: "deep", message: "" },
      { test: "outer", message: "e" },
    ]);
  });
});
