/** Image facts are read, never assumed; the pure parts live here, stages/image.ts asks the engine. */

/** Dropping `${ARG…}` leads to the stage it defaults to; a base that cannot be resolved is no guess. */
export function finalBase(dockerfile: string): string | undefined {
  const stages = new Map<string, string>();
  let last: string | undefined;
  for (const line of dockerfile.split("\n")) {
    // Stryker disable next-line Regex: a FROM line Docker accepts ends after its image and stage name, anchored or not
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(line);
    if (!m?.[1]) continue;
    const from = m[1].replace(/\$\{[^}]*\}/g, "");
    if (m[2]) stages.set(m[2].toLowerCase(), from);
    last = from;
  }
  const seen = new Set<string>();
  let ref = last;
  while (ref !== undefined && stages.has(ref.toLowerCase())) {
    if (seen.has(ref.toLowerCase())) return undefined; // stages that name each other: no base to report
    seen.add(ref.toLowerCase());
    ref = stages.get(ref.toLowerCase());
  }
  return ref === undefined || ref === "" || ref.startsWith("$") || ref === "scratch" ? undefined : ref;
}

/** From the tag, so the tests' side of the dependency check can start before the image is built. */
export function basePython(dockerfile: string): string | undefined {
  const base = finalBase(dockerfile);
  return base === undefined
    ? undefined
    : /^(?:docker\.io\/)?(?:library\/)?python:(3\.\d+)(?:\.\d+)?(?![\d.])/.exec(base)?.[1];
}

/** An empty User is root by default. */
export function runsAsRoot(user: string): boolean {
  // Stryker disable next-line StringLiteral: runsAsRoot: split(':') always gives at least one part, so the fallback never applies
  const name = user.trim().split(":")[0] ?? "";
  return name === "" || name === "0" || name === "root";
}

/** 41943040 -> "40.0 MiB". */
export function formatBytes(bytes: number): string {
  const units = ["B", "KiB", "MiB", "GiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
