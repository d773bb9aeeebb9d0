"""All the SQL of routing: a replica's replication status and replay position, the primary's
WAL position. PostgreSQL only (SQLite has no replicas and no WAL positions to compare).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.routing.lsn import parse_lsn

# Measured on the replica itself: what it has received and replayed, and how old the last
# transaction it replayed is (by the primary's commit clock, against the replica's clock).
# On a server that is not in recovery (a promoted replica, the region's own primary) the
# "replayed" position is its WAL insert position: it has every commit made so far.
_REPLAYED = (
    "CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
    " ELSE pg_current_wal_insert_lsn() END::text"
)
# The server's cluster_name, if set: `cluster up` names each server after its region.
SERVER_NAME = "NULLIF(current_setting('cluster_name'), '')"
_STATUS = sa.text(
    "SELECT pg_is_in_recovery() AS in_recovery,"
    " pg_last_wal_receive_lsn()::text AS receive_lsn,"
    f" {_REPLAYED} AS replay_lsn,"
    " EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8 AS replay_age,"
    f" {SERVER_NAME} AS server_name"
)
_REPLAY_LSN = sa.text(f"SELECT {_REPLAYED}")
# The insert position, not the write or flush position: it is past the end of every commit
# record already inserted, even one whose WAL is not flushed yet (synchronous_commit=off).
_INSERT_LSN = sa.text("SELECT pg_current_wal_insert_lsn()::text")


@dataclass(frozen=True, slots=True)
class ReplicationStatus:
    in_recovery: bool
    receive_lsn: int | None  # None: not streaming (yet), e.g. just started
    replay_lsn: int | None  # on a primary: its WAL insert position
    replay_age_seconds: float | None  # None: no transaction replayed since the server started
    server_name: str | None = None  # its cluster_name (the region, in a cluster), if set


async def replication_status(connection: AsyncConnection) -> ReplicationStatus:
    row = (await connection.execute(_STATUS)).one()
    return ReplicationStatus(
        in_recovery=bool(row.in_recovery),
        receive_lsn=_lsn(row.receive_lsn),
        replay_lsn=_lsn(row.replay_lsn),
        replay_age_seconds=row.replay_age,
        server_name=row.server_name,
    )


async def replay_lsn(connection: AsyncConnection) -> int | None:
    """How far the replica has replayed (on a primary: its WAL insert position)."""
    return _lsn((await connection.execute(_REPLAY_LSN)).scalar_one())


async def current_wal_position(connection: AsyncConnection) -> int:
    """The primary's WAL insert position (every commit already made ends at or before it)."""
    return parse_lsn((await connection.execute(_INSERT_LSN)).scalar_one())


def _lsn(text: str | None) -> int | None:
    return None if text is None else parse_lsn(text)
