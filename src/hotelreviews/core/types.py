"""Column types that behave the same on PostgreSQL and SQLite."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

# PostgreSQL's type oid of timestamptz (pg_type), as drivers report a column's type.
TIMESTAMPTZ_OID = 1184


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC out; timestamptz on PostgreSQL, ISO text on SQLite."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        # SQLite has no timezone type: store naive UTC so text order is time order.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        # asyncpg decodes timestamptz as aware UTC datetimes, which process_result_value
        # returns as they are: no call per value (tests/integration/test_driver_reads.py).
        # Only ±infinity, which no writer of ours stores, stays as asyncpg gives it (naive).
        if dialect.driver == "asyncpg" and coltype == TIMESTAMPTZ_OID:
            return None
        return super().result_processor(dialect, coltype)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.__class__ is datetime and value.tzinfo is UTC:  # asyncpg's timestamptz
            return value
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_utc_text(moment: datetime) -> str:
    """A UTCDateTime value as SQLite stores it (naive UTC, always with microseconds), for
    writers that bypass SQLAlchemy's parameter processing (the driver's executemany)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given to a UTCDateTime column")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


# JSON documents: jsonb on PostgreSQL (compact, comparable), JSON text on SQLite.
JSONDocument = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")

# Surrogate keys: BIGINT on PostgreSQL; INTEGER on SQLite so the column aliases the rowid.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
