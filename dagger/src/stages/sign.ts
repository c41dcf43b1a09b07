import { randomUUID } from "node:crypto";
import { type Container, type Directory, dag, type File, type Secret } from "@dagger.io/dagger";
import { provenancePredicate } from "../report/provenance.js";
import { errorText, InputError, isExecError } from "../settings/errors.js";
import { BASE_IMAGE, COSIGN_IMAGE } from "../settings/pins.js";
import type { ImageSource } from "../settings/validate.js";
import type { Credentials, RegistryAuth } from "./publish.js";
import { moduleScript, SCRIPTS } from "./python.js";

/** The certificate names the called reusable workflow, not ci.yml (docs/engine-notes.md: Sigstore Fulcio). */
export const SIGNING_WORKFLOW = ".github/workflows/python-pipeline.yml";

/** The issuer of GitHub Actions' OIDC tokens, which Fulcio names in the certificate. */
export const GITHUB_OIDC_ISSUER = "https://token.actions.githubusercontent.com";

/** Keyless on GitHub Actions (its OIDC token buys a Fulcio certificate), or a key pair on a laptop. */
export type Signer =
  | { kind: "keyless"; requestUrl: string; requestToken: Secret }
  | { kind: "key"; key: Secret; password?: Secret };

/** Keyless also pins the calling repository: any repository can call a reusable workflow. */
export type Verifier =
  | { kind: "keyless"; identity: string; issuer: string; repository: string; ref?: string; trigger?: string }
  | { kind: "key"; publicKey: File };

