#!/usr/bin/env bash
# Install the npm packages the project needs, from the lock files, each into its own folder:
#   src/hotelreviews/web: the web pages' libraries (uPlot, served by hotelreviews.web.assets
#   straight from node_modules) and axe-core, which tests/browser injects into each page.
#   tests/deploy/external-secrets: @kubernetes-models/external-secrets, the typed models
#   tests/deploy/test_k8s_render.py validates the External Secrets Operator's resources
#   against (no Python package ships them).
#   deploy/aws: the AWS CDK command line (`cdk synth`, `cdk deploy`) for the Python CDK app;
#   tests/deploy/aws synthesizes every stack with it, offline.
# --web installs the web pages' folder only (what `make run` needs).
# Needs node and npm (scripts/ensure-system-packages.sh installs them for the tests; without
# them this prints what to install and exits 1). Idempotent: does nothing when node_modules
# is newer than the lock file. Runs at set-up time (`make run`, `make test`), never from a
# test: the tests themselves stay offline.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

WEB=src/hotelreviews/web
dirs=("$WEB" tests/deploy/external-secrets deploy/aws)
case "${1:-}" in
    "") ;;
    --web) dirs=("$WEB") ;;
    *)
        echo "ensure-node-packages: unknown argument: $1 (--web or nothing)" >&2
        exit 2
        ;;
esac

for dir in "${dirs[@]}"; do
    stamp="$dir/node_modules/.package-lock.json" # npm writes it on every install
    if [[ -f "$stamp" && "$stamp" -nt "$dir/package-lock.json" ]]; then
        continue
    fi
    if ! command -v npm >/dev/null 2>&1; then
        cat >&2 <<MSG
ensure-node-packages: node and npm are missing; the web pages' libraries come from npm.
  Install them (Debian/Ubuntu), then run this again:
      sudo apt-get install -y nodejs npm
MSG
        exit 1
    fi
    echo "ensure-node-packages: npm ci in $dir" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
done
