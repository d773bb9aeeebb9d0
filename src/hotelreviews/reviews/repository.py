"""All the SQL of reviews: one review, a hotel's review pages, the shared review filters, and
the duplicate-detection flags of a page's reviews."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from hotelreviews.core.driver_reads import ReadConnection, fetch_all
from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of, fetch_of
from hotelreviews.core.prepared import PreparedQuery
from hotelreviews.hotels.tables import hotels
from hotelreviews.intelligence.flags.tables import review_flags
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.filters import ReviewFilters
from hotelreviews.reviews.tables import reviews

_HIDDEN = {"content_hash", "source_file_id"}
REVIEW_COLUMNS: tuple[ColumnElement[Any], ...] = (
    *(column for column in reviews.c if column.name not in _HIDDEN),
    providers.c.name.label("provider_name"),
    hotels.c.name.label("hotel_name"),
)
REVIEW_SOURCE = reviews.join(providers, providers.c.id == reviews.c.provider_id).join(
    hotels, hotels.c.id == reviews.c.hotel_id
)

# Every order ends with the id so it is total; each matches an index on (hotel_id, key, id).
ORDERS = {
    "newest": KeysetOrder(
        "reviews:newest",
        (SortKey(reviews.c.review_date, True, "datetime"), SortKey(reviews.c.id, True, "int")),
    ),
    "oldest": KeysetOrder(
        "reviews:oldest",
        (SortKey(reviews.c.review_date, False, "datetime"), SortKey(reviews.c.id, False, "int")),
    ),
    "highest": KeysetOrder(
        "reviews:highest",
        (SortKey(reviews.c.rating_normalized, True, "float"), SortKey(reviews.c.id, True, "int")),
    ),
    "lowest": KeysetOrder(
        "reviews:lowest",
        (SortKey(reviews.c.rating_normalized, False, "float"), SortKey(reviews.c.id, False, "int")),
    ),
}


def filter_clauses(filters: ReviewFilters) -> list[ColumnElement[bool]]:
    """WHERE clauses for the review filters (used by review lists and by search)."""
    r = reviews.c
    clauses: list[ColumnElement[bool]] = []
    if filters.provider_id is not None:
        clauses.append(r.provider_id == filters.provider_id)
    if filters.min_rating is not None:
        clauses.append(r.rating_normalized >= filters.min_rating)
    if filters.max_rating is not None:
        clauses.append(r.rating_normalized <= filters.max_rating)
    if filters.since is not None:
        clauses.append(r.review_date >= filters.since)
    if filters.until is not None:
        clauses.append(r.review_date <= filters.until)
    if filters.language is not None:
        clauses.append(sa.func.lower(r.language) == filters.language.lower())
    if filters.traveller_type is not None:
        clauses.append(r.traveller_type == filters.traveller_type)
    if filters.has_response is not None:
        clauses.append(r.has_response.is_(filters.has_response))
    if filters.flagged is not None:
        flagged = sa.exists().where(review_flags.c.review_id == r.id)
        clauses.append(flagged if filters.flagged else ~flagged)
    return clauses


# Built once: constructing a select of ~30 columns costs more CPU than running it, so the
# hot statements are module constants with bound parameters (or extended per request).
_REVIEWS = sa.select(*REVIEW_COLUMNS).select_from(REVIEW_SOURCE)
_REVIEW_BY_ID = _REVIEWS.where(reviews.c.id == sa.bindparam("review_id"))


async def find_review(connection: AsyncConnection, *, review_id: int) -> Row[Any] | None:
    result = await connection.execute(_REVIEW_BY_ID, {"review_id": review_id})
    return result.first()


def _hotel_reviews(hotel_id: int, filters: ReviewFilters) -> Select[Any]:
    return _REVIEWS.where(reviews.c.hotel_id == hotel_id, *filter_clauses(filters))


def first_page_only(filters: ReviewFilters, page: PageRequest) -> bool:
    """Whether list_hotel_reviews runs its first-page statement only (a PreparedQuery:
    prepared_reads can serve the page, no other statement is needed for it)."""
    return page.cursor is None and not page.include_total and filters == NO_FILTERS


async def list_hotel_reviews(
    connection: ReadConnection,
    *,
    hotel_id: int,
    filters: ReviewFilters,
    order: KeysetOrder,
    page: PageRequest,
) -> Sequence[Mapping[str, Any]]:
    """One page plus one extra row (which tells whether there is a next page)."""
    if page.cursor is None and filters == NO_FILTERS:  # the first page, the one most asked for
        query = _FIRST_PAGES[order.name]
        return await fetch_all(connection, query, hotel_id=hotel_id, fetch=fetch_of(page))
    assert isinstance(connection, AsyncConnection), "a filtered or later page needs SQLAlchemy"
    statement = order.apply(_hotel_reviews(hotel_id, filters), page)
    return (await connection.execute(statement)).mappings().all()


NO_FILTERS = ReviewFilters()
# A hotel's first page of reviews, unfiltered, in each order (by the order's name): built once
# like _REVIEW_BY_ID (a select of ~30 columns and its cache key cost more CPU than the query).
_FIRST_PAGES = {
    order.name: PreparedQuery(
        lambda _, order=order: order.first_page(
            _REVIEWS.where(reviews.c.hotel_id == sa.bindparam("hotel_id"))
        )
    )
    for order in ORDERS.values()
}


async def count_hotel_reviews(
    connection: AsyncConnection, *, hotel_id: int, filters: ReviewFilters, page: PageRequest
) -> int:
    statement = sa.select(reviews.c.id).where(
        reviews.c.hotel_id == hotel_id, *filter_clauses(filters)
    )
    return int((await connection.execute(count_of(statement, page))).scalar_one())


_FLAG_COLUMNS = (
    review_flags.c.review_id,
    review_flags.c.kind,
    review_flags.c.message,
    review_flags.c.similarity,
    review_flags.c.matches,
)
# Through the driver (a first page on PostgreSQL): one array parameter, prepared once.
_FLAGS_OF_IDS = PreparedQuery(
    lambda _: (
        sa.select(*_FLAG_COLUMNS)
        .where(
            review_flags.c.review_id
            == sa.any_(sa.bindparam("review_ids", type_=postgresql.ARRAY(sa.BigInteger)))
        )
        .order_by(review_flags.c.review_id, review_flags.c.kind)
    )
)


async def review_flags_of(
    connection: ReadConnection, *, review_ids: Sequence[int]
) -> Sequence[Mapping[str, Any]]:
    """The flags of the reviews (one query for a page), by review id then kind."""
    if not review_ids:
        return []
    if not isinstance(connection, AsyncConnection):
        return await fetch_all(connection, _FLAGS_OF_IDS, review_ids=list(review_ids))
    statement = (
        sa.select(*_FLAG_COLUMNS)
        .where(review_flags.c.review_id.in_(sorted(review_ids)))
        .order_by(review_flags.c.review_id, review_flags.c.kind)
    )
    return (await connection.execute(statement)).mappings().all()
