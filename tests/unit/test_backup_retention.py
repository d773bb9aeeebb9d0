"""Which backups retention removes: past the period, never the newest complete one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hotelreviews.backup.catalog import BackupEntry, Listed
from hotelreviews.backup.retention import plan_retention
from tests.unit.backup_entries import make_entry

NOW = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)


def _listed(
    entry: BackupEntry | None,
    backup_id: str,
    *,
    in_progress: bool = False,
    damaged: str | None = None,
) -> Listed:
    return Listed(
        id=backup_id,
        path=Path("/b") / backup_id,
        entry=entry,
        in_progress=in_progress,
        damaged=damaged,
    )


def _complete(days_ago: float, backup_id: str) -> Listed:
    return _listed(make_entry(backup_id, started=NOW - timedelta(days=days_ago)), backup_id)


def test_backups_past_the_period_go_and_younger_ones_stay() -> None:
    listing = [_complete(45, "a"), _complete(31, "b"), _complete(29, "c"), _complete(1, "d")]

    plan = plan_retention(listing, now=NOW, days=30)

    assert plan.remove == ["a", "b"]
    assert plan.keep == ["c", "d"]
    assert plan.oldest_kept == "c"


def test_the_newest_complete_backup_stays_however_old() -> None:
    listing = [_complete(90, "a"), _complete(60, "b"), _listed(None, "c", in_progress=False)]

    plan = plan_retention(listing, now=NOW, days=30)

    assert plan.remove == ["a"]
    assert plan.keep == ["b"]


def test_zero_days_keeps_only_the_newest() -> None:
    listing = [_complete(0.5, "a"), _complete(0.1, "b")]

    assert plan_retention(listing, now=NOW, days=0).keep == ["b"]


def test_unfinished_attempts_go_but_not_a_running_one_nor_an_unreadable_entry() -> None:
    listing = [
        _listed(None, "dead", in_progress=False),
        _listed(None, "running", in_progress=True),
        _listed(None, "unreadable", in_progress=False, damaged="bad JSON"),
        _complete(1, "ok"),
    ]

    plan = plan_retention(listing, now=NOW, days=30)

    assert plan.abandoned == ["dead"]
    assert plan.remove == []
    assert plan.keep == ["ok"]


def test_nothing_to_keep_when_there_is_no_complete_backup() -> None:
    plan = plan_retention([_listed(None, "x", in_progress=False)], now=NOW, days=30)

    assert plan.keep == [] and plan.oldest_kept is None
