import { randomUUID } from "node:crypto";
import { dag, type Service } from "@dagger.io/dagger";
import { provenanceMismatch, provenanceSources } from "../report/provenance.js";
import { errorText, InputError } from "../settings/errors.js";
import { parseCommand } from "../settings/validate.js";
import { pinned, type RegistryAuth } from "./publish.js";
import { failedCheck, type Verifier, verifyImage } from "./sign.js";

export function parseDigest(digest: string): string {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new InputError(
      `Invalid digest '${digest}'. Expected sha256: followed by 64 lowercase hex characters.`,
    );
  }
  return digest;
}

export function pinnedReference(address: string, digest: string): string {
  const at = address.indexOf("@");
  return pinned(`${at === -1 ? address : address.slice(0, at)}@${parseDigest(digest)}`);
}

export type DeployChecks = {
  /** absent: not verified (a rehearsal, or --allow-unsigned) */
  verifier?: Verifier;
  revision?: string;
  /** OWNER/REPO the provenance must name as its source */
  repository?: string;
};

export type DeployRun = {
  passed: boolean;
  output: string;
  digest?: string;
  signature?: string;
  revision?: string;
};

/** Checked and run by the pulled digest; a failure is returned, not thrown, so the CD comment says why. */
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
  const refuse = (output: string): DeployRun => ({ passed: false, output, ...facts });
  try {
    let base = dag.container();
    if (auth) base = base.withRegistryAuth(registry, auth.username, auth.password);
    const resolved = await base.from(reference, registryService ? { registryService } : {}).imageRef();
    const at = resolved.indexOf("@");
    const digest = at === -1 ? undefined : parseDigest(resolved.slice(at + 1));
    if (digest) facts.digest = digest;
    // by digest: a tag that moves meanwhile changes nothing
    const exact = digest ? pinnedReference(reference, digest) : reference;
    let envelopes: string | undefined;
    if (checks.verifier) {
      try {
        const verified = await verifyImage(exact, checks.verifier, registry, auth);
        facts.signature = verified.signature;
        envelopes = verified.provenance;
      } catch (err) {
        const what = failedCheck(err) ?? "signature";
        const hint =
          what === "signature"
            ? "an image nobody signed runs only with --allow-unsigned"
            : `ci --publish --sign attests it with the signature; an image without one runs only with --allow-unsigned`;
        return refuse(
          `refused: the ${what} of ${exact} does not verify: ${withoutCosignTrailer(errorText(err))} Expected ${expectedSigner(checks.verifier)}; ${hint}.`,
        );
      }
    } else {
      facts.signature = "not verified";
    }
    const image = base.from(exact, registryService ? { registryService } : {});
    // the engine answers null for a missing label
    const label = ((await image.label(REVISION_LABEL)) ?? "").trim();
    facts.revision = label;
    if (checks.revision !== undefined && label.toLowerCase() !== checks.revision.toLowerCase()) {
      return refuse(
        `refused: ${exact} was built from ${label ? `commit ${label}` : "an unknown commit (no revision label)"}, not ${checks.revision}`,
      );
    }
    // Stryker disable next-line ConditionalExpression: every deploy that verifies names its repository
    if (envelopes !== undefined && checks.repository !== undefined) {
      const expected = { repository: checks.repository, commit: checks.revision ?? label };
      let mismatch: string | undefined;
      try {
        mismatch = provenanceMismatch(provenanceSources(envelopes), expected);
      } catch (err) {
        mismatch = errorText(err);
      }
      if (mismatch !== undefined)
        return refuse(`refused: the provenance of ${exact} does not match: ${mismatch}`);
    }
    // a fresh value, or the engine replays the cached smoke exec (docs/engine-notes.md: Dagger engine)
    const output = (
      await image.withEnvVariable("PIPELINE_DEPLOY_RUN", randomUUID()).withExec(args).stdout()
    ).trim();
    return { passed: expected === "" || output === expected, output, ...facts };
  } catch (err) {
    return refuse(`the deployment failed: ${errorText(err)}`);
  }
}

function expectedSigner(verifier: Verifier): string {
  if (verifier.kind === "key") return "a signature by the key matching --cosign-public-key";
  const run = verifier.trigger ? `a ${verifier.trigger} run` : "a run";
  const ref = verifier.ref ? ` of ${verifier.ref}` : "";
  return `a signature by ${verifier.identity} from ${run}${ref} in ${verifier.repository} (publish it with ci --publish --sign there, or give --signer-workflow / --cosign-public-key)`;
}

/** Set by CI's build from the commit it built. */
export const REVISION_LABEL = "org.opencontainers.image.revision";

/** cosign repeats its error as `main.go:74: error during command execution: …` (its cmd/cosign/main.go log line). */
export function withoutCosignTrailer(text: string): string {
  return text
    .split("\n")
    .filter((line) => !/^\w+\.go:\d+: error during command execution: /.test(line))
    .join("\n");
}
