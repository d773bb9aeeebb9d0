"""What judging a review against the stored duplicate index costs, on SQLite and PostgreSQL.

    PYTHONPATH=src:. .venv/bin/python bench/intelligence_duplicates.py [--reviews 10000]

The benchmark's planted review set (demo.planted.planted_reviews: ordinary texts, short ones,
near-copies, cross-posts, bursts) is written into a fresh, migrated database in date order, in
batches of `--batch` reviews; after each batch the runner's duplicates step judges it as the
runner does (intelligence.runner.duplicates: `judge_hotels` reading, then `store_judged` in a
write transaction). Printed per backend: reviews judged, seconds in the plan (reads, MinHash,
candidate lookup, confirmation) and in the write, µs per review, and the rows stored. The
index grows as the batches go, so later batches pay for a larger index: the figure is the
steady cost of a review arriving into an index of up to `--reviews` reviews, not of a lookup
in an empty one. Aspect analysis and scoring are left out (bench/intelligence.py times them).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from datetime import time as day_time
from pathlib import Path

import sqlalchemy as sa
from tests.support.pg_server import PostgresServer

from common import fresh_settings
from hotelreviews.core.database import create_engine, read_transaction, write_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.demo.planted.duplicates import planted_reviews
from hotelreviews.hotels.tables import hotels
from hotelreviews.ingestion.tables import ingested_files
from hotelreviews.intelligence.duplicates.tables import review_lsh_buckets
from hotelreviews.intelligence.flags.tables import review_flags
from hotelreviews.intelligence.runner.duplicates import judge_hotels, store_judged
from hotelreviews.providers.tables import providers
from hotelreviews.reviews.tables import reviews

NOW = datetime(2026, 1, 1, tzinfo=UTC)


async def _setup(connection, planted) -> tuple[dict[str, int], dict[str, int], int]:  # noqa: ANN001
    provider_ids, hotel_ids = {}, {}
    for key in sorted({p.review.provider for p in planted}):
        provider_ids[key] = (
            await connection.execute(
                sa.insert(providers).values(key=key, name=key, rating_scale=10.0, created_at=NOW)
            )
        ).inserted_primary_key[0]
    for key in sorted({p.review.hotel_id for p in planted}):
        hotel_ids[key] = (
            await connection.execute(
                sa.insert(hotels).values(external_id=key, name=key, created_at=NOW, updated_at=NOW)
            )
        ).inserted_primary_key[0]
    file_id = (
        await connection.execute(
            sa.insert(ingested_files).values(
                source_uri="file:///bench",
                display_name="bench",
                size_bytes=0,
                checksum="0" * 64,
                status="succeeded",
                forced=False,
                lines_done=0,
                lines_blank=0,
                reviews_new=0,
                reviews_updated=0,
                reviews_unchanged=0,
                lines_rejected=0,
                rejected_by_reason={},
                started_at=NOW,
            )  # fmt: skip
        )
    ).inserted_primary_key[0]
    return provider_ids, hotel_ids, file_id


async def run(settings: Settings, *, reviews_wanted: int, batch: int) -> dict[str, float]:
    ordinary = int(reviews_wanted * 0.88)
    planted = planted_reviews(
        ordinary=ordinary,
        short=int(reviews_wanted * 0.06),
        near_copies=int(reviews_wanted * 0.02),
        cross_posts=int(reviews_wanted * 0.02),
        bursts=max(1, int(reviews_wanted * 0.005)),
        hotels=max(10, reviews_wanted // 50),
    )
    ordered = sorted(planted, key=lambda p: (p.review.review_date, p.review.review_id))
    engine = create_engine(settings)
    plan_s = write_s = 0.0
    judged = 0
    try:
        async with write_transaction(engine) as connection:
            provider_ids, hotel_ids, file_id = await _setup(connection, planted)
        for start in range(0, len(ordered), batch):
            chunk = [p.review for p in ordered[start : start + batch]]
            async with write_transaction(engine) as connection:
                await connection.execute(
                    sa.insert(reviews),
                    [
                        {
                            "provider_id": provider_ids[r.provider],
                            "provider_review_id": r.review_id,
                            "hotel_id": hotel_ids[r.hotel_id],
                            "rating": round(r.rating * 10, 2),
                            "rating_scale": 10.0,
                            "rating_normalized": round(r.rating * 10, 2),
                            "text": r.text,
                            "review_date": datetime.combine(r.review_date, day_time(12), UTC),
                            "review_date_offset_minutes": 0,
                            "review_date_offset_missing": False,
                            "reviewer_name": r.reviewer_name,
                            "reviewer_country": r.reviewer_country,
                            "has_response": False,
                            "aspects": {},
                            "content_hash": r.review_id.ljust(32, "0"),
                            "first_seen_at": NOW,
                            "last_changed_at": NOW,
                            "source_file_id": file_id,
                        }
                        for r in chunk
                    ],
                )
            touched = {hotel_ids[r.hotel_id] for r in chunk}
            started = time.perf_counter()
            async with read_transaction(engine) as connection:
                found = await judge_hotels(connection, hotel_ids=touched, now=NOW)
            planned = time.perf_counter()
            async with write_transaction(engine) as connection:
                await store_judged(connection, judged=found)
            plan_s += planned - started
            write_s += time.perf_counter() - planned
            judged += found.count
        async with engine.connect() as connection:
            buckets = (
                await connection.execute(sa.select(sa.func.count()).select_from(review_lsh_buckets))
            ).scalar_one()
            flags = (
                await connection.execute(sa.select(sa.func.count()).select_from(review_flags))
            ).scalar_one()
            size = 0  # bytes of the bucket table with its indexes (PostgreSQL only)
            if connection.dialect.name == "postgresql":
                size = (
                    await connection.execute(
                        sa.text("SELECT pg_total_relation_size('review_lsh_buckets')")
                    )
                ).scalar_one()
    finally:
        await engine.dispose()
    return {
        "reviews": judged,
        "plan_s": plan_s,
        "write_s": write_s,
        "us_per_review": (plan_s + write_s) / judged * 1e6,
        "bucket_rows": buckets,
        "flags": flags,
        "bucket_bytes": size,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    with tempfile.TemporaryDirectory() as work:
        server = PostgresServer() if "postgresql" in backends else None
        if server is not None:
            server.start()
        try:
            for backend in backends:
                settings = fresh_settings(backend, Path(work), server, f"dups_{backend}")
                result = asyncio.run(run(settings, reviews_wanted=args.reviews, batch=args.batch))
                print(
                    f"{backend:10s} {result['reviews']:6d} reviews judged: plan "
                    f"{result['plan_s']:.2f} s, write {result['write_s']:.2f} s, "
                    f"{result['us_per_review']:.0f} µs/review; {result['bucket_rows']} bucket "
                    f"rows, {result['flags']} flags"
                    + (
                        f"; bucket table {result['bucket_bytes'] / result['reviews']:.0f} B/review"
                        if result["bucket_bytes"]
                        else ""
                    )
                )
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
