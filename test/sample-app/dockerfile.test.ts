/**
 * The service image's Dockerfile, parsed (dockerfile-ast) and held to its rules: no Docker daemon or registry
 * is reachable here, so it cannot be built. Every rule is also run on broken Dockerfiles (small ones, and the
 * real one with one thing changed) to prove it can fail.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BASE_IMAGE, UV_IMAGE as PINNED_UV_IMAGE } from "../../dagger/src/settings/pins.js";
import {
  checkDockerfile,
  dockerignoreExcludes,
  finalImage,
  OCI_LABELS,
  PIPELINE_LABELS,
  type RuleId,
  stagesOf,
} from "../helpers/dockerfile-rules";
import { REPO_ROOT } from "../helpers/python";

const DOCKERFILE = readFileSync(join(REPO_ROOT, "Dockerfile"), "utf8");
const DOCKERIGNORE = readFileSync(join(REPO_ROOT, ".dockerignore"), "utf8");

// The module's own pins (taken from the dagger/dagger repository): the image and the pipeline's tool
// containers use the same uv and the same Python base, so what the tests ran on is what ships.
const UV_IMAGE = PINNED_UV_IMAGE;
const PYTHON_IMAGE = BASE_IMAGE;

/** The real Dockerfile with `from` replaced by `to`; fails loudly if `from` is not in it (a stale test). */
function mutate(from: string | RegExp, to: string, text = DOCKERFILE): string {
  const changed = text.replace(from, to);
  if (changed === text) throw new Error(`mutation did not apply: ${String(from)}`);
  return changed;
}

const rulesOf = (text: string): RuleId[] => [...new Set(checkDockerfile(text).map((v) => v.rule))].sort();

// A small known-good Dockerfile, laid out differently from the real one (uv's guide's project-directory
// environment, other stage names), so the rules are seen to hold what the image is, not how it is spelled.
const GOOD_BUILDER = `FROM ${PYTHON_IMAGE} AS builder
COPY --from=${UV_IMAGE} /uv /bin/uv
ENV UV_PYTHON_DOWNLOADS=never UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy
WORKDIR /app
COPY sample-app/ ./
RUN --mount=type=cache,target=/root/.cache/uv if [ -f uv.lock ]; then uv sync --locked --no-dev --no-editable; \\
    else echo "no uv.lock: resolved now" >&2; uv sync --no-dev --no-editable; fi
`;
const GOOD_RUNTIME = `COPY --from=builder /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH
LABEL org.opencontainers.image.title=t org.opencontainers.image.licenses=MIT org.opencontainers.image.description=d
USER 10001
`;
const small = (
  runtimeFrom = `FROM ${PYTHON_IMAGE} AS runtime`,
  runtime = GOOD_RUNTIME,
  builder = GOOD_BUILDER,
) => `${builder}${runtimeFrom}\n${runtime}`;

/** The real Dockerfile with a revision label of its own, from an ARG that defaults to empty. */
const LABELS_ALWAYS_SET = `${DOCKERFILE}ARG REVISION=""\nLABEL org.opencontainers.image.revision="\${REVISION}"\n`;

