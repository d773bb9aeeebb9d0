"""All the SQL of ingestion's writes: runs, providers, hotels, reviews, summaries, rejections.

The review path is the same on both databases. The batch's keys are looked up first; reviews
the store has never seen are bulk-loaded straight into `reviews` (binary COPY on PostgreSQL,
the driver's executemany on SQLite) — no staging, no speculative insertion — and only edited
reviews, a few percent, go through a per-connection temporary staging table and a set-based
upsert.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.core.types import UTCDateTime, sqlite_utc_text
from hotelreviews.ingestion.shapes.records import HotelRef, ProviderRef
from hotelreviews.ingestion.tables import ingested_files, nothing_counted, rejected_lines
from hotelreviews.ingestion.writing.batch import LineCounts, ReviewKey, StoredReview
from hotelreviews.ingestion.writing.summaries import Contribution
from hotelreviews.ingestion.writing.upserts import (
    BREAKDOWN_COLUMNS,
    HOTEL_ATTRIBUTES,
    REVIEW_COLUMNS,
    SUMMARY_COLUMNS,
    as_arrays,
    breakdowns_add,
    hotels_upsert,
    providers_upsert,
    review_staging,
    staged_reviews_upsert,
    standings_upsert,
    summaries_add,
)
from hotelreviews.reviews.tables import reviews

# ---- ingestion runs -------------------------------------------------------------------------


async def latest_run_for_checksum(
    connection: AsyncConnection, *, checksum: str
) -> sa.Row[Any] | None:
    query = (
        sa.select(ingested_files)
        .where(ingested_files.c.checksum == checksum)
        .order_by(ingested_files.c.id.desc())
        .limit(1)
    )
    return (await connection.execute(query)).first()


async def create_run(
    connection: AsyncConnection,
    *,
    source_uri: str,
    display_name: str,
    size_bytes: int,
    checksum: str,
    forced: bool,
    started_at: datetime,
) -> int:
    statement = (
        sa.insert(ingested_files)
        .values(
            source_uri=source_uri,
            display_name=display_name,
            size_bytes=size_bytes,
            checksum=checksum,
            status="running",
            forced=forced,
            **nothing_counted(),
            started_at=started_at,
        )
        .returning(ingested_files.c.id)
    )
    return int((await connection.execute(statement)).scalar_one())


async def start_reserved_run(
    connection: AsyncConnection,
    *,
    run_id: int,
    source_uri: str,
    display_name: str,
    size_bytes: int,
    checksum: str,
    forced: bool,
    started_at: datetime,
) -> None:
    """Make the ingestion a queued job reserved (status queued, no checksum yet) this file's
    run, as create_run would have created it."""
    await connection.execute(
        sa.update(ingested_files)
        .where(ingested_files.c.id == run_id)
        .values(
            source_uri=source_uri,
            display_name=display_name,
            size_bytes=size_bytes,
            checksum=checksum,
            status="running",
            forced=forced,
            started_at=started_at,
        )
    )


async def save_progress(connection: AsyncConnection, *, run_id: int, counts: LineCounts) -> None:
    await connection.execute(
        sa.update(ingested_files)
        .where(ingested_files.c.id == run_id)
        .values(
            status="running",
            lines_done=counts.lines_done,
            lines_blank=counts.blank,
            reviews_new=counts.new,
            reviews_updated=counts.updated,
            reviews_unchanged=counts.unchanged,
            lines_rejected=counts.rejected,
            rejected_by_reason=dict(sorted(counts.rejected_by_reason.items())),
        )
    )


async def finish_run(
    connection: AsyncConnection,
    *,
    run_id: int,
    status: str,
    finished_at: datetime,
    duration_seconds: float,
    lines_per_second: float | None,
    error: str | None = None,
) -> None:
    await connection.execute(
        sa.update(ingested_files)
        .where(ingested_files.c.id == run_id)
        .values(
            status=status,
            finished_at=finished_at,
            duration_seconds=duration_seconds,
            lines_per_second=lines_per_second,
            error=error,
        )
    )


async def insert_rejections(
    connection: AsyncConnection, *, run_id: int, rows: Sequence[dict[str, Any]]
) -> None:
    if rows:
        await connection.execute(
            sa.insert(rejected_lines), [{"file_id": run_id, **row} for row in rows]
        )


# ---- providers and hotels -------------------------------------------------------------------


async def upsert_providers(
    connection: AsyncConnection, *, refs: Iterable[ProviderRef], now: datetime
) -> dict[str, int]:
    """Ids of the given providers, creating them (or filling in a missing name) as needed."""
    rows = [
        {"key": ref.key, "name": ref.name, "rating_scale": ref.rating_scale, "created_at": now}
        for ref in sorted(refs, key=lambda ref: ref.key)
    ]
    if not rows:
        return {}
    statement = providers_upsert(connection.dialect.name)
    result = await connection.execute(statement, rows)
    return {key: provider_id for key, provider_id in result.all()}


async def upsert_hotels(
    connection: AsyncConnection, *, refs: Iterable[HotelRef], now: datetime
) -> dict[str, int]:
    """Ids of the given hotels; attributes a line leaves out keep their stored values."""
    rows = [
        {
            "external_id": ref.external_id,
            "name": ref.name,
            **{name: getattr(ref, name) for name in HOTEL_ATTRIBUTES},
            "created_at": now,
            "updated_at": now,
        }
        for ref in sorted(refs, key=lambda ref: ref.external_id)
    ]
    for row in rows:
        if row["amenities"] is not None:
            row["amenities"] = list(row["amenities"])
    if not rows:
        return {}
    statement = hotels_upsert(connection.dialect.name)
    result = await connection.execute(statement, rows)
    return {external_id: hotel_id for external_id, hotel_id in result.all()}


# ---- reviews --------------------------------------------------------------------------------


async def stage_reviews(connection: AsyncConnection, *, rows: list[tuple[Any, ...]]) -> None:
    """Replace the staging table's content with `rows` (tuples in REVIEW_COLUMNS order)."""
    # Each time, not once per pooled connection: a transaction that created it and rolled
    # back (a batch redone, a lease lost) took it away again.
    await connection.execute(sa.schema.CreateTable(review_staging, if_not_exists=True))
    await connection.execute(sa.delete(review_staging))
    await bulk_load(connection, table="review_staging", rows=rows)


