"""Finding 5 (unbounded work per source), the network half: an http source may not hold the
worker for as long as its server likes, nor be bigger than the cap, nor be read twice.

Driven through `ingest_file`, the one code path of the worker and `hotelreviews ingest`,
against a local server (127.0.0.1) that drips, streams without a length, or leaves out its
validators — and counts the requests it gets.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files, reviews
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.sources.sniffing import SNIFF_BYTES
from hotelreviews.ingestion.writing.service import ingest_file
from tests.support.feeds import nested_line
from tests.support.http_server import FileServer, allowing_loopback, file_server_fixture  # noqa: F401

FEED = "feed_2025-03-16.jl"


def write_feed(path: Path, *, reviews: int) -> bytes:
    lines = [
        nested_line(hotel=3, review=r, rating=8.0, text=f"Review {r}.") for r in range(reviews)
    ]
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    path.write_bytes(data)
    return data


async def count(engine: AsyncEngine, table: sa.Table) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(sa.select(sa.func.count()).select_from(table))).scalar()


@pytest.mark.parametrize(
    "reviews",
    [1, 40],  # dripping from the first byte; or once the first 8 KiB (the sample) are in
    ids=["from-the-start", "mid-body"],
)
async def test_a_drip_fed_body_ends_at_the_sources_deadline_with_the_reason(
    engine: AsyncEngine, settings: Settings, file_server: FileServer, reviews: int
) -> None:
    data = write_feed(file_server.directory / FEED, reviews=reviews)
    sent_at_once = 0 if reviews == 1 else len(data) - 250
    assert sent_at_once == 0 or sent_at_once > SNIFF_BYTES
    # A byte every 50 ms never trips the read timeout: only the deadline can end it (the
    # rest would drip for more than 10 s).
    file_server.drip(seconds=0.05, after=sent_at_once)
    limited = allowing_loopback(settings, source_max_seconds=1.0, remote_timeout_seconds=60.0)
    url = file_server.url("drip/" + FEED)

    report = await ingest_file(engine=engine, settings=limited, path=url)

    assert report.status == "failed"
    assert "HOTELREVIEWS_SOURCE_MAX_SECONDS" in (report.message or "")
    assert file_server.requests == ["/drip/" + FEED]


@pytest.mark.parametrize(
    "path", ["bare/" + FEED, "stream/" + FEED], ids=["announced-length", "no-length"]
)
async def test_a_body_over_the_byte_cap_ends_with_the_reason_and_ingests_nothing(
    engine: AsyncEngine, settings: Settings, file_server: FileServer, path: str
) -> None:
    data = write_feed(file_server.directory / FEED, reviews=40)
    limited = allowing_loopback(settings, source_max_bytes=4096)
    assert len(data) > 4096

    report = await ingest_file(engine=engine, settings=limited, path=file_server.url(path))

    assert report.status == "failed"
    assert "HOTELREVIEWS_SOURCE_MAX_BYTES" in (report.message or "")
    assert await count(engine, reviews) == 0


@pytest.mark.parametrize(
    "path",
    [FEED, "bare/" + FEED, "stream/" + FEED],
    ids=["with-validators", "without-validators", "without-length-or-validators"],
)
async def test_a_source_is_requested_once_even_when_its_server_sends_no_validators(
    engine: AsyncEngine, settings: Settings, file_server: FileServer, path: str
) -> None:
    data = write_feed(file_server.directory / FEED, reviews=10)
    allowed = allowing_loopback(settings)

    report = await ingest_file(engine=engine, settings=allowed, path=file_server.url(path))

    assert (report.status, report.counts.new) == ("ingested", 10)
    assert file_server.requests == ["/" + path]
    async with engine.connect() as connection:
        [checksum] = (await connection.execute(sa.select(ingested_files.c.checksum))).scalars()
    if path == FEED:
        assert checksum.startswith("http-modified:")  # its validators identify it
    else:
        assert checksum == hashlib.sha256(data).hexdigest()  # what a local copy would get
