"""Catalog entries for the backup unit tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hotelreviews.backup.catalog import BackupEntry
from hotelreviews.backup.tables import TableSum


def make_entry(
    backup_id: str,
    *,
    started: datetime | None = None,
    stop_lsn: str = "0/2000100",
) -> BackupEntry:
    started = started or datetime(2026, 11, 26, 7, 0, tzinfo=UTC)
    return BackupEntry(
        id=backup_id,
        started_at=started,
        finished_at=started + timedelta(seconds=5),
        start_lsn="0/2000028",
        stop_lsn=stop_lsn,
        timeline=1,
        start_wal="000000010000000000000002",
        wal_segment_bytes=16 << 20,
        size_bytes=4_000_000,
        source="us-east-1",
        source_address="127.0.0.1:5432",
        server_version="15.10",
        database="hotelreviews",
        files={"base.tar.gz": "00" * 32},
        tables={"reviews": TableSum(rows=9, md5="ab" * 16)},
        tables_lsn="0/3000060",
    )
