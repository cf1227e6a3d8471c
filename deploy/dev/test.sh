#!/usr/bin/env bash
# Run the whole test suite on the real local stack: start the stack if it is down, run pytest, stop what we started.
set -euo pipefail
cd "$(dirname "$0")/../.."

venv=${VENV:-.venv}
export RELANCE_STATE_DIR=${RELANCE_STATE_DIR:-$PWD/.relance}
relance="$venv/bin/relance"

started_stack=0
if ! "$relance" stack status >/dev/null 2>&1; then
  "$relance" stack up
  started_stack=1
fi
stop_stack() {
  if [ "$started_stack" = 1 ]; then "$relance" stack down || true; fi
}
trap stop_stack EXIT

"$venv/bin/pytest" "$@"
