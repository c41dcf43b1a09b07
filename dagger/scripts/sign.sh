#!/bin/sh
# Signs IMAGE (by digest) with cosign, keyless or with the key at COSIGN_KEY_FILE, then attests the SBOM and the SLSA
# provenance at /work/sbom.cdx.json and /work/provenance.json, each when given, with the same identity.
set -eu
. "$(dirname "$0")/lib.sh"
registry_login
if [ -n "${COSIGN_KEY_FILE:-}" ]; then set -- --key "$COSIGN_KEY_FILE"; else set --; fi
cosign sign --yes "$@" "$IMAGE"
if [ -f /work/sbom.cdx.json ]; then
  cosign attest --yes "$@" --type cyclonedx --predicate /work/sbom.cdx.json "$IMAGE"
fi
if [ -f /work/provenance.json ]; then
  cosign attest --yes "$@" --type slsaprovenance1 --predicate /work/provenance.json "$IMAGE"
fi
