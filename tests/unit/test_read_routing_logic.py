"""Pure parts of read routing: tokens (WAL positions), judging a replica's health, telling a
connection error from a query error, and the replica settings.
"""

from __future__ import annotations

from pathlib import Path

import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc

from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.core.settings import Settings, split_urls
from hotelreviews.routing import InvalidLsn, format_lsn, parse_lsn
from hotelreviews.routing.replicas import judge
from hotelreviews.routing.repository import ReplicationStatus

PG = "postgresql://app:secret@primary:5432/reviews"


@pytest.mark.parametrize(
    ("text", "position"),
    [
        ("0/0", 0),
        ("0/16B3748", 0x16B3748),
        ("16/B374D848", 0x16 << 32 | 0xB374D848),
        ("16/b374d848", 0x16 << 32 | 0xB374D848),
        ("FFFFFFFF/FFFFFFFF", 2**64 - 1),
        ("00000001/00000000", 2**32),
    ],
)
def test_a_wal_position_parses_to_its_64_bit_value(text: str, position: int) -> None:
    assert parse_lsn(text) == position


@pytest.mark.parametrize(
    "text",
    ["", "0", "0/", "/0", "0/16B3748 ", " 0/1", "1/2/3", "G/0", "123456789/0", "0/123456789",
     "0x1/0x2", "-1/0", "1.5/0", "0/16B3748\n", "０/1"],
)  # fmt: skip
def test_anything_else_is_not_a_wal_position(text: str) -> None:
    with pytest.raises(InvalidLsn, match="is not a WAL position"):
        parse_lsn(text)


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_formatting_round_trips_and_writes_what_postgresql_writes(position: int) -> None:
    text = format_lsn(position)
    assert parse_lsn(text) == position
    high, low = text.split("/")
    assert high == f"{position >> 32:X}" and low == f"{position & 0xFFFFFFFF:X}"


@given(st.integers(0, 2**64 - 1), st.integers(0, 2**64 - 1))
def test_tokens_compare_as_positions_not_as_text(a: int, b: int) -> None:
    assert (parse_lsn(format_lsn(a)) >= parse_lsn(format_lsn(b))) == (a >= b)


def test_a_later_position_with_a_shorter_text_still_compares_later() -> None:
    assert parse_lsn("10/0") > parse_lsn("F/FFFFFFFF")  # "10/0" < "F/FFFFFFFF" as text


def status(
    *,
    in_recovery: bool = True,
    receive: int | None = 1000,
    replay: int | None = 1000,
    age: float | None = 30.0,
) -> ReplicationStatus:
    return ReplicationStatus(
        in_recovery=in_recovery, receive_lsn=receive, replay_lsn=replay, replay_age_seconds=age
    )


def test_a_replica_that_replayed_all_it_received_has_no_lag_however_old_its_last_commit() -> None:
    health = judge(status(receive=1000, replay=1000, age=3600.0), max_lag_seconds=10)
    assert health.usable and health.lag_seconds == 0 and health.lag_bytes == 0
    assert health.replay_lsn == 1000


def test_a_replica_with_wal_to_replay_lags_by_the_age_of_its_last_replayed_commit() -> None:
    within = judge(status(receive=1500, replay=1000, age=4.0), max_lag_seconds=10)
    assert within.usable and within.lag_seconds == 4.0 and within.lag_bytes == 500
    beyond = judge(status(receive=1500, replay=1000, age=12.5), max_lag_seconds=10)
    assert not beyond.usable and beyond.reason == "replay lag 12.5 s exceeds 10 s"


def test_a_replica_whose_lag_cannot_be_told_is_not_used() -> None:
    # WAL waiting to be replayed and no commit replayed since the server started.
    health = judge(status(receive=1500, replay=1000, age=None), max_lag_seconds=10)
    assert not health.usable and health.reason == "replay lag unknown"


def test_a_replica_not_streaming_yet_is_judged_by_the_age_of_its_last_commit() -> None:
    assert judge(status(receive=None, age=2.0), max_lag_seconds=10).usable
    assert not judge(status(receive=None, age=20.0), max_lag_seconds=10).usable
    assert not judge(status(receive=None, age=None), max_lag_seconds=10).usable


def test_a_receive_position_behind_replay_after_a_restart_means_caught_up() -> None:
    # The WAL receiver restarts streaming at a segment boundary before the replay position.
    assert judge(status(receive=900, replay=1000, age=None), max_lag_seconds=10).lag_seconds == 0


def test_a_clock_ahead_on_the_primary_does_not_make_a_negative_lag() -> None:
    assert judge(status(receive=1500, replay=1000, age=-3.0), max_lag_seconds=10).lag_seconds == 0


