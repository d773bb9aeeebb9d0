"""API latency and throughput under wrk, one server worker, against a bare ASGI baseline.

    .venv/bin/python bench/api.py --reviews 100000 --duration 10 --connections 64

Sets up a throwaway PostgreSQL (durable settings), ingests the demo data set, starts
`hotelreviews serve --workers 1` pinned to one core and drives it with wrk (pinned to the
other core, 1 thread, 64 connections) on: hotel detail, a hotel's first review page, and
search. Every scenario runs twice: with the response cache on (after one warming pass over
the paths, so mostly hits; the hit ratio is counted from the X-Cache header) and with it off
(HOTELREVIEWS_CACHE_ENABLED=false). The baseline is bench/bare_app.py under the same uvicorn
settings, in the same run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import orjson

from common import PRODUCTION_LIKE, REPO, demo_file
from hotelreviews.core import migrations
from hotelreviews.core.settings import Settings

HERE = Path(__file__).resolve().parent
SEARCH_TERMS = ["breakfast", "rooftop pool", "noisy", "friendly staff", "location"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _pinned(core: int, command: list[str]) -> list[str]:
    return ["taskset", "-c", str(core), *command] if shutil.which("taskset") else command


def _wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server not up after {timeout} s: {url}")


def _get(url: str) -> dict:
    return orjson.loads(urllib.request.urlopen(url, timeout=10).read())


def _wrk(
    base: str, paths: list[str], *, duration: int, connections: int, count_hits: bool = False
) -> dict:
    command = _pinned(
        1,
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "-s",
            str(HERE / "wrk_report.lua"),
            base,
        ],
    )
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PATHS": "|".join(paths),
            **({"COUNT_X_CACHE": "1"} if count_hits else {}),
        },
        check=True,
    )
    line = next(line for line in done.stdout.splitlines() if line.startswith("JSON"))
    result = orjson.loads(line[4:])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def _serve(command: list[str], env: dict[str, str], port: int, probe: str) -> subprocess.Popen:
    process = subprocess.Popen(
        _pinned(0, command), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _wait_until_up(f"http://127.0.0.1:{port}{probe}", process)
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (or `make bench`)")

    from tests.support.pg_server import PostgresServer

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-api-"))
    work.mkdir(parents=True, exist_ok=True)
    server = None
    data_dir = work / f"api-{args.backend}-{args.reviews}"
    data_dir.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOTELREVIEWS_DATA_DIR": str(data_dir),
        "HOTELREVIEWS_LOG_LEVEL": "WARNING",
    }
    env.pop("HOTELREVIEWS_DATABASE_URL", None)
    if args.backend == "postgresql":
        server = PostgresServer(settings=PRODUCTION_LIKE).start()
        env["HOTELREVIEWS_DATABASE_URL"] = server.create_database("bench_api")
    settings = Settings(data_dir=data_dir, database_url=env.get("HOTELREVIEWS_DATABASE_URL"))
    processes: list[subprocess.Popen] = []
    try:
        migrations.upgrade(settings)
        path, _ = demo_file(reviews=args.reviews, directory=work)
        subprocess.run(
            [sys.executable, "-m", "hotelreviews", "ingest", "--json", str(path)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if server:
            server.psql("VACUUM ANALYZE", dbname="bench_api")

        results: dict[tuple[str, str], dict] = {}
        scenarios: dict[str, list[str]] = {}
        for cache in ("on", "off"):
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            api = _serve(
                [sys.executable, "-m", "hotelreviews", "serve", "--port", str(port)],
                {**env, "HOTELREVIEWS_CACHE_ENABLED": "true" if cache == "on" else "false"},
                port,
                "/readyz",
            )
            processes.append(api)
            scenarios = scenarios or _scenarios(base)
            # Every path answers 200 before it is measured (with the cache on, this pass
            # fills it: the measured requests are then hits).
            for paths in scenarios.values():
                for p in paths:
                    urllib.request.urlopen(base + p, timeout=10).read()
            for name, paths in scenarios.items():
                results[name, cache] = _wrk(
                    base,
                    paths,
                    duration=args.duration,
                    connections=args.connections,
                    count_hits=cache == "on",
                )
            _stop(processes.pop())

        bare_port = _free_port()
        bare = _serve(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--app-dir",
                str(HERE),
                "bare_app:app",
                "--port",
                str(bare_port),
                "--loop",
                "uvloop",
                "--http",
                "httptools",
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            env,
            bare_port,
            "/",
        )
        processes.append(bare)
        baseline = _wrk(
            f"http://127.0.0.1:{bare_port}",
            ["/"],
            duration=args.duration,
            connections=args.connections,
        )
    finally:
        for process in processes:
            _stop(process)
        if server:
            server.stop()

    print(
        f"{args.backend}, {args.reviews:,} demo reviews, wrk -t1 -c{args.connections} "
        f"-d{args.duration}s, 1 server worker"
    )
    print(
        f"{'scenario':<16}{'cache':>6}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'errors':>8}{'vs bare':>9}{'hits':>8}"
    )
    rows = [(name, cache, results[name, cache]) for name in scenarios for cache in ("on", "off")]
    for name, cache, r in [*rows, ("bare ASGI", "-", baseline)]:
        hits = f"{r['hits'] / r['answered']:.1%}" if cache == "on" and r["answered"] else "-"
        print(
            f"{name:<16}{cache:>6}{r['rps']:>10,.0f}{r['p50_ms']:>9.2f}{r['p95_ms']:>9.2f}"
            f"{r['p99_ms']:>9.2f}{r['errors']:>8}{r['rps'] / baseline['rps']:>9.2f}{hits:>8}"
        )


def _scenarios(base: str) -> dict[str, list[str]]:
    """The measured paths, over the 20 hotels with the most reviews."""
    hotels = _get(f"{base}/api/v1/hotels?sort=reviews&limit=20")["items"]
    ids = [hotel["id"] for hotel in hotels]
    quote = urllib.parse.quote
    return {
        "hotel detail": [f"/api/v1/hotels/{i}" for i in ids],
        "review page": [f"/api/v1/hotels/{i}/reviews?limit=20" for i in ids],
        "search": [
            f"/api/v1/reviews/search?q={quote(t)}&hotel_id={i}&limit=10"
            for t in SEARCH_TERMS
            for i in ids[:4]
        ],
    }


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
