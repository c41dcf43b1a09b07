/**
 * Names the pipeline derives from git and GitHub: image tags, image references, the repository and the
 * deployment environment. Pure functions: the same input always gives the same name, so a rerun pushes
 * to the same tag and the CD job pulls what CI pushed.
 */
import { createHash } from "node:crypto";
import { InputError } from "./errors.js";

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

/** Tags that only a push run of the branch of that name may move: what CD deploys to staging and production. */
export const PROTECTED_TAGS: readonly string[] = ["main", "develop"];

/** A tag the rule had to derive ends in `-` and 8 hex; a name kept as it is never does. */
const DERIVED = /-[0-9a-f]{8}$/;

/**
 * The image tag for a branch: docker/metadata-action's `type=ref,event=branch` rule, made injective.
 *
 * metadata-action (src/meta.ts, `sanitizeTag`) strips `refs/heads/` and applies
 * `replace(/[^a-zA-Z0-9._-]+/g, '-')`. That rule maps different names onto one tag: `!main`, `#main` and
 * `@develop` (all valid git branch names) would become `main` and `develop`, and a PR from `!main` would push
 * unreviewed code as `:main`. So a name is used as it is only when it is already a valid tag that the rule
 * leaves alone, does not start with the reserved `sha-` or `run-` (the immutable commit and run tags) and does
 * not end like a derived tag. Every other name gets the rule's result (or `branch` when nothing valid is left), cut to leave
 * room, plus `-` and the first 8 hex of the SHA-256 of the name (UTF-8, after `refs/heads/`): `!main` ->
 * `main-<8 hex>`, `feature/login` -> `feature-login-<8 hex>`. Kept and derived tags never meet, and two
 * derived tags meet only if 32 bits of SHA-256 do. Deterministic: a rerun pushes to the same tag.
 */
export function branchTag(branch: string): string {
  const name = stripHeads(branch);
  const sanitized = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "");
  const kept =
    sanitized === name &&
    name !== "" &&
    name.length <= MAX_TAG_LENGTH &&
    !/^(sha|run)-/.test(name) &&
    !DERIVED.test(name);
  if (kept) return name;
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
  return `${(sanitized || "branch").slice(0, MAX_TAG_LENGTH - 9)}-${hash}`;
}

/**
 * `run-<id>-<attempt>`: the tag one CI run attempt writes and CD deploys. No other run writes it: a push run
 * and a pull_request run of one commit (GitHub fires both while a pull request from a branch of this
 * repository is open) each have their own, where both would write one `sha-<7>`.
 */
export function runTag(run: string): string {
  if (!/^[1-9][0-9]{0,19}-[1-9][0-9]{0,3}$/.test(run)) {
    throw new InputError(
      `Invalid CI run ${quote(run)}. Expected <run id>-<attempt>, e.g. "$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT" (12345678901-1).`,
    );
  }
  return `run-${run}`;
}

/** `sha-<first 7 hex, lowercase>`, metadata-action's `type=sha` tag. */
export function shaTag(sha: string): string {
  if (!/^[0-9A-Fa-f]{7,40}$/.test(sha)) {
    throw new InputError(
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
  const [, owner, repo] = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/.exec(repository) ?? [];
  if (owner === undefined || repo === undefined || repo === "." || repo === "..") {
    throw new InputError(
      `Invalid repository ${quote(repository)}. Expected owner/name, e.g. octo-org/my-service.`,
    );
  }
  return { owner, repo };
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
    throw new InputError(
      `Invalid registry ${quote(registry)}. Expected a host with an optional port and no scheme or trailing slash, e.g. ghcr.io or localhost:5000.`,
    );
  }
  for (const [what, value] of [
    ["owner", owner],
    ["repository name", repo],
  ] as const) {
    if (!OCI_PATH_COMPONENT.test(value.toLowerCase())) {
      throw new InputError(
        `Invalid image ${what} ${quote(value)}. Expected lowercase letters and digits separated by single '.', '_', '__' or '-' runs, e.g. my-service.`,
      );
    }
  }
  if (!OCI_TAG.test(tag)) {
    throw new InputError(
      `Invalid image tag ${quote(tag)}. Expected up to 128 letters, digits, '_', '.' or '-', not starting with '.' or '-', e.g. main.`,
    );
  }
  return `${registry}/${owner.toLowerCase()}/${repo.toLowerCase()}:${tag}`;
}

/**
 * The deployment environment: `main` -> production and `develop` -> staging for a push run or a deploy by hand
 * (no event: the image is then verified as that branch's push build); any other event (pull requests whatever
 * their branch is called) and any other branch -> preview. An explicit `override` (e.g. from `--environment`)
 * wins; an empty override counts as none. cd.yml's `environment.name` maps its events the same way
 * (test/workflows/behaviour.test.ts evaluates both against one table).
 */
export function environmentFor(branch: string, override?: string, event = ""): string {
  if (override !== undefined && override !== "") {
    if (!/^[a-z0-9-]{1,63}$/.test(override)) {
      throw new InputError(
        `Invalid environment ${quote(override)}. Expected lowercase letters, digits and '-', e.g. staging.`,
      );
    }
    return override;
  }
  if (event !== "push" && event !== "") return "preview";
  switch (stripHeads(branch)) {
    case "main":
      return "production";
    case "develop":
      return "staging";
    default:
      return "preview";
  }
}

/** A GitHub event name as workflows pass it (`github.event_name`), or empty for a run outside GitHub. */
export function parseEvent(event: string): string {
  if (event !== "" && !/^[a-z_]{1,64}$/.test(event)) {
    throw new InputError(
      `Invalid event ${quote(event)}. Expected a GitHub event name, e.g. push or pull_request.`,
    );
  }
  return event;
}
