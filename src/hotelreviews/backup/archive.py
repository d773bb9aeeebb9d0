"""The WAL archive the cluster's nodes write (cluster.pg.archiving_settings): what it holds,
waiting for a segment to arrive, and removing what no kept backup needs."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.programs import run_pg_program
from hotelreviews.backup.wal import DEFAULT_SEGMENT_BYTES, SEGMENT_NAME, Segment, format_lsn
from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_tools import PostgresError, tail

_COMMIT = re.compile(r"desc: COMMIT(?:_PREPARED)? (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?) UTC")
# How many of the newest segments are read to find the newest commit: an idle primary still
# switches segments every archive_timeout, so the newest commit can be a few segments back.
_COMMIT_SEARCH_SEGMENTS = 32


@dataclass(frozen=True)
class ArchiveSummary:
    """What a restore can use: segments from `oldest` to `newest`, and the newest commit."""

    segments: int
    size_bytes: int
    oldest: Segment | None
    newest: Segment | None
    newest_commit: datetime | None
    segment_bytes: int = DEFAULT_SEGMENT_BYTES

    @property
    def end_lsn(self) -> str | None:
        """Where the archived WAL ends (the end of the newest segment)."""
        return None if self.newest is None else format_lsn(self.newest.end_lsn(self.segment_bytes))


def archived_segments(
    archive_dir: Path, segment_bytes: int = DEFAULT_SEGMENT_BYTES
) -> list[Segment]:
    """Complete segments in the archive, oldest first (partial copies have other names)."""
    if not archive_dir.is_dir():
        return []
    return sorted(
        Segment.parse(path.name, segment_bytes)
        for path in archive_dir.iterdir()
        if SEGMENT_NAME.match(path.name)
    )


def summarize(archive_dir: Path, segment_bytes: int = DEFAULT_SEGMENT_BYTES) -> ArchiveSummary:
    segments = archived_segments(archive_dir, segment_bytes)
    size = sum((archive_dir / segment.name).stat().st_size for segment in segments)
    return ArchiveSummary(
        segments=len(segments),
        size_bytes=size,
        oldest=segments[0] if segments else None,
        newest=segments[-1] if segments else None,
        newest_commit=newest_commit_time(archive_dir, segments),
        segment_bytes=segment_bytes,
    )


def newest_commit_time(archive_dir: Path, segments: list[Segment]) -> datetime | None:
    """The commit time of the newest transaction the archive holds: past it a restore has
    nothing to stop at (None: no commit in the newest segments)."""
    for segment in reversed(segments[-_COMMIT_SEARCH_SEGMENTS:]):
        found = commit_times(archive_dir / segment.name)
        if found:
            return max(found)
    return None


def commit_times(segment_path: Path) -> list[datetime]:
    """Commit times recorded in one WAL segment (pg_waldump; it may stop with an error at the
    end of the WAL, which still leaves what it printed before)."""
    result = run_pg_program(
        "pg_waldump",
        ["--rmgr=Transaction", str(segment_path)],
        timeout=120,
        extra_env={"TZ": "UTC"},
    )
    return [
        datetime.fromisoformat(match.group(1)).replace(tzinfo=UTC)
        for match in _COMMIT.finditer(result.stdout)
    ]


def switch_and_wait(primary: PgNode, archive_dir: Path, *, timeout: float) -> str:
    """Close the primary's current WAL segment (pg_switch_wal) and wait until the archive
    holds it: everything written before this call can then be restored. Returns its name."""
    try:
        name = primary.psql("SELECT pg_walfile_name(pg_switch_wal())").strip()
    except PostgresError as error:
        raise BackupError(f"cannot switch WAL on {primary.name}: {error}") from None
    deadline = time.monotonic() + timeout
    while not (archive_dir / name).exists():
        if time.monotonic() > deadline:
            raise BackupError(
                f"WAL segment {name} did not reach the archive {archive_dir} within "
                f"{timeout:.0f} s; {_archiver_state(primary)}. Check archive_command "
                f"and the archive's free space (log: {primary.log_path})"
            )
        time.sleep(0.2)
    return name


def clean_before(archive_dir: Path, oldest_needed: str) -> int:
    """Remove archived segments older than `oldest_needed` (pg_archivecleanup; timeline
    history files stay). Returns how many files went."""
    before = {path.name for path in archive_dir.iterdir()}
    result = run_pg_program("pg_archivecleanup", [str(archive_dir), oldest_needed], timeout=600)
    if result.returncode != 0:
        raise BackupError(
            f"pg_archivecleanup {archive_dir} {oldest_needed} failed:\n{tail(result.stderr)}"
        )
    return len(before - {path.name for path in archive_dir.iterdir()})


def _archiver_state(primary: PgNode) -> str:
    try:
        row = primary.psql(
            "SELECT archived_count, coalesce(last_archived_wal, '-'), failed_count, "
            "coalesce(last_failed_wal, '-'), coalesce(last_failed_time::text, '-') "
            "FROM pg_stat_archiver"
        ).strip()
    except PostgresError as error:
        return f"pg_stat_archiver cannot be read ({error})"
    archived, last, failed, last_failed, failed_at = row.split("|")
    return (
        f"pg_stat_archiver: {archived} archived (last {last}), {failed} failed "
        f"(last {last_failed} at {failed_at})"
    )
