/**
 * "The image ships exactly the dependencies the tests ran": the distributions installed in the image against
 * the ones the tests' environment holds without its dev group, on the same Python. Pure: the listing comes
 * from {@link LIST_DISTRIBUTIONS}, run in each place.
 */

/**
 * A Python one-liner that prints `X.Y` (the interpreter) then one `name==version` per installed distribution,
 * names normalized as PEP 503 does (lowercase, runs of -_. as one -), sorted: the same text for the same set.
 */
export const LIST_DISTRIBUTIONS = [
  "import importlib.metadata as m, re, sys",
  "print('%d.%d' % sys.version_info[:2])",
  "names = sorted({'%s==%s' % (re.sub(r'[-_.]+', '-', d.metadata['Name']).lower(), d.version) for d in m.distributions()})",
  "print('\\n'.join(names))",
].join("; ");

export type Listing = { python: string; distributions: Map<string, string> };

/** Reads LIST_DISTRIBUTIONS' output; anything else is an error naming where it came from. */
export function parseListing(output: string, where: string): Listing {
  const [python, ...lines] = output.trim().split("\n");
  if (python === undefined || !/^\d+\.\d+$/.test(python.trim())) {
    throw new Error(`Cannot read the distributions installed in ${where}: no Python version first.`);
  }
  const distributions = new Map<string, string>();
  for (const line of lines.map((l) => l.trim()).filter(Boolean)) {
    const [name, version] = line.split("==");
    if (!name || version === undefined) {
      throw new Error(
        `Cannot read the distributions installed in ${where}: '${line.slice(0, 80)}' is not name==version.`,
      );
    }
    distributions.set(name, version);
  }
  return { python: python.trim(), distributions };
}

/** Tools an environment may hold without shipping them as the app's dependencies. */
const TOOLING = new Set(["pip", "setuptools", "wheel"]);

/** Every difference between the image and what the tests ran, one readable line each; empty when the same. */
export function compareDistributions(image: Listing, tested: Listing): string[] {
  const lines: string[] = [];
  if (image.python !== tested.python) {
    lines.push(`Python ${image.python} in the image, ${tested.python} in the tests`);
  }
  const names = [...new Set([...image.distributions.keys(), ...tested.distributions.keys()])].sort();
  for (const name of names.filter((n) => !TOOLING.has(n))) {
    const shipped = image.distributions.get(name);
    const ran = tested.distributions.get(name);
    if (shipped === ran) continue;
    if (ran === undefined) lines.push(`${name}==${shipped} is in the image, not in the tests`);
    else if (shipped === undefined) lines.push(`${name}==${ran} was tested, not in the image`);
    else lines.push(`${name}: ${shipped} in the image, ${ran} in the tests`);
  }
  return lines;
}