describe("Dockerfile (parsed, not built: no Docker daemon here)", () => {
  const stages = stagesOf(DOCKERFILE);
  const names = new Set(stages.map((stage) => stage.name));

  it("passes every rule", () => {
    expect(checkDockerfile(DOCKERFILE)).toEqual([]);
  });

  it("uses exactly the module's uv and python pins (settings/pins.ts), python with its comment", () => {
    // Every FROM that is not a stage of this file (the label stages pick one by a build arg) is a pin.
    const images = stages
      .map((stage) => stage.from.getImage() ?? "")
      .filter((image) => !names.has(image.replace(/\$\{[^}]*\}/g, "")));
    expect(images).toContain(UV_IMAGE);
    expect(images).toContain(PYTHON_IMAGE);
    expect(images.every((image) => image === UV_IMAGE || image === PYTHON_IMAGE)).toBe(true);
    expect(DOCKERFILE).toMatch(/# python 3\.14 slim, pinned by digest\nFROM python:3\.14-slim@sha256:/);
  });

  it("syncs the lock into /app/.venv in the builder: dependencies first, then the app as a wheel", () => {
    expect(DOCKERFILE).toMatch(/^COPY sample-app\/pyproject\.toml sample-app\/uv\.loc\[k\] \.\/$/m);
    expect(DOCKERFILE).toMatch(/^COPY sample-app\/ \.\/$/m);
    expect(DOCKERFILE).toMatch(/UV_PROJECT_ENVIRONMENT=\/app\/\.venv\b/);
    expect(DOCKERFILE).toMatch(
      /if \[ -f uv\.lock \]; then \\\n\s+uv sync --locked --no-dev --no-editable --no-install-project; \\\n\s+else \\\n\s+echo "WARNING: [^"]*uv\.lock[^"]*resolved at build time[^"]*" >&2; \\\n\s+uv sync --no-dev --no-editable --no-install-project; \\\n\s+fi\n/,
    );
    expect(DOCKERFILE).toMatch(
      /--mount=type=cache,target=\/root\/\.cache\/uv \\\n\s+uv sync --locked --no-dev --no-editable\n/,
    );
    // The dependency layer comes before the app's source, so a source change does not re-install them.
    expect(DOCKERFILE.indexOf("--no-install-project;")).toBeLessThan(
      DOCKERFILE.indexOf("COPY sample-app/ ./"),
    );
  });

  it("runs the environment as a fixed non-root UID, with no ENTRYPOINT, on the pinned python", () => {
    const image = finalImage(DOCKERFILE);
    expect(image.user).toBe("10001:10001");
    expect(image.rootImage).toBe(PYTHON_IMAGE);
    expect(image.env.PATH?.split(":")[0]).toBe("/app/.venv/bin");
    expect(image.stages).toEqual(["runtime"]);
    expect(DOCKERFILE).toMatch(/^COPY --from=builder \/app\/\.venv \/app\/\.venv$/m);
    expect(DOCKERFILE).not.toMatch(/^ENTRYPOINT/m);
    expect(DOCKERFILE).toMatch(/^CMD \["sample-app", "--help"\]$/m);
  });

  it("has three stages (uv, builder, runtime) and only the fixed labels: the pipeline adds source, revision, created", () => {
    expect(stages.map((stage) => stage.name)).toEqual(["uv", "builder", "runtime"]);
    const labels = finalImage(DOCKERFILE).labels;
    expect(Object.keys(labels).sort()).toEqual([...OCI_LABELS].sort());
    // by hand, docker build --label gives the same three
    for (const label of PIPELINE_LABELS)
      expect(DOCKERFILE).toMatch(new RegExp(`^#.*--label ${label.replaceAll(".", "\\.")}=`, "m"));
  });

  it("keeps the build context small and free of secrets and local artefacts (.dockerignore), uv.lock in", () => {
    for (const path of [
      ".git/HEAD",
      "node_modules/x/index.js",
      "dagger/src/index.ts",
      "test/sample-app/dockerfile.test.ts",
      "reports/junit.xml",
      "sample-app/.venv/bin/python",
      "sample-app/.venv",
      "sample-app/src/sample_app/__pycache__/cli.cpython-314.pyc",
      "sample-app/.pytest_cache/v/cache/nodeids",
      "sample-app/.ruff_cache/0.17.4/x",
      "sample-app/.mypy_cache/x",
      "sample-app/.coverage",
      "sample-app/.coverage.host.123",
      "sample-app/coverage.xml",
      "sample-app/junit-3.14.xml",
      "sample-app/htmlcov/index.html",
      "sample-app/dist/sample_app-0.1.0-py3-none-any.whl",
      "sample-app/build/lib/sample_app/cli.py",
      "sample-app/src/sample_app.egg-info/PKG-INFO",
      "sample-app/.env",
      "sample-app/.env.local",
      "sample-app/.tox/py314/x",
      "sample-app/.nox/x",
      "sample-app/.hypothesis/x",
      "sample-app/.cache/uv/x",
    ]) {
      expect(dockerignoreExcludes(DOCKERIGNORE, path), path).toBe(true);
    }
    // Nothing the image build needs is excluded: above all uv.lock, which pins what the image installs.
    for (const path of [
      "Dockerfile",
      "sample-app/uv.lock",
      "sample-app/pyproject.toml",
      "sample-app/README.md",
      "sample-app/LICENSE",
      "sample-app/.python-version",
      "sample-app/src/sample_app/__init__.py",
      "sample-app/src/sample_app/cli.py",
      "sample-app/src/sample_app/py.typed",
    ]) {
      expect(dockerignoreExcludes(DOCKERIGNORE, path), path).toBe(false);
    }
  });

  it.each<[string, string, string, boolean]>([
    // BuildKit's .dockerignore semantics (moby/patternmatcher), as dockerignoreExcludes reads them
    ["**/*.lock", "sample-app/uv.lock", "a pattern that would drop uv.lock", true],
    ["*.lock", "sample-app/uv.lock", "* does not cross /", false],
    ["sample-app/*.lock\n!sample-app/uv.lock", "sample-app/uv.lock", "a later ! re-includes", false],
    ["dagger/", "dagger/src/index.ts", "a directory pattern covers its files", true],
    ["**/.venv", ".venv/bin/python", "**/ also matches at the root", true],
    ["/docs", "docs/x.md", "a leading / is the context root", true],
    ["**/*.py[cod]", "a/b/c.pyc", "character classes", true],
    ["**/*.py[cod]", "a/b/c.py", "character classes", false],
  ])(".dockerignore %j: %s (%s)", (patterns, path, _why, excluded) => {
    expect(dockerignoreExcludes(patterns, path)).toBe(excluded);
  });
});

