"""Issue 13, item 4: `hotelreviews migrate` alone printed its usage and exited 2. As Django's
`migrate`, it now upgrades the schema to the latest revision; the subcommands stay."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hotelreviews.core.settings import Settings
from tests.support.cli import run_cli


def _current_and_latest(settings: Settings) -> tuple[str, str]:
    done = run_cli(settings, "migrate", "current", text=True)
    assert done.returncode == 0, done.stderr
    current, latest = (line.split()[-1] for line in done.stdout.splitlines()[:2])
    return current, latest


def test_migrate_alone_upgrades_a_fresh_data_dir_to_the_latest_revision(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")
    assert _current_and_latest(settings)[0] == "none"

    done = run_cli(settings, "migrate", text=True)

    assert done.returncode == 0, done.stderr
    assert "upgraded to head" in done.stdout
    current, latest = _current_and_latest(settings)
    assert current == latest != "none"


def test_migrate_alone_again_is_a_harmless_no_op(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")
    assert run_cli(settings, "migrate").returncode == 0

    again = run_cli(settings, "migrate", text=True)

    assert again.returncode == 0, again.stderr
    current, latest = _current_and_latest(settings)
    assert current == latest


def test_migrate_upgrade_and_downgrade_still_work_as_subcommands(tmp_path: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")
    assert run_cli(settings, "migrate", "upgrade").returncode == 0
    down = run_cli(settings, "migrate", "downgrade", "base", text=True)
    assert down.returncode == 0, down.stderr
    assert "database schema downgraded to base (revision " in down.stdout
    assert down.stdout.rstrip().endswith("→ none)")
    assert _current_and_latest(settings)[0] == "none"
    again = run_cli(settings, "migrate", "downgrade", "base", text=True)
    assert again.stdout.strip() == "database schema already at base (revision none)"

    done = run_cli(settings, "migrate", "upgrade", text=True)

    assert done.returncode == 0, done.stderr
    current, latest = _current_and_latest(settings)
    assert current == latest != "none"


@pytest.mark.skipif(
    "postgresql" not in os.environ.get("HOTELREVIEWS_TEST_BACKENDS", "sqlite,postgresql"),
    reason="PostgreSQL backend not selected",
)
def test_migrate_alone_upgrades_a_fresh_postgresql_database(pg_server, tmp_path: Path) -> None:  # noqa: ANN001
    url = pg_server.create_database("fresh_for_migrate_alone")
    settings = Settings(environment="test", data_dir=tmp_path, database_url=url)

    done = run_cli(settings, "migrate", text=True)

    assert done.returncode == 0, done.stderr
    current, latest = _current_and_latest(settings)
    assert current == latest != "none"
