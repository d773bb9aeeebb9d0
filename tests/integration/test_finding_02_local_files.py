"""Finding 2 of issue 12: local files reached through the polled folder.

Whoever can write to a folder the worker polls (or queue a path in it) must not make the
worker read a file elsewhere: a symbolic link leading out of the folder is neither queued
nor read, a queued path swapped for such a link before the worker opens it is refused, and
the file is read through the one descriptor that was checked, never by its path again. The
secret's content must not surface anywhere, above all not as rejected-line excerpts.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files, rejected_lines, reviews
from hotelreviews.core.database import write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue import repository as repo
from hotelreviews.ingestion.queue.service import poll_sources
from hotelreviews.ingestion.queue.worker import Worker
from hotelreviews.ingestion.runs.service import enqueue
from hotelreviews.ingestion.writing.service import ingest_file
from tests.support.feeds import nested_line
from tests.support.workers import jobs_by_id, quick_worker_settings

SECRET = "TOP-SECRET-7f3a"
ETC_PASSWD = Path("/etc/passwd")


def write_feed(path: Path, *, hotel: int, reviews: range) -> Path:
    lines = [nested_line(hotel=hotel, review=r, rating=8.0, text=f"Review {r}.") for r in reviews]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return path


@pytest.fixture
def feeds(tmp_path: Path) -> Path:
    folder = tmp_path / "feeds"
    folder.mkdir()
    return folder


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    """A file outside the polled folder, its every line recognisable (and not a review)."""
    path = tmp_path / "private" / "credentials.txt"
    path.parent.mkdir()
    path.write_text("".join(f"{SECRET} line {n}: password=hunter{n}\n" for n in range(1, 6)))
    return path


async def excerpts(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        rows = await connection.execute(
            sa.select(rejected_lines.c.excerpt, rejected_lines.c.message)
        )
        return [f"{row.excerpt} {row.message}" for row in rows]


async def runs(engine: AsyncEngine) -> list[Any]:
    async with engine.connect() as connection:
        return list(await connection.execute(sa.select(ingested_files)))


async def review_ids(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set((await connection.execute(sa.select(reviews.c.provider_review_id))).scalars())


async def claimed(engine: AsyncEngine, job_id: int) -> Any:
    async with write_transaction(engine) as connection:
        job = await repo.claim_due_job(connection, owner="worker-1", lease_seconds=30.0)
    assert job is not None and job.id == job_id
    return job


@pytest.fixture
def passwd_entry() -> str:
    """The start of /etc/passwd's first entry ("root:x:0")."""
    if not ETC_PASSWD.is_file():
        pytest.skip("this system has no /etc/passwd")
    return ETC_PASSWD.read_text().splitlines()[0][:8]


def swap_for_a_link(feed: Path, secret: Path, swapped: str) -> None:
    """Make `feed` (or the folder holding it) a symbolic link to where `secret` is."""
    feed.unlink()
    if swapped == "the file":
        feed.symlink_to(secret)
        return
    feed.parent.rmdir()
    (secret.parent / feed.name).write_bytes(secret.read_bytes())
    feed.parent.symlink_to(secret.parent, target_is_directory=True)


