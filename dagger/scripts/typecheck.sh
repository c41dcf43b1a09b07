#!/bin/sh
# mypy with the arguments given, the pinned MYPY_VERSION added without touching the lock. Its JSON, stderr and exit
# status go to PIPELINE_OUT for the module to judge; only a failed sync or install fails the exec (97).
set -u
. "$(dirname "$0")/lib.sh"
out=${PIPELINE_OUT:-/out}
mkdir -p "$out"
if ! { sync_project && uv pip install --python "$UV_PROJECT_ENVIRONMENT/bin/python" "mypy==$MYPY_VERSION"; } \
  >"$out/sync.log" 2>&1; then
  cat "$out/sync.log" >&2
  exit 97
fi
load_env_file
uv run --no-sync mypy "$@" >"$out/mypy.json" 2>"$out/mypy-stderr.txt"
echo $? >"$out/mypy-exit-code"
exit 0
