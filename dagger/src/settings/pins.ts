/**
 * Every tool the pipeline runs, pinned to an exact version and digest. The pins live where Dependabot reads
 * them (dagger/pins.Dockerfile, dagger/tool-requirements.txt); `npm run pins` copies them here, and
 * test/settings/pins.test.ts fails while the two disagree. The Dockerfile's FROM lines use the same pins.
 */

/** uv, pinned by version and digest (the same pin as the Dockerfile's builder). */
export const UV_IMAGE =
  "ghcr.io/astral-sh/uv:0.10.3@sha256:7a88d4c4e6f44200575000638453a5a381db0ae31ad5c3a51b14f8687c9d93a3";

/**
 * The Debian base the uv-managed Pythons run on, and the Dockerfile's builder and runtime: Python 3.14.7, its
 * index digest as docker-library/repo-info records it (repos/python/remote/3.14-slim.md at
 * 422f3cfe488dc9ae394c5058b27db617f72c91db).
 */
export const BASE_IMAGE =
  "python:3.14-slim@sha256:656d12e70054d5fda18a045e2494c96701e9792dd1445f95b3d038df954f57e9";

/**
 * Trivy 0.69.3, pinned by digest. 0.69.4 was a malicious release (CVE-2026-33634, GHSA-69fq-xp46-6x23):
 * never move to it.
 */
export const TRIVY_IMAGE =
  "aquasec/trivy:0.69.3@sha256:bcc376de8d77cfe086a917230e818dc9f8528e3c852f7b1aff648949b6258d1c";

/** ruff, installed with `uv tool install`; the same version the repository's own checks use (ruff-wasm-nodejs). */
export const RUFF_VERSION = "0.17.4";

/**
 * mypy, installed into the type check's own environment (stages/typecheck.ts). 2.3.1 is the newest release tag
 * of github.com/python/mypy as fetched (tag v2.3.1, commit d642c4478e9e3acbe9233edbe17ffc569a1a778c,
 * 2026-08-14; mypy/version.py `__version__ = "2.3.1"`). `-O json` exists since 1.11 (#11396, commit 35fbd2a8).
 */
export const MYPY_VERSION = "2.3.1";

/**
 * pytest-cov, installed into a test environment whose project locks none (its lock is not touched): the version
 * litestar-org/litestar's uv.lock resolves at 8bd57248 (test/fixtures/projects/SOURCES.md).
 */
export const PYTEST_COV_VERSION = "7.1.0";

/**
 * cosign, pinned by digest. The same `v2.4.1@sha256:b03690aa…` pin stands in several unrelated public
 * repositories' Dockerfiles and scripts; confirm with `crane digest ghcr.io/sigstore/cosign/cosign:v2.4.1`
 * before bumping. The image is ko-built (no shell), so its binary (/ko-app/cosign) is copied into the pinned
 * Debian base, which has the shell and base64 the registry login in stages/sign.ts needs.
 */
export const COSIGN_IMAGE =
  "ghcr.io/sigstore/cosign/cosign:v2.4.1@sha256:b03690aa52bfe94054187142fba24dc54137650682810633901767d8a3e15b31";

/**
 * The registry of `ci --rehearse`: distribution 3.1.2 (registry:2 is no longer maintained), its index digest as
 * docker-library/repo-info records it (repos/registry/remote/3.md at c42e9ed57ff61167658ffa7a9782fdd5bf78eba5;
 * storage /var/lib/registry, port 5000 as before).
 */
export const REGISTRY_IMAGE =
  "registry:3@sha256:852b3e4d378c426dda6b318fe9d9bfe8e92a0eccb9926671ec3d3ea17a196696";
