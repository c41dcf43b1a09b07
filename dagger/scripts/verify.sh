#!/bin/sh
# Verifies IMAGE's signature (else exit 10), its CycloneDX SBOM attestation (11) and its SLSA provenance attestation
# (12), all by one identity: the key at /work/cosign.pub, else the certificate's IDENTITY (a regexp), ISSUER and
# SOURCE_REPOSITORY, and SOURCE_REF and SOURCE_TRIGGER when set. The provenance envelopes go to /work/out.
set -eu
. "$(dirname "$0")/lib.sh"
registry_login
if [ -f /work/cosign.pub ]; then
  set -- --key /work/cosign.pub
else
  set -- --certificate-identity-regexp "$IDENTITY" --certificate-oidc-issuer "$ISSUER" \
    --certificate-github-workflow-repository "$SOURCE_REPOSITORY"
  if [ -n "${SOURCE_REF:-}" ]; then set -- "$@" --certificate-github-workflow-ref "$SOURCE_REF"; fi
  if [ -n "${SOURCE_TRIGGER:-}" ]; then set -- "$@" --certificate-github-workflow-trigger "$SOURCE_TRIGGER"; fi
fi
mkdir -p /work/out
cosign verify "$@" "$IMAGE" >/dev/null || exit 10
cosign verify-attestation --type cyclonedx "$@" "$IMAGE" >/dev/null || exit 11
cosign verify-attestation --type slsaprovenance1 "$@" "$IMAGE" >/work/out/provenance.jsonl || exit 12
