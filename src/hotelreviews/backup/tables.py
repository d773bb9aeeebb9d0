"""Row counts and checksums of the main tables, to prove a restored backup holds the data.

A table's checksum is the MD5 of its rows' MD5s in sorted order (each row as PostgreSQL's
text of the whole row), so it does not depend on the physical order of rows. Cost: one
sequential scan of each table, an MD5 per row and a sort of 32-byte hashes: linear in the
data's size, like `SELECT count(*)` plus hashing every byte once, and a sort of one hash per
row (on disk past work_mem). Measured figures: docs/operations.md.

On a primary the tables are read under SHARE locks (writers wait; readers do not) and the WAL
position taken inside that window: the sums describe the database exactly at that position,
which is where `backup verify` stops recovery. On a replica, replay is paused instead.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from hotelreviews.backup.errors import BackupError

# The tables whose loss would matter; any missing from the database are skipped.
MAIN_TABLES = (
    "providers",
    "hotels",
    "reviews",
    "hotel_summaries",
    "hotel_summary_breakdowns",
    "hotel_provider_standings",
    "ingested_files",
    "rejected_lines",
    "users",
    "api_keys",
    "user_hotels",  # which hotels each manager manages
    "audit_events",
    # Raised by the runner, but their states (acknowledged, resolved, with notes) are people's.
    "alerts",
)
# Text of rows must not depend on the session: the same row gives the same text on any server.
_SESSION = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, MDY",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
    "lock_timeout": "60s",
}


@dataclass(frozen=True)
class TableSum:
    rows: int
    md5: str


@dataclass(frozen=True)
class TablesSnapshot:
    lsn: str  # the WAL position the sums describe
    at: datetime  # the server's clock then
    tables: dict[str, TableSum]


def snapshot_primary(dsn: str) -> TablesSnapshot:
    """Sums of a primary's main tables under SHARE locks, and the WAL position they hold at."""
    return asyncio.run(_snapshot(dsn, replica=False))


def snapshot_replica(dsn: str) -> TablesSnapshot:
    """Sums of a replica's main tables with replay paused, and the position replayed."""
    return asyncio.run(_snapshot(dsn, replica=True))


def table_sums(dsn: str) -> dict[str, TableSum]:
    """Sums of a server nobody writes to (a restored scratch server)."""

    async def read() -> dict[str, TableSum]:
        connection = await _connect(dsn)
        try:
            return await _sums(connection, await _present(connection))
        finally:
            await connection.close()

    return asyncio.run(read())


def compare(recorded: dict[str, TableSum], found: dict[str, TableSum]) -> list[str]:
    """What differs between the sums taken at backup time and a restored server's, one
    sentence per table (empty: identical)."""
    problems = []
    for name, expected in sorted(recorded.items()):
        actual = found.get(name)
        if actual is None:
            problems.append(f"table {name} is missing ({expected.rows} rows when backed up)")
        elif actual.rows != expected.rows:
            problems.append(f"table {name} has {actual.rows} rows, {expected.rows} when backed up")
        elif actual.md5 != expected.md5:
            problems.append(
                f"table {name} has the right number of rows ({actual.rows}) but other "
                f"contents (checksum {actual.md5}, {expected.md5} when backed up)"
            )
    for name in sorted(set(found) - set(recorded)):
        problems.append(f"table {name} exists but was not there when backed up")
    return problems


async def _snapshot(dsn: str, *, replica: bool) -> TablesSnapshot:
    connection = await _connect(dsn)
    try:
        tables = await _present(connection)
        if replica:
            return await _snapshot_paused(connection, tables)
        async with connection.transaction(isolation="repeatable_read"):
            # Locks first: the snapshot is taken by the first query, after every writer of
            # these tables has finished and while no new one can start.
            if tables:
                names = ", ".join(_qualified(name) for name in tables)
                try:
                    await connection.execute(f"LOCK TABLE {names} IN SHARE MODE")
                except asyncpg.LockNotAvailableError:
                    raise BackupError(
                        "the main tables stayed locked by writers for 60 s; run "
                        "`hotelreviews backup create` again when the load is lower"
                    ) from None
            lsn, at = await connection.fetchrow(
                "SELECT pg_current_wal_insert_lsn()::text, clock_timestamp()"
            )
            sums = await _sums(connection, tables)
            # An xid makes this transaction write a commit record after `lsn`: recovery
            # stopping before the first record at `lsn` always finds one to stop at.
            await connection.execute("SELECT pg_current_xact_id()")
        return TablesSnapshot(lsn=lsn, at=at, tables=sums)
    finally:
        await connection.close()


async def _snapshot_paused(connection: asyncpg.Connection, tables: list[str]) -> TablesSnapshot:
    await connection.execute("SELECT pg_wal_replay_pause()")
    try:
        while True:  # a pause takes effect after the record being replayed
            if await connection.fetchval("SELECT pg_get_wal_replay_pause_state()") == "paused":
                break
            await asyncio.sleep(0.05)
        lsn, at = await connection.fetchrow(
            "SELECT pg_last_wal_replay_lsn()::text, clock_timestamp()"
        )
        sums = await _sums(connection, tables)
    finally:
        await connection.execute("SELECT pg_wal_replay_resume()")
    return TablesSnapshot(lsn=lsn, at=at, tables=sums)


async def _connect(dsn: str) -> asyncpg.Connection:
    try:
        return await asyncpg.connect(dsn, server_settings=_SESSION, timeout=30)
    except (OSError, asyncpg.PostgresError) as error:
        raise BackupError(f"cannot connect to {_without_user(dsn)}: {error}") from None


async def _present(connection: asyncpg.Connection) -> list[str]:
    rows = await connection.fetch(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY($1)",
        list(MAIN_TABLES),
    )
    present = {row["tablename"] for row in rows}
    return [name for name in MAIN_TABLES if name in present]


async def _sums(connection: asyncpg.Connection, tables: list[str]) -> dict[str, TableSum]:
    sums = {}
    for name in tables:
        rows, digest = await connection.fetchrow(
            "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
            f"FROM (SELECT md5(t::text) AS h FROM {_qualified(name)} AS t) AS hashes"
        )
        sums[name] = TableSum(rows=int(rows), md5=digest)
    return sums


def _qualified(name: str) -> str:
    # Names come from MAIN_TABLES only; quoting keeps them literal all the same.
    return 'public."' + name.replace('"', '""') + '"'


def _without_user(dsn: str) -> str:
    return dsn.split("@", 1)[-1]
