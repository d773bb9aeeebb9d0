"""The lock files (requirements/*.lock, made by `make lock`) agree with pyproject.toml.

Every dependency pyproject.toml names — the runtime ones, the dev extra's, the build
backend's, the aws and checkov groups' — is pinned (`name==version`) in its lock, with
hashes, at a version pyproject allows; and the dev lock pins every runtime package at the
runtime lock's version, so the suite tests what the image ships. Offline: only files are read.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
LOCKS = ROOT / "requirements"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)")
HASH = re.compile(r"--hash=sha256:[0-9a-f]{64}")


def read_lock(name: str) -> dict[str, tuple[Version, int]]:
    """{canonical name: (version, hashes)} of a lock in pip's requirements format."""
    text = (LOCKS / name).read_text().replace("\\\n", " ")
    pins: dict[str, tuple[Version, int]] = {}
    for line in text.splitlines():
        match = PIN.match(line.strip())
        if match:
            pins[canonicalize_name(match[1])] = (Version(match[2]), len(HASH.findall(line)))
    return pins


PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME = [Requirement(text) for text in PYPROJECT["project"]["dependencies"]]
DEV = [Requirement(text) for text in PYPROJECT["project"]["optional-dependencies"]["dev"]]
BUILD = [Requirement(text) for text in PYPROJECT["build-system"]["requires"]]
GROUPS = PYPROJECT["dependency-groups"]
AWS = [Requirement(text) for text in GROUPS["aws"]]
CHECKOV = [Requirement(text) for text in GROUPS["checkov"]]


@pytest.mark.parametrize(
    ("lock", "requirements"),
    [
        ("runtime.lock", RUNTIME),
        ("build.lock", BUILD),
        ("dev.lock", RUNTIME + DEV + AWS + BUILD),
        ("checkov.lock", CHECKOV),
    ],
)
def test_every_dependency_is_pinned_with_hashes(lock: str, requirements: list) -> None:
    pins = read_lock(lock)
    problems = []
    for requirement in requirements:
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement.name}: not in {lock}")
            continue
        version, hashes = pins[name]
        if version not in requirement.specifier:
            problems.append(
                f"{requirement.name}: {lock} pins {version}, pyproject wants {requirement}"
            )
        if hashes == 0:
            problems.append(f"{requirement.name}: {lock} pins it without a hash")
    assert not problems, "run `make lock` (docs/deployment.md):\n" + "\n".join(problems)


@pytest.mark.parametrize("lock", ["runtime.lock", "build.lock", "dev.lock"])
def test_every_pin_has_a_hash(lock: str) -> None:
    """pip's --require-hashes refuses a lock with any pin lacking one."""
    unhashed = [name for name, (_, hashes) in read_lock(lock).items() if hashes == 0]
    assert not unhashed, f"{lock}: pinned without hashes: {unhashed}"


def test_dev_lock_holds_the_runtime_versions() -> None:
    runtime, dev = read_lock("runtime.lock"), read_lock("dev.lock")
    differing = {
        name: (str(version), str(dev[name][0]) if name in dev else None)
        for name, (version, _) in runtime.items()
        if name not in dev or dev[name][0] != version
    }
    assert not differing, f"runtime.lock vs dev.lock (run `make lock`): {differing}"
