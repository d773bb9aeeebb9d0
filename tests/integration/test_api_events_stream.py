"""GET /api/v1/events as a server-sent-events stream, read from a real server on a loopback
port, on both backends: resumption with Last-Event-ID gets exactly the missed events and then
the live ones, a client whose buffer overflows is told to reconnect (and loses nothing), the
per-process cap on streams, the response cache left out of the way. And across instances:
two `hotelreviews serve` processes sharing one database and one real Redis, where a client
streaming from one receives events committed elsewhere, with the table polls too slow to be
what brings them.

Every wait has a generous deadline and asserts on content, never on time.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.events.notify import announce
from hotelreviews.events.outbox import NewEvent, record_events
from hotelreviews.ingestion.writing.service import ingest_paths
from tests.support.builders import Catalog
from tests.support.event_streams import DEADLINE_SECONDS, SSE, EventReader, served, stream
from tests.support.pg_server import free_port
from tests.support.processes import start_serve, stop_process
from tests.support.redis_server import RedisServer

EVENTS = "/api/v1/events"
AGODA = Path("/work/shared/formats/samples/agoda_com_2025-03-16.jl")
SRC = Path(__file__).resolve().parents[2] / "src"


@pytest.fixture
async def hotel(engine: AsyncEngine) -> int:
    return await Catalog(engine).hotel("Harbourfront Lantern Hotel", city="Singapore")


async def record(engine: AsyncEngine, settings: Settings, *new: NewEvent) -> int:
    """Record events and announce them, as a writer does; the last id."""
    async with write_transaction(engine) as connection:
        last = await record_events(connection, events=new)
    assert last is not None
    await announce(settings=settings, up_to=last)
    return last


def reviews_event(hotel: int, new: int = 1) -> NewEvent:
    return NewEvent("reviews", hotel, {"new": new, "updated": 0})


async def test_a_stream_resumed_with_last_event_id_gets_exactly_the_missed_events_then_live_ones(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    first = await record(engine, settings, reviews_event(hotel, 1))
    missed = [await record(engine, settings, reviews_event(hotel, n)) for n in (2, 3)]

    async with (
        served(settings) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        stream(client, EVENTS, headers={"Last-Event-ID": str(first)}) as events,
    ):
        replayed = await events.take(2)
        live = await record(engine, settings, reviews_event(hotel, 4))
        (arrived,) = await events.take(1)

    assert [message.id for message in replayed] == missed
    assert [message.data["payload"]["new"] for message in replayed] == [2, 3]
    assert {message.event for message in replayed} == {"reviews"}
    assert replayed[0].data["hotel_id"] == hotel
    assert arrived.id == live
    assert events.retry == settings.events_retry_milliseconds
    assert events.response.headers["cache-control"] == "no-store"
    assert events.response.headers["x-accel-buffering"] == "no"


async def test_a_stream_without_an_id_starts_with_the_next_event_and_sends_each_once(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    old = await record(engine, settings, reviews_event(hotel))

    async with (
        served(settings) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        stream(client, EVENTS) as events,
        stream(client, EVENTS, params={"last_event_id": 0}) as everything,
    ):
        await wait_until_live(events)
        ids = [await record(engine, settings, reviews_event(hotel, n)) for n in (1, 2, 3)]
        received = await events.take(3)
        replayed_then_live = await everything.take(4)

    assert [message.id for message in received] == ids
    assert [message.id for message in replayed_then_live] == [old, *ids]


async def test_an_anonymous_stream_skips_alerts_and_other_hotels(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    other = await Catalog(engine).hotel("Quiet House", city="Berlin")

    async with (
        served(settings) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        stream(client, EVENTS, params={"hotel_id": hotel}) as events,
    ):
        await wait_until_live(events)
        await record(
            engine,
            settings,
            NewEvent("alert", hotel, {"kind": "rating_drop"}),
            reviews_event(other),
        )
        wanted = await record(engine, settings, reviews_event(hotel))
        (message,) = await events.take(1)

    assert message.id == wanted


async def test_events_committed_by_concurrent_writers_reach_a_stream_each_once_in_id_order(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    async def writer(count: int) -> list[int]:
        return [await record(engine, settings, reviews_event(hotel)) for _ in range(count)]

    async with (
        served(settings) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        stream(client, EVENTS) as events,
    ):
        await wait_until_live(events)
        written = await asyncio.gather(writer(15), writer(15), writer(15))
        received = await events.take(45)

    # Ids commit in the order they are drawn (events.repository.insert), so a reader that
    # moved past an id never finds an older one committing after it.
    everything = sorted(event for ids in written for event in ids)
    assert [message.id for message in received] == everything


async def test_without_redis_events_of_another_process_reach_a_stream_by_the_table_poll(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    async with (
        served(settings) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        stream(client, EVENTS) as events,
    ):
        await wait_until_live(events)
        # Recorded and never announced, as the worker's events look to an API process
        # without Redis: only the poll (events_poll_seconds) finds it.
        async with write_transaction(engine) as connection:
            event = await record_events(connection, events=[reviews_event(hotel)])
        (message,) = await events.take(1)

    assert message.id == event


async def test_an_idle_stream_gets_heartbeat_comments(settings: Settings) -> None:
    quick = settings.model_copy(update={"events_heartbeat_seconds": 0.05})

    async with (
        served(quick) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        stream(client, EVENTS) as events,
    ):
        await wait_until_live(events)
        comment = await events.next_comment()

    assert comment == ": keep-alive"


async def test_a_client_that_falls_behind_is_told_to_reconnect_and_loses_nothing(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    tiny = settings.model_copy(update={"events_client_buffer": 2})

    async with (
        served(tiny) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
    ):
        async with stream(client, EVENTS) as events:
            await wait_until_live(events)
            # Three events at once into a buffer of two: the client cannot keep up.
            burst = [reviews_event(hotel, n) for n in (1, 2, 3)]
            last = await record(engine, tiny, *burst)
            (told,) = await events.take(1)
            ended = await events.next()
        assert told.event == "reconnect"
        assert told.id is None
        assert ended is None  # the stream ended
        resume_after = told.data["last_event_id"]
        headers = {"Last-Event-ID": str(resume_after)}
        async with stream(client, EVENTS, headers=headers) as resumed:
            replayed = await resumed.take(3)

    assert [message.id for message in replayed] == [last - 2, last - 1, last]


async def test_streams_past_the_process_cap_are_refused_and_the_cache_stays_out_of_the_way(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    capped = settings.model_copy(update={"events_max_streams": 2, "cache_enabled": True})

    async with (
        served(capped) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        # Two streams of the same URL: with the response cache on, the second must not wait
        # for the first to end (the cache's single flight).
        stream(client, EVENTS) as first,
        stream(client, EVENTS) as second,
    ):
        refused = await client.get(EVENTS, headers=SSE)
        polled = await client.get(EVENTS)
        await wait_until_live(first)
        await wait_until_live(second)
        event = await record(engine, capped, reviews_event(hotel))
        (to_first,) = await first.take(1)
        (to_second,) = await second.take(1)

    assert refused.status_code == 503
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["code"] == "event_streams_busy"
    assert "retry-after" in refused.headers
    assert polled.status_code == 200  # the JSON mode is not a stream: not capped
    assert to_first.id == to_second.id == event


async def wait_until_live(events: EventReader) -> None:
    """Until the stream's retry hint, which it sends once subscribed to the hub: any event
    committed after this reaches it live (events.stream)."""
    while events.retry is None:
        message = await events.next()
        assert message is None or message.event != "reconnect"


# ------------------------------------------------------------------- across instances


@dataclass(frozen=True)
class Served:
    base: str
    process: subprocess.Popen[bytes]
    log: Path


@contextlib.contextmanager
def serve_process(
    settings: Settings, *, redis_url: str | None, prefix: str = "hotelreviews:", **extra: str
) -> Iterator[Served]:
    """`hotelreviews serve` on a free loopback port, on the test's database (and Redis), with
    table polls far too slow to deliver anything within a test's deadline."""
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env.update(
        PYTHONPATH=str(SRC),
        HOTELREVIEWS_ENVIRONMENT="test",
        HOTELREVIEWS_DATA_DIR=str(settings.data_dir),
        HOTELREVIEWS_REDIS_KEY_PREFIX=prefix,
        HOTELREVIEWS_CACHE_ENABLED="false",
        HOTELREVIEWS_EVENTS_POLL_SECONDS="3600",
        HOTELREVIEWS_EVENTS_POLL_SECONDS_SUBSCRIBED="3600",
        **extra,
    )
    if redis_url is not None:
        env["HOTELREVIEWS_REDIS_URL"] = redis_url
    if settings.database_url is not None:
        env["HOTELREVIEWS_DATABASE_URL"] = settings.database_url.get_secret_value()
    log_path = settings.data_dir / f"serve-{port}.log"
    with log_path.open("wb") as log:
        process = start_serve(port=port, env=env, log=log)
        try:
            yield Served(f"http://127.0.0.1:{port}", process, log_path)
        finally:
            stop_process(process)


