/**
 * Facts about the built image, read from the image itself and from its Dockerfile, never assumed: the base it
 * runs on, its user, its size and layers. Pure parts only; stages/image.ts reads them from the engine.
 */

/**
 * The base of the final stage: the last FROM, followed through stage names to an image reference. ARG
 * expansions in FROM (`name${ARG:+-suffix}`) are dropped, which leads to the stage they default to; a base
 * that cannot be resolved (a FROM from an ARG alone, scratch) gives undefined rather than a guess.
 */
export function finalBase(dockerfile: string): string | undefined {
  const stages = new Map<string, string>();
  let last: string | undefined;
  for (const line of dockerfile.split("\n")) {
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

/**
 * The Python version an official `python` base image names in its tag (`python:3.14-slim@sha256:…` -> 3.14), so
 * the tests' side of the dependency comparison can start before the image is built; undefined for any other base.
 */
export function basePython(dockerfile: string): string | undefined {
  const base = finalBase(dockerfile);
  return base === undefined
    ? undefined
    : /^(?:docker\.io\/)?(?:library\/)?python:(3\.\d+)(?:\.\d+)?(?![\d.])/.exec(base)?.[1];
}

/** Whether a config's User runs as root: empty (root by default), 0 or root, with or without a group. */
export function runsAsRoot(user: string): boolean {
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

/**
 * A Python script, run where the image tarball is mounted at /image.tar, that prints the number of layers
 * of its (first) manifest: OCI layout (index.json -> manifest blob), or Docker's manifest.json.
 */
export const COUNT_LAYERS = [
  "import json, tarfile",
  "t = tarfile.open('/image.tar')",
  "names = t.getnames()",
  "read = lambda n: json.load(t.extractfile(n))",
  "blob = lambda d: read('blobs/' + d.replace(':', '/'))",
  "m = blob(read('index.json')['manifests'][0]['digest']) if 'index.json' in names else None",
  "m = blob(m['manifests'][0]['digest']) if m is not None and 'manifests' in m else m",
  "print(len(m['layers']) if m is not None else len(read('manifest.json')[0]['Layers']))",
].join("; ");
