/** The image must ship exactly what the tests ran (without the dev group), so both sides are listed alike. */

export type Listing = { python: string; distributions: Map<string, string> };

export function parseListing(output: string, where: string): Listing {
  const [python, ...lines] = output.trim().split("\n");
  // Stryker disable next-line Regex: parseListing: every supported Python (3.10 to 3.14t) has a one-digit major version
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

export type ImageInstalls = { extras: string[]; cannotCompare?: string };

/** An install from a URL is described by no lock of the project, so that image is not compared. */
export function imageInstalls(dockerfile: string): ImageInstalls {
  const runs = dockerfile
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .filter((line) => /^\s*RUN\b/i.test(line));
  const extras = new Set<string>();
  for (const run of runs) {
    if (/\buv\s+sync\b[^;&|]*--all-extras\b/.test(run)) extras.add("*");
    for (const m of run.matchAll(/\buv\s+sync\b[^;&|]*/g)) {
      for (const e of m[0].matchAll(/--extra[=\s]+([A-Za-z0-9._-]+)/g)) extras.add(e[1] as string);
    }
    for (const m of run.matchAll(/\bpip\s+install\b[^;&|]*/g)) {
      const url = /(?:^|\s)['"]?((?:git\+|https?:\/\/)[^\s'"]+)/.exec(m[0].slice("pip install".length));
      if (url)
        return { extras: [], cannotCompare: `the image installs from a URL (${url[1]?.slice(0, 120)})` };
      for (const e of m[0].matchAll(/\.\[([A-Za-z0-9._,\s-]+)\]/g)) {
        for (const name of (e[1] as string).split(",")) if (name.trim()) extras.add(name.trim());
      }
    }
  }
  return { extras: extras.has("*") ? ["*"] : [...extras].sort() };
}

/** An image `python` without any of the project's distributions is another interpreter (a venv off PATH). */
export function notTheSyncedPython(image: Listing, tested: Listing): string | undefined {
  const ran = [...tested.distributions.keys()].filter((n) => !TOOLING.has(n));
  if (ran.length === 0 || ran.some((n) => image.distributions.has(n))) return undefined;
  return `the image's python holds none of the ${ran.length} distributions of the project's environment: it is not the environment the Dockerfile installed into (is its venv on PATH?)`;
}
