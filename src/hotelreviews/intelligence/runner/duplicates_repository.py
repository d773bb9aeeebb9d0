"""The SQL of the stored duplicate index: the reviews to judge, the candidates sharing an LSH
bucket with them, the candidates' facts and signatures, and the replacement of a judged
review's signature, buckets and flags."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.intelligence.duplicates.tables import review_lsh_buckets, review_signatures
from hotelreviews.intelligence.flags.tables import review_flags
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.tables import reviews

r, s, b, f = reviews.c, review_signatures.c, review_lsh_buckets.c, review_flags.c
# Bound parameters per IN list: under SQLite's and asyncpg's limits, few round trips.
_CHUNK = 5000

_FACTS = (
    r.id,
    r.hotel_id,
    providers.c.key.label("provider"),
    r.reviewer_name,
    r.reviewer_country,
    r.review_date,
    r.stay_month,
    r.rating_normalized,
)


def _chunks(values: Collection[int]) -> Iterator[list[int]]:
    ordered = sorted(values)
    for start in range(0, len(ordered), _CHUNK):
        yield ordered[start : start + _CHUNK]


async def reviews_to_judge(
    connection: AsyncConnection, *, hotel_ids: Collection[int]
) -> list[Row[Any]]:
    """The hotels' reviews never judged, or edited since (`judged` true), oldest first, with
    their facts and texts."""
    statement = (
        sa.select(
            *_FACTS,
            r.text,
            r.positives,
            r.negatives,
            r.last_changed_at,
            s.review_id.is_not(None).label("judged"),
        )
        .select_from(
            reviews.join(providers, providers.c.id == r.provider_id).outerjoin(
                review_signatures, s.review_id == r.id
            )
        )
        .where(
            r.hotel_id.in_(sorted(hotel_ids)),
            sa.or_(s.review_id.is_(None), s.source_changed_at != r.last_changed_at),
        )
        .order_by(r.review_date, r.id)
    )
    return list((await connection.execute(statement)).all())


async def reviews_in_buckets(
    connection: AsyncConnection, *, buckets: Collection[int]
) -> list[Row[Any]]:
    """(bucket, band, review_id) of the stored reviews in any of `buckets`: one statement
    whatever their number, each bucket one probe of the primary key (led by `bucket`).

    The buckets go as one parameter (a bigint array on PostgreSQL, a JSON array walked by
    json_each on SQLite, as ingestion's stored_versions does), not as an `IN` list: a batch
    has ~25 buckets a review and most match nothing, and expanding thousands of bound
    parameters per statement cost more than the lookups. Sorted, so the probes walk the index
    in order."""
    if not buckets:
        return []
    if connection.dialect.name == "postgresql":
        statement = sa.select(b.bucket, b.band, b.review_id).where(
            _bucket_among(connection, buckets)
        )
    else:  # a join walks json_each as it comes; `IN (SELECT ...)` first copies it to a b-tree
        values = _json_values(buckets).table_valued("value")
        statement = sa.select(b.bucket, b.band, b.review_id).select_from(
            values.join(review_lsh_buckets, b.bucket == values.c.value)
        )
    return list((await connection.execute(statement)).all())


def _json_values(values: Collection[int]) -> sa.Function[Any]:
    """SQLite's json_each over the values, sorted (one parameter, however many)."""
    return sa.func.json_each(sa.bindparam("buckets", orjson.dumps(sorted(values)).decode()))


def _bucket_among(connection: AsyncConnection, buckets: Collection[int]) -> sa.ColumnElement[bool]:
    """`bucket` is one of `buckets`, the buckets passed as one parameter (sorted)."""
    if connection.dialect.name == "postgresql":
        wanted = sa.bindparam("buckets", sorted(buckets), ARRAY(sa.BigInteger))
        return b.bucket == sa.any_(wanted)
    return b.bucket.in_(sa.select(_json_values(buckets).table_valued("value").c.value))


async def facts_and_signatures(
    connection: AsyncConnection, *, review_ids: Collection[int]
) -> list[Row[Any]]:
    """The reviews' facts and stored signatures (those with one)."""
    found: list[Row[Any]] = []
    for chunk in _chunks(review_ids):
        statement = (
            sa.select(*_FACTS, s.signature)
            .select_from(
                reviews.join(providers, providers.c.id == r.provider_id).join(
                    review_signatures, s.review_id == r.id
                )
            )
            .where(r.id.in_(chunk), s.signature.is_not(None))
        )
        found += (await connection.execute(statement)).all()
    return found


async def stored_signatures(
    connection: AsyncConnection, *, review_ids: Collection[int]
) -> list[bytes]:
    """The stored signatures of the reviews (those with one): what they were judged from.

    Read apart from `reviews_to_judge` (only re-judged reviews have one): the blob column in
    that query made it and the next reads slower on PostgreSQL (11 -> 20 µs a review)."""
    found: list[bytes] = []
    for chunk in _chunks(review_ids):
        statement = sa.select(s.signature).where(s.review_id.in_(chunk), s.signature.is_not(None))
        found += (await connection.execute(statement)).scalars()
    return found


async def flag_kinds(
    connection: AsyncConnection, *, review_ids: Collection[int]
) -> dict[int, set[str]]:
    """The kinds of the stored flags of the reviews (those with any)."""
    found: dict[int, set[str]] = {}
    for chunk in _chunks(review_ids):
        statement = sa.select(f.review_id, f.kind).where(f.review_id.in_(chunk))
        for review_id, kind in (await connection.execute(statement)).all():
            found.setdefault(review_id, set()).add(kind)
    return found


async def cross_posted(connection: AsyncConnection, *, hotel_id: int) -> set[int]:
    """The hotel's reviews stored as the later copy of a cross-posted stay."""
    statement = sa.select(f.review_id).where(f.hotel_id == hotel_id, f.kind == "cross_post")
    return set((await connection.execute(statement)).scalars())


async def cross_posted_among(
    connection: AsyncConnection, *, review_ids: Collection[int]
) -> set[int]:
    """Those of the reviews stored as the later copy of a cross-posted stay."""
    found: set[int] = set()
    for chunk in _chunks(review_ids):
        statement = sa.select(f.review_id).where(f.review_id.in_(chunk), f.kind == "cross_post")
        found |= set((await connection.execute(statement)).scalars())
    return found


async def replace_judgements(
    connection: AsyncConnection,
    *,
    review_ids: Collection[int],
    signatures: Sequence[dict[str, Any]],
    old_buckets: Collection[int],
    buckets: Sequence[tuple[int, int, int]],
    flags: Sequence[dict[str, Any]],
) -> None:
    """Replace the reviews' signatures, buckets and flags by these (deletes, then inserts: a
    re-run of the same plan writes the same rows). `review_ids`: those judged before, whose
    rows are deleted (a review never judged has none: its deletes would find nothing);
    `old_buckets`: their stored buckets, recomputed from their stored signatures (the bucket
    table has no index by review: its rows are found by bucket, then review)."""
    for chunk in _chunks(review_ids):
        if old_buckets:
            await connection.execute(
                sa.delete(review_lsh_buckets).where(
                    _bucket_among(connection, old_buckets), b.review_id.in_(chunk)
                )
            )
        await connection.execute(sa.delete(review_flags).where(f.review_id.in_(chunk)))
        await connection.execute(sa.delete(review_signatures).where(s.review_id.in_(chunk)))
    for table, rows in ((review_signatures, signatures), (review_flags, flags)):
        if rows:
            await connection.execute(sa.insert(table), list(rows))
    await _load_buckets(connection, rows=buckets)


_BUCKET_COLUMNS = ("bucket", "band", "review_id")


async def _load_buckets(
    connection: AsyncConnection, *, rows: Sequence[tuple[int, int, int]]
) -> None:
    """Append (bucket, band, review_id) rows the fastest way each database has (25 a review:
    SQLAlchemy's per-row parameter processing would cost more than the database's work, as
    for ingestion's bulk_load): binary COPY on PostgreSQL, the driver's executemany on SQLite."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        raw = await connection.get_raw_connection()
        await raw.driver_connection.copy_records_to_table(
            "review_lsh_buckets", records=list(rows), columns=_BUCKET_COLUMNS
        )
    else:
        await connection.exec_driver_sql(
            "INSERT INTO review_lsh_buckets (bucket, band, review_id) VALUES (?, ?, ?)",
            list(rows),
        )
