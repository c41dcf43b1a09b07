#!/bin/sh
# `coverage combine` over every version's data file in PIPELINE_OUT, then coverage.json (the figure the module reads),
# coverage.xml and coverage.txt. coverage.py is the gate: `coverage report` applies the project's own fail_under, or
# PIPELINE_FAIL_UNDER (--threshold) over it; its exit status goes to report-exit, with the fail_under it read.
# Any other failing step fails the exec, which is then never cached.
set -eu
. "$(dirname "$0")/lib.sh"
out=${PIPELINE_OUT:-/combine}
sync_project
ensure_pytest_cov
coverage() { uv run --no-sync coverage "$@"; }
coverage combine --keep "$out"
coverage json -o "$out/coverage.json" --fail-under=0
coverage xml -o "$out/coverage.xml" --fail-under=0
if coverage report ${PIPELINE_FAIL_UNDER:+"--fail-under=$PIPELINE_FAIL_UNDER"} >"$out/coverage.txt"; then
  echo 0
else
  echo $?
fi >"$out/report-exit"
uv run --no-sync python -c "import coverage; print(coverage.Coverage().config.fail_under)" >"$out/fail-under"
