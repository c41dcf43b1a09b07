# shellcheck shell=sh
# What the module's shell programs share; sourced, never run. Each program syncs and runs in ONE exec: a venv synced
# by an earlier, cached exec may point at an interpreter that the shared uv-python volume no longer holds.

# uv sync with the project's flags (PIPELINE_SYNC: words the module validated) and any given; --locked when the lock
# (PIPELINE_LOCK) is committed, so CI tests exactly the locked versions instead of re-resolving.
sync_project() {
  # the interpreter first (PIPELINE_PYTHON_INSTALL), in this exec: a cached one may name what the volume lost
  if [ -n "${PIPELINE_PYTHON_INSTALL:-}" ] && ! uv python install "$PIPELINE_PYTHON_INSTALL"; then
    echo "could not install Python $PIPELINE_PYTHON_INSTALL" >&2
    return 1
  fi
  set -f
  # shellcheck disable=SC2086 # the flags are separate words
  set -- ${PIPELINE_SYNC:-} "$@"
  set +f
  if [ -f "${PIPELINE_LOCK:-uv.lock}" ]; then set -- "$@" --locked; fi
  uv sync "$@"
}

# The project's own pytest-cov, else the pinned one (PYTEST_COV_VERSION), installed without touching the lock.
ensure_pytest_cov() {
  uv run --no-sync python -c "import pytest_cov" 2>/dev/null ||
    uv pip install --python "$UV_PROJECT_ENVIRONMENT/bin/python" "pytest-cov==$PYTEST_COV_VERSION"
}

# The registry login for cosign (REGISTRY, REGISTRY_USERNAME and the REGISTRY_PASSWORD secret), written to
# DOCKER_CONFIG, a tmpfs, so no layer keeps it; nothing without a username.
registry_login() {
  if [ -z "${REGISTRY_USERNAME:-}" ]; then return 0; fi
  auth=$(printf '%s:%s' "$REGISTRY_USERNAME" "$REGISTRY_PASSWORD" | base64 | tr -d '\n')
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$REGISTRY" "$auth" >"$DOCKER_CONFIG/config.json"
}

# The --env-file Secret when one is mounted (PIPELINE_ENV_FILE): its values reach the tests, never a definition or log.
load_env_file() {
  if [ -n "${PIPELINE_ENV_FILE:-}" ] && [ -f "$PIPELINE_ENV_FILE" ]; then
    set -a
    # shellcheck disable=SC1090 # the user's file
    . "$PIPELINE_ENV_FILE"
    set +a
  fi
}