async def bulk_load(
    connection: AsyncConnection, *, table: str, rows: list[tuple[Any, ...]]
) -> None:
    """Append review rows (tuples in REVIEW_COLUMNS order) to `table` the fastest way each
    database has: binary COPY on PostgreSQL, the driver's executemany on SQLite (SQLAlchemy's
    per-row parameter processing costs more than SQLite's own work; _for_sqlite does the few
    conversions it would have done). Also the benchmark's raw-load baseline."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(
            table, records=rows, columns=REVIEW_COLUMNS
        )
    else:
        insert = f"INSERT INTO {table} ({_COLUMN_LIST}) VALUES ({_PLACEHOLDERS})"
        await connection.exec_driver_sql(insert, [_for_sqlite(row) for row in rows])


_COLUMN_LIST = ", ".join(REVIEW_COLUMNS)
_PLACEHOLDERS = ", ".join("?" for _ in REVIEW_COLUMNS)
_TIMESTAMP_INDEXES = tuple(
    index
    for index, name in enumerate(REVIEW_COLUMNS)
    if isinstance(reviews.c[name].type, UTCDateTime)
)
_DATE_INDEXES = tuple(
    index for index, name in enumerate(REVIEW_COLUMNS) if isinstance(reviews.c[name].type, sa.Date)
)


def _for_sqlite(row: tuple[Any, ...]) -> tuple[Any, ...]:
    # The storage formats of UTCDateTime and Date columns on SQLite.
    values = list(row)
    for index in _TIMESTAMP_INDEXES:
        values[index] = sqlite_utc_text(values[index])
    for index in _DATE_INDEXES:
        if values[index] is not None:
            values[index] = values[index].isoformat()
    return tuple(values)


_STORED_VERSION = sa.select(
    reviews.c.provider_id,
    reviews.c.provider_review_id,
    reviews.c.content_hash,
    reviews.c.hotel_id,
    reviews.c.rating_normalized,
    reviews.c.traveller_type,
    reviews.c.aspects,
    reviews.c.review_date,
)


async def stored_versions(
    connection: AsyncConnection, *, keys: Sequence[ReviewKey]
) -> dict[ReviewKey, StoredReview]:
    """What the store already holds for these reviews."""
    if connection.dialect.name == "postgresql":
        # Keys as arrays joined to `reviews`: one statement, index look-ups, whatever the
        # batch size.
        batch = (
            sa.func.unnest(
                sa.bindparam("provider_ids", [key[0] for key in keys], ARRAY(sa.Integer)),
                sa.bindparam("review_ids", [key[1] for key in keys], ARRAY(sa.String)),
            )
            .table_valued("provider_id", "provider_review_id")
            .render_derived(with_types=False)
            .alias("batch")
        )
        matching = reviews.join(
            batch,
            sa.and_(
                reviews.c.provider_id == batch.c.provider_id,
                reviews.c.provider_review_id == batch.c.provider_review_id,
            ),
        )
        # Locked, in key order: a concurrent writer editing the same reviews waits for our
        # commit and then reads our version, so both summary deltas start from what they
        # replace. (SQLite lets one writer in at a time.)
        locked = (
            _STORED_VERSION.select_from(matching)
            .order_by(reviews.c.provider_id, reviews.c.provider_review_id)
            .with_for_update(of=reviews)
        )
        return _stored_by_key(await connection.execute(locked))
    # SQLite: the keys as one JSON array walked by json_each, each probing the unique index.
    batch = sa.func.json_each(sa.bindparam("keys", orjson.dumps(keys).decode())).table_valued(
        "value"
    )
    matching = batch.join(
        reviews,
        sa.and_(
            reviews.c.provider_id == sa.func.json_extract(batch.c.value, "$[0]"),
            reviews.c.provider_review_id == sa.func.json_extract(batch.c.value, "$[1]"),
        ),
    )
    return _stored_by_key(await connection.execute(_STORED_VERSION.select_from(matching)))


def _stored_by_key(rows: Iterable[Any]) -> dict[ReviewKey, StoredReview]:
    return {
        (row.provider_id, row.provider_review_id): StoredReview(
            content_hash=row.content_hash,
            contribution=Contribution(
                hotel_id=row.hotel_id,
                provider_id=row.provider_id,
                rating_normalized=row.rating_normalized,
                traveller_type=row.traveller_type,
                aspects=row.aspects or {},
                review_date=row.review_date,
            ),
        )
        for row in rows
    }


async def write_reviews(
    connection: AsyncConnection,
    *,
    new_rows: list[tuple[Any, ...]],
    changed_rows: list[tuple[Any, ...]],
) -> None:
    """Insert reviews the batch found absent and replace edited ones (REVIEW_COLUMNS tuples).

    PostgreSQL: new reviews are COPYed straight into `reviews`; another writer inserting one
    of those keys meanwhile makes the COPY fail with a unique violation (after waiting for
    that writer's commit), and the caller redoes the batch, whose look-up then sees it.
    SQLite (one writer at a time) measured faster through the staging table for both: its
    INSERT ... SELECT feeds the full-text index in one statement instead of row by row.
    """
    if connection.dialect.name == "postgresql":
        await bulk_load(connection, table="reviews", rows=new_rows)
        staged = changed_rows
    else:
        staged = new_rows + changed_rows
    if staged:
        await stage_reviews(connection, rows=staged)
        await connection.execute(staged_reviews_upsert(connection.dialect.name))


def is_write_conflict(error: BaseException) -> bool:
    """Whether `error` (as raised, or wrapped by SQLAlchemy) is a conflict with another writer
    that a redo of the batch resolves: a review key inserted meanwhile, or a deadlock."""
    cause: BaseException | None = error
    while cause is not None:
        if getattr(cause, "constraint_name", None) == REVIEW_KEY_CONSTRAINT:
            return True
        if getattr(cause, "sqlstate", None) in _RETRYABLE_SQLSTATES:
            return True
        cause = getattr(cause, "orig", None) or cause.__cause__
    return False


_RETRYABLE_SQLSTATES = {"40P01", "40001"}  # deadlock_detected, serialization_failure
REVIEW_KEY_CONSTRAINT = "uq_reviews_provider_id_provider_review_id"


# ---- summaries and standings ----------------------------------------------------------------


async def apply_summary_delta(
    connection: AsyncConnection,
    *,
    hotel_rows: Sequence[dict[str, Any]],
    breakdown_rows: Sequence[dict[str, Any]],
) -> None:
    """Add a batch's net change to the summaries, row by row in SQL (no read-modify-write)."""
    dialect = connection.dialect.name
    for statement, rows, columns in (
        (summaries_add(dialect), hotel_rows, SUMMARY_COLUMNS),
        (breakdowns_add(dialect), breakdown_rows, BREAKDOWN_COLUMNS),
    ):
        if rows:
            parameters = as_arrays(rows, columns) if dialect == "postgresql" else list(rows)
            await connection.execute(statement, parameters)


async def upsert_standings(connection: AsyncConnection, *, rows: Sequence[dict[str, Any]]) -> None:
    """Record providers' standings of hotels; the last snapshot of a day wins."""
    if not rows:
        return
    await connection.execute(standings_upsert(connection.dialect.name), list(rows))


# ---- bulk loads: indexes built after the load -----------------------------------------------

# The `reviews` indexes a bulk load into an empty table builds once at the end (one sorted
# build instead of a million inserts each), as the migrations define them. The key a batch's
# look-up uses (the unique constraint) and the foreign keys always stay.
_DEFERRED_INDEXES = {
    "ix_reviews_hotel_date": "CREATE INDEX ix_reviews_hotel_date"
    " ON reviews (hotel_id, review_date, id)",
    "ix_reviews_hotel_rating": "CREATE INDEX ix_reviews_hotel_rating"
    " ON reviews (hotel_id, rating_normalized, id)",
}
_DEFERRED_POSTGRESQL_INDEXES = {
    **_DEFERRED_INDEXES,
    "ix_reviews_search_vector": "CREATE INDEX ix_reviews_search_vector"
    " ON reviews USING gin (search_vector)",
}
# Memory for building them (PostgreSQL's default, 64 MB, makes the GIN build spill).
_INDEX_BUILD_MEMORY = "256MB"


def deferred_indexes(dialect: str) -> dict[str, str]:
    """The indexes a bulk load defers, by name, with the statement that creates each."""
    return _DEFERRED_POSTGRESQL_INDEXES if dialect == "postgresql" else _DEFERRED_INDEXES


async def review_indexes(connection: AsyncConnection) -> set[str]:
    """The names of the indexes `reviews` has now."""
    if connection.dialect.name == "postgresql":
        query = sa.text("SELECT indexname FROM pg_indexes WHERE tablename = 'reviews'")
    else:
        query = sa.text(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'reviews'"
        )
    return set((await connection.execute(query)).scalars())


async def any_review(connection: AsyncConnection) -> bool:
    return (await connection.execute(sa.select(reviews.c.id).limit(1))).first() is not None


async def drop_indexes(connection: AsyncConnection, *, names: Iterable[str]) -> None:
    for name in names:
        await connection.execute(sa.text(f"DROP INDEX IF EXISTS {name}"))


async def create_indexes(connection: AsyncConnection, *, names: Iterable[str]) -> None:
    definitions = deferred_indexes(connection.dialect.name)
    if connection.dialect.name == "postgresql":
        await connection.execute(
            sa.text(f"SET LOCAL maintenance_work_mem = '{_INDEX_BUILD_MEMORY}'")
        )
    for name in names:
        await connection.execute(sa.text(definitions[name]))
