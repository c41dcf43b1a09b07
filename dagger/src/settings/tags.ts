/** Deterministic names, so a rerun pushes to the same tag and CD pulls what CI pushed. */
import { createHash } from "node:crypto";
import { InputError } from "./errors.js";

/** The OCI distribution spec's tag grammar (docs/engine-notes.md: Images and packaging). */
export const OCI_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

const MAX_TAG_LENGTH = 128;

/** Cut so a huge value cannot flood the log. */
function quote(value: string): string {
  return value.length > 80 ? `'${value.slice(0, 80)}…'` : `'${value}'`;
}

function stripHeads(ref: string): string {
  return ref.startsWith("refs/heads/") ? ref.slice("refs/heads/".length) : ref;
}

/** Only a push run of that branch may move these: CD deploys them. */
export const PROTECTED_TAGS: readonly string[] = ["main", "develop"];

const DERIVED = /-[0-9a-f]{8}$/;

/**
 * metadata-action's branch rule made injective: it maps `!main` to `main`, so a PR could push as `:main`
 * (docs/engine-notes.md: Images and packaging). Changed, reserved (`sha-`, `run-`, a release's `latest` or
 * digit-led version tags) or derived-looking names get `-<8 hex of SHA-256>` instead.
 */
export function branchTag(branch: string): string {
  const name = stripHeads(branch);
  const sanitized = name.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/^[.-]+/, "");
  const kept =
    sanitized === name &&
    name !== "" &&
    name.length <= MAX_TAG_LENGTH &&
    !/^(sha-|run-|[0-9]|latest$)/.test(name) &&
    !DERIVED.test(name);
  if (kept) return name;
  const hash = createHash("sha256").update(name, "utf8").digest("hex").slice(0, 8);
  return `${(sanitized || "branch").slice(0, MAX_TAG_LENGTH - 9)}-${hash}`;
}

/** Push and pull_request runs of one commit would share `sha-<7>` (docs/engine-notes.md: GitHub). */
export function runTag(run: string): string {
  if (!/^[1-9][0-9]{0,19}-[1-9][0-9]{0,3}$/.test(run)) {
    throw new InputError(
      `Invalid CI run ${quote(run)}. Expected <run id>-<attempt>, e.g. "$GITHUB_RUN_ID-$GITHUB_RUN_ATTEMPT" (12345678901-1).`,
    );
  }
  return `run-${run}`;
}

/** metadata-action's `type=sha` tag. */
export function shaTag(sha: string): string {
  if (!/^[0-9A-Fa-f]{7,40}$/.test(sha)) {
    throw new InputError(
      `Invalid commit SHA ${quote(sha)}. Expected 7 to 40 hexadecimal characters, e.g. 3f2a9c1.`,
    );
  }
  return `sha-${sha.slice(0, 7).toLowerCase()}`;
}

/** GitHub's owner and repository name rules (docs/engine-notes.md: GitHub). */
export function parseRepository(repository: string): { owner: string; repo: string } {
  // Stryker disable next-line ArrayDeclaration: parseRepository: a one-element fallback leaves owner and repo undefined, as [] does, so the same error is thrown
  const [, owner, repo] = /^([A-Za-z0-9-]{1,39})\/([A-Za-z0-9._-]{1,100})$/.exec(repository) ?? [];
  if (owner === undefined || repo === undefined || repo === "." || repo === "..") {
    throw new InputError(
      `Invalid repository ${quote(repository)}. Expected owner/name, e.g. octo-org/my-service.`,
    );
  }
  return { owner, repo };
}

const REGISTRY_HOST =
  /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::[0-9]{1,5})?$/;

const OCI_PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;

/**
 * The image of one app of several: its folder under the repository's name (`services/api` ->
 * ghcr.io/o/r/services/api), so two apps never share a name; "" for an app at the root.
 */
export function appImagePath(app: string): string {
  if (app === ".") return "";
  const path = app.toLowerCase();
  if (!path.split("/").every((part) => OCI_PATH_COMPONENT.test(part))) {
    throw new InputError(
      `The app folder ${quote(app)} makes no image name. Expected folder names of lowercase letters and digits separated by '.', '_' or '-', e.g. services/api.`,
    );
  }
  return path;
}

/** Each app's image path; two folders that would share one (they differ only in case) are named. */
export function appImagePaths(apps: readonly string[]): Map<string, string> {
  const paths = new Map<string, string>();
  for (const app of apps) {
    const path = appImagePath(app);
    const other = [...paths].find(([, p]) => p === path)?.[0];
    if (other !== undefined) {
      throw new InputError(
        `The apps '${other}' and '${app}' would share the image name '${path}'. Expected folders whose names differ in more than case; or list one of them in --apps.`,
      );
    }
    paths.set(app, path);
  }
  return paths;
}

/** `registry/owner/repo[/path]`, lowercased: registries refuse upper case; GitHub names ignore case. */
export function imageName(registry: string, owner: string, repo: string, path = ""): string {
  return `${registry}/${owner.toLowerCase()}/${repo.toLowerCase()}${path === "" ? "" : `/${path}`}`;
}

/** Validated (docs/engine-notes.md: Images and packaging). */
export function imageReference(
  registry: string,
  owner: string,
  repo: string,
  tag: string,
  path = "",
): string {
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
  return `${imageName(registry, owner, repo, path)}:${tag}`;
}

/** Where production deploys come from: the main branch (the default), or release tags (main then goes to staging). */
export enum ProductionFrom {
  /** main -> production, develop -> staging, a release tag -> preview */
  main = "main",
  /** a release tag -> production, main and develop -> staging */
  releases = "releases",
}

/** A PR is always preview; mirrors cd.yml's `environment.name` (test/workflows/behaviour.test.ts). */
// Stryker disable next-line StringLiteral: environmentFor: only the event 'push' selects an environment, so any other default gives preview as '' does
export function environmentFor(
  branch: string,
  override?: string,
  event = "",
  source: { release?: string; from?: ProductionFrom } = {},
): string {
  if (override !== undefined && override !== "") {
    if (!/^[a-z0-9-]{1,63}$/.test(override)) {
      throw new InputError(
        `Invalid environment ${quote(override)}. Expected lowercase letters, digits and '-', e.g. staging.`,
      );
    }
    return override;
  }
  if (event !== "push" && event !== "") return "preview";
  const releases = source.from === ProductionFrom.releases;
  if (source.release) return releases ? "production" : "preview";
  switch (stripHeads(branch)) {
    case "main":
      return releases ? "staging" : "production";
    case "develop":
      return "staging";
    default:
      return "preview";
  }
}

/** `github.event_name`; empty outside GitHub. */
export function parseEvent(event: string): string {
  if (event !== "" && !/^[a-z_]{1,64}$/.test(event)) {
    throw new InputError(
      `Invalid event ${quote(event)}. Expected a GitHub event name, e.g. push or pull_request.`,
    );
  }
  return event;
}
