"""Which backup a restore starts from, and the targets it refuses before touching anything."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotelreviews.backup.archive import ArchiveSummary
from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.restore import check_archive_reaches, choose_backup, parse_target_time
from hotelreviews.backup.standalone import RecoveryTarget
from hotelreviews.backup.wal import Segment
from tests.unit.backup_entries import make_entry

DAY1 = datetime(2026, 11, 24, 7, 0, tzinfo=UTC)
ENTRIES = [
    make_entry("20261124T070000Z", started=DAY1, stop_lsn="0/2000100"),
    make_entry("20261125T070000Z", started=DAY1 + timedelta(days=1), stop_lsn="0/9000100"),
]


def test_the_newest_backup_ending_before_the_time_is_chosen() -> None:
    target = RecoveryTarget(time=DAY1 + timedelta(hours=12))

    assert choose_backup(ENTRIES, target=target, backup_id=None).id == "20261124T070000Z"


def test_without_a_target_the_newest_backup_is_chosen() -> None:
    assert choose_backup(ENTRIES, target=RecoveryTarget(), backup_id=None) is ENTRIES[-1]


def test_an_lsn_target_chooses_by_stop_lsn() -> None:
    target = RecoveryTarget(lsn="0/8000000")

    assert choose_backup(ENTRIES, target=target, backup_id=None) is ENTRIES[0]


def test_a_given_backup_ending_after_the_time_asks_for_an_older_one_and_names_it() -> None:
    target = RecoveryTarget(time=DAY1 + timedelta(hours=12))

    with pytest.raises(BackupError) as caught:
        choose_backup(ENTRIES, target=target, backup_id="20261125T070000Z")

    message = str(caught.value)
    assert "backup 20261125T070000Z ends at 2026-11-25 07:00:05+00:00 (LSN 0/9000100)" in message
    assert "choose an older backup (backup 20261124T070000Z does)" in message


def test_a_time_before_every_backup_is_refused() -> None:
    with pytest.raises(BackupError, match="before the end of the oldest backup"):
        choose_backup(ENTRIES, target=RecoveryTarget(time=DAY1), backup_id=None)


def test_an_unknown_backup_id_lists_the_known_ones() -> None:
    with pytest.raises(BackupError, match="complete backups: 20261124T070000Z, 20261125T"):
        choose_backup(ENTRIES, target=RecoveryTarget(), backup_id="nope")


def _archive(newest_commit: datetime | None) -> ArchiveSummary:
    return ArchiveSummary(
        segments=8,
        size_bytes=8 << 24,
        oldest=Segment.parse("000000010000000000000002"),
        newest=Segment.parse("000000010000000000000009"),
        newest_commit=newest_commit,
    )


def test_a_time_at_or_past_the_newest_archived_commit_is_refused_saying_what_is_there() -> None:
    newest = DAY1 + timedelta(days=1, hours=3)

    with pytest.raises(BackupError) as caught:
        check_archive_reaches(_archive(newest), RecoveryTarget(time=newest))

    message = str(caught.value)
    assert "WAL up to 000000010000000000000009 (LSN 0/A000000) is archived" in message
    assert "the newest change you can restore is the commit at 2026-11-25 10:00:00+00:00" in message


def test_a_time_before_the_newest_archived_commit_is_accepted() -> None:
    newest = DAY1 + timedelta(days=1, hours=3)

    check_archive_reaches(_archive(newest), RecoveryTarget(time=newest - timedelta(seconds=1)))


def test_an_lsn_past_the_archive_is_refused() -> None:
    with pytest.raises(BackupError, match="cannot restore to LSN 0/A000000"):
        check_archive_reaches(_archive(DAY1), RecoveryTarget(lsn="0/A000000"))
    check_archive_reaches(_archive(DAY1), RecoveryTarget(lsn="0/9FFFFFF"))


def test_an_empty_archive_allows_only_a_restore_to_the_backups_end() -> None:
    empty = ArchiveSummary(segments=0, size_bytes=0, oldest=None, newest=None, newest_commit=None)

    check_archive_reaches(empty, RecoveryTarget())
    with pytest.raises(BackupError, match="the WAL archive is empty"):
        check_archive_reaches(empty, RecoveryTarget(time=DAY1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-26T07:25:01Z", datetime(2026, 11, 26, 7, 25, 1, tzinfo=UTC)),
        ("2026-11-26 08:25:01+01:00", datetime(2026, 11, 26, 7, 25, 1, tzinfo=UTC)),
        ("2026-11-26 07:25:01.5+00", datetime(2026, 11, 26, 7, 25, 1, 500000, tzinfo=UTC)),
        ("2026-11-26 07:25", datetime(2026, 11, 26, 7, 25, tzinfo=UTC)),  # no zone: UTC
    ],
)
def test_target_times_are_iso_8601_and_default_to_utc(text: str, expected: datetime) -> None:
    assert parse_target_time(text) == expected


def test_a_target_time_that_is_not_a_timestamp_shows_an_example() -> None:
    with pytest.raises(BackupError, match="e.g. 2026-11-26T07:25:01Z"):
        parse_target_time("yesterday")
