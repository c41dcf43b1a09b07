#!/bin/sh
# pytest with coverage on one Python (PIPELINE_PYTHON). Every file in PIPELINE_OUT carries its slug (PIPELINE_SLUG)
# so the matrix's reports sit side by side; no per-version fail_under: the gate decides on the combined figure.
#
# This script, not the engine, judges pytest: its status goes to exit-code and the script exits 0, so a process
# killed by a signal (an exit status the engine refuses) still leaves every file it wrote. Only a failed sync fails
# the exec (97, or 95 when the environment has no pytest): a failed exec is never cached, so the next run retries.
set -u
. "$(dirname "$0")/lib.sh"
out=${PIPELINE_OUT:-/out}
v=$PIPELINE_SLUG
mkdir -p "$out"
if ! { sync_project && ensure_pytest_cov; } >"$out/sync.log" 2>&1; then
  cat "$out/sync.log" >&2
  echo "uv sync failed for Python $PIPELINE_PYTHON" >&2
  exit 97
fi
if ! uv run --no-sync python -c "import pytest" 2>/dev/null; then
  echo "pytest is not in the environment uv synced for Python $PIPELINE_PYTHON" >&2
  exit 95
fi
load_env_file
PYTHONPATH="$PIPELINE_PROBE${PYTHONPATH:+:$PYTHONPATH}" PIPELINE_PROBE_OUT="$out/python-$v.json" \
  COVERAGE_FILE="$out/.coverage.$v" uv run --no-sync pytest -p no:cacheprovider -p pipeline_probe \
  --junitxml="$out/junit-$v.xml" -o "junit_suite_name=python-$v" \
  --cov --cov-report="xml:$out/coverage-$v.xml" --cov-report=term --cov-fail-under=0
echo $? >"$out/exit-code"
# coverage.py's own JSON: pytest-cov writes JSON only from 4.1.0 on, and an older one in the lock would refuse the run.
# With no data file (a killed process) it writes nothing.
COVERAGE_FILE="$out/.coverage.$v" uv run --no-sync coverage json -o "$out/coverage-$v.json" --fail-under=0
exit 0
