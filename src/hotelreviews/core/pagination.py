"""Keyset pagination shared by every list: opaque cursors, sort orders and page slicing.

Totals (`include_total`) are bounded: a count stops after `count_limit + 1` matching rows,
and a page then says `total: count_limit, total_exact: false` (at least that many). Counting
every match of a broad filter or search is what makes a total expensive; a client paging
through results needs to know "more than 10,000", not the exact figure.

A cursor is base64url(orjson([order name, [sort key values of the last row]])). It holds
no offset, so a page stays correct while rows are added before or after it. Cursors are not
signed (they reveal nothing private) but are validated strictly: anything we did not issue,
or issued for another sort order, is refused with InvalidCursor, never a server error. Every
decoded value is checked as the database will use it: integers within BIGINT, finite floats,
short texts, datetimes with an offset that are still a datetime once converted to UTC
(`0001-01-01T00:00:00+14:00` is not: converting it overflows).

The OpenAPI schema states the cursor's shape (CURSOR_PATTERN: unpadded base64url, which
never has a length of 4n + 1), so no client is promised that `cursor=0` means anything.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

import orjson
import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.engine import Row
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import Select

from hotelreviews.core.errors import InvalidCursor

DEFAULT_LIMIT = 20
MAX_LIMIT = 100
DEFAULT_COUNT_LIMIT = 10_000
MAX_CURSOR_LENGTH = 2048
# Unpadded base64url: groups of four characters, the last one of two or three.
CURSOR_PATTERN = r"^(?:[A-Za-z0-9_-]{4})*(?:[A-Za-z0-9_-]{2,3})?$"
INT64_MAX = 2**63 - 1
_MAX_TEXT_KEY = 1000

_R = TypeVar("_R", Row[Any], Mapping[str, Any])
KeyKind = Literal["int", "float", "str", "datetime"]


@dataclass(frozen=True, slots=True)
class PageRequest:
    """What a client asked of a list: how many rows, after which cursor, with a total or not
    (counted up to `count_limit`: settings.total_count_limit)."""

    limit: int = DEFAULT_LIMIT
    cursor: str | None = None
    include_total: bool = False
    count_limit: int = DEFAULT_COUNT_LIMIT


@dataclass(frozen=True, slots=True)
class SortKey:
    expression: ColumnElement[Any]
    descending: bool
    kind: KeyKind


@dataclass(frozen=True, slots=True)
class KeysetOrder:
    """A total order (the last key must be unique, e.g. the id) that can resume after a row."""

    name: str  # written into cursors: a cursor of one order is refused by another
    keys: tuple[SortKey, ...]

    def apply(self, statement: Select[Any], page: PageRequest) -> Select[Any]:
        """Add the sort key columns, ORDER BY, the resume condition and LIMIT (one extra row)."""
        statement = self.ordered(statement)
        if page.cursor is not None:
            statement = statement.where(self.after(page.cursor))
        return statement.limit(page.limit + 1)

    def first_page(self, statement: Select[Any]) -> Select[Any]:
        """`apply` for a first page, built once: its LIMIT is the bound parameter `fetch`,
        to be given the page's limit + 1 (`fetch_of`)."""
        return self.ordered(statement).limit(sa.bindparam("fetch", type_=sa.Integer))

    def ordered(self, statement: Select[Any]) -> Select[Any]:
        """Add the sort key columns (`_k0`, `_k1`, ...) and ORDER BY."""
        return statement.add_columns(
            *(key.expression.label(f"_k{i}") for i, key in enumerate(self.keys))
        ).order_by(
            *(k.expression.desc() if k.descending else k.expression.asc() for k in self.keys)
        )

    def after(self, cursor: str) -> ColumnElement[bool]:
        values = decode_cursor(cursor, self.name, [key.kind for key in self.keys])
        return _after(self.keys, values)

    def page(self, rows: Sequence[_R], limit: int) -> tuple[Sequence[_R], str | None]:
        """The rows (SQLAlchemy rows or mappings by column name) of this page and the cursor
        of the next one (None on the last page)."""
        if len(rows) <= limit:
            return rows, None
        rows = rows[:limit]
        last = rows[-1]
        if isinstance(last, Row):
            last = last._mapping
        return rows, encode_cursor(self.name, [last[f"_k{i}"] for i in range(len(self.keys))])


