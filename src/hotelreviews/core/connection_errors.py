"""Telling a lost or refused connection from an error of the query itself."""

from __future__ import annotations

from asyncpg.exceptions import InternalClientError, TargetServerAttributeNotMatched
from sqlalchemy import exc as sa_exc

# SQLSTATE class 08 (connection exception) and the server going away or not accepting yet:
# admin_shutdown, crash_shutdown, cannot_connect_now (starting up, shutting down, recovering).
_CONNECTION_SQLSTATES = ("57P01", "57P02", "57P03")


def is_connection_error(error: BaseException) -> bool:
    """True when the connection failed, not the statement: a retry elsewhere may succeed.

    Looks through SQLAlchemy's wrapper (`.orig`) and the exception chain: the driver's error
    can arrive raw (OSError, TimeoutError from connect) or wrapped in a DBAPIError.
    """
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError):  # refused, reset, unreachable, DNS, TimeoutError
            return True
        # Every server answered, none is the primary (a failover or switchover under way).
        if isinstance(current, TargetServerAttributeNotMatched):
            return True
        # The driver's protocol state broke with the connection (the server ended it while
        # it sat in the pool): the connection is unusable.
        if isinstance(current, InternalClientError) and "cannot switch to state" in str(current):
            return True
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        sqlstate = getattr(current, "sqlstate", None)
        if isinstance(sqlstate, str) and (
            sqlstate.startswith("08") or sqlstate in _CONNECTION_SQLSTATES
        ):
            return True
        orig = getattr(current, "orig", None)
        pending += [
            orig if isinstance(orig, BaseException) else None,
            current.__cause__,
            current.__context__,
        ]
    return False


# query_canceled: statement_timeout ran out (or an operator cancelled the statement).
_QUERY_CANCELED_SQLSTATE = "57014"


def is_statement_timeout(error: BaseException) -> bool:
    """True when the database cancelled a statement for running too long: PostgreSQL's
    statement_timeout (SQLSTATE 57014), or SQLite's progress handler past its deadline
    (core.database), which sqlite3 reports as OperationalError("interrupted")."""
    orig = getattr(error, "orig", None)
    if getattr(orig, "sqlstate", None) == _QUERY_CANCELED_SQLSTATE:
        return True
    return isinstance(error, sa_exc.OperationalError) and str(orig) == "interrupted"
