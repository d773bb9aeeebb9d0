"""The catalog on disk: entries written last and atomically, unfinished attempts told apart."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hotelreviews.backup.catalog import Catalog, Verification
from hotelreviews.backup.errors import BackupError
from tests.unit.backup_entries import make_entry


def _saved(catalog: Catalog, backup_id: str) -> None:
    catalog.path(backup_id).mkdir(parents=True)
    catalog.save(make_entry(backup_id))


def test_an_entry_reads_back_as_saved(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    entry = make_entry("20261126T070000Z")
    entry.verification = Verification(
        at=datetime(2026, 11, 26, 8, 0, tzinfo=UTC), ok=True, message="fine"
    )
    catalog.path(entry.id).mkdir()

    catalog.save(entry)

    assert catalog.get(entry.id) == entry
    assert [p.name for p in catalog.path(entry.id).iterdir()] == ["backup.json"]


def test_a_directory_without_an_entry_is_incomplete_not_a_backup(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    _saved(catalog, "20261126T070000Z")
    (tmp_path / "20261126T080000Z").mkdir()

    listing = catalog.listing()

    assert [(item.id, item.status) for item in listing] == [
        ("20261126T070000Z", "complete"),
        ("20261126T080000Z", "incomplete"),
    ]
    assert [entry.id for entry in catalog.entries()] == ["20261126T070000Z"]
    assert catalog.get(None).id == "20261126T070000Z"  # the newest complete one
    with pytest.raises(BackupError, match="20261126T080000Z is incomplete"):
        catalog.get("20261126T080000Z")


def test_a_backup_being_written_shows_as_in_progress(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    backup_id = catalog.new_id()

    with catalog.in_progress(backup_id):
        catalog.path(backup_id).mkdir()
        assert catalog.listing()[0].status == "in progress"
    assert catalog.listing()[0].status == "incomplete"


def test_a_marker_left_by_a_dead_process_does_not_count_as_in_progress(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    (tmp_path / "20261126T070000Z").mkdir()
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    (tmp_path / ".in-progress-20261126T070000Z").write_text(f"{dead}\n")

    assert catalog.listing()[0].status == "incomplete"


def test_a_new_id_never_reuses_an_existing_directory(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    first = catalog.new_id()
    catalog.path(first).mkdir()

    second = catalog.new_id()

    assert second > first  # ids sort by time


def test_an_unreadable_entry_is_reported_not_fatal(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    _saved(catalog, "20261126T070000Z")
    broken = tmp_path / "20261126T080000Z"
    broken.mkdir()
    (broken / "backup.json").write_text("{not json")

    listing = catalog.listing()

    assert listing[1].status == "catalog entry unreadable"
    assert "backup.json cannot be read" in (listing[1].damaged or "")
    assert [entry.id for entry in catalog.entries()] == ["20261126T070000Z"]


def test_verification_status_shows_the_verdict_and_when(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)
    _saved(catalog, "20261126T070000Z")
    entry = catalog.get(None)
    entry.verification = Verification(
        at=datetime(2026, 11, 26, 8, 30, tzinfo=UTC), ok=False, message="table reviews ..."
    )
    catalog.save(entry)

    assert catalog.listing()[0].status == "verify FAILED at 2026-11-26 08:30:00Z"
    saved = json.loads((catalog.path(entry.id) / "backup.json").read_text())
    assert saved["verification"]["ok"] is False


def test_two_runs_cannot_write_the_same_backup(tmp_path: Path) -> None:
    catalog = Catalog(tmp_path)

    with catalog.in_progress("20261126T070000Z"):
        second = catalog.in_progress("20261126T070000Z")
        with pytest.raises(BackupError, match="another `backup create` is writing"):
            second.__enter__()
        assert (tmp_path / ".in-progress-20261126T070000Z").exists()
