"""The SQL the API reads the disaster-recovery state with, asked of the primary itself over its
ordinary connection (no cluster directory, no psql): its timeline, the standbys it streams to
and its WAL archive. PostgreSQL only.

`dr status` (cluster.pg_status) asks every server from the cluster's host; a process in a
region reaches only its database URLs, and the primary is the one that knows whom it streams
to and what it archived. A database user without pg_monitor (or pg_read_all_stats) sees the
standbys' names but not their positions: those are then None, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

# The timeline is the first 8 hex digits of the current WAL file's name: every promotion (a
# switchover or a failover) starts a new one, at once (pg_control_checkpoint waits for the
# next checkpoint, and needs more privileges).
_PRIMARY = sa.text(
    "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int"
    " AS timeline,"
    " current_setting('archive_mode') AS archive_mode,"
    " archived_count, last_archived_wal, last_archived_time,"
    " failed_count, last_failed_wal, last_failed_time"
    " FROM pg_stat_archiver"
)
# A standby streaming from this server: its name is its cluster_name (or the
# application_name of its primary_conninfo), the lag is measured here, on the primary.
_STANDBYS = sa.text(
    "SELECT application_name AS name, state, sync_state,"
    " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::bigint AS lag_bytes,"
    " EXTRACT(EPOCH FROM replay_lag)::float8 AS lag_seconds"
    " FROM pg_stat_replication ORDER BY application_name"
)


@dataclass(frozen=True, slots=True)
class Standby:
    name: str
    state: str | None  # streaming, catchup, startup, backup; None when not visible to us
    sync_state: str | None  # async, sync, potential, quorum
    lag_bytes: int | None  # WAL written here, not yet replayed there
    lag_seconds: float | None  # None once caught up and idle (PostgreSQL stops measuring)


@dataclass(frozen=True, slots=True)
class WalArchive:
    mode: str  # archive_mode: off, on, always
    archived_count: int
    last_archived_wal: str | None
    last_archived_at: datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_at: datetime | None

    @property
    def failing(self) -> bool:
        """The last attempt failed (PostgreSQL retries the same segment until one succeeds)."""
        if self.last_failed_at is None:
            return False
        return self.last_archived_at is None or self.last_failed_at > self.last_archived_at


@dataclass(frozen=True, slots=True)
class PrimaryRecovery:
    timeline: int
    archive: WalArchive
    standbys: list[Standby]


async def primary_recovery_state(connection: AsyncConnection) -> PrimaryRecovery:
    """The primary's timeline, WAL archive and standbys, now."""
    row = (await connection.execute(_PRIMARY)).one()
    standbys = (await connection.execute(_STANDBYS)).all()
    return PrimaryRecovery(
        timeline=row.timeline,
        archive=WalArchive(
            mode=row.archive_mode,
            archived_count=row.archived_count,
            last_archived_wal=row.last_archived_wal,
            last_archived_at=row.last_archived_time,
            failed_count=row.failed_count,
            last_failed_wal=row.last_failed_wal,
            last_failed_at=row.last_failed_time,
        ),
        standbys=[
            Standby(
                name=standby.name,
                state=standby.state,
                sync_state=standby.sync_state,
                lag_bytes=standby.lag_bytes,
                lag_seconds=standby.lag_seconds,
            )
            for standby in standbys
        ],
    )
