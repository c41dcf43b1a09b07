/**
 * The service image's Dockerfile, parsed (dockerfile-ast) and held to its rules: no Docker daemon or registry
 * is reachable here, so it cannot be built. Every rule is also run on broken Dockerfiles (small ones, and the
 * real one with one thing changed) to prove it can fail.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE_IMAGE, UV_IMAGE as PINNED_UV_IMAGE } from "../../dagger/src/settings/pins.js";
import { checkDockerfile, OCI_LABELS, type RuleId, stagesOf } from "../helpers/dockerfile-rules";
import { REPO_ROOT } from "../helpers/python";

const DOCKERFILE = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
const DOCKERIGNORE = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8");

// The module's own pins (taken from the dagger/dagger repository): the image and the pipeline's tool
// containers use the same uv and the same Python base, so what the tests ran on is what ships.
const UV_IMAGE = PINNED_UV_IMAGE;
const PYTHON_IMAGE = BASE_IMAGE;

/** The real Dockerfile with `from` replaced by `to`; fails loudly if `from` is not in it (a stale test). */
function mutate(from: string | RegExp, to: string): string {
  const changed = DOCKERFILE.replace(from, to);
  if (changed === DOCKERFILE) throw new Error(`mutation did not apply: ${String(from)}`);
  return changed;
}

const rulesOf = (text: string): RuleId[] => [...new Set(checkDockerfile(text).map((v) => v.rule))].sort();

const GOOD_RUNTIME = `
ARG SOURCE=""
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.source=$SOURCE org.opencontainers.image.revision=$REVISION \\
      org.opencontainers.image.created=$CREATED org.opencontainers.image.title=t \\
      org.opencontainers.image.licenses=MIT org.opencontainers.image.description=d
RUN --mount=type=bind,from=builder,source=/dist,target=/dist pip install --no-cache-dir /dist/*.whl
USER 10001
`;
const GOOD_BUILDER = `FROM ${PYTHON_IMAGE} AS builder
COPY --from=${UV_IMAGE} /uv /bin/uv
RUN --mount=type=cache,target=/root/.cache/uv uv build --wheel --out-dir /dist
`;

describe("Dockerfile (parsed, not built: no Docker daemon here)", () => {
  const stages = stagesOf(DOCKERFILE);
  const final = stages[stages.length - 1];

  it("passes every rule", () => {
    expect(checkDockerfile(DOCKERFILE)).toEqual([]);
  });

  it("uses exactly the module's uv and python pins (settings/pins.ts), python with its comment", () => {
    const images = stages.map((stage) => stage.from.getImage());
    expect(images).toContain(UV_IMAGE);
    expect(images).toContain(PYTHON_IMAGE);
    expect(images.every((image) => image === UV_IMAGE || image === PYTHON_IMAGE)).toBe(true);
    expect(DOCKERFILE).toMatch(/# python 3\.14 slim, pinned by digest\nFROM python:3\.14-slim@sha256:/);
  });

  it("has a builder that copies uv in and builds the wheel of sample-app/ with a cached uv", () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(DOCKERFILE).toMatch(/^COPY sample-app\/ /m);
    expect(DOCKERFILE).toMatch(/--mount=type=cache,target=\/root\/\.cache\/uv\s*\\?\s*uv build --wheel/);
  });

  it("runs as a fixed non-root UID, with no ENTRYPOINT and python as the base", () => {
    const user = final?.instructions.filter((i) => i.getKeyword() === "USER").pop();
    expect(user?.getArgumentsContent()).toBe("10001:10001");
    expect(final?.instructions.some((i) => i.getKeyword() === "ENTRYPOINT")).toBe(false);
    expect(final?.from.getImage()).toBe(PYTHON_IMAGE);
  });

  it("labels the image with the OCI annotations, source/revision/created from build args", () => {
    for (const label of Object.keys(OCI_LABELS)) expect(DOCKERFILE).toContain(`${label}=`);
    expect(DOCKERFILE).toMatch(/^ARG SOURCE=""$/m);
    expect(DOCKERFILE).toMatch(/^ARG REVISION="unknown"$/m);
    expect(DOCKERFILE).toMatch(/^ARG CREATED="unknown"$/m);
  });

  it("keeps the build context small and free of secrets and local artefacts (.dockerignore)", () => {
    const patterns = DOCKERIGNORE.split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "" && !line.startsWith("#"));
    for (const required of [".git", "**/node_modules", "dagger/", "test/", "**/.venv", "**/__pycache__"]) {
      expect(patterns, required).toContain(required);
    }
    for (const required of [
      "**/.pytest_cache",
      "**/.ruff_cache",
      "**/.coverage",
      "**/coverage.xml",
      "reports/",
    ]) {
      expect(patterns, required).toContain(required);
    }
    // Nothing the image build needs is excluded.
    expect(patterns.filter((p) => /^!|^sample-app\/?$|^\*$|^\*\*$|\.toml$|LICENSE|README/.test(p))).toEqual(
      [],
    );
  });
});