def fetch_of(page: PageRequest) -> int:
    """The `fetch` parameter of a `first_page` statement: the page and one row more."""
    return page.limit + 1


def _after(keys: Sequence[SortKey], values: Sequence[Any]) -> ColumnElement[bool]:
    binds = [
        sa.literal(value, key.expression.type) for key, value in zip(keys, values, strict=True)
    ]
    if len({key.descending for key in keys}) == 1:
        # One direction: a row-value comparison, which both databases can drive from an index.
        left, right = sa.tuple_(*(k.expression for k in keys)), sa.tuple_(*binds)
        return left < right if keys[0].descending else left > right
    clauses = []
    for i, key in enumerate(keys):
        equal = [keys[j].expression == binds[j] for j in range(i)]
        beyond = key.expression < binds[i] if key.descending else key.expression > binds[i]
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


def encode_cursor(order: str, values: Sequence[Any]) -> str:
    encoded = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    raw = orjson.dumps([order, encoded])
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def decode_cursor(cursor: str, order: str, kinds: Sequence[KeyKind]) -> list[Any]:
    """The sort key values in a cursor, checked against the order it must belong to."""
    try:
        raw = base64.b64decode(cursor + "=" * (-len(cursor) % 4), altchars=b"-_", validate=True)
        payload = orjson.loads(raw)
    except (binascii.Error, ValueError, orjson.JSONDecodeError):
        raise InvalidCursor("the cursor is garbled: pass back next_cursor as received") from None
    if (
        not isinstance(payload, list)
        or len(payload) != 2
        or payload[0] != order
        or not isinstance(payload[1], list)
        or len(payload[1]) != len(kinds)
    ):
        raise InvalidCursor("the cursor belongs to another listing or sort order")
    return [_checked(value, kind) for value, kind in zip(payload[1], kinds, strict=True)]


def _checked(value: Any, kind: KeyKind) -> Any:
    if kind == "int" and type(value) is int and -INT64_MAX <= value <= INT64_MAX:
        return value
    if kind == "float" and type(value) in (int, float) and math.isfinite(value):
        return float(value)
    if (
        kind == "str"
        and isinstance(value, str)
        and len(value) <= _MAX_TEXT_KEY
        and "\x00" not in value
    ):
        return value
    if kind == "datetime" and isinstance(value, str) and len(value) <= 64:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
        if moment is not None and moment.tzinfo is not None:
            try:
                return moment.astimezone(UTC)
            except OverflowError:
                pass  # past year 1 or 9999 once in UTC: no row can be there
    raise InvalidCursor("the cursor holds a value this listing cannot resume from")


def count_of(statement: Select[Any], page: PageRequest) -> Select[Any]:
    """SELECT count(*) of a filtered statement (for `include_total`), counting no further than
    one row past `page.count_limit` (page_body tells an exact total from a lower bound)."""
    bounded = statement.order_by(None).limit(page.count_limit + 1)
    return sa.select(sa.func.count()).select_from(bounded.subquery())


def page_body(
    items: list[Any], next_cursor: str | None, total: int | None, *, page: PageRequest
) -> dict[str, Any]:
    """The one shape every list returns; `total` as counted by count_of (or None)."""
    if total is None:
        return {"items": items, "next_cursor": next_cursor, "total": None, "total_exact": None}
    exact = total <= page.count_limit
    return {
        "items": items,
        "next_cursor": next_cursor,
        "total": total if exact else page.count_limit,
        "total_exact": exact,
    }


class PageFields(BaseModel):
    """What every page model adds to its `items` (for the OpenAPI schema)."""

    next_cursor: str | None = Field(
        description="Pass as `cursor` to get the next page; null on the last page."
    )
    total: int | None = Field(
        description="Matching rows; only with `include_total=true`. Counted up to a limit "
        "(10,000 unless configured otherwise): past it, the limit, with `total_exact: false`."
    )
    total_exact: bool | None = Field(
        description="With `include_total=true`: true when `total` is exact, false when more "
        "rows match than were counted (`total` is then a lower bound); null otherwise."
    )
