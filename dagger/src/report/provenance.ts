/** SLSA provenance v1 of an image this pipeline built, and what deploy reads back from cosign. */
import { isRecord, objectOr } from "./json.js";

/** Names this pipeline's build: the Dockerfile of a repository at a commit, built by the engine. */
export const BUILD_TYPE = "urn:python-service-pipeline:dockerfile-build:v1";
export const PROVENANCE_V1 = "https://slsa.dev/provenance/v1";

export type BuildFacts = {
  /** OWNER/REPO */
  repository: string;
  commit: string;
  /** refs/heads/<branch>, or "" when the run's ref is not known here */
  ref: string;
  event: string;
  /** the workflow identity that signs, or a URN for a key-signed build */
  builder: string;
  /** the CI run's URL */
  invocation?: string;
  dockerfile: string;
  context: string;
  platforms: string[];
  /** the Dockerfile's Dockerfile text: its FROM lines pinned by digest are the base images */
  dockerfileText: string;
};

/** Every `FROM image@sha256:…` of a Dockerfile, as a resolved dependency. */
export function baseImages(dockerfile: string): { uri: string; digest: { sha256: string } }[] {
  const found: { uri: string; digest: { sha256: string } }[] = [];
  for (const line of dockerfile.split("\n")) {
    const m = /^\s*FROM\s+(?:--platform=\S+\s+)?(\S+)@sha256:([0-9a-f]{64})(?:\s|$)/i.exec(line);
    if (m?.[1] && m[2] && !found.some((f) => f.digest.sha256 === m[2])) {
      found.push({ uri: `docker://${m[1]}`, digest: { sha256: m[2] } });
    }
  }
  return found;
}

/** The predicate `cosign attest --type slsaprovenance1` wraps in an in-toto statement about the digest. */
export function provenancePredicate(f: BuildFacts): string {
  const source = `git+https://github.com/${f.repository}${f.ref ? `@${f.ref}` : ""}`;
  return `${JSON.stringify(
    {
      buildDefinition: {
        buildType: BUILD_TYPE,
        externalParameters: {
          repository: `https://github.com/${f.repository}`,
          ref: f.ref,
          event: f.event,
          dockerfile: f.dockerfile,
          context: f.context,
          platforms: f.platforms,
        },
        resolvedDependencies: [
          { uri: source, digest: { gitCommit: f.commit } },
          ...baseImages(f.dockerfileText),
        ],
      },
      runDetails: {
        builder: { id: f.builder },
        ...(f.invocation ? { metadata: { invocationId: f.invocation } } : {}),
      },
    },
    null,
    2,
  )}\n`;
}

/** The repository and commit a provenance statement names as its source. */
export type ProvenanceSource = { repository: string; commit: string };

/** The git sources of the DSSE envelopes cosign prints one a line (docs/engine-notes.md: cosign); throws on others. */
export function provenanceSources(stdout: string): ProvenanceSource[] {
  const sources: ProvenanceSource[] = [];
  for (const line of stdout.split("\n").filter((l) => l.trim() !== "")) {
    let statement: unknown;
    try {
      const envelope: unknown = JSON.parse(line);
      // anything but a base64 JSON payload fails to parse below
      const payload = String(isRecord(envelope) ? envelope.payload : "");
      statement = JSON.parse(Buffer.from(payload, "base64").toString("utf8"));
    } catch (err) {
      throw new Error(`cosign printed something that is not an attestation envelope: ${line.slice(0, 120)}`, {
        cause: err,
      });
    }
    if (!isRecord(statement) || statement.predicateType !== PROVENANCE_V1) continue;
    const definition = objectOr(objectOr(statement.predicate).buildDefinition);
    for (const dep of [definition.resolvedDependencies].flat()) {
      if (!isRecord(dep) || typeof dep.uri !== "string" || !isRecord(dep.digest)) continue;
      const m = /^git\+https:\/\/github\.com\/([^/@\s]+\/[^/@\s]+?)(?:\.git)?(?:@\S*)?$/.exec(dep.uri);
      const commit = dep.digest.gitCommit;
      if (m?.[1] && typeof commit === "string") sources.push({ repository: m[1], commit });
    }
  }
  return sources;
}

/** Why no statement names `repository` and, when known, `commit` (GitHub compares names case-insensitively). */
export function provenanceMismatch(
  sources: readonly ProvenanceSource[],
  expected: { repository: string; commit?: string },
): string | undefined {
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  if (sources.length === 0) return "it names no GitHub source repository and commit";
  const ok = sources.some(
    (s) =>
      same(s.repository, expected.repository) &&
      (expected.commit === undefined || expected.commit === "" || same(s.commit, expected.commit)),
  );
  if (ok) return undefined;
  const named = sources.map((s) => `${s.repository}@${s.commit}`).join(", ");
  const want = expected.commit ? `${expected.repository}@${expected.commit}` : expected.repository;
  return `it names ${named}, not ${want}`;
}