async def until_up(client: httpx.AsyncClient, base: str) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_SECONDS * 2
    while True:
        with contextlib.suppress(httpx.TransportError):
            if (await client.get(f"{base}/readyz")).status_code == 200:
                return
        assert loop.time() < deadline, f"{base} never became ready"
        await asyncio.sleep(0.1)


async def test_a_client_of_one_instance_gets_events_committed_by_another_through_redis(
    settings: Settings, engine: AsyncEngine, redis_server: RedisServer
) -> None:
    prefix = f"test-{uuid.uuid4().hex[:12]}:"
    writer = settings.model_copy(
        update={"redis_url": SecretStr(redis_server.url), "redis_key_prefix": prefix}
    )

    with (
        serve_process(settings, redis_url=redis_server.url, prefix=prefix) as served_first,
        serve_process(settings, redis_url=redis_server.url, prefix=prefix) as served_second,
    ):
        first, second = served_first.base, served_second.base
        async with httpx.AsyncClient(timeout=DEADLINE_SECONDS) as client:
            await until_up(client, first)
            await until_up(client, second)
            async with (
                stream(client, f"{first}{EVENTS}") as on_first,
                stream(client, f"{second}{EVENTS}") as on_second,
            ):
                await wait_until_live(on_first)
                await wait_until_live(on_second)
                # An ingestion in this process: its events reach the servers only as a
                # Redis notice (their table polls are an hour apart).
                await ingest_paths(engine=engine, settings=writer, paths=[str(AGODA)])
                from_first = await on_first.take(4)
                from_second = await on_second.take(4)

    assert [message.id for message in from_first] == [message.id for message in from_second]
    assert sum(message.data["payload"]["new"] for message in from_second) == 9
    assert {message.event for message in from_second} == {"reviews"}


