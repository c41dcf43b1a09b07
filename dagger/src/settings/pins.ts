/** Every tool the pipeline runs, pinned where Dependabot reads them (dagger/pins.Dockerfile, tool-requirements.txt): `npm run pins`. */

export const UV_IMAGE =
  "ghcr.io/astral-sh/uv:0.10.3@sha256:7a88d4c4e6f44200575000638453a5a381db0ae31ad5c3a51b14f8687c9d93a3";

/** The Debian base the managed Pythons run on, and the Dockerfile's builder and runtime (Python 3.14.7). */
export const BASE_IMAGE =
  "python:3.14-slim@sha256:656d12e70054d5fda18a045e2494c96701e9792dd1445f95b3d038df954f57e9";

/** Never 0.69.4 to 0.69.6, a malicious release (CVE-2026-33634): test/settings/pins.test.ts refuses them. */
export const TRIVY_IMAGE =
  "aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c";

/** The ruff the repository's own checks use (ruff-wasm-nodejs). */
export const RUFF_VERSION = "0.17.4";

/** Into the type check's own environment; `-O json` needs mypy 1.11 or later. */
export const MYPY_VERSION = "2.3.1";

/** For a test environment whose project locks none; its lock is not touched. */
export const PYTEST_COV_VERSION = "7.1.0";

/** ko-built, without a shell: its /ko-app/cosign is copied into BASE_IMAGE for lib.sh's registry login. */
export const COSIGN_IMAGE =
  "ghcr.io/sigstore/cosign/cosign:v2.4.1@sha256:b03690aa52bfe94054187142fba24dc54137650682810633901767d8a3e15b31";

/** `ci --rehearse`'s registry (distribution 3: registry:2 is unmaintained); storage /var/lib/registry, port 5000. */
export const REGISTRY_IMAGE =
  "registry:3@sha256:852b3e4d378c426dda6b318fe9d9bfe8e92a0eccb9926671ec3d3ea17a196696";
