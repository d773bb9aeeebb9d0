"""The upsert statements of ingestion, built once per dialect.

PostgreSQL and SQLite share the INSERT ... ON CONFLICT DO UPDATE form (and SQLAlchemy gives
both the same API), so each statement is written once. Building them is not free (column
collections for `excluded`), so they are cached: every batch reuses them.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY

from hotelreviews.hotels.tables import (
    hotel_provider_standings,
    hotel_summaries,
    hotel_summary_breakdowns,
    hotels,
)
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.tables import reviews

# Review columns a batch writes, in staging-table (and COPY record) order.
REVIEW_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in reviews.columns if column.name != "id"
)
# On an edit everything but identity and first sighting is replaced.
_UPDATED_COLUMNS = tuple(
    name
    for name in REVIEW_COLUMNS
    if name not in ("provider_id", "provider_review_id", "first_seen_at")
)
HOTEL_ATTRIBUTES = ("city", "country", "address", "stars", "latitude", "longitude", "amenities")

review_staging = sa.Table(
    "review_staging",
    sa.MetaData(),
    *(sa.Column(reviews.c[name].name, reviews.c[name].type) for name in REVIEW_COLUMNS),
    prefixes=["TEMPORARY"],
)


def _insert(dialect: str, table: sa.Table) -> Any:
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(table)


def _bulk_insert(dialect: str, table: sa.Table, columns: tuple[str, ...]) -> Any:
    """INSERT of many rows as one statement on PostgreSQL: the rows arrive as one array per
    column (see `as_arrays`) and are unnested server-side, which costs one round trip instead
    of one per row. SQLite takes the rows as an executemany, which is in-process anyway."""
    if dialect != "postgresql":
        return sqlite.insert(table)
    arrays = (
        sa.func.unnest(
            *(sa.bindparam(name, type_=ARRAY(_plain(table.c[name].type))) for name in columns)
        )
        .table_valued(*columns)
        .render_derived(with_types=False)
    )
    return postgresql.insert(table).from_select(columns, sa.select(*arrays.c))


def _plain(column_type: Any) -> Any:
    return column_type.impl if isinstance(column_type, sa.types.TypeDecorator) else column_type


def as_arrays(rows: Sequence[dict[str, Any]], columns: tuple[str, ...]) -> dict[str, list[Any]]:
    """Rows turned into one list per column, the parameters of a `_bulk_insert` statement."""
    return {name: [row[name] for row in rows] for name in columns}


SUMMARY_COLUMNS = (
    "hotel_id",
    "review_count",
    "rating_sum_centi",
    "rating_mean",
    "latest_review_at",
)
BREAKDOWN_COLUMNS = ("hotel_id", "dimension", "key", "review_count", "rating_sum_centi")


def _greatest(dialect: str, left: Any, right: Any) -> Any:
    """The later of two nullable values (PostgreSQL's GREATEST ignores NULLs; SQLite's max not)."""
    if dialect == "postgresql":
        return sa.func.greatest(left, right)
    return sa.func.max(sa.func.coalesce(left, right), sa.func.coalesce(right, left))


@cache
def providers_upsert(dialect: str) -> Any:
    """Create providers, or fill in a name that was missing; returns (key, id)."""
    statement = _insert(dialect, providers)
    return statement.on_conflict_do_update(
        index_elements=["key"],
        set_={"name": sa.func.coalesce(providers.c.name, statement.excluded.name)},
    ).returning(providers.c.key, providers.c.id)


@cache
def hotels_upsert(dialect: str) -> Any:
    """Create or update hotels; attributes a line leaves out keep their stored values."""
    statement = _insert(dialect, hotels)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["external_id"],
        set_={
            "name": excluded.name,
            **{
                name: sa.func.coalesce(excluded[name], hotels.c[name])
                for name in HOTEL_ATTRIBUTES
                if name != "amenities"
            },
            # COALESCE can't mix jsonb and json parameters portably: keep it a CASE.
            "amenities": sa.case(
                (excluded.amenities.is_(None), hotels.c.amenities), else_=excluded.amenities
            ),
            "updated_at": excluded.updated_at,
        },
    ).returning(hotels.c.external_id, hotels.c.id)


@cache
def staged_reviews_upsert(dialect: str) -> Any:
    """Insert new staged reviews and replace changed ones; unchanged rows are not touched."""
    staged = sa.select(*(review_staging.c[name] for name in REVIEW_COLUMNS)).where(sa.true())
    statement = _insert(dialect, reviews).from_select(REVIEW_COLUMNS, staged)
    return statement.on_conflict_do_update(
        index_elements=["provider_id", "provider_review_id"],
        set_={name: statement.excluded[name] for name in _UPDATED_COLUMNS},
        where=reviews.c.content_hash != statement.excluded.content_hash,
    )


@cache
def summaries_add(dialect: str) -> Any:
    """Add a change (counts and rating sums, possibly negative) to hotel summaries."""
    statement = _bulk_insert(dialect, hotel_summaries, SUMMARY_COLUMNS)
    excluded, current = statement.excluded, hotel_summaries.c
    count = current.review_count + excluded.review_count
    total = current.rating_sum_centi + excluded.rating_sum_centi
    return statement.on_conflict_do_update(
        index_elements=["hotel_id"],
        set_={
            "review_count": count,
            "rating_sum_centi": total,
            "rating_mean": sa.case(
                (count > 0, sa.cast(total, sa.Float) / count / 100.0), else_=None
            ),
            "latest_review_at": _greatest(
                dialect, current.latest_review_at, excluded.latest_review_at
            ),
        },
    )


@cache
def breakdowns_add(dialect: str) -> Any:
    statement = _bulk_insert(dialect, hotel_summary_breakdowns, BREAKDOWN_COLUMNS)
    excluded, current = statement.excluded, hotel_summary_breakdowns.c
    return statement.on_conflict_do_update(
        index_elements=["hotel_id", "dimension", "key"],
        set_={
            "review_count": current.review_count + excluded.review_count,
            "rating_sum_centi": current.rating_sum_centi + excluded.rating_sum_centi,
        },
    )


@cache
def standings_upsert(dialect: str) -> Any:
    """Record providers' standings of hotels; the last snapshot of a day wins."""
    statement = _insert(dialect, hotel_provider_standings)
    return statement.on_conflict_do_update(
        index_elements=["hotel_id", "provider_id", "as_of"],
        set_={
            "score": statement.excluded.score,
            "review_count": statement.excluded.review_count,
            "grades": statement.excluded.grades,
        },
    )
