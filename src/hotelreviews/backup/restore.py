"""`backup restore`: a new stand-alone server holding the database as it was at a point in
time (or an LSN), made from the newest backup that ends before it and the WAL archive."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from hotelreviews.backup import standalone
from hotelreviews.backup.archive import ArchiveSummary, summarize
from hotelreviews.backup.catalog import BackupEntry, Catalog
from hotelreviews.backup.errors import BackupError
from hotelreviews.backup.standalone import RecoveryTarget
from hotelreviews.backup.wal import parse_lsn
from hotelreviews.cluster.pg import PgNode

RESTORED_NAME = "restored"


@dataclass(frozen=True)
class RestoreResult:
    backup: BackupEntry
    node: PgNode
    target: RecoveryTarget
    started: bool


def restore(
    catalog: Catalog,
    archive_dir: Path,
    *,
    target_dir: Path,
    port: int,
    backup_id: str | None = None,
    target: RecoveryTarget | None = None,
    start: bool = True,
    timeout: float = 3600.0,
) -> RestoreResult:
    """Unpack the chosen backup into `target_dir`, configure recovery to `target` from the
    archive and (unless start=False) start it and wait until it has promoted."""
    target = target or RecoveryTarget()
    target_dir = Path(target_dir).resolve()
    standalone.require_empty(target_dir)
    backup = choose_backup(catalog.entries(), target=target, backup_id=backup_id)
    summary = summarize(archive_dir, backup.wal_segment_bytes)
    check_archive_reaches(summary, target)
    standalone.prepare_root(target_dir)
    node = PgNode(name=RESTORED_NAME, root=target_dir, port=port)
    try:
        standalone.extract_backup(catalog.path(backup.id), node.data_dir)
        standalone.configure(node, archive_dir=archive_dir, target=target)
        if start:
            standalone.recover(node, target=target, timeout=timeout)
    except BackupError as error:
        node.stop(mode="immediate")
        raise BackupError(
            f"{error}\n(what the attempt made is left in {target_dir} to look at; remove it "
            "before trying again)"
        ) from None
    return RestoreResult(backup=backup, node=node, target=target, started=start)


def choose_backup(
    entries: list[BackupEntry], *, target: RecoveryTarget, backup_id: str | None
) -> BackupEntry:
    """The given backup if it ends before the target, else the newest one that does."""
    if not entries:
        raise BackupError("no complete backup to restore from: `hotelreviews backup create`")
    if backup_id is not None:
        matches = [entry for entry in entries if entry.id == backup_id]
        if not matches:
            known = ", ".join(entry.id for entry in entries)
            raise BackupError(f"no complete backup {backup_id} (complete backups: {known})")
        chosen = matches[0]
        if not _ends_before(chosen, target):
            older = [entry for entry in entries if _ends_before(entry, target)]
            hint = f" (backup {older[-1].id} does)" if older else ""
            raise BackupError(
                f"backup {chosen.id} ends at {_when(chosen)}, after the target "
                f"{target.describe()}: recovery cannot stop before a backup's end; choose an "
                f"older backup{hint}"
            )
        return chosen
    usable = [entry for entry in entries if _ends_before(entry, target)]
    if not usable:
        oldest = entries[0]
        raise BackupError(
            f"the target {target.describe()} is before the end of the oldest backup "
            f"({oldest.id}, which ends at {_when(oldest)}): no backup can restore to it"
        )
    return usable[-1]


def check_archive_reaches(summary: ArchiveSummary, target: RecoveryTarget) -> None:
    """Refuse a target past what the archive holds: recovery would replay everything and
    then fail, far less clearly."""
    if summary.newest is None:
        if target.time is not None or target.lsn is not None:
            raise BackupError(
                "the WAL archive is empty: only a restore to a backup's end is possible "
                "(leave out --to-time/--to-lsn)"
            )
        return
    reach = (
        f"WAL up to {summary.newest.name} (LSN {summary.end_lsn}) is archived; the newest "
        f"change you can restore is "
        + (
            f"the commit at {summary.newest_commit.isoformat(sep=' ')}"
            if summary.newest_commit
            else "unknown (no commit in the newest segments)"
        )
    )
    if target.time is not None and (
        summary.newest_commit is None or target.time >= summary.newest_commit
    ):
        raise BackupError(
            f"cannot restore to {target.describe()}: {reach}. Choose an earlier time, or "
            "leave out --to-time to restore everything archived; newer changes reach the "
            "archive within archive_timeout (or run SELECT pg_switch_wal() on the primary)"
        )
    if target.lsn is not None and parse_lsn(target.lsn) >= parse_lsn(summary.end_lsn or "0/0"):
        raise BackupError(
            f"cannot restore to {target.describe()}: {reach}. Choose an earlier LSN, or "
            "leave out --to-lsn to restore everything archived"
        )


def parse_target_time(text: str) -> datetime:
    """ISO 8601 ('2026-11-26T07:25:01Z', '2026-11-26 07:25:01.5+01:00'); no zone means UTC."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BackupError(
            f"{text!r} is not a timestamp: use ISO 8601, e.g. 2026-11-26T07:25:01Z"
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _ends_before(entry: BackupEntry, target: RecoveryTarget) -> bool:
    if target.time is not None:
        return entry.finished_at <= target.time
    if target.lsn is not None:
        return parse_lsn(entry.stop_lsn) <= parse_lsn(target.lsn)
    return True


def _when(entry: BackupEntry) -> str:
    return f"{entry.finished_at.astimezone(UTC).isoformat(sep=' ')} (LSN {entry.stop_lsn})"
