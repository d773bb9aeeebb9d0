"""Dependency aliases every domain's routes share: the engine, routed reads, paging parameters,
and the checked types domain filters are built from (Text, Since, Until; the filters themselves
live in their domains, e.g. hotels.parameters).

Every bound is checked here so that nothing a client sends reaches the database unchecked:
integers fit the columns, strings are short and free of NUL, datetimes carry an offset.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Path, Query, Request
from pydantic import AfterValidator, BeforeValidator, WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.fast_path import whole_number
from hotelreviews.api.reads import CONSISTENCY_TOKEN_HEADER, RoutedReads
from hotelreviews.core.pagination import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    MAX_CURSOR_LENGTH,
    MAX_LIMIT,
    PageRequest,
)
from hotelreviews.routing import DatabaseRouter, InvalidLsn, parse_lsn

BIGINT_MAX = 2**63 - 1
LSN_PATTERN = r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$"
INT_MAX = 2**31 - 1
_SPACE_FOR_PLUS = re.compile(r" (\d\d:?\d\d)$")


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL characters")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
# Text's rule in the schema, for its query parameters (`json_schema_extra=NO_NUL`): the schema
# promises no more than the server takes (_no_nul keeps the friendlier message).
NO_NUL: dict[str, Any] = {"pattern": r"^[^\x00]*$"}


def _moment(value: Any, *, end_of_day: bool) -> datetime:
    """A date (the start, or with end_of_day the end, of that UTC day) or an aware datetime."""
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date or a datetime")
    text = value.strip()
    if len(text) > 40:
        raise ValueError("expected a date or a datetime of at most 40 characters")
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            start = datetime.combine(day, time.min, UTC)
            if not end_of_day:
                return start
            try:
                return start + timedelta(days=1, microseconds=-1)
            except OverflowError:
                return datetime.max.replace(tzinfo=UTC)
        # A "+" left unencoded in a query string arrives as a space: take it back.
        moment = datetime.fromisoformat(_SPACE_FOR_PLUS.sub(r"+\1", text))
    except ValueError:
        raise ValueError(
            "expected a date (2025-03-14) or a datetime with an offset "
            "(2025-03-14T09:12:00Z, 2025-03-14T09:12:00%2B08:00)"
        ) from None
    if moment.tzinfo is None:
        raise ValueError("a datetime needs an offset, e.g. 2025-03-14T09:12:00Z")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise ValueError("datetime out of range") from None


Since = Annotated[datetime, BeforeValidator(lambda v: _moment(v, end_of_day=False))]
Until = Annotated[datetime, BeforeValidator(lambda v: _moment(v, end_of_day=True))]


def _consistency_token(value: str) -> str:
    try:
        parse_lsn(value)
    except InvalidLsn:
        raise ValueError(
            f"must be the {CONSISTENCY_TOKEN_HEADER} header of an earlier write response "
            "(a PostgreSQL WAL position such as 0/16B3748), sent back unchanged"
        ) from None
    return value


ConsistencyToken = Annotated[str, AfterValidator(_consistency_token)]


# Dependencies are `async def` although they never await: FastAPI runs plain `def`
# dependencies in a thread pool, a thread hop per dependency per request.
async def _engine(request: Request) -> AsyncEngine:
    router: DatabaseRouter = request.app.state.router
    return router.primary.engine


# The primary's engine: for writes (and for reads that must not be routed).
Db = Annotated[AsyncEngine, Depends(_engine)]


async def _reads(
    request: Request,
    token: Annotated[
        ConsistencyToken | None,
        Header(
            alias=CONSISTENCY_TOKEN_HEADER,
            max_length=17,
            description="The token of your last write response: the read then sees that write.",
            examples=["0/16B3748"],
        ),
        # What parse_lsn accepts, and not null: a header is absent or a string ("null" is
        # no WAL position). The schema promises no more than the server takes.
        WithJsonSchema(
            {"type": "string", "pattern": LSN_PATTERN, "maxLength": 17, "examples": ["0/16B3748"]}
        ),
    ] = None,
) -> RoutedReads:
    return RoutedReads(request.app.state.router, None if token is None else parse_lsn(token))


# Reads routed to a replica or the primary (api.reads): `await reads.json(service.fn, ...)`.
Reads = Annotated[RoutedReads, Depends(_reads)]


async def _page_query(
    request: Request,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows per page.")] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=MAX_CURSOR_LENGTH,
            pattern=CURSOR_PATTERN,
            description="`next_cursor` of the previous page, unchanged (a cursor this "
            "listing did not issue is refused: 422 `invalid_cursor`).",
        ),
    ] = None,
    include_total: Annotated[
        bool,
        Query(
            description="Also count the matching rows (costs a query; counted up to 10,000 "
            "unless configured otherwise, see `total_exact`)."
        ),
    ] = False,
) -> PageRequest:
    return PageRequest(
        limit=limit,
        cursor=cursor,
        include_total=include_total,
        count_limit=request.app.state.settings.total_count_limit,
    )


def plain_first_page(request: Request, limit: str | None) -> PageRequest | None:
    """What PageQuery gives a first page (no cursor, no total) of `limit` rows written
    plainly (api.fast_path.whole_number) or not given; None for any other limit."""
    rows = DEFAULT_LIMIT if limit is None else whole_number(limit, high=MAX_LIMIT)
    if rows is None:
        return None
    return PageRequest(limit=rows, count_limit=request.app.state.settings.total_count_limit)


# The paging parameters as the client sent them. Routes take `Page` (protection.expensive),
# which builds on this and holds an expensive-request slot while a total is counted.
PageQuery = Annotated[PageRequest, Depends(_page_query)]


IngestionId = Annotated[int, Path(ge=1, le=BIGINT_MAX, examples=[1])]
