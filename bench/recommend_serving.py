"""What the served recommendations cost per request, on cities of 200 hotels.

    PYTHONPATH=src:. .venv/bin/python bench/recommend_serving.py [--backend postgresql]

A generated group feed (seeded: `--cities` cities of `--hotels` hotels, `--reviews` reviews
each, texts naming the hotel's good and bad aspects, traveller types whose ratings follow
planted tastes, reviewers drawn from a pool so that some have histories) is ingested into a
fresh database and caught up by the intelligence runner, which fills `hotel_tastes`. Then
each service call behind a route is timed in this process (no HTTP, no response cache: what
a cache miss costs): the first request after a batch (the world read and the type model
fitted, intelligence.recommend.world.current_world), then warm requests. Medians of
`--repeat` calls; milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from common import PRODUCTION_LIKE, fresh_settings
from hotelreviews.core.database import create_engine
from hotelreviews.core.pagination import PageRequest
from hotelreviews.ingestion.writing.service import ingest_paths
from hotelreviews.intelligence.recommend import service
from hotelreviews.intelligence.recommend import world as served
from hotelreviews.intelligence.runner import catch_up

PHRASES = {
    "wifi": ("the wifi was fast and reliable", "the wifi was slow and kept dropping"),
    "food": ("the breakfast was delicious", "the breakfast was awful"),
    "staff": ("the staff were friendly", "the staff were rude"),
    "cleanliness": ("the room was spotless", "the room was dirty"),
    "location": ("the location was perfect", "the location was far from everything"),
    "noise": ("the room was quiet", "the street was noisy all night"),
}
THEMES = ("rooftop terrace", "harbour view", "old town lanes", "beach promenade", "vineyard")
TASTES = {  # planted: what each type rates on
    "business": {"wifi": 2.0, "location": 1.0},
    "family": {"food": 2.0, "cleanliness": 1.0},
    "couple": {"noise": 1.5, "staff": 1.0},
    "solo": {"location": 1.5, "staff": 1.0},
}


def feed_lines(*, cities: int, hotels: int, reviews: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    reviewers = [(f"Reviewer {n}", rng.choice(("UK", "DE", "FR", "ES"))) for n in range(4000)]
    lines = []
    for city in range(cities):
        for h in range(hotels):
            good = {aspect: rng.random() < 0.5 for aspect in PHRASES}
            theme = THEMES[rng.randrange(len(THEMES))]
            for n in range(reviews):
                trip = rng.choice(tuple(TASTES))
                fit = sum(w * (1 if good[a] else -1) for a, w in TASTES[trip].items())
                rating = min(5.0, max(1.0, 3.2 + 0.5 * fit + rng.gauss(0, 0.4)))
                said = rng.sample(sorted(PHRASES), 3)
                name, country = rng.choice(reviewers)
                lines.append(
                    {
                        "id": f"b-{city}-{h}-{n}",
                        "hotel_id": f"B-{city}-{h}",
                        "hotel_name": f"Hotel {city}-{h}",
                        "hotel_city": f"City {city}",
                        "hotel_star_rating": 2 + h % 4,
                        "rating": round(rating, 1),
                        "title": "Stay",
                        "comment": ". ".join(PHRASES[a][0 if good[a] else 1] for a in said)
                        + f". Loved the {theme}.",
                        "review_date": f"2025-{1 + n % 12:02d}-{1 + h % 28:02d}T10:00:00Z",
                        "trip_type": trip,
                        "language": "en",
                        "reviewer_name": name,
                        "reviewer_country": country,
                        "source": "group-feed",
                    }
                )
    return lines


def _ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f}"


async def _timed(call: Any, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        times.append(time.perf_counter() - started)
    return times


async def measure(settings: Any, *, cities: int, hotels: int, repeat: int) -> None:
    engine = create_engine(settings)
    page = PageRequest(limit=20)
    city = "City 0"

    def recommend() -> Any:
        return service.recommendations_read(
            engine=engine, city=city, traveller_type="business", page=page
        )

    cold = []
    for _ in range(repeat):
        served._worlds.clear()  # as after a batch: the world is read and the model fitted
        started = time.perf_counter()
        await recommend()
        cold.append(time.perf_counter() - started)
    warm = await _timed(recommend, repeat)
    hotel_ids = list(served._worlds[engine.sync_engine][1].by_city["city 0"][:repeat])
    similar_same, similar_all = [], []
    for hotel_id in hotel_ids:
        similar_same += await _timed(
            lambda h=hotel_id: service.similar_hotels_read(
                engine=engine, hotel_id=h, limit=10, same_city=True
            ),
            1,
        )
    for hotel_id in hotel_ids[:5]:
        similar_all += await _timed(
            lambda h=hotel_id: service.similar_hotels_read(
                engine=engine, hotel_id=h, limit=10, same_city=False
            ),
            1,
        )
    world = served._worlds[engine.sync_engine][1]
    reviewers = await _reviewers_with_history(engine)
    by_reviewer = []
    for name, country in reviewers[:repeat]:
        by_reviewer += await _timed(
            lambda n=name, c=country: service.reviewer_recommendations_read(
                engine=engine, name=n, country=c, city=city, page=page
            ),
            1,
        )
    types = await _timed(lambda: service.traveller_types_read(engine=engine), repeat)
    rows = [
        ("recommendations, first after a batch (read + fit)", cold),
        ("recommendations, warm", warm),
        (f"similar, same city ({hotels} candidates)", similar_same),
        (f"similar, every city ({len(world.profiles)} candidates)", similar_all),
        ("for-reviewer (history of 2+), warm", by_reviewer),
        ("traveller-types, warm", types),
    ]
    print(f"\n{len(world.profiles)} scored hotels ({cities} cities x {hotels}); ms, median")
    for label, samples in rows:
        print(f"{label:<52}{_ms(samples)}")
    learned = await service.traveller_types_read(engine=engine)
    print("\ntype       learned top 2        planted")
    for item in learned["items"]:
        planted = ", ".join(TASTES.get(item["traveller_type"], {})) or "-"
        print(f"{item['traveller_type']:<10} {', '.join(item['top_aspects'][:2]):<20} {planted}")
    await engine.dispose()


async def _reviewers_with_history(engine: Any) -> list[tuple[str, str]]:
    import sqlalchemy as sa

    from hotelreviews.reviews.tables import reviews

    r = reviews.c
    statement = (
        sa.select(r.reviewer_name, r.reviewer_country)
        .group_by(r.reviewer_name, r.reviewer_country)
        .having(sa.func.count() >= 2)
        .order_by(r.reviewer_name)
        .limit(50)
    )
    async with engine.connect() as connection:
        return [(name, country) for name, country in await connection.execute(statement)]


async def run(args: argparse.Namespace, settings: Any, work: Path) -> None:
    lines = feed_lines(cities=args.cities, hotels=args.hotels, reviews=args.reviews, seed=16)
    feed = work / "group_bench_2025-12-01.jsonl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in lines))
    started = time.perf_counter()
    engine = create_engine(settings)
    await ingest_paths(engine=engine, settings=settings, paths=[str(feed)])
    ingested = time.perf_counter()
    report = await catch_up(engine=engine, settings=settings)
    done = time.perf_counter()
    await engine.dispose()
    print(
        f"{len(lines)} reviews ingested in {ingested - started:.1f} s; runner caught up "
        f"{report.hotels} hotels in {done - ingested:.1f} s ({report.transactions} transactions)"
    )
    await measure(settings, cities=args.cities, hotels=args.hotels, repeat=args.repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--cities", type=int, default=5)
    parser.add_argument("--hotels", type=int, default=200)
    parser.add_argument("--reviews", type=int, default=12)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        server = None
        if args.backend == "postgresql":
            from tests.support.pg_server import PostgresServer

            server = PostgresServer(settings=PRODUCTION_LIKE)
            server.start()
        try:
            # Migrated before the event loop starts: Alembic's env runs its own.
            settings = fresh_settings(args.backend, Path(directory), server, "recommend")
            asyncio.run(run(args, settings, Path(directory)))
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
