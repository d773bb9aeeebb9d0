"""Retention: backups older than the retention period go, and the archived WAL only they
needed; the newest complete backup always stays."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from hotelreviews.backup.archive import clean_before
from hotelreviews.backup.catalog import Catalog, Listed


@dataclass(frozen=True)
class RetentionPlan:
    remove: list[str]  # complete backups past the retention period
    abandoned: list[str]  # directories of `backup create` runs that did not finish
    keep: list[str]  # complete backups kept, oldest first

    @property
    def oldest_kept(self) -> str | None:
        return self.keep[0] if self.keep else None


@dataclass
class PruneReport:
    removed: list[str] = field(default_factory=list)
    abandoned: list[str] = field(default_factory=list)
    wal_files_removed: int = 0
    kept: list[str] = field(default_factory=list)


def plan_retention(listing: list[Listed], *, now: datetime, days: int) -> RetentionPlan:
    """Which backups go: complete ones that started more than `days` ago, except the newest
    complete one; directories left by a failed `create` (not one still running, nor one
    whose catalog entry cannot be read: a person should look at that one)."""
    cutoff = now - timedelta(days=days)
    complete = [item for item in listing if item.entry is not None]
    newest = complete[-1].id if complete else None
    remove = [
        item.id
        for item in complete
        if item.entry is not None and item.entry.started_at < cutoff and item.id != newest
    ]
    abandoned = [
        item.id
        for item in listing
        if item.entry is None and not item.in_progress and item.damaged is None
    ]
    keep = [item.id for item in complete if item.id not in remove]
    return RetentionPlan(remove=remove, abandoned=abandoned, keep=keep)


def prune(catalog: Catalog, archive_dir: Path, *, now: datetime, days: int) -> PruneReport:
    """Apply the retention plan, then remove archived WAL older than the oldest kept
    backup's start (no kept backup can restore from it)."""
    listing = catalog.listing()
    plan = plan_retention(listing, now=now, days=days)
    for backup_id in plan.remove + plan.abandoned:
        catalog.remove(backup_id)
    report = PruneReport(removed=plan.remove, abandoned=plan.abandoned, kept=plan.keep)
    oldest = next((entry for entry in catalog.entries() if entry.id == plan.oldest_kept), None)
    if oldest is not None and archive_dir.is_dir():
        report.wal_files_removed = clean_before(archive_dir, oldest.start_wal)
    return report
