"""CPU per cache miss, in process: the API's three hot routes against the database limit.

    .venv/bin/python bench/misses_cpu.py --reviews 100000 --requests 2000

Sets up the database bench/api.py uses (a throwaway PostgreSQL with the demo data set; or
`--database-url` of one already loaded), then sends each scenario's paths (bench/api.py's:
hotel detail, a hotel's first review page, search) one request at a time, straight to the ASGI
callable (no server, no sockets, no client library), to the platform's app with the response
cache off and telemetry `none`, and to bench/db_limit_app.py. It prints the process CPU time
per request (time.process_time over N sequential requests, after a warm-up pass), which does
not depend on how busy the machine's other core is, and the ratio db-limit / API: the share of
the database limit's req/s one core could reach if CPU were the only cost.

`--profile SCENARIO` prints a cProfile of the API's requests of that scenario instead.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from api import (
    RATE_LIMIT_RULES,
    TELEMETRY,
    UNREACHED_CONCURRENCY,
    UNREACHED_LIMIT,
    demo_database,
    scenario_paths,
)
from common import REPO, get_scope
from db_limit_app import DbLimitApp

Asgi = Callable[[dict, Callable, Callable], Awaitable[None]]


async def _request(app: Asgi, path: str) -> int:
    """One GET straight through the ASGI interface; the response status."""
    scope = get_scope(path)
    status = 0

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]

    await app(scope, receive, send)
    return status


async def _cpu_per_request(app: Asgi, paths: list[str], requests: int) -> float:
    """µs of process CPU per request over `requests` sequential requests."""
    for path in paths:  # warm-up: prepared statements, compiled caches, pools
        status = await _request(app, path)
        if status != 200:
            raise SystemExit(f"{path}: status {status}")
    start = time.process_time()
    for i in range(requests):
        await _request(app, paths[i % len(paths)])
    return (time.process_time() - start) / requests * 1e6


async def _top_hotels(app: Asgi) -> list[int]:
    import orjson

    body = bytearray()

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        if message["type"] == "http.response.body":
            body.extend(message.get("body", b""))

    scope = get_scope("/api/v1/hotels?sort=reviews&limit=20", headers=[(b"host", b"localhost")])
    await app(scope, receive, send)
    return [hotel["id"] for hotel in orjson.loads(bytes(body))["items"]]


async def _measure(args: argparse.Namespace, database_url: str) -> None:
    from hotelreviews.app.factory import create_app
    from hotelreviews.core.settings import Settings

    app = create_app(Settings(database_url=database_url))
    limit = DbLimitApp(dsn=database_url, pool_size=Settings().database_pool_size)
    async with app.router.lifespan_context(app):
        await limit.start()
        try:
            paths = scenario_paths(await _top_hotels(app))
            if args.profile:
                scenario_paths_ = paths[args.profile]
                await _cpu_per_request(app, scenario_paths_, 50)
                profiler = cProfile.Profile(time.process_time)  # CPU, not wall time
                profiler.enable()
                await _cpu_per_request(app, scenario_paths_, args.requests)
                profiler.disable()
                stats = pstats.Stats(profiler).sort_stats(args.sort)
                stats.print_stats(args.top)
                return
            print(f"{args.requests} sequential requests per scenario, CPU µs per request")
            print(f"{'scenario':<14} {'API miss':>10} {'db-limit':>10} {'db-limit/API':>13}")
            for scenario, scenario_paths_ in paths.items():
                api = await _cpu_per_request(app, scenario_paths_, args.requests)
                bare = await _cpu_per_request(limit, scenario_paths_, args.requests)
                print(f"{scenario:<14} {api:>10,.0f} {bare:>10,.0f} {bare / api:>13.2f}")
        finally:
            await limit.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=2000, help="per scenario and app")
    parser.add_argument("--database-url", help="a loaded database (default: set one up)")
    parser.add_argument("--profile", choices=["hotel detail", "review page", "search"])
    parser.add_argument("--sort", default="tottime", help="cProfile sort key")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args()
    if args.requests < 1:
        parser.error("--requests must be at least 1")
    environment = {
        "HOTELREVIEWS_CACHE_ENABLED": "false",
        "HOTELREVIEWS_RATE_LIMIT_ENABLED": "true",
        **{f"HOTELREVIEWS_RATE_LIMIT_{rule}": UNREACHED_LIMIT for rule in RATE_LIMIT_RULES},
        **UNREACHED_CONCURRENCY,
        **TELEMETRY["none"],
    }
    if args.database_url:
        os.environ.update(environment)
        asyncio.run(_measure(args, args.database_url))
        return
    with (
        tempfile.TemporaryDirectory(prefix="misses-cpu-") as work,
        demo_database(backend="postgresql", reviews=args.reviews, work=Path(work)) as (env, _),
    ):
        os.environ.update({**env, **environment})
        asyncio.run(_measure(args, env["HOTELREVIEWS_DATABASE_URL"]))


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
