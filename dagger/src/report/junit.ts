import { descendants, intAttr, readXml, type XmlElement } from "./xml.js";

export type FailedTest = { test: string; message: string };

export type JunitSummary = {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** at most `maxFailed`, with the message's first line (where pytest puts the assertion) */
  failed: FailedTest[];
};

function topSuites(root: XmlElement, what: string): XmlElement[] {
  if (root.name === "testsuite") return [root];
  if (root.name !== "testsuites") {
    throw new Error(`${what}: it has no <testsuite> element (its root element is <${root.name}>).`);
  }
  const suites = root.children.filter((child) => child.name === "testsuite");
  if (suites.length === 0) throw new Error(`${what}: it has no <testsuite> element.`);
  return suites;
}

/** A report we cannot read throws, never passes as "0 failures"; async as the parser loads on use. */
export async function parseJunit(xml: string, source = "junit.xml", maxFailed = 20): Promise<JunitSummary> {
  const what = `Cannot read ${source} as a JUnit report`;
  if (xml.trim() === "") throw new Error(`${what}: the file is empty.`);
  const reading = await readXml(xml);
  if ("problem" in reading) {
    // no sign of a suite: most likely something else (an HTML error page, JSON)
    const foreign = /<testsuite[\s/>]/.test(xml) ? "" : "it has no <testsuite> element: ";
    throw new Error(`${what}: ${foreign}${reading.problem}.`);
  }
  const suites = topSuites(reading.root, what);

  const summary: JunitSummary = { tests: 0, failures: 0, errors: 0, skipped: 0, failed: [] };
  for (const suite of suites) {
    summary.tests += intAttr(suite, "tests", what, Number.NaN);
    summary.failures += intAttr(suite, "failures", what);
    summary.errors += intAttr(suite, "errors", what);
    summary.skipped += intAttr(suite, "skipped", what);
  }
  if (Number.isNaN(summary.tests)) throw new Error(`${what}: a <testsuite> has no tests attribute.`);

  for (const testcase of suites.flatMap((suite) => descendants(suite, "testcase"))) {
    if (summary.failed.length >= maxFailed) break;
    const failure = testcase.children.find((child) => child.name === "failure" || child.name === "error");
    if (failure === undefined) continue;
    const classname = testcase.attrs.classname ?? "";
    const name = testcase.attrs.name ?? "?";
    // Stryker disable next-line StringLiteral: parseJunit: split('\n') always gives a first part, so the fallback after ?.trim() never applies
    const message = (failure.attrs.message ?? "").split("\n")[0]?.trim() ?? "";
    summary.failed.push({ test: classname ? `${classname}::${name}` : name, message });
  }
  return summary;
}