def test_a_read_target_that_is_a_primary_serves_reads_with_no_lag() -> None:
    # The region's own server while the primary is there, or a replica promoted by a failover.
    health = judge(status(in_recovery=False, receive=None, replay=5000), max_lag_seconds=10)
    assert health.usable and health.lag_seconds == 0 and health.replay_lsn == 5000
    assert "primary" in health.reason


def test_a_replica_with_no_replay_position_yet_is_not_used() -> None:
    health = judge(status(receive=None, replay=None, age=None), max_lag_seconds=10)
    assert not health.usable


def wrapped(error: BaseException, *, invalidated: bool = False) -> sa_exc.DBAPIError:
    """An error as SQLAlchemy raises it from the driver."""
    return sa_exc.OperationalError("SELECT 1", {}, error, connection_invalidated=invalidated)  # type: ignore[arg-type]


def raised_from(outer: BaseException, cause: BaseException) -> BaseException:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise outer from inner
    except BaseException as error:
        return error


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError(111, "Connect call failed"),
        ConnectionResetError(),
        TimeoutError(),
        OSError(113, "No route to host"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        wrapped(Exception("connection is closed"), invalidated=True),
        wrapped(asyncpg.exceptions.ConnectionFailureError("lost")),
        raised_from(RuntimeError("during rollback"), ConnectionResetError()),
        # Every host answered, none is the primary: a failover or switchover is under way.
        wrapped(asyncpg.exceptions.TargetServerAttributeNotMatched("None of the hosts match")),
        # The server ended a pooled connection and the driver's protocol state broke with it.
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 15; another operation (2) is in progress"
        ),
    ],
    ids=repr,
)
def test_connection_errors_are_told_apart(error: BaseException) -> None:
    assert is_connection_error(error)


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.UndefinedTableError('relation "hotels" does not exist'),
        asyncpg.exceptions.QueryCanceledError("canceling statement due to statement timeout"),
        asyncpg.exceptions.InvalidAuthorizationSpecificationError("role does not exist"),
        wrapped(asyncpg.exceptions.DivisionByZeroError("division by zero")),
        sa_exc.TimeoutError("QueuePool limit reached"),
        asyncpg.exceptions.InternalClientError("some other internal error"),
        ValueError("a bug"),
    ],
    ids=repr,
)
def test_query_errors_are_not_connection_errors(error: BaseException) -> None:
    assert not is_connection_error(error)


def test_replica_urls_come_as_json_or_separated_and_keep_their_order() -> None:
    urls = ["postgresql://a:p@r1/db", "postgresql://a:p@r2:5433/db"]
    assert split_urls('["postgresql://a:p@r1/db", "postgresql://a:p@r2:5433/db"]') == urls
    assert split_urls("postgresql://a:p@r1/db, postgresql://a:p@r2:5433/db") == urls
    assert split_urls(" postgresql://a:p@r1/db\n postgresql://a:p@r2:5433/db\n") == urls
    assert split_urls("") == []
    # JSON keeps what splitting would break: a multi-host URL.
    assert split_urls('["postgresql://a:p@h1,h2/db"]') == ["postgresql://a:p@h1,h2/db"]


def test_replica_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTELREVIEWS_DATABASE_URL", PG)
    monkeypatch.setenv(
        "HOTELREVIEWS_DATABASE_REPLICA_URLS", "postgres://app:s@eu:5432/r,postgresql://app:s@ap/r"
    )
    monkeypatch.setenv("HOTELREVIEWS_REGION", "eu-west-1")
    settings = Settings()
    assert settings.resolved_replica_urls == [
        "postgresql+asyncpg://app:s@eu:5432/r",
        "postgresql+asyncpg://app:s@ap/r",
    ]
    assert settings.region == "eu-west-1"
    assert (settings.replica_max_lag_seconds, settings.consistency_wait_seconds) == (10, 0.2)
    assert "app:s" not in repr(settings)


def test_replica_urls_from_a_file_one_per_line(tmp_path: Path) -> None:
    secret = tmp_path / "replicas"
    secret.write_text("# eu-west-1 first\npostgresql://app:s@eu/r\n\npostgresql://app:s@ap/r\n")
    settings = Settings(database_url=PG, database_replica_urls_file=secret)
    assert [url.split("@")[1] for url in settings.resolved_replica_urls] == ["eu/r", "ap/r"]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"database_replica_urls": ["postgresql://a@r/db"]}, "embedded SQLite"),
        (
            {"database_url": PG, "database_replica_urls": ["sqlite:///replica.db"]},
            "replica URL number 1 is not a PostgreSQL URL",
        ),
        ({"database_url": PG, "region": "EU West"}, "region"),
        ({"database_url": PG, "replica_max_lag_seconds": 0}, "replica_max_lag_seconds"),
    ],
)
def test_replica_settings_that_cannot_work_are_refused_with_the_reason(
    fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(**fields)
