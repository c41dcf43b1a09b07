/**
 * Names the pipeline derives from git and GitHub: image tags, image references, the repository and the
 * deployment environment. Pure functions: the same input always gives the same name, so a rerun pushes
 * to the same tag and the CD job pulls what CI pushed.
 */
import { createHash } from "node:crypto";

/** The OCI distribution spec's tag grammar: what a registry accepts after the `:`. */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const MAX_TAG_LENGTH = 128;

/** Quotes a user-supplied value for an error message, cut so a huge value cannot flood the log. */
function quote(value: string): string {
  return value.length > 80 ? `'${value.slice(0, 80)}…'` : `'${value}'`;
}

function stripHeads(ref: string): string {
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
}

/**
 * The image tag for a branch, as docker/metadata-action's `type=ref,event=branch` makes it, made always valid.
 *
 * metadata-action (src/meta.ts, `sanitizeTag`) strips `refs/heads/` and applies
 * `replace(/[^a-zA-Z0-9._-]+/g, '-')`: the `+` means a RUN of invalid characters becomes ONE `-`
 * (`feature//x` -> `feature-x`, `a/ü/b` -> `a-b`), while `-` already in the name is kept as is
 * (`banner-utils-test-#5` -> `banner-utils-test--5`). We do exactly that, then add what the action leaves out
 * so the result always matches {@link OCI_TAG}: leading `.` and `-` are dropped, the tag is cut to 128
 * characters, and a name with nothing valid left (``, `#`, `🚀`, `..`) becomes `branch-<12 hex>`, the
 * start of the SHA-256 of the branch name (UTF-8, after `refs/heads/` is stripped): deterministic, and distinct
 * names almost never share a tag.
 */
export function branchTag(branch: string): string {
  const name = stripHeads(branch);
  const tag = name
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[.-]+/, "")
    .slice(0, MAX_TAG_LENGTH);
  if (tag !== "") return tag;
  const digest = createHash("sha256").update(name, "utf8").digest("hex");
  return `branch-${digest.slice(0, 12)}`;
}

/** `sha-<first 7 hex, lowercase>`, metadata-action's `type=sha` tag. */
export function shaTag(sha: string): string {
  if (!/^[0-9A-Fa-f]{7,40}$/.test(sha)) {
    throw new Error(
      `Invalid commit SHA ${quote(sha)}. Expected 7 to 40 hexadecimal characters, e.g. 3f2a9c1.`,
    );
  }
  return `sha-${sha.slice(0, 7).toLowerCase()}`;
}

/**
 * Splits `owner/name`, checked against GitHub's rules (owner: letters, digits and `-`, at most 39; name:
 * letters, digits, `.`, `_`, `-`, at most 100, not `.` or `..`).
 */
export function parseRepository(repository: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/.exec(repository);
  if (!match || match[2] === "." || match[2] === "..") {
    throw new Error(
      `Invalid repository ${quote(repository)}. Expected owner/name, e.g. octo-org/my-service.`,
    );
  }
  return { owner: match[1], repo: match[2] };
}

/** A registry host with an optional port: `ghcr.io`, `localhost:5000`, `registry.example.com:443`. */
const REGISTRY_HOST =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$/;

/** One path component of an OCI repository name, e.g. `my-service` or `my_service.api`. */
const OCI_PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * `registry/owner/repo:tag` with owner and repo lowercased (registries reject upper case in repository
 * names; GitHub names are case-insensitive, so `Octo-Org/My-Service` and `octo-org/my-service` are one image).
 */
export function imageReference(registry: string, owner: string, repo: string, tag: string): string {
  if (!REGISTRY_HOST.test(registry)) {
    throw new Error(
      `Invalid registry ${quote(registry)}. Expected a host with an optional port and no scheme or trailing slash, e.g. ghcr.io or localhost:5000.`,
    );
  }
  for (const [what, value] of [
    ["owner", owner],
    ["repository name", repo],
  ] as const) {
    if (!OCI_PATH_COMPONENT.test(value.toLowerCase())) {
      throw new Error(
        `Invalid image ${what} ${quote(value)}. Expected lowercase letters and digits separated by single '.', '_', '__' or '-' runs, e.g. my-service.`,
      );
    }
  }
  if (!OCI_TAG.test(tag)) {
    throw new Error(
      `Invalid image tag ${quote(tag)}. Expected up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-', e.g. main.`,
    );
  }
  return `${registry}/${owner.toLowerCase()}/${repo.toLowerCase()}:${tag}`;
}

/**
 * The deployment environment for a branch: `main` -> production, `develop` -> staging, anything else -> preview.
 * An explicit `override` (e.g. from `--environment`) wins; an empty override counts as none.
 */
export function environmentFor(branch: string, override?: string): string {
  if (override !== undefined && override !== "") {
    if (!/^[a-z0-9-]{1,63}$/.test(override)) {
      throw new Error(
        `Invalid environment ${quote(override)}. Expected lowercase letters, digits and '-', e.g. staging.`,
      );
    }
    return override;
  }
  switch (stripHeads(branch)) {
    case "main":
      return "production";
    case "develop":
      return "staging";
    default:
      return "preview";
  }
}
