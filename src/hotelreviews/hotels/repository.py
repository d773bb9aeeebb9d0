"""All the SQL of hotels: the filtered list, one hotel with its summary, existence checks,
and a hotel's rating trend (reviews grouped by calendar month or ISO week, in SQL on both
databases) with the stored aspect opinions of its reviews (folded into buckets in Python:
grouping inside the JSON lists would need different JSON functions on each database)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from functools import cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from hotelreviews.core.driver_reads import ReadConnection, fetch_first
from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of
from hotelreviews.core.prepared import PreparedQuery
from hotelreviews.hotels.filters import HotelFilters, TrendFilters
from hotelreviews.hotels.tables import (
    hotel_provider_standings,
    hotel_summaries,
    hotel_summary_breakdowns,
    hotels,
)
from hotelreviews.intelligence.opinions.tables import review_opinions
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.tables import reviews

h, s = hotels.c, hotel_summaries.c
# Hotels without a summary row have no reviews: the LEFT JOIN gives NULLs, read as 0 / none.
REVIEW_COUNT = sa.func.coalesce(s.review_count, 0)
RATING_OR_LAST = sa.func.coalesce(s.rating_mean, sa.literal(-1.0, sa.Float))  # ratings are >= 0

ORDERS = {
    "rating": KeysetOrder(
        "hotels:rating", (SortKey(RATING_OR_LAST, True, "float"), SortKey(h.id, False, "int"))
    ),
    "reviews": KeysetOrder(
        "hotels:reviews", (SortKey(REVIEW_COUNT, True, "int"), SortKey(h.id, False, "int"))
    ),
    "name": KeysetOrder(
        "hotels:name", (SortKey(h.name, False, "str"), SortKey(h.id, False, "int"))
    ),
}

_LIST_COLUMNS = (
    h.id,
    h.external_id,
    h.name,
    h.city,
    h.country,
    h.stars,
    REVIEW_COUNT.label("review_count"),
    s.rating_sum_centi,
    s.latest_review_at,
)
_WITH_SUMMARY = hotels.outerjoin(hotel_summaries, s.hotel_id == h.id)


def _filtered(filters: HotelFilters) -> Select[Any]:
    clauses: list[ColumnElement[bool]] = []
    if filters.city is not None:
        clauses.append(sa.func.lower(h.city) == sa.func.lower(filters.city))
    if filters.country is not None:
        clauses.append(sa.func.lower(h.country) == sa.func.lower(filters.country))
    if filters.min_rating is not None:
        clauses.append(s.rating_mean >= filters.min_rating)
    if filters.min_reviews:
        clauses.append(filters.min_reviews <= REVIEW_COUNT)
    if filters.q is not None:
        clauses.append(sa.func.lower(h.name).contains(filters.q.lower(), autoescape=True))
    return sa.select(*_LIST_COLUMNS).select_from(_WITH_SUMMARY).where(*clauses)


async def list_hotels(
    connection: AsyncConnection, *, filters: HotelFilters, order: KeysetOrder, page: PageRequest
) -> list[Row[Any]]:
    """One page plus one extra row (which tells whether there is a next page)."""
    return list((await connection.execute(order.apply(_filtered(filters), page))).all())


async def count_hotels(
    connection: AsyncConnection, *, filters: HotelFilters, page: PageRequest
) -> int:
    return int((await connection.execute(count_of(_filtered(filters), page))).scalar_one())


_HOTEL_EXISTS = PreparedQuery(lambda _: sa.select(h.id).where(h.id == sa.bindparam("hotel_id")))


async def hotel_exists(connection: ReadConnection, *, hotel_id: int) -> bool:
    return await fetch_first(connection, _HOTEL_EXISTS, hotel_id=hotel_id) is not None


async def hotel_document(connection: ReadConnection, *, hotel_id: int) -> Mapping[str, Any] | None:
    """The hotel with its summary, its breakdowns and its latest provider standings, in one
    row and one round trip; None when there is no such hotel.

    `breakdowns` is a JSON array of [dimension, key, review_count, rating_sum_centi,
    provider_name] (breakdowns with reviews only), `standings` one of [provider_id,
    provider_name, score, review_count, grades, as_of] (the latest snapshot on each provider;
    history keeps older ones); either is None or [] when there are none, in no set order.
    Aggregated in the database: a row per breakdown would repeat the hotel's columns (its
    amenities document, its timestamps) a few dozen times, each decoded again.
    """
    return await fetch_first(connection, _HOTEL_DOCUMENT, hotel_id=hotel_id)


# Hot statements are built once, with the hotel id bound at execution: building a select
# costs more CPU than running it.
def _hotel_document(dialect: str) -> Select[Any]:
    hotel_id = sa.bindparam("hotel_id")
    b, st, p = hotel_summary_breakdowns.c, hotel_provider_standings.c, providers.c
    if dialect == "postgresql":
        array, aggregate = sa.func.json_build_array, sa.func.json_agg
        grades: ColumnElement[Any] = st.grades
    else:  # SQLite's JSON functions; json() embeds the stored text as a document, not a string
        array, aggregate = sa.func.json_array, sa.func.json_group_array
        grades = sa.func.json(st.grades)
    breakdowns = (
        sa.select(aggregate(array(b.dimension, b.key, b.review_count, b.rating_sum_centi, p.name)))
        .select_from(
            hotel_summary_breakdowns.outerjoin(
                providers,
                # The provider dimension is keyed by the provider id as text.
                sa.and_(b.dimension == "provider", sa.cast(p.id, sa.String) == b.key),
            )
        )
        .where(b.hotel_id == hotel_id, b.review_count > 0)
        .scalar_subquery()
    )
    latest = (
        sa.select(st.provider_id, sa.func.max(st.as_of).label("as_of"))
        .where(st.hotel_id == hotel_id)
        .group_by(st.provider_id)
        .subquery()
    )
    standings = (
        sa.select(
            aggregate(array(st.provider_id, p.name, st.score, st.review_count, grades, st.as_of))
        )
        .select_from(
            hotel_provider_standings.join(
                latest,
                sa.and_(st.provider_id == latest.c.provider_id, st.as_of == latest.c.as_of),
            ).join(providers, p.id == st.provider_id)
        )
        .where(st.hotel_id == hotel_id)
        .scalar_subquery()
    )
    return (
        sa.select(
            *hotels.c,
            s.review_count,
            s.rating_sum_centi,
            s.latest_review_at,
            sa.type_coerce(breakdowns, sa.JSON).label("breakdowns"),
            sa.type_coerce(standings, sa.JSON).label("standings"),
        )
        .select_from(_WITH_SUMMARY)
        .where(h.id == hotel_id)
    )


_HOTEL_DOCUMENT = PreparedQuery(_hotel_document)


async def trend_opinions(
    connection: AsyncConnection,
    *,
    hotel_id: int,
    first_day: date,
    filters: TrendFilters,
) -> list[Row[Any]]:
    """`review_day` and `opinions` of the hotel's analysed reviews from `first_day` (UTC) on,
    narrowed by the trend's filters (on the reviews, as the trend's counts are)."""
    statement = _trend_opinions(
        filters.provider_id is not None, filters.since is not None, filters.until is not None
    )
    parameters = {
        "hotel_id": hotel_id,
        "first_day": first_day,
        "provider_id": filters.provider_id,
        "since": filters.since,
        "until": filters.until,
    }
    return list((await connection.execute(statement, parameters)).all())


@cache
def _trend_opinions(by_provider: bool, has_since: bool, has_until: bool) -> Select[Any]:
    o, r = review_opinions.c, reviews.c
    return (
        sa.select(o.review_day, o.opinions)
        .select_from(review_opinions.join(reviews, r.id == o.review_id))
        .where(
            # (hotel_id, review_day): the table's index
            o.hotel_id == sa.bindparam("hotel_id"),
            o.review_day >= sa.bindparam("first_day", type_=sa.Date),
            *_review_clauses(by_provider, has_since, has_until),
        )
    )


def _review_clauses(
    by_provider: bool, has_since: bool, has_until: bool
) -> list[ColumnElement[bool]]:
    """The trend's filters on the reviews, their values bound at execution."""
    r = reviews.c
    clauses: list[ColumnElement[bool]] = [r.hotel_id == sa.bindparam("hotel_id")]
    if by_provider:
        clauses.append(r.provider_id == sa.bindparam("provider_id"))
    if has_since:
        clauses.append(r.review_date >= sa.bindparam("since", type_=r.review_date.type))
    if has_until:
        clauses.append(r.review_date <= sa.bindparam("until", type_=r.review_date.type))
    return clauses


