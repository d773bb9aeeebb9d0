#!/usr/bin/env bash
# Make sure the system packages the test suite needs are installed:
#   - PostgreSQL 15 server binaries (initdb, pg_ctl, postgres): the tests start
#     their own throwaway servers from them (never the machine's cluster);
#   - redis-server;
#   - prometheus (prometheus and promtool): the monitoring rules' unit tests and the
#     scrape test run Debian's Prometheus on a port of their own;
#   - haproxy (/usr/sbin/haproxy): `hotelreviews cluster up` puts one in front of each
#     region and one global entry; the cluster's HAProxy tests run the real one;
#   - tini: the image's PID 1 (Dockerfile ENTRYPOINT); tests/e2e/test_image_command.py runs
#     the image's command as written.
#   - nodejs and npm: tests/deploy validates the External Secrets Operator's resources with
#     an npm package's models, and the web pages' libraries come from npm
#     (scripts/ensure-node-packages.sh installs both);
#   - chromium (/usr/bin/chromium): tests/browser drives Debian's Chromium with Playwright
#     (never a browser download of Playwright's own).
# With --bench, also wrk (HTTP load generator used by `make bench`).
# --list prints the packages the tests need, --list-bench those --bench adds, and exits:
# `make help` shows them.
#
# Present already -> exits 0 quickly, installs nothing.
# Missing and root -> apt-get update (once) + apt-get install.
# Missing and not root -> prints what to install and exits 1.
#
# Installing Debian's postgresql package may create and start a cluster on
# port 5432; that is harmless, the tests never use it.
set -euo pipefail

# The one list of what this script installs (Debian package names); `present` below knows
# how to tell each is there.
TEST_PACKAGES=(postgresql-15 redis-server prometheus haproxy tini nodejs npm chromium)
BENCH_PACKAGES=(wrk)

want_bench=0
want_list=0
for arg in "$@"; do
    case "$arg" in
        --bench) want_bench=1 ;;
        --list) want_list=1 ;;
        --list-bench) want_list=2 ;;
        -h | --help)
            sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'
            exit 0
            ;;
        *)
            echo "ensure-system-packages: unknown argument: $arg" >&2
            exit 2
            ;;
    esac
done

wanted=("${TEST_PACKAGES[@]}")
if ((want_bench)); then wanted+=("${BENCH_PACKAGES[@]}"); fi
if ((want_list == 1)); then
    echo "${TEST_PACKAGES[*]}"
    exit 0
elif ((want_list == 2)); then
    echo "${BENCH_PACKAGES[*]}"
    exit 0
fi

log() { echo "ensure-system-packages: $*" >&2; }

has_pg_bins() { [[ -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]; }

pg_major() { "$1/postgres" --version 2>/dev/null | sed -n 's/.*(PostgreSQL) \([0-9]*\).*/\1/p'; }

# Prints the bin dir of a usable PostgreSQL 15 (or of the override), else nothing.
find_pg15() {
    if [[ -n "${HOTELREVIEWS_TEST_PG_BIN:-}" ]]; then
        echo "$HOTELREVIEWS_TEST_PG_BIN"
        return 0
    fi
    local dir initdb
    if initdb=$(command -v initdb 2>/dev/null); then
        dir=$(dirname "$(readlink -f "$initdb")")
        if has_pg_bins "$dir" && [[ "$(pg_major "$dir")" == 15 ]]; then
            echo "$dir"
            return 0
        fi
    fi
    dir=/usr/lib/postgresql/15/bin
    if has_pg_bins "$dir"; then echo "$dir"; fi
}

# Any PostgreSQL server binaries at all (used after a fallback install).
find_any_pg() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
        if has_pg_bins "$dir"; then
            echo "$dir"
            return 0
        fi
    done
}

pg15_installable() {
    local policy
    policy=$(apt-cache policy postgresql-15 2>/dev/null || true)
    [[ "$policy" =~ Candidate:\ [0-9] ]]
}

if [[ -n "${HOTELREVIEWS_TEST_PG_BIN:-}" ]] && ! has_pg_bins "$HOTELREVIEWS_TEST_PG_BIN"; then
    log "HOTELREVIEWS_TEST_PG_BIN=$HOTELREVIEWS_TEST_PG_BIN does not contain initdb, pg_ctl and postgres"
    log "fix it or unset it"
    exit 1
fi

# Debian installs it in /usr/sbin, which is not on every user's PATH.
has_haproxy() { command -v haproxy >/dev/null 2>&1 || [[ -x /usr/sbin/haproxy ]]; }

# Whether a package of the list above is installed (by the command the tests run).
present() {
    case "$1" in
        postgresql-15) [[ -n "$(find_pg15)" ]] ;;
        redis-server) command -v redis-server >/dev/null 2>&1 ;;
        prometheus) command -v promtool >/dev/null 2>&1 ;;
        haproxy) has_haproxy ;;
        tini) command -v tini >/dev/null 2>&1 ;;
        nodejs) command -v node >/dev/null 2>&1 ;;
        npm) command -v npm >/dev/null 2>&1 ;;
        chromium) [[ -x /usr/bin/chromium ]] ;;
        wrk) command -v wrk >/dev/null 2>&1 ;;
        *)
            log "no check for package $1"
            return 1
            ;;
    esac
}

missing=()
other_pg=""
for pkg in "${wanted[@]}"; do
    present "$pkg" && continue
    if [[ "$pkg" == postgresql-15 ]]; then
        other_pg=$(find_any_pg)
        if [[ -n "$other_pg" ]] && command -v apt-cache >/dev/null 2>&1 && ! pg15_installable; then
            # A distribution without PostgreSQL 15 (we installed 'postgresql' earlier).
            log "note: PostgreSQL 15 is not packaged here; found $(pg_major "$other_pg") in $other_pg."
            log "      Tests expect 15; set HOTELREVIEWS_TEST_PG_BIN=$other_pg to use it anyway."
            continue
        fi
    fi
    missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

if [[ "$(id -u)" != 0 ]]; then
    cat >&2 <<EOF
ensure-system-packages: missing system packages: ${missing[*]}
  Install them as root, e.g.:
      sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}
  (or run 'sudo make test' once, or point HOTELREVIEWS_TEST_PG_BIN at a
  directory containing PostgreSQL 15's initdb, pg_ctl and postgres)
EOF
    if [[ -n "$other_pg" ]]; then
        echo "  Found PostgreSQL $(pg_major "$other_pg") in $other_pg: HOTELREVIEWS_TEST_PG_BIN=$other_pg uses it." >&2
    fi
    exit 1
fi

if ! command -v apt-get >/dev/null 2>&1; then
    log "missing: ${missing[*]}, and apt-get is not available; install them by hand"
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log "installing: ${missing[*]}"
apt-get update -qq

packages=()
for pkg in "${missing[@]}"; do
    if [[ "$pkg" == postgresql-15 ]] && ! pg15_installable; then
        log "postgresql-15 is not available here; installing 'postgresql' instead"
        pkg=postgresql
    fi
    packages+=("$pkg")
done

apt-get install -y -qq --no-install-recommends "${packages[@]}" </dev/null

# Verify.
if [[ -z "$(find_pg15)" && -z "$(find_any_pg)" ]]; then
    log "PostgreSQL server binaries still not found after installing ${packages[*]}"
    exit 1
fi
for pkg in "${missing[@]}"; do
    [[ "$pkg" == postgresql-15 ]] && continue # checked above: any version will do
    if ! present "$pkg"; then
        log "$pkg still not found after installing"
        exit 1
    fi
done
log "done"
