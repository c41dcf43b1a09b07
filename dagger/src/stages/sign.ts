import { randomUUID } from "node:crypto";
import { type Container, dag, type File, type Secret } from "@dagger.io/dagger";
import { errorText, InputError } from "../settings/errors.js";
import { BASE_IMAGE, COSIGN_IMAGE } from "../settings/pins.js";
import type { RegistryAuth } from "./publish.js";

/** The workflow whose OIDC identity signs: CD accepts images signed by this file of this repository only. */
export const CI_WORKFLOW = ".github/workflows/ci.yml";

/**
 * How CI signs: keyless on GitHub Actions (the runner's OIDC request URL and token, exchanged by cosign for a
 * short-lived Fulcio certificate naming the workflow), or with a key pair on a laptop.
 */
export type Signer =
  | { kind: "keyless"; requestUrl: string; requestToken: Secret }
  | { kind: "key"; key: Secret; password?: Secret };

/** How deploy verifies: the identity CI's certificate must carry, or the public key of a key pair. */
export type Verifier =
  | { kind: "keyless"; identity: string; issuer: string }
  | { kind: "key"; publicKey: File };

const literal = (value: string) => value.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * The certificate identity of an image CI signed, as a RE2 pattern for `--certificate-identity-regexp`, and
 * its issuer. The identity is the workflow file at the ref it ran on: `refs/heads/<branch>` for a push,
 * `refs/pull/<n>/merge` for a pull request; a run outside GitHub (no event) accepts either. GitHub Enterprise
 * Server (an API root other than api.github.com) has its own host and issuer (`https://HOST/_services/token`).
 */
export function signingIdentity(args: {
  repository: string;
  branch: string;
  event: string;
  apiUrl?: string;
}): { identity: string; issuer: string } {
  const api = args.apiUrl?.replace(/\/+$/, "") ?? "";
  const dotcom = api === "" || api === "https://api.github.com";
  const server = dotcom ? "https://github.com" : new URL(api).origin;
  const issuer = dotcom ? "https://token.actions.githubusercontent.com" : `${server}/_services/token`;
  const branch = `refs/heads/${literal(args.branch.replace(/^refs\/heads\//, ""))}`;
  const pull = "refs/pull/[0-9]+/merge";
  const ref = args.event === "push" ? branch : args.event === "pull_request" ? pull : `(${branch}|${pull})`;
  return {
    identity: `^${literal(`${server}/${args.repository}/${CI_WORKFLOW}`)}@${ref}$`,
    issuer,
  };
}

/** Plan-time check of what `ci --sign` was given: one way to sign, complete. */
export function planSigner(args: {
  sign: boolean;
  publish: boolean;
  oidcRequestUrl: string;
  oidcRequestToken?: Secret;
  cosignKey?: Secret;
  cosignPassword?: Secret;
}): Signer | undefined {
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

/**
 * cosign in a shell container, logged in to the registry through a docker config written from the secret
 * inside the container: the password never appears in an argument, a log line or a cache key.
 */
function cosign(registry: string, auth: RegistryAuth | undefined): { ctr: Container; login: string } {
  let ctr = dag
    .container()
    .from(BASE_IMAGE)
    .withFile("/usr/local/bin/cosign", dag.container().from(COSIGN_IMAGE).file("/ko-app/cosign"))
    .withEnvVariable("COSIGN_YES", "true");
  if (!auth) return { ctr, login: "" };
  ctr = ctr
    .withEnvVariable("REGISTRY", registry)
    .withEnvVariable("REGISTRY_USERNAME", auth.username)
    .withSecretVariable("REGISTRY_PASSWORD", auth.password);
  const login = [
    'mkdir -p "$HOME/.docker"',
    `printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$(printf '%s:%s' "$REGISTRY_USERNAME" "$REGISTRY_PASSWORD" | base64 | tr -d '\\n')" > "$HOME/.docker/config.json"`,
  ].join("\n");
  return { ctr, login };
}

/**
 * Signs `image` (a digest reference) and attaches the CycloneDX SBOM as a signed attestation. A side effect:
 * a value that changes every time keeps the engine from replaying an earlier signing exec.
 */
export async function signImage(
  image: string,
  sbom: File | undefined,
  signer: Signer,
  registry: string,
  auth: RegistryAuth | undefined,
): Promise<void> {
  let { ctr, login } = cosign(registry, auth);
  let key = "";
  if (signer.kind === "keyless") {
    ctr = ctr
      .withEnvVariable("ACTIONS_ID_TOKEN_REQUEST_URL", signer.requestUrl)
      .withSecretVariable("ACTIONS_ID_TOKEN_REQUEST_TOKEN", signer.requestToken);
  } else {
    ctr = ctr.withMountedSecret("/run/secrets/cosign.key", signer.key);
    ctr = signer.password
      ? ctr.withSecretVariable("COSIGN_PASSWORD", signer.password)
      : ctr.withEnvVariable("COSIGN_PASSWORD", "");
    key = " --key /run/secrets/cosign.key";
  }
  if (sbom) ctr = ctr.withFile("/work/sbom.cdx.json", sbom);
  const script = [
    "set -eu",
    login,
    `cosign sign --yes${key} "$IMAGE"`,
    sbom ? `cosign attest --yes${key} --type cyclonedx --predicate /work/sbom.cdx.json "$IMAGE"` : "",
  ]
    .filter(Boolean)
    .join("\n");
  try {
    await ctr
      .withEnvVariable("IMAGE", image)
      .withEnvVariable("PIPELINE_SIGN_RUN", randomUUID())
      .withExec(["sh", "-c", script])
      .sync();
  } catch (err) {
    throw new Error(`cosign could not sign ${image}: ${errorText(err)}`, { cause: err });
  }
}

/**
 * Verifies `image`'s signature before anything runs it: the certificate's identity and issuer (keyless) or
 * the public key. Always executed afresh. Returns what was verified, for the deploy summary; throws with
 * cosign's own words when the image is unsigned or signed by someone else.
 */
export async function verifyImage(
  image: string,
  verifier: Verifier,
  registry: string,
  auth: RegistryAuth | undefined,
): Promise<string> {
  let { ctr, login } = cosign(registry, auth);
  let flags: string;
  if (verifier.kind === "keyless") {
    ctr = ctr.withEnvVariable("IDENTITY", verifier.identity).withEnvVariable("ISSUER", verifier.issuer);
    flags = '--certificate-identity-regexp "$IDENTITY" --certificate-oidc-issuer "$ISSUER"';
  } else {
    ctr = ctr.withFile("/work/cosign.pub", verifier.publicKey);
    flags = "--key /work/cosign.pub";
  }
  const script = ["set -eu", login, `cosign verify ${flags} "$IMAGE" > /dev/null`].filter(Boolean).join("\n");
  await ctr
    .withEnvVariable("IMAGE", image)
    .withEnvVariable("PIPELINE_VERIFY_RUN", randomUUID())
    .withExec(["sh", "-c", script])
    .sync();
  return verifier.kind === "keyless"
    ? `signed by ${verifier.identity} (issuer ${verifier.issuer})`
    : "signed with the given public key";
}
