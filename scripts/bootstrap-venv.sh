#!/usr/bin/env bash
# Create/refresh the project virtualenv (default .venv) for development:
#   python3.11 (or python3 >= 3.11) -m venv .venv; pip install -U pip;
#   pip install --require-hashes -r requirements/dev.lock   (exact versions, hashes checked)
#   pip install --no-deps --no-build-isolation -e .         (the build backend is in the lock)
#   touch .venv/.installed
#
# Idempotent: does nothing (silently) when .venv works and its stamp
# .venv/.installed is newer than pyproject.toml and the lock files. A .venv whose Python is
# broken or too old is recreated. As root, installs Debian's python3-venv
# if the venv module cannot bootstrap pip.
#
# Environment: VENV (default .venv), PYTHON (interpreter to build it with).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=${VENV:-.venv}
STAMP="$VENV/.installed"

log() { echo "bootstrap-venv: $*" >&2; }

py_ok() { # interpreter exists and is >= 3.11
    "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' >/dev/null 2>&1
}

venv_ok() { [[ -x "$VENV/bin/python" ]] && py_ok "$VENV/bin/python"; }

LOCK=requirements/dev.lock

stamp_current() { # the stamp is newer than everything the installation comes from
    [[ -f "$STAMP" ]] || return 1
    local source
    for source in pyproject.toml "$LOCK"; do
        [[ "$STAMP" -nt "$source" ]] || return 1
    done
}

if venv_ok && stamp_current; then
    exit 0 # up to date
fi

if ! venv_ok; then
    python=""
    for candidate in ${PYTHON:-} python3.11 python3 python3.12 python3.13; do
        if command -v "$candidate" >/dev/null 2>&1 && py_ok "$candidate"; then
            python=$(command -v "$candidate")
            break
        fi
    done
    if [[ -z "$python" ]]; then
        log "no Python >= 3.11 found (tried: ${PYTHON:-} python3.11 python3 python3.12 python3.13)"
        log "install it, e.g.: apt-get install python3 python3-venv   (Debian 12 ships 3.11)"
        exit 1
    fi

    if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
        if [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
            ver=$("$python" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
            log "the venv module of $python cannot bootstrap pip; installing python$ver-venv"
            export DEBIAN_FRONTEND=noninteractive
            apt-get update -qq
            apt-get install -y -qq --no-install-recommends "python$ver-venv" </dev/null ||
                apt-get install -y -qq --no-install-recommends python3-venv </dev/null
        else
            log "$python lacks a working venv/ensurepip module; install python3-venv (Debian/Ubuntu)"
            exit 1
        fi
    fi

    if [[ -e "$VENV" ]]; then
        log "recreating broken $VENV"
        rm -rf "$VENV"
    fi
    log "creating $VENV with $python ($("$python" --version 2>&1))"
    "$python" -m venv "$VENV"
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
log "installing the locked dev dependencies ($LOCK) and the project into $VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet --require-hashes -r "$LOCK"
# The dependencies are all in place: --no-deps installs nothing unlocked, and without build
# isolation the locked setuptools builds it (nothing fetched unpinned).
"$VENV/bin/python" -m pip install --quiet --no-deps --no-build-isolation -e .
touch "$STAMP"
log "done: $("$VENV/bin/python" --version 2>&1) in $VENV"