async def rating_trend(
    connection: AsyncConnection, *, hotel_id: int, bucket: str, filters: TrendFilters
) -> list[Row[Any]]:
    """One row per non-empty bucket, oldest first: `start` (a date), `reviews`, the mean
    normalised and raw ratings, and the smallest and largest rating scale in the bucket."""
    statement = _rating_trend(
        connection.dialect.name,
        bucket,
        filters.provider_id is not None,
        filters.since is not None,
        filters.until is not None,
    )
    parameters = {
        "hotel_id": hotel_id,
        "provider_id": filters.provider_id,
        "since": filters.since,
        "until": filters.until,
    }
    return list((await connection.execute(statement, parameters)).all())


def _sql_text(constant: str) -> ColumnElement[str]:
    """A constant of our own written into the SQL, not bound: GROUP BY must repeat the
    select's expression exactly, and two bound parameters are two different expressions."""
    assert constant in _SQL_CONSTANTS
    return sa.literal_column(f"'{constant}'", sa.String)


_SQL_CONSTANTS = frozenset({"UTC", "month", "week", "weekday 0", "-6 days", "%Y-%m-01"})


def _bucket_start(dialect: str, bucket: str) -> ColumnElement[Any]:
    """The first day (UTC) of the review's month, or the Monday of its ISO week."""
    review_date = reviews.c.review_date
    if dialect == "postgresql":
        # timestamptz -> UTC wall time first: date_trunc would otherwise use the session zone.
        utc = sa.func.timezone(_sql_text("UTC"), review_date)
        return sa.cast(sa.func.date_trunc(_sql_text(bucket), utc), sa.Date)
    # SQLite stores naive UTC ISO text. 'weekday 0' moves to the next Sunday unless the day
    # is one already; 6 days back from it is that week's Monday.
    if bucket == "week":
        start = sa.func.date(review_date, _sql_text("weekday 0"), _sql_text("-6 days"))
    else:
        start = sa.func.strftime(_sql_text("%Y-%m-01"), review_date)
    return sa.type_coerce(start, sa.Date)  # the Date type parses the text into a date


# Built once per shape (dialect, bucket, which filters are given), values bound at execution.
@cache
def _rating_trend(
    dialect: str, bucket: str, by_provider: bool, has_since: bool, has_until: bool
) -> Select[Any]:
    r = reviews.c
    start = _bucket_start(dialect, bucket).label("start")
    clauses = _review_clauses(by_provider, has_since, has_until)
    return (
        sa.select(
            start,
            sa.func.count().label("reviews"),
            sa.func.avg(r.rating_normalized).label("average_normalized"),
            sa.func.avg(r.rating).label("average_raw"),
            sa.func.min(r.rating_scale).label("min_scale"),
            sa.func.max(r.rating_scale).label("max_scale"),
        )
        .where(*clauses)
        .group_by(start)
        .order_by(start)
    )
