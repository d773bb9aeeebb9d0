"""All the SQL of the ingestion queue: enqueueing, claiming under a lease, progress, outcomes.

Leases and retry times are read and written on the database's clock on PostgreSQL, so workers
in several regions agree on them whatever their own clocks say; SQLite is one machine's file,
so its clock is this process's.

Every statement a worker runs on a job it holds checks `lease_owner = me AND status =
'running'`: once another worker has taken the job over, the first one's writes change nothing
and it learns so from the row count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement

from hotelreviews.core.clock import utcnow
from hotelreviews.core.types import UTCDateTime
from hotelreviews.ingestion.tables import ingested_files, ingestion_jobs, nothing_counted

QUEUED, RUNNING, RETRYING, SUCCEEDED, DEAD = "queued", "running", "retrying", "succeeded", "dead"
# Statuses of a job some worker will still work on.
ACTIVE = (QUEUED, RUNNING, RETRYING)
# Statuses of an ingestions row reserved by a job that never became a run.
RESERVED, SKIPPED, FAILED = "queued", "skipped", "failed"

j, f = ingestion_jobs.c, ingested_files.c


def _now(connection: AsyncConnection) -> ColumnElement[datetime]:
    if connection.dialect.name == "postgresql":
        return sa.func.statement_timestamp(type_=UTCDateTime)
    return sa.literal(utcnow(), UTCDateTime)


def _in(connection: AsyncConnection, seconds: float) -> ColumnElement[datetime]:
    """`seconds` from now on the database's clock."""
    if connection.dialect.name == "postgresql":
        return sa.func.statement_timestamp(type_=UTCDateTime) + sa.func.make_interval(
            0, 0, 0, 0, 0, 0, sa.literal(float(seconds), sa.Float)
        )
    return sa.literal(utcnow() + timedelta(seconds=seconds), UTCDateTime)


# ---- enqueueing -----------------------------------------------------------------------------


async def insert_job(
    connection: AsyncConnection,
    *,
    source_uri: str,
    shown_uri: str,
    display_name: str,
    source_identity: str | None,
    bytes_total: int | None,
    max_attempts: int,
    idempotency_key: str | None = None,
    request_fingerprint: str | None = None,
    created_by: str | None = None,
) -> int:
    """Reserve an ingestion (status queued, no checksum until a worker reads the source) and
    queue a job under its id; the id is the ingestion's id in the API."""
    now = utcnow()
    reserved = (
        sa.insert(ingested_files)
        .values(
            source_uri=shown_uri,
            display_name=display_name,
            size_bytes=bytes_total or 0,
            checksum="",  # never a sha256: a reserved ingestion matches no content
            status=RESERVED,
            forced=False,
            **nothing_counted(),
            started_at=now,
            created_by=created_by,
        )
        .returning(f.id)
    )
    job_id = int((await connection.execute(reserved)).scalar_one())
    await connection.execute(
        sa.insert(ingestion_jobs).values(
            id=job_id,
            source_uri=source_uri,
            source_identity=source_identity,
            status=QUEUED,
            attempts=0,
            max_attempts=max_attempts,
            next_attempt_at=_now(connection),
            bytes_total=bytes_total,
            bytes_done=0,
            lines_done=0,
            idempotency_key=idempotency_key,
            request_fingerprint=request_fingerprint,
            created_at=now,
            updated_at=now,
        )
    )
    return job_id


async def job_for_idempotency_key(connection: AsyncConnection, *, key: str) -> sa.Row[Any] | None:
    statement = (
        sa.select(j.id, j.request_fingerprint, f.created_by)
        .join_from(ingestion_jobs, ingested_files, f.id == j.id)
        .where(j.idempotency_key == key)
    )
    return (await connection.execute(statement)).first()


async def queued_versions(
    connection: AsyncConnection, *, source_uris: Iterable[str]
) -> set[tuple[str, str]]:
    """(source URI, identity) of the given sources' versions that already have a job."""
    statement = sa.select(j.source_uri, j.source_identity).where(
        j.source_uri.in_(sa.bindparam("uris", expanding=True)), j.source_identity.is_not(None)
    )
    result = await connection.execute(statement, {"uris": list(source_uris)})
    return {(uri, identity) for uri, identity in result.all()}


# ---- claiming and holding -------------------------------------------------------------------


async def claim_due_job(
    connection: AsyncConnection, *, owner: str, lease_seconds: float
) -> sa.Row[Any] | None:
    """Take the job due longest: queued, retrying and due, or running under an expired lease.

    One statement on both databases: on PostgreSQL the sub-select locks its row FOR UPDATE
    SKIP LOCKED, so concurrent workers each get a different job and never wait for one
    another; SQLite runs one write transaction at a time, which is the same guarantee.
    """
    now = _now(connection)
    due = sa.or_(
        sa.and_(j.status.in_((QUEUED, RETRYING)), j.next_attempt_at <= now),
        sa.and_(j.status == RUNNING, j.lease_expires_at <= now),
    )
    pick = (
        sa.select(j.id)
        .where(due)
        .order_by(j.next_attempt_at, j.id)
        .limit(1)
        .with_for_update(skip_locked=True)
        .scalar_subquery()
    )
    statement = (
        sa.update(ingestion_jobs)
        .where(j.id == pick)
        .values(
            status=RUNNING,
            attempts=j.attempts + 1,
            lease_owner=owner,
            lease_expires_at=_in(connection, lease_seconds),
            updated_at=utcnow(),
        )
        .returning(ingestion_jobs)
    )
    return (await connection.execute(statement)).first()


