import { randomUUID } from "node:crypto";
import { dag, type Service } from "@dagger.io/dagger";
import { errorText, InputError } from "../settings/errors.js";
import { parseCommand } from "../settings/validate.js";
import { pinned, type RegistryAuth } from "./publish.js";
import { type Verifier, verifyImage } from "./sign.js";

/** `sha256:` and 64 hex: the only digest form a pull by digest accepts. */
export function parseDigest(digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new InputError(
      `Invalid digest '${digest}'. Expected sha256: followed by 64 lowercase hex characters.`,
    );
  }
  return digest;
}

/** `ghcr.io/o/r:main` pinned to a digest becomes `ghcr.io/o/r@sha256:…` (the tag no longer matters). */
export function pinnedReference(address: string, digest: string): string {
  const at = address.indexOf("@");
  return pinned(`${at === -1 ? address : address.slice(0, at)}@${parseDigest(digest)}`);
}

/** What must hold before a pulled image may run: its signature, and the commit its label names. */
export type DeployChecks = {
  /** verify the signature this way; absent: not verified (a rehearsal, or --allow-unsigned) */
  verifier?: Verifier;
  /** the full commit SHA the image's org.opencontainers.image.revision label must carry */
  revision?: string;
};

export type DeployRun = {
  passed: boolean;
  output: string;
  digest?: string;
  /** what the signature check established, or why there was none */
  signature?: string;
  /** the revision label the image carries */
  revision?: string;
};

/**
 * Pulls the image, resolves it to its digest, and only then checks it (signature, revision label) and runs the
 * smoke command in it by that digest, exactly as a user of the image would. A refused image never runs. A pull,
 * check or run failure is a failed deployment with the reason as its output, not an exception: the CD comment
 * still says what happened.
 */
export async function deployImage(
  reference: string,
  command: string,
  expected: string,
  auth: RegistryAuth | undefined,
  registry: string,
  registryService?: Service,
  checks: DeployChecks = {},
): Promise<DeployRun> {
  const args = parseCommand(command);
  const facts: Omit<DeployRun, "passed" | "output"> = {};
  try {
    let base = dag.container();
    if (auth) base = base.withRegistryAuth(registry, auth.username, auth.password);
    const resolved = await base.from(reference, registryService ? { registryService } : {}).imageRef();
    // the engine resolves a pulled reference to name@digest; anything else after an '@' is not a digest
    const at = resolved.indexOf("@");
    const digest = at === -1 ? undefined : parseDigest(resolved.slice(at + 1));
    if (digest) facts.digest = digest;
    // Everything below is about this digest: a tag that moves meanwhile changes nothing.
    const exact = digest ? pinnedReference(reference, digest) : reference;
    if (checks.verifier) {
      try {
        facts.signature = await verifyImage(exact, checks.verifier, registry, auth);
      } catch (err) {
        return {
          passed: false,
          output: `refused: the signature of ${exact} does not verify: ${errorText(err)} Expected ${expectedSigner(checks.verifier)}; an image nobody signed runs only with --allow-unsigned.`,
          ...facts,
        };
      }
    } else {
      facts.signature = "not verified";
    }
    const image = base.from(exact, registryService ? { registryService } : {});
    // The engine answers null, not "", for a label the image lacks.
    const label = ((await image.label(REVISION_LABEL)) ?? "").trim();
    facts.revision = label;
    if (checks.revision !== undefined && label.toLowerCase() !== checks.revision.toLowerCase()) {
      return {
        passed: false,
        output: `refused: ${exact} was built from ${label ? `commit ${label}` : "an unknown commit (no revision label)"}, not ${checks.revision}`,
        ...facts,
      };
    }
    // `from` on a digest is keyed on the digest alone, so the same smoke exec would replay its cached output
    // (engine at v0.21.8): a value that changes on every deploy makes it run for real.
    const output = (
      await image.withEnvVariable("PIPELINE_DEPLOY_RUN", randomUUID()).withExec(args).stdout()
    ).trim();
    return { passed: expected === "" || output === expected, output, ...facts };
  } catch (err) {
    return { passed: false, output: `the deployment failed: ${errorText(err)}`, ...facts };
  }
}

/** Who had to sign, in words, for a refusal that says how to get an image deploy accepts. */
function expectedSigner(verifier: Verifier): string {
  if (verifier.kind === "key") return "a signature by the key matching --cosign-public-key";
  const run = verifier.trigger ? `a ${verifier.trigger} run` : "a run";
  const ref = verifier.ref ? ` of ${verifier.ref}` : "";
  return `a signature by ${verifier.identity} from ${run}${ref} in ${verifier.repository} (publish it with ci --publish --sign there, or give --signer-workflow / --cosign-public-key)`;
}

/** The label CI's build writes from the commit it built (Dockerfile ARG REVISION). */
export const REVISION_LABEL = "org.opencontainers.image.revision";