async def test_announcing_without_redis_still_reaches_this_processs_streams(
    settings: Settings, engine: AsyncEngine, hotel: int
) -> None:
    slow_poll = settings.model_copy(update={"events_poll_seconds": 3600.0})

    async with (
        served(slow_poll) as base,
        httpx.AsyncClient(base_url=base, timeout=DEADLINE_SECONDS) as client,
        stream(client, EVENTS) as events,
    ):
        await wait_until_live(events)
        event = await record(engine, slow_poll, reviews_event(hotel))
        (message,) = await events.take(1)

    assert message.id == event


async def test_a_stopping_server_ends_its_open_streams_at_once_and_logs_them(
    settings: Settings,
) -> None:
    # A grace far longer than the test's deadline: the stream must end on the signal.
    grace = str(DEADLINE_SECONDS * 10)
    with serve_process(
        settings, redis_url=None, HOTELREVIEWS_SHUTDOWN_GRACE_SECONDS=grace
    ) as served:
        async with httpx.AsyncClient(timeout=DEADLINE_SECONDS) as client:
            await until_up(client, served.base)
            async with stream(client, f"{served.base}{EVENTS}", params={"after": 0}) as events:
                await wait_until_live(events)
                served.process.terminate()
                (told,) = await events.take(1)
                ended = await events.next()
        returncode = await asyncio.to_thread(served.process.wait, DEADLINE_SECONDS)

    assert told.event == "reconnect"
    assert told.data["last_event_id"] == 0
    assert "stopping" in told.data["detail"]
    assert ended is None
    log = served.log.read_text()
    assert "timeout graceful shutdown exceeded" not in log
    # It stopped on its own (uvicorn re-raises the SIGTERM it caught once it has finished),
    # not SIGKILLed after stop_process's grace.
    assert returncode == -signal.SIGTERM
    assert "Finished server process" in log
    # The stream's request line, written when it ended.
    assert any("request" in line and "/api/v1/events" in line for line in log.splitlines())
