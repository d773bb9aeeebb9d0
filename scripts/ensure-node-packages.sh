#!/usr/bin/env bash
# Install the npm packages the tests need, from the lock file, into their own folder:
#   tests/deploy/external-secrets: @kubernetes-models/external-secrets, the typed models
#   tests/deploy/test_k8s_render.py validates the External Secrets Operator's resources
#   against (no Python package ships them).
#   deploy/aws: the AWS CDK command line (`cdk synth`, `cdk deploy`) for the Python CDK app;
#   tests/deploy/aws synthesizes every stack with it, offline.
# Needs node and npm (scripts/ensure-system-packages.sh installs them). Idempotent: does
# nothing when node_modules is newer than the lock file. Runs at set-up time (`make test`),
# never from a test: the tests themselves stay offline.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

for dir in tests/deploy/external-secrets deploy/aws; do
    stamp="$dir/node_modules/.package-lock.json"  # npm writes it on every install
    if [[ -f "$stamp" && "$stamp" -nt "$dir/package-lock.json" ]]; then
        continue
    fi
    echo "ensure-node-packages: npm ci in $dir" >&2
    npm ci --prefix "$dir" --no-audit --no-fund --loglevel=error
done