describe("each Dockerfile rule can fail", () => {
  it.each<[string, string, RuleId | RuleId[]]>([
    // multi-stage
    [
      "a single stage",
      `FROM ${PYTHON_IMAGE} AS runtime\n${GOOD_RUNTIME.replace(/^COPY .*\n/, "")}`,
      ["locked-sync", "multi-stage"],
    ],
    // pinned-base: every image, FROM or --from, by version and digest (the runtime also stops matching the
    // builder's Python, which the environment links to: venv)
    [
      "FROM python:latest",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM python:latest AS runtime"),
      ["pinned-base", "venv"],
    ],
    [
      "FROM python with no tag",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM python AS runtime"),
      ["pinned-base", "venv"],
    ],
    [
      "FROM python:3.14-slim without digest",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM python:3.14-slim AS runtime"),
      ["pinned-base", "venv"],
    ],
    [
      "FROM python:3 (major only)",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS builder/, "FROM python:3 AS builder"),
      ["pinned-base", "venv"],
    ],
    ["a malformed digest", mutate("@sha256:7a88d4c4", "@sha256:XYZ"), "pinned-base"],
    [
      "FROM a variable image",
      mutate(
        /FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/,
        "FROM $BASE AS runtime",
        `ARG BASE=python:3.14-slim\n${DOCKERFILE}`,
      ),
      ["pinned-base", "runnable", "venv"],
    ],
    [
      "uv copied from an unpinned image",
      mutate("COPY --from=uv /uv", "COPY --from=ghcr.io/astral-sh/uv:latest /uv"),
      "pinned-base",
    ],
    // non-root-user: the last USER of the final image
    ["no USER in the final stage", mutate("USER 10001:10001\n", ""), "non-root-user"],
    ["USER root", mutate("USER 10001:10001", "USER root"), "non-root-user"],
    ["USER 0:0", mutate("USER 10001:10001", "USER 0:0"), "non-root-user"],
    ["USER by name (runAsNonRoot cannot verify it)", mutate("USER 10001:10001", "USER app"), "non-root-user"],
    [
      "USER set only in the builder",
      small(undefined, GOOD_RUNTIME.replace("USER 10001\n", ""), `${GOOD_BUILDER}USER 10001\n`),
      "non-root-user",
    ],
    ["USER root after the runtime's USER", `${DOCKERFILE}USER root\n`, "non-root-user"],
    // no-uv-in-runtime
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
      ["no-pip-in-runtime", "no-uv-in-runtime"],
    ],
    [
      "uv run in the runtime",
      mutate("WORKDIR /app", "RUN uv pip install --system /tmp/x.whl\nWORKDIR /app"),
      ["no-pip-in-runtime", "no-uv-in-runtime"],
    ],
    [
      "runtime based on the builder",
      mutate(/FROM python:3\.14-slim@sha256:[0-9a-f]+ AS runtime/, "FROM builder AS runtime"),
      "no-uv-in-runtime",
    ],
    // no-pip-in-runtime: the old shape (pip install of the wheel) resolves dependencies unlocked
    [
      "pip install in the runtime",
      mutate("WORKDIR /app", "RUN pip install --no-cache-dir requests==2.32.3\nWORKDIR /app"),
      "no-pip-in-runtime",
    ],
    [
      "python -m pip install of the wheel, bind-mounted (the old shape)",
      mutate(
        "WORKDIR /app",
        "RUN --mount=type=bind,from=builder,source=/dist,target=/tmp/dist \\\n    python -m pip install --no-cache-dir /tmp/dist/*.whl\nWORKDIR /app",
      ),
      "no-pip-in-runtime",
    ],
    [
      "the wheel copied into a layer",
      mutate("WORKDIR /app", "COPY --from=builder /dist/ /tmp/dist/\nWORKDIR /app"),
      "no-pip-in-runtime",
    ],
    // no-build-tools-in-runtime
    [
      "a compiler in the runtime",
      mutate("WORKDIR /app", "RUN apt-get update && apt-get install -y gcc\nWORKDIR /app"),
      "no-build-tools-in-runtime",
    ],
    // oci-labels: the fixed ones always there; source, revision and created are the pipeline's
    ["no licenses label", mutate(' \\\n      org.opencontainers.image.licenses="MIT"', ""), "oci-labels"],
    [
      "labels only in the builder",
      small(
        undefined,
        GOOD_RUNTIME.replace(/^LABEL .*\n/m, ""),
        `${GOOD_BUILDER}LABEL org.opencontainers.image.title=t org.opencontainers.image.licenses=MIT org.opencontainers.image.description=d\n`,
      ),
      "oci-labels",
    ],
    ["a revision label from an ARG that defaults to empty", LABELS_ALWAYS_SET, "oci-labels"],
    [
      "a hard-coded revision label",
      `${DOCKERFILE}LABEL org.opencontainers.image.revision="abc123"\n`,
      "oci-labels",
    ],
    // build-args: a variable the final image uses is declared
    [
      "a label from a variable nobody declared",
      `${DOCKERFILE}LABEL org.opencontainers.image.url=$SITE\n`,
      "build-args",
    ],
    // runnable
    ["an ENTRYPOINT", mutate('CMD ["sample-app", "--help"]', 'ENTRYPOINT ["sample-app"]'), "runnable"],
    [
      "a non-python runtime base",
      small(`FROM debian:12-slim@sha256:${"0".repeat(64)} AS runtime`),
      ["runnable", "venv"],
    ],
    // venv: the builder's environment, whole, at the same path, root-owned, first on PATH, same Python
    ["the environment not copied", mutate("COPY --from=builder /app/.venv /app/.venv\n", ""), "venv"],
    [
      "the environment copied to another path",
      mutate("COPY --from=builder /app/.venv /app/.venv", "COPY --from=builder /app/.venv /opt/venv"),
      "venv",
    ],
    ["the environment not on PATH", mutate('PATH="/app/.venv/bin:$PATH" \\\n    ', ""), "venv"],
    [
      "the environment last on PATH",
      mutate('PATH="/app/.venv/bin:$PATH"', 'PATH="$PATH:/app/.venv/bin"'),
      "venv",
    ],
    [
      "the environment owned by the app user",
      mutate("COPY --from=builder /app/.venv", "COPY --from=builder --chown=10001:10001 /app/.venv"),
      "venv",
    ],
    [
      "uv allowed to download a Python in the builder",
      mutate("UV_PYTHON_DOWNLOADS=never \\\n    ", ""),
      "venv",
    ],
    [
      "the builder on another Python",
      mutate(
        /FROM python:3\.14-slim@sha256:[0-9a-f]+ AS builder/,
        `FROM python:3.13-slim@sha256:${"1".repeat(64)} AS builder`,
      ),
      "venv",
    ],
    [
      "the builder's environment elsewhere",
      mutate("UV_PROJECT_ENVIRONMENT=/app/.venv", "UV_PROJECT_ENVIRONMENT=/opt/venv"),
      "venv",
    ],
    // locked-sync
    [
      "no fallback for an app without uv.lock",
      mutate(
        /if \[ -f uv\.lock \][\s\S]*?fi\n/,
        "uv sync --locked --no-dev --no-editable --no-install-project\n",
      ),
      "locked-sync",
    ],
    ["a silent fallback", mutate(/ {8}echo "WARNING[^\n]*\n/, ""), "locked-sync"],
    ["the fallback's warning on stdout", mutate(/(echo "WARNING[^"]*") >&2/, "$1"), "locked-sync"],
    [
      "a --locked fallback (fails without uv.lock)",
      mutate(
        "uv sync --no-dev --no-editable --no-install-project;",
        "uv sync --locked --no-dev --no-editable --no-install-project;",
      ),
      "locked-sync",
    ],
    [
      "--frozen instead of --locked",
      mutate(
        "uv sync --locked --no-dev --no-editable --no-install-project;",
        "uv sync --frozen --no-dev --no-editable --no-install-project;",
      ),
      "locked-sync",
    ],
    [
      "the app synced unlocked",
      mutate("uv sync --locked --no-dev --no-editable\n", "uv sync --no-dev --no-editable\n"),
      "locked-sync",
    ],
    [
      "the dev tools shipped",
      mutate("uv sync --locked --no-dev --no-editable\n", "uv sync --locked --no-editable\n"),
      "locked-sync",
    ],
    [
      "the app installed editable",
      mutate("uv sync --locked --no-dev --no-editable\n", "uv sync --locked --no-dev\n"),
      "locked-sync",
    ],
    [
      "the app left out of the environment",
      mutate(
        "uv sync --locked --no-dev --no-editable\n",
        "uv sync --locked --no-dev --no-editable --no-install-project\n",
      ),
      "locked-sync",
    ],
    [
      "the app built as a wheel beside the environment (uv build)",
      mutate("uv sync --locked --no-dev --no-editable\n", "uv build --wheel --out-dir /dist\n"),
      "locked-sync",
    ],
    // uv-cache
    [
      "a sync without uv's cache mount",
      mutate("RUN --mount=type=cache,target=/root/.cache/uv \\\n    if", "RUN if"),
      "uv-cache",
    ],
    [
      "a cache mount at the wrong place",
      mutate(
        "target=/root/.cache/uv \\\n    uv sync --locked",
        "target=/root/.cache/pip \\\n    uv sync --locked",
      ),
      "uv-cache",
    ],
    ["no UV_LINK_MODE=copy beside the cache mount", mutate(" \\\n    UV_LINK_MODE=copy", ""), "uv-cache"],
    // bytecode
    ["no bytecode compiled", mutate("UV_COMPILE_BYTECODE=1 \\\n    ", ""), "bytecode"],
    ["UV_COMPILE_BYTECODE=0", mutate("UV_COMPILE_BYTECODE=1", "UV_COMPILE_BYTECODE=0"), "bytecode"],
  ])("%s is flagged (and nothing else is)", (_name, text, rules) => {
    expect(rulesOf(text)).toEqual(typeof rules === "string" ? [rules] : rules);
  });

  it("an otherwise broken file fails on more than one rule at once", () => {
    expect(rulesOf('FROM python:latest\nENTRYPOINT ["x"]\n')).toEqual(
      expect.arrayContaining([
        "multi-stage",
        "pinned-base",
        "non-root-user",
        "oci-labels",
        "runnable",
        "locked-sync",
      ]),
    );
    expect(rulesOf("")).toEqual(["parse"]);
  });

  it("says which label the pipeline sets instead", () => {
    expect(checkDockerfile(LABELS_ALWAYS_SET).map((v) => v.message)).toEqual([
      "the Dockerfile sets org.opencontainers.image.revision: the pipeline sets it on the built image (withLabel), from what it knows",
    ]);
  });

  it.each<[string, string]>([
    ["the small known-good Dockerfile (the guide's project-directory environment)", small()],
    [
      "a full x.y.z tag without digest",
      small(
        "FROM python:3.14.0-slim AS runtime",
        GOOD_RUNTIME,
        GOOD_BUILDER.replace(PYTHON_IMAGE, "python:3.14.0-slim"),
      ),
    ],
    ["a runtime based on a clean earlier stage", small(`FROM ${PYTHON_IMAGE} AS base\nFROM base AS runtime`)],
    [
      "flags given by uv's environment variables and --compile-bytecode",
      small(
        undefined,
        GOOD_RUNTIME,
        GOOD_BUILDER.replace("UV_COMPILE_BYTECODE=1", "UV_NO_DEV=1 UV_NO_EDITABLE=1")
          .replaceAll(" --no-dev --no-editable", "")
          .replace("uv sync --locked;", "uv sync --locked --compile-bytecode;")
          .replace("uv sync;", "uv sync --compile-bytecode;"),
      ),
    ],
    ["the real Dockerfile (its builder has uv; only the environment is copied)", DOCKERFILE],
  ])("%s passes", (_name, text) => {
    expect(checkDockerfile(text)).toEqual([]);
  });
});