describe("each Dockerfile rule can fail", () => {
  it.each<[string, string, RuleId | RuleId[]]>([
    ["a single stage", `FROM ${PYTHON_IMAGE}\n${GOOD_RUNTIME}`, ["builder-uses-uv", "multi-stage"]],
    [
      "FROM python:latest",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM python:latest AS runtime"),
      "pinned-base",
    ],
    [
      "FROM python with no tag",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM python AS runtime"),
      "pinned-base",
    ],
    [
      "FROM python:3.14-slim without digest",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM python:3.14-slim AS runtime"),
      "pinned-base",
    ],
    [
      "FROM python:3 (major only)",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS builder/, "FROM python:3 AS builder"),
      "pinned-base",
    ],
    ["a malformed digest", mutate("@sha256:7a88d4c4", "@sha256:XYZ"), "pinned-base"],
    [
      "FROM a variable image",
      `ARG BASE=python:3.14.0-slim\n${GOOD_BUILDER}FROM $BASE\n${GOOD_RUNTIME}`,
      ["pinned-base", "runnable"],
    ],
    ["no USER in the final stage", mutate("USER 10001:10001\n", ""), "non-root-user"],
    ["USER root", mutate("USER 10001:10001", "USER root"), "non-root-user"],
    ["USER 0:0", mutate("USER 10001:10001", "USER 0:0"), "non-root-user"],
    [
      "USER set only in the builder",
      `${GOOD_BUILDER}USER 10001\nFROM ${PYTHON_IMAGE}\n${GOOD_RUNTIME.replace("USER 10001", "")}`,
      "non-root-user",
    ],
    [
      "uv copied into the runtime from the uv stage",
      mutate("WORKDIR /app", "COPY --from=uv /uv /usr/local/bin/uv\nWORKDIR /app"),
      "no-uv-in-runtime",
    ],
    [
      "uv copied into the runtime from the uv image",
      mutate("WORKDIR /app", `COPY --from=${UV_IMAGE} /uv /bin/\nWORKDIR /app`),
      "no-uv-in-runtime",
    ],
    [
      "uv pip-installed in the runtime",
      mutate("WORKDIR /app", "RUN pip install uv==0.10.3\nWORKDIR /app"),
      "no-uv-in-runtime",
    ],
    [
      "uv run in the runtime",
      mutate("WORKDIR /app", "RUN uv pip install --system /tmp/x.whl\nWORKDIR /app"),
      "no-uv-in-runtime",
    ],
    [
      "runtime based on the builder",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM builder AS runtime"),
      "no-uv-in-runtime",
    ],
    [
      "a compiler in the runtime",
      mutate("WORKDIR /app", "RUN apt-get update && apt-get install -y gcc\nWORKDIR /app"),
      "no-build-tools-in-runtime",
    ],
    [
      "no source label",
      mutate(/ {6}org\.opencontainers\.image\.source="\$\{SOURCE\}" \\\n/, ""),
      "oci-labels",
    ],
    ["no licenses label", mutate(/ {6}org\.opencontainers\.image\.licenses="MIT" \\\n/, ""), "oci-labels"],
    ["a hard-coded revision label", mutate(/revision="\$\{REVISION\}"/, 'revision="abc123"'), "oci-labels"],
    [
      "labels only in the builder",
      `${GOOD_BUILDER}${GOOD_RUNTIME.split("\n").slice(1, 7).join("\n")}\nFROM ${PYTHON_IMAGE}\n${GOOD_RUNTIME.split("\n").slice(7).join("\n")}`,
      "oci-labels",
    ],
    ["ARG CREATED not declared in the final stage", mutate('ARG CREATED="unknown"\n', ""), "build-args"],
    [
      "ARG REVISION with a real-looking default",
      mutate('ARG REVISION="unknown"', 'ARG REVISION="0123abc"'),
      "build-args",
    ],
    ["an ENTRYPOINT", mutate('CMD ["sample-app", "--help"]', 'ENTRYPOINT ["sample-app"]'), "runnable"],
    ["the wheel not installed", mutate("pip install --no-cache-dir /tmp/dist/*.whl", "true"), "runnable"],
    [
      "a non-python runtime base",
      `${GOOD_BUILDER}FROM debian:12-slim@sha256:${"0".repeat(64)}\n${GOOD_RUNTIME}`,
      "runnable",
    ],
    [
      "no uv build in the builder",
      mutate("uv build --wheel --out-dir /dist", "pip wheel --wheel-dir /dist ."),
      "builder-uses-uv",
    ],
    [
      "uv build without its cache mount",
      mutate("--mount=type=cache,target=/root/.cache/uv", ""),
      "builder-uses-uv",
    ],
    ["uv build of an sdist too", mutate("uv build --wheel", "uv build"), "builder-uses-uv"],
    [
      "the wheel copied into a layer",
      mutate("WORKDIR /app", "COPY --from=builder /dist/ /tmp/dist/\nWORKDIR /app"),
      "no-wheel-left",
    ],
    ["pip keeping its cache", mutate("pip install --no-cache-dir", "pip install"), "no-wheel-left"],
    [
      "PYTHONDONTWRITEBYTECODE set",
      mutate("PYTHONUNBUFFERED=1", "PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1"),
      "bytecode",
    ],
    [
      "pip --no-compile without compileall",
      mutate(
        /pip install --no-cache-dir \/tmp\/dist\/\*\.whl[^\n]*\n[^\n]*compileall[^\n]*/,
        "pip install --no-cache-dir --no-compile /tmp/dist/*.whl",
      ),
      "bytecode",
    ],
  ])("%s is flagged (and nothing else is)", (_name, text, rules) => {
    expect(rulesOf(text)).toEqual(typeof rules === "string" ? [rules] : rules);
  });

  it("an otherwise broken file fails on more than one rule at once", () => {
    expect(rulesOf('FROM python:latest\nENTRYPOINT ["x"]\n')).toEqual(
      expect.arrayContaining(["multi-stage", "pinned-base", "non-root-user", "oci-labels", "runnable"]),
    );
    expect(rulesOf("")).toEqual(["parse"]);
  });

  it.each<[string, string]>([
    ["the small known-good Dockerfile", `${GOOD_BUILDER}FROM ${PYTHON_IMAGE}\n${GOOD_RUNTIME}`],
    ["a full x.y.z tag without digest", `${GOOD_BUILDER}FROM python:3.14.0-slim\n${GOOD_RUNTIME}`],
    [
      "a runtime based on a clean earlier stage",
      `${GOOD_BUILDER}FROM ${PYTHON_IMAGE} AS base\nFROM base\n${GOOD_RUNTIME}`,
    ],
    ["a wheel bind-mounted from the builder (which has uv)", DOCKERFILE],
  ])("%s passes", (_name, text) => {
    expect(checkDockerfile(text)).toEqual([]);
  });
});
