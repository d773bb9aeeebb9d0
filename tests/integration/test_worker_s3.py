"""The worker with S3: a polled prefix, and an object queued through the API (moto's server
over real HTTP)."""

from __future__ import annotations

import gzip

import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import reviews
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.worker import Worker
from tests.support.api_client import api_client
from tests.support.feeds import nested_line
from tests.support.s3_server import S3Server, bucket_fixture, s3_server_fixture  # noqa: F401
from tests.support.workers import jobs_by_id, quick_worker_settings


def feed(hotel: int, count: int) -> bytes:
    lines = [
        nested_line(hotel=hotel, review=hotel * 100 + r, rating=8.0, text=f"R{r}.")
        for r in range(count)
    ]
    return b"".join(orjson.dumps(line) + b"\n" for line in lines)


@pytest.fixture
def s3_settings(settings: Settings, s3_server: S3Server) -> Settings:
    return settings.model_copy(update={"s3_endpoint_url": s3_server.endpoint_url})


async def review_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(sa.select(sa.func.count()).select_from(reviews))).scalar()


async def test_a_polled_s3_prefix_gets_each_object_version_ingested_once(
    engine: AsyncEngine, s3_settings: Settings, s3_server: S3Server, bucket: str
) -> None:
    client = s3_server.client()
    client.put_object(Bucket=bucket, Key="delivery/a_2025-03-16.jl", Body=feed(1, 5))
    client.put_object(
        Bucket=bucket, Key="delivery/b_2025-03-16.jl.gz", Body=gzip.compress(feed(2, 7))
    )
    client.put_object(Bucket=bucket, Key="delivery/README.txt", Body=b"not a feed")
    client.put_object(Bucket=bucket, Key="elsewhere/c.jl", Body=feed(3, 3))
    worker_settings = quick_worker_settings(s3_settings, f"s3://{bucket}/delivery/")
    worker = Worker(engine=engine, settings=worker_settings)

    await worker.run(once=True)
    await worker.run(once=True)  # nothing new: nothing queued again

    jobs = await jobs_by_id(engine)
    assert sorted(job.source_uri for job in jobs.values()) == [
        f"s3://{bucket}/delivery/a_2025-03-16.jl",
        f"s3://{bucket}/delivery/b_2025-03-16.jl.gz",
    ]
    assert {(job.status, job.attempts) for job in jobs.values()} == {("succeeded", 1)}
    assert await review_count(engine) == 12

    # The provider delivers a corrected file under the same key: a new version, a new job.
    client.put_object(Bucket=bucket, Key="delivery/a_2025-03-16.jl", Body=feed(1, 9))
    await worker.run(once=True)
    jobs = await jobs_by_id(engine)
    assert len(jobs) == 3 and {job.status for job in jobs.values()} == {"succeeded"}
    assert await review_count(engine) == 16


async def test_an_s3_object_posted_to_the_api_is_ingested_by_the_worker(
    engine: AsyncEngine, s3_settings: Settings, s3_server: S3Server, bucket: str
) -> None:
    s3_server.client().put_object(Bucket=bucket, Key="one/feed_2025-03-16.jl", Body=feed(4, 6))
    worker_settings = quick_worker_settings(s3_settings, source_allowed_s3=[f"{bucket}/one/"])
    async with api_client(worker_settings, roles=["admin"]) as client:
        posted = await client.post(
            "/api/v1/ingestions", json={"source_uri": f"s3://{bucket}/one/feed_2025-03-16.jl"}
        )
        assert posted.status_code == 202, posted.text
        await Worker(engine=engine, settings=worker_settings).run(once=True)
        done = (await client.get(posted.headers["location"])).json()

    assert (done["status"], done["counts"]["new"]) == ("succeeded", 6)
    assert done["progress"]["bytes_done"] == done["size_bytes"] == len(feed(4, 6))
    assert done["checksum"].startswith("s3-etag:")
