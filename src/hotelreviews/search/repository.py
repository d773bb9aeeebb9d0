"""All the SQL of full-text search over reviews, for PostgreSQL and for SQLite's FTS5.

Pagination is keyset on (relevance, id). On PostgreSQL ts_rank_cd depends only on the review
and the query, so pages are stable while reviews arrive. SQLite's bm25 also weighs corpus
statistics, so a page walk that spans an ingestion can see scores shift slightly; that is
accepted for the embedded database (the alternative, an offset, shifts on every insert).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from hotelreviews.core.driver_reads import ReadConnection, fetch_all
from hotelreviews.core.pagination import KeysetOrder, PageRequest, SortKey, count_of, fetch_of
from hotelreviews.core.prepared import PreparedQuery
from hotelreviews.hotels.tables import hotels
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.filters import ReviewFilters
from hotelreviews.reviews.repository import (
    NO_FILTERS,
    REVIEW_COLUMNS,
    REVIEW_SOURCE,
    filter_clauses,
)
from hotelreviews.reviews.tables import reviews
from hotelreviews.search.syntax import SearchQuery, to_fts5

# Snippet highlight markers: control characters that survive both engines; the service turns
# them into <mark> after HTML-escaping the text around them.
MARK_START, MARK_END = "\x02", "\x03"

_SIMPLE = sa.literal_column("'simple'::regconfig")
_SEARCH_VECTOR = sa.literal_column("reviews.search_vector", TSVECTOR)
_HEADLINE_OPTIONS = (
    f"StartSel={MARK_START}, StopSel={MARK_END}, MaxFragments=2, MaxWords=24, MinWords=8, "
    'FragmentDelimiter=" … "'
)
_FTS = sa.table("reviews_fts", sa.column("rowid", sa.Integer))
_FTS_NAME = sa.literal_column("reviews_fts")
# Column weights for bm25: title, text, positives, negatives (the title counts most, as in
# the PostgreSQL search vector where it has weight A).
_BM25 = sa.func.bm25(_FTS_NAME, 4.0, 1.0, 1.0, 1.0, type_=sa.Float)


def _scope(hotel_id: int | None, filters: ReviewFilters) -> list[ColumnElement[bool]]:
    clauses = filter_clauses(filters)
    if hotel_id is not None:
        clauses.append(reviews.c.hotel_id == hotel_id)
    return clauses


def _postgresql_matches(text: Any, hotel_id: Any, filters: ReviewFilters) -> Any:
    query = sa.func.websearch_to_tsquery(_SIMPLE, text)
    where = [_SEARCH_VECTOR.bool_op("@@")(query), *_scope(hotel_id, filters)]
    return query, sa.select(reviews.c.id).where(*where)


def _postgresql_keys(tsquery: Any) -> tuple[SortKey, SortKey]:
    rank = sa.func.ts_rank_cd(_SEARCH_VECTOR, tsquery, type_=sa.Float)
    return SortKey(rank, True, "float"), SortKey(reviews.c.id, True, "int")


def _postgresql_page(tsquery: Any, ranked: Any) -> Select[Any]:
    """The page's reviews with score and snippet, from the ranked ids (`ranked`: a subquery
    of id, _k0 the rank, _k1 the id). ts_headline re-reads the text: only for this page."""
    document = sa.func.concat_ws(
        " … ", reviews.c.title, reviews.c.text, reviews.c.positives, reviews.c.negatives
    )
    snippet = sa.func.ts_headline(_SIMPLE, document, tsquery, _HEADLINE_OPTIONS, type_=sa.Text)
    return (
        sa.select(
            *REVIEW_COLUMNS,
            ranked.c._k0.label("score"),
            ranked.c._k0,
            ranked.c._k1,
            snippet.label("snippet"),
        )
        .select_from(REVIEW_SOURCE.join(ranked, ranked.c.id == reviews.c.id))
        .order_by(ranked.c._k0.desc(), ranked.c._k1.desc())
    )


def _postgresql_first_page(in_hotel: bool) -> tuple[PreparedQuery, tuple[SortKey, SortKey]]:
    """A first page of unfiltered matches (in one hotel or everywhere), built once with the
    text, the hotel and the row count bound at execution (`text`, `hotel_id`, `fetch`); and
    its sort keys."""
    hotel_id = sa.bindparam("hotel_id", type_=reviews.c.hotel_id.type) if in_hotel else None
    text = sa.bindparam("text", type_=sa.Text)
    tsquery, matches = _postgresql_matches(text, hotel_id, NO_FILTERS)
    keys = _postgresql_keys(tsquery)
    ranked = KeysetOrder("search", keys).first_page(matches).subquery()
    statement = _postgresql_page(tsquery, ranked)
    return PreparedQuery(lambda _: statement), keys


# The pages most asked for: the first one of a search without filters, in a hotel or not.
_POSTGRESQL_FIRST_PAGES = {in_hotel: _postgresql_first_page(in_hotel) for in_hotel in (True, False)}


def _sqlite_matches(query: SearchQuery, hotel_id: int | None, filters: ReviewFilters) -> Any:
    where = [_FTS_NAME.op("MATCH")(to_fts5(query)), *_scope(hotel_id, filters)]
    return _FTS.join(reviews, reviews.c.id == _FTS.c.rowid), where


async def search(
    connection: ReadConnection,
    *,
    text: str,
    query: SearchQuery,
    hotel_id: int | None,
    filters: ReviewFilters,
    cursor_key: str,
    page: PageRequest,
) -> tuple[Sequence[Mapping[str, Any]], KeysetOrder]:
    """One page (plus one row) of matching reviews, best first, with score and snippet."""
    if connection.dialect.name == "postgresql" and page.cursor is None and filters == NO_FILTERS:
        first_page, keys = _POSTGRESQL_FIRST_PAGES[hotel_id is not None]
        order = KeysetOrder(cursor_key, keys)
        rows = await fetch_all(
            connection, first_page, text=text, hotel_id=hotel_id, fetch=fetch_of(page)
        )
        return rows, order
    assert isinstance(connection, AsyncConnection), "this page needs SQLAlchemy"
    if connection.dialect.name == "postgresql":
        tsquery, matches = _postgresql_matches(sa.literal(text, sa.Text), hotel_id, filters)
        order = KeysetOrder(cursor_key, _postgresql_keys(tsquery))
        statement = _postgresql_page(tsquery, order.apply(matches, page).subquery())
    else:
        source, where = _sqlite_matches(query, hotel_id, filters)
        order = KeysetOrder(
            cursor_key, (SortKey(_BM25, False, "float"), SortKey(reviews.c.id, False, "int"))
        )
        snippet = sa.func.snippet(_FTS_NAME, -1, MARK_START, MARK_END, "…", 24, type_=sa.Text)
        base = (
            sa.select(*REVIEW_COLUMNS, (-_BM25).label("score"), snippet.label("snippet"))
            .select_from(
                source.join(providers, providers.c.id == reviews.c.provider_id).join(
                    hotels, hotels.c.id == reviews.c.hotel_id
                )
            )
            .where(*where)
        )
        statement = order.apply(base, page)
    return (await connection.execute(statement)).mappings().all(), order


def first_page_only(dialect: str, filters: ReviewFilters, page: PageRequest) -> bool:
    """Whether `search` runs a first-page PreparedQuery only (prepared_reads can serve it)."""
    return (
        dialect == "postgresql"
        and page.cursor is None
        and not page.include_total
        and filters == NO_FILTERS
    )


async def count(
    connection: AsyncConnection,
    *,
    text: str,
    query: SearchQuery,
    hotel_id: int | None,
    filters: ReviewFilters,
    page: PageRequest,
) -> int:
    """How many reviews match (for `include_total`), up to the page's count limit."""
    if connection.dialect.name == "postgresql":
        statement = _postgresql_matches(sa.literal(text, sa.Text), hotel_id, filters)[1]
    else:
        source, where = _sqlite_matches(query, hotel_id, filters)
        statement = sa.select(reviews.c.id).select_from(source).where(*where)
    return int((await connection.execute(count_of(statement, page))).scalar_one())