/** `refs/heads/main` or `main` as the branch's name: flags and GitHub's context give either. */
const branchName = (branch: string) => branch.replace(/^refs\/heads\//, "");

const literal = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const SIGNER_WORKFLOW =
  /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/\.github\/workflows\/[A-Za-z0-9_.-]+\.ya?ml@(refs\/(heads|tags)\/[^\s@]+|[0-9a-f]{40})$/;

/** `ref` only for a push, matched exactly; a pull request's merge ref is the pattern's (docs/engine-notes.md: cosign, Sigstore Fulcio). */
export function signingIdentity(args: {
  repository: string;
  branch: string;
  /** a release's git tag: the push that signed it was of refs/tags/<it> */
  release?: string;
  event: string;
  apiUrl?: string;
  signerWorkflow?: string;
}): { identity: string; issuer: string; repository: string; ref?: string; trigger?: string } {
  requireKeylessHost(
    args.apiUrl,
    "verification",
    "--cosign-public-key FILE (the public half of the key CI signs with)",
  );
  const server = "https://github.com";
  const issuer = GITHUB_OIDC_ISSUER;
  const pushedRef = args.release ? `refs/tags/${args.release}` : `refs/heads/${branchName(args.branch)}`;
  const pushed = literal(pushedRef);
  const pull = "refs/pull/[0-9]+/merge";
  const ref = args.event === "push" ? pushed : args.event === "pull_request" ? pull : `(${pushed}|${pull})`;
  const signer = args.signerWorkflow ?? "";
  if (signer !== "" && !SIGNER_WORKFLOW.test(signer)) {
    throw new InputError(
      `Invalid --signer-workflow '${signer.slice(0, 160)}'. Expected OWNER/REPO/.github/workflows/FILE.yml@REF, REF being refs/heads/<branch>, refs/tags/<tag> or a 40-hex commit: the job_workflow_ref the certificate names.`,
    );
  }
  const identity =
    signer !== ""
      ? `^${literal(`${server}/${signer}`)}$`
      : `^${literal(`${server}/${args.repository}/${SIGNING_WORKFLOW}`)}@${ref}$`;
  const event = args.event === "push" || args.event === "pull_request" ? args.event : undefined;
  return {
    identity,
    issuer,
    repository: args.repository,
    ...(args.event === "push" ? { ref: pushedRef } : {}),
    ...(event ? { trigger: event } : {}),
  };
}

/** Fails early: public Fulcio trusts github.com's tokens only (docs/engine-notes.md: Sigstore Fulcio). */
export function requireKeylessHost(apiUrl: string | undefined, what: string, instead: string): void {
  const api = apiUrl?.replace(/\/+$/, "") ?? "";
  if (api === "" || api === "https://api.github.com") return;
  throw new InputError(
    `Keyless ${what} works only on github.com: public Fulcio trusts GitHub Actions tokens of token.actions.githubusercontent.com alone, and this run's GitHub is ${new URL(api).host} (--github-api-url ${api}). Expected ${instead}.`,
  );
}

/** Plan-time check of what `ci --sign` was given: one way to sign, complete. */
export function planSigner(
  args: Omit<Credentials, "registryUsername"> & { sign: boolean; publish: boolean; apiUrl?: string },
): Signer | undefined {
  if (!args.sign) return undefined;
  if (!args.publish) {
    throw new InputError(
      "--sign needs --publish: only a pushed digest can be signed. Expected --publish --sign.",
    );
  }
  if (args.cosignKey) {
    return {
      kind: "key",
      key: args.cosignKey,
      ...(args.cosignPassword ? { password: args.cosignPassword } : {}),
    };
  }
  if (args.oidcRequestUrl && args.oidcRequestToken) {
    requireKeylessHost(
      args.apiUrl,
      "signing",
      "--cosign-key env:COSIGN_KEY [--cosign-password env:COSIGN_PASSWORD]",
    );
    if (!/^https:\/\/\S+$/.test(args.oidcRequestUrl)) {
      throw new InputError(
        `Invalid --oidc-request-url '${args.oidcRequestUrl.slice(0, 80)}'. Expected the runner's https URL, e.g. "$ACTIONS_ID_TOKEN_REQUEST_URL".`,
      );
    }
    return { kind: "keyless", requestUrl: args.oidcRequestUrl, requestToken: args.oidcRequestToken };
  }
  throw new InputError(
    '--sign needs a way to sign. Expected --oidc-request-url "$ACTIONS_ID_TOKEN_REQUEST_URL" --oidc-request-token env:ACTIONS_ID_TOKEN_REQUEST_TOKEN on GitHub Actions (job permission id-token: write), or --cosign-key env:COSIGN_KEY [--cosign-password env:COSIGN_PASSWORD].',
  );
}

/** What a signed build states about itself, for its SLSA provenance. */
export type BuildRun = {
  repository: string;
  sha: string;
  branch: string;
  /** the git tag of a release: the run's ref is refs/tags/<it> */
  release?: string;
  event: string;
  runUrl?: string;
  platforms: string[];
};

/** The builder is the signing workflow's identity on GitHub (with the ref on a push), else the key's holder. */
export async function provenanceFile(
  source: Directory,
  image: ImageSource,
  run: BuildRun,
  signer: Signer,
): Promise<File> {
  const branch = branchName(run.branch);
  const pushed = run.release ? `refs/tags/${run.release}` : branch ? `refs/heads/${branch}` : "";
  const ref = run.event === "push" ? pushed : "";
  const builder =
    signer.kind === "key"
      ? "urn:python-service-pipeline:key-signed"
      : `https://github.com/${run.repository}/${SIGNING_WORKFLOW}${ref ? `@${ref}` : ""}`;
  const predicate = provenancePredicate({
    repository: run.repository,
    commit: run.sha,
    ref,
    event: run.event,
    builder,
    ...(run.runUrl ? { invocation: run.runUrl } : {}),
    dockerfile: image.dockerfile,
    context: image.context,
    platforms: run.platforms,
    dockerfileText: await source.file(image.dockerfile).contents(),
  });
  return dag.file("provenance.json", predicate);
}

/** A tmpfs, so no layer keeps the registry login. */
const DOCKER_CONFIG = "/run/pipeline-docker";

/** The login is written inside the container (lib.sh registry_login): the password is in no argument, log or cache key. */
function cosign(registry: string, auth: RegistryAuth | undefined, script: string): Container {
  const ctr = dag
    .container()
    .from(BASE_IMAGE)
    .withFile("/usr/local/bin/cosign", dag.container().from(COSIGN_IMAGE).file("/ko-app/cosign"))
    .withMountedFile(`${SCRIPTS}/lib.sh`, moduleScript("lib.sh"))
    .withMountedFile(`${SCRIPTS}/${script}`, moduleScript(script))
    .withEnvVariable("COSIGN_YES", "true");
  if (!auth) return ctr;
  return ctr
    .withMountedTemp(DOCKER_CONFIG)
    .withEnvVariable("DOCKER_CONFIG", DOCKER_CONFIG)
    .withEnvVariable("REGISTRY", registry)
    .withEnvVariable("REGISTRY_USERNAME", auth.username)
    .withSecretVariable("REGISTRY_PASSWORD", auth.password);
}

/** Signs, then attests the SBOM and the provenance; a fresh value, so the engine never replays a signing. */
export async function signImage(
  image: string,
  sbom: File | undefined,
  signer: Signer,
  registry: string,
  auth: RegistryAuth | undefined,
  provenance?: File,
): Promise<void> {
  let ctr = cosign(registry, auth, "sign.sh");
  if (signer.kind === "keyless") {
    ctr = ctr
      .withEnvVariable("ACTIONS_ID_TOKEN_REQUEST_URL", signer.requestUrl)
      .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", signer.requestToken);
  } else {
    ctr = ctr
      .withMountedSecret("/run/secrets/cosign.key", signer.key)
      .withEnvVariable("COSIGN_KEY_FILE", "/run/secrets/cosign.key");
    ctr = signer.password
      ? ctr.withSecretVariable("COSIGN_PASSWORD", signer.password)
      : ctr.withEnvVariable("COSIGN_PASSWORD", "");
  }
  // sign.sh attests what is there
  if (sbom) ctr = ctr.withFile("/work/sbom.cdx.json", sbom);
  if (provenance) ctr = ctr.withFile("/work/provenance.json", provenance);
  try {
    await ctr
      .withEnvVariable("IMAGE", image)
      .withEnvVariable("PIPELINE_SIGN_RUN", randomUUID())
      .withExec(["sh", `${SCRIPTS}/sign.sh`])
      .sync();
  } catch (err) {
    throw new Error(`cosign could not sign ${image}: ${errorText(err)}`, { cause: err });
  }
}

/** What deploy verifies, in order; each failure exits with its own code. */
export const VERIFIED = [
  { code: 10, what: "signature" },
  { code: 11, what: "SBOM attestation" },
  { code: 12, what: "provenance attestation" },
] as const;

/** Which of {@link VERIFIED} failed, from the verify exec's error; undefined for any other failure. */
export function failedCheck(err: unknown): (typeof VERIFIED)[number]["what"] | undefined {
  if (!isExecError(err)) return undefined;
  return VERIFIED.find((v) => v.code === err.exitCode)?.what;
}

/** Signature, SBOM and provenance, each by the same identity; throws the exec's error ({@link failedCheck} says which). */
export async function verifyImage(
  image: string,
  verifier: Verifier,
  registry: string,
  auth: RegistryAuth | undefined,
): Promise<{ signature: string; provenance: string }> {
  let ctr = cosign(registry, auth, "verify.sh");
  if (verifier.kind === "keyless") {
    // each is checked against a certificate field by verify.sh's flags (docs/engine-notes.md: cosign)
    ctr = ctr
      .withEnvVariable("IDENTITY", verifier.identity)
      .withEnvVariable("ISSUER", verifier.issuer)
      .withEnvVariable("SOURCE_REPOSITORY", verifier.repository);
    if (verifier.ref !== undefined) ctr = ctr.withEnvVariable("SOURCE_REF", verifier.ref);
    if (verifier.trigger !== undefined) ctr = ctr.withEnvVariable("SOURCE_TRIGGER", verifier.trigger);
  } else {
    ctr = ctr.withFile("/work/cosign.pub", verifier.publicKey);
  }
  const envelopes = await ctr
    .withEnvVariable("IMAGE", image)
    .withEnvVariable("PIPELINE_VERIFY_RUN", randomUUID())
    .withExec(["sh", `${SCRIPTS}/verify.sh`])
    .file("/work/out/provenance.jsonl")
    .contents();
  return { signature: signedBy(verifier), provenance: envelopes };
}

function signedBy(verifier: Verifier): string {
  if (verifier.kind === "key") return "signed with the given public key";
  const run = [
    `repository ${verifier.repository}`,
    ...(verifier.ref !== undefined ? [`ref ${verifier.ref}`] : []),
    ...(verifier.trigger !== undefined ? [`event ${verifier.trigger}`] : []),
  ];
  return `signed by ${verifier.identity} (issuer ${verifier.issuer}; ${run.join(", ")})`;
}
