#!/bin/sh
# Trivy's vulnerability scan of /work/image.tar into the working folder, then, in the same exec, the DB version it
# used and the SARIF and table conversions of its JSON (with the severities in PIPELINE_SEVERITIES): one exec on the
# image's path instead of three. Any failure fails the exec, which is then never cached.
set -eu
trivy image --input /work/image.tar --scanners vuln --format json --output trivy.json --exit-code 0
trivy version --format json >trivy-version.json
trivy convert --format sarif --severity "$PIPELINE_SEVERITIES" --output trivy.sarif trivy.json
# without --scanners vuln, the table says "No enabled scanners found"
trivy convert --format table --scanners vuln --severity "$PIPELINE_SEVERITIES" --output trivy.txt trivy.json
