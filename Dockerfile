# The sample-app service image. Build context: the repository root (the pipeline calls
# Directory.dockerBuild on it; by hand: docker build -t sample-app .).
#
#   docker build --build-arg SOURCE=https://github.com/OWNER/REPO \
#     --build-arg REVISION="$(git rev-parse HEAD)" \
#     --build-arg CREATED="$(date -u +%Y-%m-%dT%H:%M:%SZ)" -t sample-app .
#   docker run --rm sample-app python -m sample_app 2 3    # prints 5

# uv 0.10.3, pinned by digest (the pin dagger/dagger uses). Only the builder copies from it.
FROM ghcr.io/astral-sh/uv:0.10.3@sha256:7a88d4c4e6f44200575000638453a5a381db0ae31ad5c3a51b14f8687c9d93a3 AS uv

# ---- builder: build the wheel with uv ----
# python 3.14 slim, pinned by digest
FROM python:3.14-slim@sha256:486b8092bfb12997e10d4920897213a06563449c951c5506c2a2cfaf591c599f AS builder
COPY --from=uv /uv /usr/local/bin/uv
ENV UV_PYTHON_DOWNLOADS=never \
    UV_LINK_MODE=copy
WORKDIR /build
COPY sample-app/ ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv build --wheel --out-dir /dist

# ---- runtime: the wheel installed with pip, non-root, no uv or build tools ----
# python 3.14 slim, pinned by digest
FROM python:3.14-slim@sha256:486b8092bfb12997e10d4920897213a06563449c951c5506c2a2cfaf591c599f AS runtime

ENV PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app

# The wheel comes in through a bind mount, so it is never part of an image layer. pip compiles the
# installed modules to bytecode (its default), as root, so the non-root user never needs to write them.
RUN --mount=type=bind,from=builder,source=/dist,target=/tmp/dist \
    pip install --no-cache-dir /tmp/dist/*.whl \
    && python -m compileall -q "$(python -c 'import sample_app, os; print(os.path.dirname(sample_app.__file__))')"

WORKDIR /app
USER 10001:10001

# Labels last: CREATED changes on every publish, and an ARG declared earlier would be in every RUN's
# environment and rebuild the install layer each time.
ARG SOURCE=""
ARG REVISION="unknown"
ARG CREATED="unknown"
LABEL org.opencontainers.image.title="sample-app" \
      org.opencontainers.image.description="Adds two numbers exactly: the worked example of the Python service pipeline." \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"

# No ENTRYPOINT: `docker run IMAGE python -m sample_app 2 3` runs exactly that command.
CMD ["sample-app", "--help"]
