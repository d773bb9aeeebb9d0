#!/usr/bin/env bash
# Re-create the lock files in requirements/ from pyproject.toml with uv (`make lock`):
#   build.lock    the build backend ([build-system] requires): the image and the dev venv
#                 build the project's wheel with it, without build isolation
#   runtime.lock  [project] dependencies: what the image installs
#   dev.lock      runtime + the dev extra + the aws group + the build backend: what .venv
#                 installs (scripts/bootstrap-venv.sh), the runtime pins held to runtime.lock's
#   checkov.lock  the checkov group alone: the tool venv .venv/tools/checkov (its pins clash
#                 with the platform's, so it is resolved on its own)
#
# Every file pins exact versions with their hashes for the image's platform, Linux x86_64
# CPython 3.11, wherever this runs. Versions already locked are kept unless pyproject.toml
# no longer allows them; pass uv's own options to move them, e.g.
#   make lock LOCK_ARGS=--upgrade                      (everything to the newest allowed)
#   make lock LOCK_ARGS='--upgrade-package fastapi'    (one package)
#
# Environment: UV (default: .venv/bin/uv, else uv on PATH), PYTHON (default: .venv/bin/python,
# else python3) to read pyproject.toml.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

UV=${UV:-}
if [[ -z "$UV" ]]; then
    if [[ -x .venv/bin/uv ]]; then UV=.venv/bin/uv; else UV=$(command -v uv || true); fi
fi
if [[ -z "$UV" ]]; then
    echo "update-locks: uv not found: run 'make venv' (the dev extra installs it)" >&2
    exit 1
fi

compile() {
    "$UV" pip compile --quiet --generate-hashes --python-version 3.11 \
        --python-platform x86_64-manylinux_2_28 --custom-compile-command 'make lock' "$@"
}

PYTHON=${PYTHON:-$([[ -x .venv/bin/python ]] && echo .venv/bin/python || echo python3)}

build_requires() { # [build-system] requires, one per line (tomllib: Python 3.11+)
    "$PYTHON" -c 'import sys, tomllib
print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"]))'
}

build_requires | compile - -o requirements/build.lock "${@}"
compile pyproject.toml -o requirements/runtime.lock "${@}"
build_requires | compile pyproject.toml - --extra dev --group pyproject.toml:aws \
    -c requirements/runtime.lock -c requirements/build.lock -o requirements/dev.lock "${@}"
compile --group pyproject.toml:checkov -o requirements/checkov.lock "${@}"
echo "update-locks: requirements/{build,runtime,dev,checkov}.lock are up to date" >&2
