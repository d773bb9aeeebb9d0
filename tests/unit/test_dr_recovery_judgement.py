"""Judging the primary's disaster-recovery state (/health/deep): when the WAL archive counts as
failing, and which problems make recovery degraded. Pure: the states are built here; the
integration tests (test_api_health.py) read them from a real primary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotelreviews.app.recovery_probe import archive_status, recovery_problems
from hotelreviews.dr.repository import PrimaryRecovery, Standby, WalArchive

EARLIER = datetime(2026, 12, 6, 23, 0, tzinfo=UTC)
LATER = EARLIER + timedelta(seconds=30)


def archive(
    *, mode: str = "on", archived_at: datetime | None = None, failed_at: datetime | None = None
) -> WalArchive:
    return WalArchive(
        mode=mode,
        archived_count=1 if archived_at else 0,
        last_archived_wal="000000010000000000000002" if archived_at else None,
        last_archived_at=archived_at,
        failed_count=3 if failed_at else 0,
        last_failed_wal="000000010000000000000003" if failed_at else None,
        last_failed_at=failed_at,
    )


def streaming(name: str = "eu-west-1", state: str | None = "streaming") -> Standby:
    return Standby(name=name, state=state, sync_state="async", lag_bytes=0, lag_seconds=None)


def test_the_archive_fails_only_while_its_last_attempt_is_a_failure() -> None:
    assert archive_status(archive()) == "ok"  # nothing to archive yet
    assert archive_status(archive(archived_at=EARLIER)) == "ok"
    assert archive_status(archive(failed_at=EARLIER)) == "failing"  # never succeeded
    assert archive_status(archive(archived_at=EARLIER, failed_at=LATER)) == "failing"
    # A failure that a later success followed is history (PostgreSQL retries the segment).
    assert archive_status(archive(archived_at=LATER, failed_at=EARLIER)) == "ok"
    assert archive_status(archive(mode="off")) == "off"


def test_a_primary_alone_with_its_archive_has_no_problem() -> None:
    alone = PrimaryRecovery(timeline=1, archive=archive(archived_at=EARLIER), standbys=[])
    assert recovery_problems(alone, replicas_configured=False) == []


def test_configured_replicas_and_no_standby_leave_nothing_to_fail_over_to() -> None:
    alone = PrimaryRecovery(timeline=1, archive=archive(archived_at=EARLIER), standbys=[])
    assert recovery_problems(alone, replicas_configured=True) == [
        "no standby streams from the primary: nothing to fail over to"
    ]


def test_a_standby_catching_up_is_a_problem_one_not_visible_is_not() -> None:
    state = PrimaryRecovery(
        timeline=2,
        archive=archive(mode="off"),
        standbys=[streaming(), streaming("ap-southeast-1", "catchup"), streaming("x", None)],
    )
    assert recovery_problems(state, replicas_configured=True) == [
        "WAL archiving is off: no point-in-time restore",
        "standby ap-southeast-1 is catchup, not streaming",
    ]
