/** A git tag's image tags: the exact version always; X.Y, X and latest for a final release none passes. */
import { compare, explain } from "@renovatebot/pep440";
import { InputError } from "./errors.js";

export type Release = {
  /** the git tag, e.g. v1.3.0rc1 */
  tag: string;
  /** PEP 440's normal form, e.g. 1.3.0rc1: the exact image tag */
  version: string;
  major: number;
  minor: number;
  /** not a pre-, dev- or post-release: it may move X.Y, X and latest, as in metadata-action's type=pep440 */
  final: boolean;
  /** pre- and dev-releases are pre-releases */
  kind: "final" | "pre-release" | "post-release";
};

/** No `!` (an epoch) and no `+` (a local part): neither may be in an OCI tag. */
const GIT_TAG = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

/** A PEP 440 version, or null: the library reads numbers as doubles, and past 2^53 its normal form is wrong. */
function pep440(text: string) {
  const v = explain(text);
  if (v === null) return null;
  const numbers = [...v.release, v.pre?.[1], v.post, v.dev].filter((n) => n != null);
  return numbers.every((n) => Number.isSafeInteger(n)) ? v : null;
}

/** Three release numbers, so no exact tag can be an `X.Y` or `X` that moves. */
function asRelease(tag: string): Release | undefined {
  const v = GIT_TAG.test(tag) ? pep440(tag) : null;
  if (v === null || v.release.length !== 3) return undefined;
  const [major = 0, minor = 0] = v.release;
  const kind = v.is_prerelease ? "pre-release" : v.is_postrelease ? "post-release" : "final";
  return { tag, version: v.public, major, minor, final: kind === "final", kind };
}

export function parseRelease(tag: string): Release {
  const release = asRelease(tag);
  if (release === undefined) {
    const shown = tag.length > 80 ? `${tag.slice(0, 80)}…` : tag;
    throw new InputError(
      `Invalid release tag '${shown}'. Expected vX.Y.Z as PEP 440 reads it, optionally a pre-release, e.g. v1.2.3 or v1.3.0rc1.`,
    );
  }
  return release;
}

/**
 * `existing` is every git tag of the repository; those that are not releases are ignored. A moving tag is
 * written only when no final release in its range is newer, so an older patch never moves it back.
 */
export function releaseTags(
  release: Release,
  existing: readonly string[],
): { tags: string[]; held: string[] } {
  if (!release.final) {
    return {
      tags: [release.version],
      held: [`${release.version} is a ${release.kind}: X.Y, X and latest not moved`],
    };
  }
  const finals = existing.map(asRelease).filter((r): r is Release => r?.final === true);
  const ranges: [string, (r: Release) => boolean][] = [
    [`${release.major}.${release.minor}`, (r) => r.major === release.major && r.minor === release.minor],
    [`${release.major}`, (r) => r.major === release.major],
    ["latest", () => true],
  ];
  const tags = [release.version];
  const held: string[] = [];
  for (const [tag, inRange] of ranges) {
    const newer = finals
      .filter((r) => inRange(r) && compare(r.version, release.version) > 0)
      .sort((a, b) => compare(b.version, a.version))[0];
    if (newer === undefined) tags.push(tag);
    else held.push(`'${tag}' not moved: ${newer.version} (${newer.tag}) is newer`);
  }
  return { tags, held };
}

/** PEP 440 equality: `v1.3.0-rc.1` is the app's `1.3.0rc1`. */
export function checkAppVersion(release: Release, appVersion: string, where: string): void {
  const app = pep440(appVersion);
  if (app !== null && compare(app.public, release.version) === 0 && app.local === null) return;
  const fix = app === null || app.local !== null ? "" : `, or tag v${app.public}`;
  throw new InputError(
    `The release tag '${release.tag}' is version ${release.version}, but the app's version is '${appVersion.slice(0, 80)}' (${where}). Expected them equal: set the app's version to ${release.version}${fix}.`,
  );
}

/** Checks a static version now; a dynamic one is read from the engine, so its project name is returned. */
export function versionToRead(
  release: Release,
  project: { name?: string; version?: string; dynamicVersion?: true },
  path: string,
): string | undefined {
  if (project.version !== undefined) {
    checkAppVersion(release, project.version, path);
    return undefined;
  }
  if (project.dynamicVersion && project.name !== undefined) return project.name;
  throw new InputError(
    `--release ${release.tag} needs the app's version, and ${path} has ${project.dynamicVersion ? "a dynamic version but no [project] name" : "no [project] version"}. Expected version = "${release.version}" in [project], or "version" in [project] dynamic with a name.`,
  );
}

/** A published release names its commit, and its moving tags are decided against the repository's tags, which only a token can read. */
export function requirePublishInputs(release: Release | undefined, sha: string, token: unknown): void {
  if (release === undefined) return;
  if (sha.trim() === "") {
    throw new InputError(
      `--release ${release.tag} needs --sha, the tagged commit: the image's revision label and provenance name it.`,
    );
  }
  if (token) return;
  throw new InputError(
    `--release ${release.tag} needs --github-token to read the repository's tags, so that X.Y, X and latest only move forward. Expected --github-token=env:GITHUB_TOKEN (contents: read).`,
  );
}
