"""MemoryStore: an LRU bounded by entries and by bytes, with an expiry per entry."""

from __future__ import annotations

from hotelreviews.cache.store import ENTRY_OVERHEAD_BYTES, CachedResponse, MemoryStore


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def response(body: bytes = b"{}") -> CachedResponse:
    return CachedResponse(
        status=200,
        headers=((b"content-type", b"application/json"),),
        body=body,
        etag=b'"tag"',
        cache_control=b"public, max-age=5",
    )


def store(**bounds: int) -> MemoryStore:
    return MemoryStore(**{"max_entries": 100, "max_bytes": 1_000_000, **bounds})


async def test_a_stored_response_is_returned_until_it_expires() -> None:
    clock = Clock()
    memory = MemoryStore(max_entries=10, max_bytes=100_000, clock=clock)
    kept = response(b'{"a":1}')
    await memory.set("k", kept, ttl=60)

    clock.now += 59.9
    assert await memory.get("k") is kept
    clock.now += 0.1
    assert await memory.get("k") is None
    assert len(memory) == 0 and memory.bytes == 0


async def test_an_unknown_key_is_a_miss() -> None:
    assert await store().get("nothing") is None


async def test_the_least_recently_used_entry_goes_first_when_there_are_too_many() -> None:
    memory = store(max_entries=2)
    await memory.set("a", response(), ttl=60)
    await memory.set("b", response(), ttl=60)
    assert await memory.get("a") is not None  # now b is the least recently used

    await memory.set("c", response(), ttl=60)

    assert await memory.get("b") is None
    assert await memory.get("a") is not None and await memory.get("c") is not None
    assert len(memory) == 2


async def test_entries_are_evicted_until_the_bytes_fit() -> None:
    size = response(b"x" * 1000).size
    memory = store(max_bytes=size * 3)
    for key in "abc":
        await memory.set(key, response(b"x" * 1000), ttl=60)
    assert memory.bytes == size * 3

    await memory.set("big", response(b"y" * 2000), ttl=60)

    # "big" needs the room of two entries: the two least recently used go.
    assert [await memory.get(key) is not None for key in ("a", "b", "c", "big")] == [
        False,
        False,
        True,
        True,
    ]
    assert memory.bytes == size + response(b"y" * 2000).size <= memory.max_bytes


async def test_a_response_larger_than_the_whole_store_is_not_kept() -> None:
    memory = store(max_bytes=500)
    await memory.set("small", response(b"s"), ttl=60)
    await memory.set("huge", response(b"h" * 1000), ttl=60)
    assert await memory.get("huge") is None
    assert await memory.get("small") is not None  # and nothing was evicted for it


async def test_setting_a_key_again_replaces_it_and_its_size() -> None:
    memory = store()
    await memory.set("k", response(b"old"), ttl=60)
    newer = response(b"newer body")
    await memory.set("k", newer, ttl=60)
    assert await memory.get("k") is newer
    assert len(memory) == 1 and memory.bytes == newer.size


async def test_the_size_counts_body_headers_and_a_fixed_overhead() -> None:
    entry = response(b"12345")
    assert entry.size == 5 + len(b"content-type") + len(b"application/json") + (
        ENTRY_OVERHEAD_BYTES
    )
