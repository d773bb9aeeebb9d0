"""The package keeps its layers (the import-linter contracts in pyproject.toml), and the check
bites: an upward import added to a copy of the package breaks the contract that forbids it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = ROOT / "pyproject.toml"
CONTRACT_NAMES = {
    contract["id"]: contract["name"]
    for contract in tomllib.loads(PYPROJECT.read_text())["tool"]["importlinter"]["contracts"]
}


def lint_imports(src: Path) -> subprocess.CompletedProcess[str]:
    """lint-imports with the project's contracts, on the hotelreviews package found in `src`."""
    # Next to this interpreter (the venv's scripts), else wherever PATH finds it.
    executable = Path(sys.executable).with_name("lint-imports")
    command = str(executable) if executable.exists() else shutil.which("lint-imports")
    assert command is not None, "lint-imports is not installed (pip install -e '.[dev]')"
    return subprocess.run(
        [command, "--no-cache", "--no-logo", str(PYPROJECT)],
        cwd=src,
        # The package under `src` first (before an installed one); wide lines: a contract's
        # name is printed on one line, as the assertions look for it.
        env={**os.environ, "PYTHONPATH": str(src), "COLUMNS": "400"},
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_package_keeps_every_contract() -> None:
    result = lint_imports(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    for name in CONTRACT_NAMES.values():
        assert f"{name} KEPT" in result.stdout


@pytest.mark.parametrize(
    ("module", "upward_import", "broken"),
    [
        pytest.param(
            "core/clock.py",
            "from hotelreviews.hotels import service",
            {"layers", "core-imports-no-domain"},
            id="core-imports-a-domain",
        ),
        pytest.param(
            "api/responses.py",
            "from hotelreviews.security import policies",
            {"layers", "api-toolkit-imports-no-domain"},
            id="toolkit-imports-a-domain",
        ),
        pytest.param(
            "hotels/service.py",
            "from hotelreviews.reviews import service",
            {"layers"},
            id="domain-imports-one-above",
        ),
        pytest.param(
            "reviews/tables.py",
            "from hotelreviews.hotels import repository",
            {"tables-import-only-core"},
            id="schema-imports-a-domain",
        ),
    ],
)
def test_an_upward_import_breaks_its_contract(
    tmp_path: Path, module: str, upward_import: str, broken: set[str]
) -> None:
    src = tmp_path / "src"
    shutil.copytree(
        ROOT / "src" / "hotelreviews",
        src / "hotelreviews",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    with (src / "hotelreviews" / module).open("a") as source:
        source.write(f"\n{upward_import}  # noqa: E402, F401\n")

    result = lint_imports(src)

    assert result.returncode == 1, result.stdout + result.stderr
    for contract_id, name in CONTRACT_NAMES.items():
        expected = "BROKEN" if contract_id in broken else "KEPT"
        assert f"{name} {expected}" in result.stdout, result.stdout
    importer = "hotelreviews." + module.removesuffix(".py").replace("/", ".")
    imported = upward_import.split()[1] + "." + upward_import.split()[3]
    assert f"{importer} -> {imported}" in result.stdout
