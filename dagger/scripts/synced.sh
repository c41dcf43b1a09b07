#!/bin/sh
# Syncs the project (PIPELINE_SYNC), then runs the command given, in the same exec; the sync's output goes to stderr
# so the command's stdout is all the caller reads.
set -eu
. "$(dirname "$0")/lib.sh"
sync_project >&2
exec "$@"
