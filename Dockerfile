# The sample-app service image. Build context: the repository root (the pipeline calls
# Directory.dockerBuild on it; by hand: docker build -t sample-app .).
#
#   docker build --label org.opencontainers.image.source=https://github.com/OWNER/REPO \
#     --label org.opencontainers.image.revision="$(git rev-parse HEAD)" \
#     --label org.opencontainers.image.created="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t sample-app .
#   docker run --rm sample-app python -m sample_app 2 3    # prints 5
#
# The image ships exactly what sample-app/uv.lock pins, the versions the tests ran: the builder syncs the
# locked runtime dependencies and the app itself (built as a wheel, not editable) into a virtual environment,
# and the runtime gets that environment and nothing else of the build. Without a uv.lock the build still works,
# but resolves the dependencies at build time and prints a warning saying so.
# The shape follows uv's Docker guide at 0.10.3 (docs/guides/integration/docker.md in astral-sh/uv).

# The per-build OCI labels (source, revision, created) are set on the built image by the pipeline
# (Container.withLabel), or by `docker build --label` as above: this file holds only the fixed ones.

# uv 0.10.3, pinned by digest (the pin dagger/dagger uses). Only the builder copies from it.
FROM ghcr.io/astral-sh/uv:0.10.3@sha256:7a88d4c4e6f44200575000638453a5a381db0ae31ad5c3a51b14f8687c9d93a3 AS uv

# ---- builder: the locked environment, made by uv ----
# python 3.14 slim, pinned by digest
FROM python:3.14-slim@sha256:656d12e70054d5fda18a045e2494c96701e9792dd1445f95b3d038df954f57e9 AS builder
COPY --from=uv /uv /usr/local/bin/uv
# UV_PYTHON_DOWNLOADS=never: the environment is made on this image's Python, which the runtime (the same
#   image) has at the same path; a Python uv downloaded would stay behind in the builder.
# UV_PROJECT_ENVIRONMENT: the environment's fixed path, the same in both stages (its scripts' #! lines and
#   pyvenv.cfg hold absolute paths), apart from the source in /src.
# UV_COMPILE_BYTECODE: the .pyc files are written here, so the runtime's non-root user never needs to.
# UV_LINK_MODE=copy: uv's cache is a separate mount, so installs copy from it (no hard-link warning).
ENV UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy
WORKDIR /src

# The dependencies first, in a layer of their own that only pyproject.toml and uv.lock change.
# `uv.loc[k]` matches uv.lock when the app has one, and nothing (no error) when it has none.
COPY sample-app/pyproject.toml sample-app/uv.loc[k] ./
RUN --mount=type=cache,target=/root/.cache/uv \
    if [ -f uv.lock ]; then \
        uv sync --locked --no-dev --no-editable --no-install-project; \
    else \
        echo "WARNING: sample-app has no uv.lock, so its dependencies were resolved at build time and are not the versions the tests ran. Run 'uv lock' and commit uv.lock." >&2; \
        uv sync --no-dev --no-editable --no-install-project; \
    fi

# Then the app, installed as a wheel (--no-editable), so the environment needs nothing from /src. A uv.lock
# is here in both cases now (the app's, or the one the resolution above wrote), and --locked holds this
# step to it: the app is installed against exactly the versions of the layer above.
COPY sample-app/ ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-editable

# ---- runtime: the environment alone, on the same pinned Python, non-root; no uv, pip run or build tools ----
# python 3.14 slim, pinned by digest
FROM python:3.14-slim@sha256:656d12e70054d5fda18a045e2494c96701e9792dd1445f95b3d038df954f57e9 AS runtime

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app

# Owned by root, so the service cannot rewrite its own code (uv's guide chowns it to the app user; we do not).
# Its bin/python links to this image's Python; the venv's bin/ first on PATH makes `python` and `sample-app`
# the environment's.
COPY --from=builder /app/.venv /app/.venv
ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONUNBUFFERED=1

WORKDIR /app
USER 10001:10001

LABEL org.opencontainers.image.title="sample-app" \
      org.opencontainers.image.description="Adds two numbers exactly: the worked example of the Python service pipeline." \
      org.opencontainers.image.licenses="MIT"

# No ENTRYPOINT: `docker run IMAGE python -m sample_app 2 3` runs exactly that command.
CMD ["sample-app", "--help"]
