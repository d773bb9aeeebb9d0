"""What metrics and tracing cost a request, in process: the app's own CPU time per request.

    .venv/bin/python bench/telemetry_overhead.py --requests 20000

wrk against a server (bench/api.py --telemetry on,off) measures the whole path, uvicorn and
the network included, but on a shared two-core machine two identical runs differ by up to
15 %: more than what is being measured. This one calls the app directly (an ASGI call per
request, no server, no socket), one child process per mode, the best of five passes each, so
the figure is the app's own time and repeats within a few per cent. Requests: a cached hotel
detail (the cheapest request there is, so the largest relative overhead) and an uncached one
(cache off: the route, its queries on SQLite, JSON).

Modes as in bench/api.py: `on` — metrics and tracing (sample ratio 0.01, exported over
OTLP/HTTP to bench/otlp_sink.py) and the request log lines; `off` — the request log lines
only; `none` — nothing. Log lines go to a file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import REPO, WRK_HEADERS, get_scope, ingest_demo, otlp_sink

PASSES = 5


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--reviews", type=int, default=20_000)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--cache", default="on", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        asyncio.run(_measure(args.requests, args.cache))
        return

    from api import RATE_LIMIT_RULES, TELEMETRY, UNREACHED_LIMIT

    work = Path(tempfile.mkdtemp(prefix="bench-telemetry-"))
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env["HOTELREVIEWS_DATA_DIR"] = str(work / "data")
    # Abuse protection on, as in production, with limits these requests never reach.
    env.update({f"HOTELREVIEWS_RATE_LIMIT_{rule}": UNREACHED_LIMIT for rule in RATE_LIMIT_RULES})
    ingest_demo(reviews=args.reviews, work=work, env=env)
    with otlp_sink() as sink_url:
        results: dict[tuple[str, str], float] = {}
        for cache in ("on", "off"):
            for mode in ("on", "off", "none"):
                mode_env = {**env, **TELEMETRY[mode], "HOTELREVIEWS_CACHE_ENABLED": cache}
                if mode == "on":
                    mode_env["HOTELREVIEWS_OTLP_ENDPOINT"] = sink_url
                with (work / f"{mode}-{cache}.log").open("wb") as log:
                    done = subprocess.run(
                        [sys.executable, __file__, "--child", mode, "--cache", cache]
                        + ["--requests", str(args.requests if cache == "on" else 2000)],
                        env=mode_env,
                        stdout=subprocess.PIPE,
                        stderr=log,
                        text=True,
                        check=True,
                    )
                results[cache, mode] = float(done.stdout.split()[-1])

    print(f"in process, best of {PASSES} passes, SQLite, {args.reviews:,} demo reviews")
    print(f"{'request':<22}{'telemetry':>10}{'µs/request':>12}{'vs off':>8}")
    for cache, name in (("on", "hotel detail, cached"), ("off", "hotel detail, uncached")):
        for mode in ("on", "off", "none"):
            micros = results[cache, mode]
            # Throughput ratio: requests/s with this mode over requests/s with `off`.
            ratio = results[cache, "off"] / micros
            print(f"{name:<22}{mode:>10}{micros:>12.1f}{ratio:>8.2f}")


async def _measure(requests: int, cache: str) -> None:
    import httpx

    from hotelreviews.app.factory import create_app

    app = create_app()
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as client:
            hotel = (await client.get("/api/v1/hotels?limit=1")).json()["items"][0]["id"]
            assert (await client.get(f"/api/v1/hotels/{hotel}")).status_code == 200
        scope = get_scope(f"/api/v1/hotels/{hotel}", headers=WRK_HEADERS)
        statuses: list[int] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses.append(message["status"])

        best = float("inf")
        for _ in range(PASSES):
            started = time.perf_counter()
            for _ in range(requests):
                await app(dict(scope), receive, send)
            best = min(best, (time.perf_counter() - started) / requests)
        assert set(statuses) == {200}, set(statuses)
    print(f"{best * 1e6:.2f}")


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