def _held(job_id: int, owner: str) -> ColumnElement[bool]:
    return sa.and_(j.id == job_id, j.lease_owner == owner, j.status == RUNNING)


async def renew_lease(
    connection: AsyncConnection, *, job_id: int, owner: str, lease_seconds: float
) -> bool:
    """Extend the lease; False when the job is no longer this owner's."""
    statement = (
        sa.update(ingestion_jobs)
        .where(_held(job_id, owner))
        .values(lease_expires_at=_in(connection, lease_seconds), updated_at=utcnow())
    )
    return (await connection.execute(statement)).rowcount == 1


async def record_progress(
    connection: AsyncConnection,
    *,
    job_id: int,
    owner: str,
    lease_seconds: float,
    run_id: int,
    lines_done: int,
    bytes_done: int,
) -> bool:
    """Progress of a batch being committed, and a renewed lease; False when the job is no
    longer this owner's (the caller must then roll the batch back)."""
    statement = (
        sa.update(ingestion_jobs)
        .where(_held(job_id, owner))
        .values(
            run_id=run_id,
            lines_done=lines_done,
            bytes_done=sa.func.greatest(j.bytes_done, bytes_done)
            if connection.dialect.name == "postgresql"
            else sa.func.max(j.bytes_done, bytes_done),
            lease_expires_at=_in(connection, lease_seconds),
            updated_at=utcnow(),
        )
    )
    return (await connection.execute(statement)).rowcount == 1


async def is_active_job(connection: AsyncConnection, *, job_id: int) -> bool:
    """Whether `job_id` is a job some worker still works on (queued, running or retrying)."""
    statement = sa.select(j.id).where(j.id == job_id, j.status.in_(ACTIVE))
    return (await connection.execute(statement)).first() is not None


# ---- outcomes -------------------------------------------------------------------------------


async def finish_job(
    connection: AsyncConnection,
    *,
    job_id: int,
    owner: str,
    status: str,
    run_id: int | None,
    error: str | None = None,
    lines_done: int | None = None,
    bytes_done: int | None = None,
) -> bool:
    """End a held job as succeeded or dead; its owner stays recorded as the one that ended it."""
    now = utcnow()
    values: dict[str, Any] = {
        "status": status,
        "run_id": run_id,
        "lease_expires_at": None,
        "updated_at": now,
        "finished_at": now,
    }
    if error is not None:
        values["last_error"] = error
    if lines_done is not None:
        values["lines_done"] = lines_done
    if bytes_done is not None:
        values["bytes_done"] = bytes_done
    statement = sa.update(ingestion_jobs).where(_held(job_id, owner)).values(**values)
    return (await connection.execute(statement)).rowcount == 1


async def schedule_retry(
    connection: AsyncConnection, *, job_id: int, owner: str, delay_seconds: float, error: str
) -> bool:
    """Give a held job back for another attempt after `delay_seconds`."""
    statement = (
        sa.update(ingestion_jobs)
        .where(_held(job_id, owner))
        .values(
            status=RETRYING,
            next_attempt_at=_in(connection, delay_seconds),
            lease_owner=None,
            lease_expires_at=None,
            last_error=error,
            updated_at=utcnow(),
        )
    )
    return (await connection.execute(statement)).rowcount == 1


async def release_job(
    connection: AsyncConnection,
    *,
    job_id: int,
    owner: str,
    delay_seconds: float = 0.0,
    note: str | None = None,
) -> bool:
    """Give a held job back as queued without counting the attempt (a worker stopping, or
    the same content being read by another job)."""
    values: dict[str, Any] = {
        "status": QUEUED,
        "attempts": j.attempts - 1,
        "next_attempt_at": _in(connection, delay_seconds),
        "lease_owner": None,
        "lease_expires_at": None,
        "updated_at": utcnow(),
    }
    if note is not None:
        values["last_error"] = note
    statement = sa.update(ingestion_jobs).where(_held(job_id, owner)).values(**values)
    return (await connection.execute(statement)).rowcount == 1


async def settle_reservation(
    connection: AsyncConnection, *, job_id: int, status: str, error: str | None = None
) -> None:
    """End the ingestion a job reserved but never used as a run: skipped (its content was
    ingested already) or failed (the source could not be read)."""
    now = utcnow()
    await connection.execute(
        sa.update(ingested_files)
        .where(f.id == job_id, f.status == RESERVED)
        .values(status=status, error=error, finished_at=now, duration_seconds=0.0)
    )


async def has_unfinished_jobs(connection: AsyncConnection) -> bool:
    """Whether any job is queued, running or waiting for a retry."""
    statement = sa.select(j.id).where(j.status.in_(ACTIVE)).limit(1)
    return (await connection.execute(statement)).first() is not None


# ---- measuring the queue --------------------------------------------------------------------


async def jobs_by_status(connection: AsyncConnection) -> dict[str, int]:
    """How many jobs are in each status (one GROUP BY over the status index)."""
    statement = sa.select(j.status, sa.func.count()).group_by(j.status)
    return {status: count for status, count in await connection.execute(statement)}


async def longest_due_wait_seconds(connection: AsyncConnection) -> float:
    """How long the job due longest (queued, or retrying and due) has waited to be taken, on
    the database's clock; 0 when none is due."""
    now = _now(connection)
    statement = sa.select(sa.func.min(j.next_attempt_at), now).where(
        j.status.in_((QUEUED, RETRYING)), j.next_attempt_at <= now
    )
    oldest, at = (await connection.execute(statement)).one()
    return 0.0 if oldest is None else max(0.0, (at - oldest).total_seconds())
