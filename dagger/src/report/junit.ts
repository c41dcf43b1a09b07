import { decodeEntities, findTags, intAttr } from "./xml.js";

export type JunitSummary = {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  /** `classname::name` of failed or errored test cases, in report order, at most `maxFailed` */
  failed: string[];
};

/**
 * Totals of a JUnit XML report (pytest's `--junitxml`): the sum over every <testsuite>. An empty, truncated or
 * foreign file is an error naming what is wrong: a report we cannot read must never pass as "0 failures".
 */
export function parseJunit(xml: string, source = "junit.xml", maxFailed = 20): JunitSummary {
  const what = `Cannot read ${source} as a JUnit report`;
  if (xml.trim() === "") throw new Error(`${what}: the file is empty.`);
  const suites = findTags(xml, "testsuite");
  if (suites.length === 0) throw new Error(`${what}: it has no <testsuite> element.`);

  const closesRoot =
    findTags(xml, "testsuites").length > 0 ? /<\/testsuites>\s*$/ : /(<\/testsuite>|\/>)\s*$/;
  if (!closesRoot.test(xml)) throw new Error(`${what}: the document is truncated (no closing root tag).`);

  const summary: JunitSummary = { tests: 0, failures: 0, errors: 0, skipped: 0, failed: [] };
  for (const suite of suites) {
    summary.tests += intAttr(suite, "tests", what, Number.NaN);
    summary.failures += intAttr(suite, "failures", what);
    summary.errors += intAttr(suite, "errors", what);
    summary.skipped += intAttr(suite, "skipped", what);
  }
  if (Number.isNaN(summary.tests)) throw new Error(`${what}: a <testsuite> has no tests attribute.`);

  const cases = /<testcase\b((?:[^>"']|"[^"]*"|'[^']*')*?)(\/>|>([\s\S]*?)<\/testcase>)/g;
  for (const match of xml.matchAll(cases)) {
    const inner = match[3] ?? "";
    if (!/<(failure|error)\b/.test(inner)) continue;
    if (summary.failed.length >= maxFailed) break;
    const attrs = match[1] ?? "";
    const classname = /\bclassname\s*=\s*"([^"]*)"/.exec(attrs)?.[1] ?? "";
    const name = /\bname\s*=\s*"([^"]*)"/.exec(attrs)?.[1] ?? "?";
    summary.failed.push(decodeEntities(classname ? `${classname}::${name}` : name));
  }
  return summary;
}