async def test_a_symlink_to_etc_passwd_in_the_polled_folder_is_not_ingested(
    engine: AsyncEngine,
    settings: Settings,
    feeds: Path,
    passwd_entry: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    write_feed(feeds / "agoda.jl", hotel=1, reviews=range(1, 4))
    (feeds / "passwd.jl").symlink_to(ETC_PASSWD)
    worker_settings = quick_worker_settings(settings, feeds)

    await Worker(engine=engine, settings=worker_settings).run(once=True)

    jobs = await jobs_by_id(engine)
    assert [Path(job.source_uri).name for job in jobs.values()] == ["agoda.jl"]
    assert {job.status for job in jobs.values()} == {"succeeded"}
    assert not [text for text in await excerpts(engine) if passwd_entry in text]
    assert [Path(run.source_uri).name for run in await runs(engine)] == ["agoda.jl"]
    refusals = [r.getMessage() for r in caplog.records if "passwd.jl" in r.getMessage()]
    assert refusals and "is a symbolic link leading outside the polled folder" in refusals[0]


async def test_a_symlink_to_a_file_outside_the_polled_folder_is_neither_queued_nor_read(
    engine: AsyncEngine, settings: Settings, feeds: Path, secret: Path
) -> None:
    (feeds / "nested").mkdir()
    (feeds / "nested" / "reviews.jl").symlink_to(secret)
    (feeds / "relative.jsonl").symlink_to(Path("..") / "private" / secret.name)
    worker_settings = quick_worker_settings(settings, feeds)

    assert await poll_sources(engine=engine, settings=worker_settings) == 0
    await Worker(engine=engine, settings=worker_settings).run(once=True)

    assert await jobs_by_id(engine) == {}
    assert await runs(engine) == []
    assert not [text for text in await excerpts(engine) if SECRET in text]


@pytest.mark.parametrize("swapped", ["the file", "its folder"])
async def test_a_queued_path_swapped_for_a_symlink_before_the_worker_opens_it_is_refused(
    engine: AsyncEngine, settings: Settings, feeds: Path, secret: Path, swapped: str
) -> None:
    feed = write_feed(feeds / "daily" / "agoda.jl", hotel=1, reviews=range(1, 4))
    worker_settings = quick_worker_settings(settings, feeds)
    assert await poll_sources(engine=engine, settings=worker_settings) == 1

    # Between the poll (or an API request) and the worker: the path now leads out.
    swap_for_a_link(feed, secret, swapped)
    (job,) = (await jobs_by_id(engine)).values()
    worker = Worker(engine=engine, settings=worker_settings, name="worker-1")
    await worker.process(await claimed(engine, job.id))

    (job,) = (await jobs_by_id(engine)).values()
    assert (job.status, job.attempts) == ("dead", 1)  # refused for good, not retried
    how = "is a symbolic link" if swapped == "the file" else "passes through a symbolic link"
    assert job.last_error == (
        f"refused: {feed} {how} leading outside the polled folder; only files really inside"
        " the folders in HOTELREVIEWS_WORKER_SOURCES are read: move or copy the file there"
    )
    assert not [text for text in await excerpts(engine) if SECRET in text]
    assert await review_ids(engine) == set()


async def test_a_file_swapped_after_its_checksum_pass_is_still_read_from_what_was_checked(
    engine: AsyncEngine, settings: Settings, feeds: Path, secret: Path
) -> None:
    feed = write_feed(feeds / "agoda.jl", hotel=1, reviews=range(1, 4))

    def swap_once_checksummed(name: str, size: int) -> None:
        # Called once the source is open and checksummed, before its lines are read.
        swap_for_a_link(feed, secret, "the file")

    async def ingest_swapping_the_file(**arguments: Any) -> Any:
        return await ingest_file(**arguments, on_file=swap_once_checksummed)

    worker_settings = quick_worker_settings(settings, feeds)
    await Worker(engine=engine, settings=worker_settings, ingest=ingest_swapping_the_file).run(
        once=True
    )

    (job,) = (await jobs_by_id(engine)).values()
    (run,) = await runs(engine)
    assert (job.status, run.lines_done, run.reviews_new, run.lines_rejected) == (
        "succeeded",
        3,
        3,
        0,
    )
    assert await review_ids(engine) == {"1", "2", "3"}
    assert not [text for text in await excerpts(engine) if SECRET in text]


async def test_the_operators_own_ingest_command_reads_one_file_even_if_it_is_replaced(
    engine: AsyncEngine, settings: Settings, tmp_path: Path
) -> None:
    feed = write_feed(tmp_path / "agoda.jl", hotel=1, reviews=range(1, 4))
    other = write_feed(tmp_path / "other.jl", hotel=2, reviews=range(100, 200))

    def replace_it(name: str, size: int) -> None:
        other.replace(feed)  # what was checksummed is what must be read

    report = await ingest_file(engine=engine, settings=settings, path=str(feed), on_file=replace_it)

    assert (report.status, report.counts.lines_done, report.counts.new) == ("ingested", 3, 3)
    assert await review_ids(engine) == {"1", "2", "3"}


async def test_a_symlink_inside_the_polled_folder_to_a_file_inside_it_is_ingested(
    engine: AsyncEngine, settings: Settings, feeds: Path
) -> None:
    write_feed(feeds / "archive" / "agoda.jl", hotel=1, reviews=range(1, 4))
    (feeds / "latest.jl").symlink_to(Path("archive") / "agoda.jl")
    worker_settings = quick_worker_settings(settings, feeds)

    await Worker(engine=engine, settings=worker_settings).run(once=True)

    jobs = await jobs_by_id(engine)
    assert sorted(Path(job.source_uri).name for job in jobs.values()) == ["agoda.jl", "latest.jl"]
    assert {job.status for job in jobs.values()} == {"succeeded"}
    assert await review_ids(engine) == {"1", "2", "3"}


@pytest.fixture
def fifo(feeds: Path) -> Iterator[Path]:
    """A named pipe in the polled folder. A reader opening it without O_NONBLOCK would block
    until a writer comes: a helper writer stands by so that even then the test ends."""
    path = feeds / "pipe.jl"
    os.mkfifo(path)
    done = threading.Event()

    def stand_by_as_a_writer() -> None:
        try:
            descriptor = os.open(path, os.O_WRONLY)  # returns once some reader has opened it
        except OSError:
            return
        if not done.is_set():
            os.close(descriptor)

    writer = threading.Thread(target=stand_by_as_a_writer, daemon=True)
    writer.start()
    yield path
    done.set()
    if writer.is_alive():  # nobody opened it for reading: release the writer
        os.close(os.open(path, os.O_RDONLY | os.O_NONBLOCK))
    writer.join(timeout=10)


async def test_a_named_pipe_or_a_directory_in_the_polled_folder_is_refused_cleanly(
    engine: AsyncEngine, settings: Settings, feeds: Path, fifo: Path
) -> None:
    (feeds / "folder.jl").mkdir()
    worker_settings = quick_worker_settings(settings, feeds)
    assert await poll_sources(engine=engine, settings=worker_settings) == 0

    # Named directly (through the API, or a file replaced after a poll): the worker refuses.
    for path in (fifo, feeds / "folder.jl"):
        await enqueue(
            engine=engine, settings=worker_settings, source_uri=str(path), idempotency_key=None
        )
    await Worker(engine=engine, settings=worker_settings).run(once=True)

    errors = {
        Path(job.source_uri).name: job.last_error for job in (await jobs_by_id(engine)).values()
    }
    assert {job.status for job in (await jobs_by_id(engine)).values()} == {"dead"}
    pipe = "is a named pipe, expected a regular file (give - to read standard input)"
    assert errors == {
        "pipe.jl": f"{fifo}: {pipe}",
        "folder.jl": f"{feeds / 'folder.jl'}: is a directory, expected a file",
    }
