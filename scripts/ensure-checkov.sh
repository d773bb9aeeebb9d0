#!/usr/bin/env bash
# Install checkov, a test tool (tests/deploy/test_checkov.py), into its own venv
# .venv/tools/checkov from requirements/checkov.lock: its pins (older boto3 and packaging) clash
# with the platform's, so it cannot share .venv. `make test` runs this; `make run` does not
# need it. Idempotent: nothing to do when the venv's stamp is newer than the lock.
#
# Environment: VENV (default .venv), whose Python builds the tool venv.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
LOCK=requirements/checkov.lock
TOOL="$VENV/tools/checkov"
STAMP="$TOOL/.installed"

if [[ -f "$STAMP" && "$STAMP" -nt "$LOCK" && -x "$TOOL/bin/checkov" ]]; then
    exit 0
fi
echo "ensure-checkov: installing $LOCK into $TOOL" >&2
[[ -x "$TOOL/bin/python" ]] || "$VENV/bin/python" -m venv "$TOOL"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$TOOL/bin/python" -m pip install --quiet --upgrade pip
"$TOOL/bin/python" -m pip install --quiet --require-hashes -r "$LOCK"
touch "$STAMP"
