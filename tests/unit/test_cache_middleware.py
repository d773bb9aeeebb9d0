"""The cache middleware around a small ASGI application: what it stores, and single flight.

The application behind it is a stand-in written here (so that it can block, fail, stream);
the store and the versions are the real ones.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from starlette.types import Message, Receive, Scope, Send

from hotelreviews.cache.middleware import ResponseCacheMiddleware
from hotelreviews.cache.store import MemoryStore
from hotelreviews.cache.versions import CacheVersions, VersionBump

PUBLIC = (b"cache-control", b"public, max-age=5")
JSON = (b"content-type", b"application/json")


@dataclass
class Backend:
    """An ASGI application counting its calls; it can wait for a gate, fail, or stream."""

    body: bytes = b'{"ok":true}'
    headers: list[tuple[bytes, bytes]] = field(default_factory=lambda: [JSON, PUBLIC])
    status: int = 200
    chunks: int = 1
    gate: asyncio.Event | None = None
    failures: int = 0  # how many of the first calls raise
    calls: int = 0
    methods: list[str] = field(default_factory=list)
    request_headers: list[dict[bytes, bytes]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.calls += 1
        self.methods.append(scope["method"])
        self.request_headers.append(dict(scope["headers"]))
        if self.gate is not None:
            await self.gate.wait()
        if self.calls <= self.failures:
            raise RuntimeError("the database went away")
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        step = -(-len(self.body) // self.chunks)
        for start in range(0, len(self.body), step):
            more = start + step < len(self.body)
            await send(
                {
                    "type": "http.response.body",
                    "body": self.body[start : start + step],
                    "more_body": more,
                }
            )


@dataclass
class Reply:
    status: int
    headers: dict[bytes, bytes]
    body: bytes


def cached(
    backend: Backend,
    *,
    version: int | None = 1,
    shared: MemoryStore | None = None,
    lsn: int | None = None,
) -> ResponseCacheMiddleware:
    versions = CacheVersions(prefix="/api/v1")
    if version is not None:
        versions.apply_database(version=version, floor=0, hotels=(), lsn=lsn)
    return ResponseCacheMiddleware(
        backend,
        store=MemoryStore(max_entries=100, max_bytes=1_000_000),
        shared=shared,
        versions=versions,
        prefix="/api/v1",
        ttl_seconds=60,
        max_entry_bytes=10_000,
    )


async def call(
    app: ResponseCacheMiddleware,
    path: str = "/api/v1/things",
    *,
    method: str = "GET",
    headers: tuple[tuple[bytes, bytes], ...] = (),
) -> Reply:
    messages: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        messages.append(message)

    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": b"",
        "headers": list(headers),
    }
    await app(scope, receive, send)
    start, *bodies = messages
    assert start["type"] == "http.response.start"
    assert not bodies[-1].get("more_body", False)
    return Reply(
        start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in bodies)
    )


async def settle(condition: Callable[[], bool]) -> None:
    """Let other tasks run until the condition holds (a bounded number of loop turns)."""
    for _ in range(1000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("condition never held")


async def test_waiters_run_the_application_themselves_when_the_first_request_is_cancelled() -> None:
    backend = Backend(gate=asyncio.Event())
    app = cached(backend)
    leader = asyncio.create_task(call(app))
    await settle(lambda: backend.calls == 1)
    waiter = asyncio.create_task(call(app))
    await asyncio.sleep(0)  # the waiter finds the flight and waits on it
    assert backend.calls == 1

    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    await settle(lambda: backend.calls == 2)  # the waiter runs it; it does not wait forever
    backend.gate.set()  # type: ignore[union-attr]
    reply = await waiter

    assert (reply.status, reply.body, reply.headers[b"x-cache"]) == (200, backend.body, b"miss")
    again = await call(app)
    assert again.headers[b"x-cache"] == b"hit" and backend.calls == 2


async def test_waiters_run_the_application_themselves_when_the_first_request_fails() -> None:
    backend = Backend(gate=asyncio.Event(), failures=1)
    app = cached(backend)
    leader = asyncio.create_task(call(app))
    await settle(lambda: backend.calls == 1)
    waiters = [asyncio.create_task(call(app)) for _ in range(3)]
    await asyncio.sleep(0)
    backend.gate.set()  # type: ignore[union-attr]
    with pytest.raises(RuntimeError, match="went away"):
        await leader

    await settle(lambda: backend.calls == 4)  # each waiter runs it; none waits forever
    replies = await asyncio.gather(*waiters)
    assert [reply.status for reply in replies] == [200, 200, 200]
    assert backend.calls == 4


async def test_a_waiter_that_goes_away_does_not_disturb_the_others() -> None:
    backend = Backend(gate=asyncio.Event())
    app = cached(backend)
    leader = asyncio.create_task(call(app))
    await settle(lambda: backend.calls == 1)
    gone, staying = asyncio.create_task(call(app)), asyncio.create_task(call(app))
    await asyncio.sleep(0)

    gone.cancel()
    with pytest.raises(asyncio.CancelledError):
        await gone
    backend.gate.set()  # type: ignore[union-attr]

    replies = await asyncio.gather(leader, staying)
    assert [(reply.status, reply.headers[b"x-cache"]) for reply in replies] == [
        (200, b"miss"),
        (200, b"hit"),
    ]
    assert backend.calls == 1


async def test_concurrent_misses_run_the_application_once() -> None:
    backend = Backend(gate=asyncio.Event())
    app = cached(backend)
    requests = [asyncio.create_task(call(app)) for _ in range(20)]
    await settle(lambda: backend.calls == 1)
    await asyncio.sleep(0)
    backend.gate.set()  # type: ignore[union-attr]
    replies = await asyncio.gather(*requests)
    assert backend.calls == 1
    assert {reply.body for reply in replies} == {backend.body}
    assert sorted(reply.headers[b"x-cache"] for reply in replies) == [b"hit"] * 19 + [b"miss"]


async def test_waiters_for_a_response_that_cannot_be_stored_run_at_once() -> None:
    gate = asyncio.Event()
    backend = Backend(gate=gate, status=404)
    app = cached(backend)
    requests = [asyncio.create_task(call(app)) for _ in range(5)]
    await settle(lambda: backend.calls == 1)
    await asyncio.sleep(0)
    gate.set()  # lets the first request through...
    gate.clear()  # ...and holds the next ones at the gate
    # All the waiters reach the application together, not one after another.
    await settle(lambda: backend.calls == 5)
    gate.set()
    replies = await asyncio.gather(*requests)
    assert {reply.status for reply in replies} == {404}


@pytest.mark.parametrize(
    "backend",
    [
        Backend(chunks=3),  # streamed
        Backend(body=b"x" * 10_001),  # larger than an entry may be
        Backend(headers=[JSON, (b"cache-control", b"public, no-store")]),
        Backend(headers=[JSON, (b"cache-control", b"private, max-age=5")]),
        Backend(headers=[JSON]),  # the route did not opt in
        Backend(headers=[JSON, PUBLIC, (b"set-cookie", b"session=1")]),
        Backend(headers=[JSON, PUBLIC, (b"vary", b"accept-language")]),
        Backend(status=201),
    ],
    ids=["streamed", "too-large", "no-store", "private", "not-public", "cookie", "vary", "201"],
)
async def test_responses_that_must_not_be_shared_are_passed_on_whole_and_not_kept(
    backend: Backend,
) -> None:
    app = cached(backend)
    for _ in range(2):
        reply = await call(app)
        assert (reply.status, reply.body) == (backend.status, backend.body)
        assert reply.headers[b"x-cache"] == b"miss" and b"etag" not in reply.headers
    assert backend.calls == 2


async def test_head_is_answered_from_a_get_without_the_body() -> None:
    backend = Backend()
    app = cached(backend)
    head = await call(app, method="HEAD")
    assert (head.status, head.body, head.headers[b"x-cache"]) == (200, b"", b"miss")
    get = await call(app)
    assert get.body == backend.body and get.headers[b"x-cache"] == b"hit"
    assert get.headers[b"etag"] == head.headers[b"etag"]
    assert backend.methods == ["GET"]


async def test_head_of_a_response_that_is_not_kept_has_no_body_either() -> None:
    backend = Backend(status=404)
    reply = await call(cached(backend), method="HEAD")
    assert (reply.status, reply.body) == (404, b"")


@pytest.mark.parametrize(
    ("path", "method", "headers"),
    [
        ("/livez", "GET", ()),
        ("/api/v1x/things", "GET", ()),
        ("/api/v1/things", "POST", ()),
        ("/api/v1/things", "GET", ((b"authorization", b"Bearer t"),)),
    ],
)
async def test_requests_outside_the_cache_reach_the_application_untouched(
    path: str, method: str, headers: tuple[tuple[bytes, bytes], ...]
) -> None:
    backend = Backend()
    app = cached(backend)
    for _ in range(2):
        reply = await call(app, path, method=method, headers=headers)
        assert b"x-cache" not in reply.headers and b"etag" not in reply.headers
    assert backend.calls == 2 and backend.methods == [method, method]


async def test_nothing_is_cached_before_the_data_version_is_known() -> None:
    backend = Backend()
    app = cached(backend, version=None)
    await call(app)
    reply = await call(app)
    assert b"x-cache" not in reply.headers and backend.calls == 2


async def test_a_miss_looks_in_the_shared_store_before_running_the_application() -> None:
    # Any store with the interface can be the shared level; Redis is one (cache.shared).
    shared = MemoryStore(max_entries=100, max_bytes=1_000_000)
    filler = Backend()
    first = await call(cached(filler, shared=shared))
    await settle(lambda: len(shared) == 1)  # written after the response went out

    backend = Backend()
    other = cached(backend, shared=shared)
    replies = [await call(other) for _ in range(2)]
    assert [r.headers[b"x-cache"] for r in replies] == [b"hit", b"hit"]
    assert {r.body for r in replies} == {first.body} and backend.calls == 0
    assert replies[0].headers[b"etag"] == first.headers[b"etag"]


async def test_fills_after_a_commit_read_from_a_database_that_has_replayed_it() -> None:
    backend = Backend()
    await call(cached(backend, lsn=(0x16 << 32) | 0xB374D848))
    await call(cached(backend, lsn=None))
    assert backend.request_headers[0][b"x-consistency-token"] == b"16/B374D848"
    assert b"x-consistency-token" not in backend.request_headers[1]


async def test_a_request_with_a_consistency_token_of_its_own_bypasses_the_cache() -> None:
    backend = Backend()
    app = cached(backend)
    await call(app)
    reply = await call(app, headers=((b"x-consistency-token", b"0/1"),))
    assert b"x-cache" not in reply.headers and backend.calls == 2


async def test_a_version_change_reaches_the_very_next_request() -> None:
    backend = Backend()
    app = cached(backend)
    hotel, listed = "/api/v1/hotels/7/reviews", "/api/v1/hotels"

    async def outcomes() -> list[bytes]:
        return [(await call(app, path)).headers[b"x-cache"] for path in (hotel, listed)]

    assert await outcomes() == [b"miss", b"miss"]
    assert await outcomes() == [b"hit", b"hit"]
    app._versions.apply(VersionBump(version=2, hotel_ids=(8,)))  # another hotel
    assert await outcomes() == [b"hit", b"miss"]
    app._versions.apply(VersionBump(version=3, hotel_ids=(7,)))
    assert await outcomes() == [b"miss", b"miss"]
    assert backend.calls == 5
