"""API latency and throughput under wrk, one server worker, against a bare ASGI baseline.

    .venv/bin/python bench/api.py --reviews 100000 --duration 10 --connections 64

Sets up a throwaway PostgreSQL (durable settings), ingests the demo data set, starts
`hotelreviews serve --workers 1` pinned to one core and drives it with wrk (pinned to the
other core, 1 thread, 64 connections) on: hotel detail, a hotel's first review page, and
search. Every scenario runs in each cache mode, each in a fresh server process:

- `redis`: the response cache with Redis behind it (a throwaway redis-server started here):
  hits come from the process's memory, kept coherent by Redis invalidation messages;
- `memory`: the response cache without Redis (in-process only, versions polled);
- `redis-L2`: Redis behind a one-entry memory cache, so that hits come from Redis: what a hit
  costs when it waits on a network round trip;
- `off`: no response cache (HOTELREVIEWS_CACHE_ENABLED=false).

Every cache mode runs once per telemetry mode (`--telemetry`, default all three):

- `on`: as in production — /metrics, OpenTelemetry traces of one request in a hundred (the
  default sample ratio) exported over OTLP/HTTP to a stand-in collector (bench/otlp_sink.py),
  and one JSON log line per request written to a file;
- `off`: no metrics, no tracing; the request lines as in `on` (every request is logged);
- `none`: not even the request lines.

`vs off` divides by the `off` run: what metrics and tracing cost.

With a cache, one warming pass over the paths comes first, so the measured requests are
mostly hits; the hit ratio is counted from the X-Cache header. The baseline is
bench/bare_app.py under the same uvicorn settings, in the same run. Abuse protection (size
and rate limits, security headers) is on as in production, with rate limits and the limits
on concurrent searches set too high for wrk to reach.

The misses (cache `off`) are also read against a database limit, `db-limit`: on PostgreSQL,
when `off` is among the modes (and unless --no-db-limit), bench/db_limit_app.py — a bare ASGI
app running the very statements of each route through asyncpg and returning the rows as JSON
— is measured on the same paths, database and uvicorn settings. Its rows follow each
scenario's, and a second table gives misses / db-limit for req/s and p50/p95/p99.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


def _median_run(measured: list[dict]) -> dict:
    """The run with the median throughput (its latencies with it)."""
    return sorted(measured, key=lambda run: run["rps"])[len(measured) // 2]


def _serve(
    command: list[str],
    env: dict[str, str],
    port: int,
    probe: str,
    *,
    log_path: Path | None = None,
) -> subprocess.Popen:
    # The server's log goes to a file, as in production (a terminal would slow it down).
    log = log_path.open("wb") if log_path else subprocess.DEVNULL
    try:
        process = subprocess.Popen(_pinned(0, command), env=env, stdout=log, stderr=log)
    finally:
        if log_path:
            log.close()  # type: ignore[union-attr]
    _wait_until_up(f"http://127.0.0.1:{port}{probe}", process)
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()


@contextlib.contextmanager
def demo_database(
    *, backend: str, reviews: int, work: Path, name: str = "bench_api"
) -> Iterator[tuple[dict[str, str], Any]]:
    """A migrated database holding the demo data set of `reviews` reviews (on PostgreSQL a
    throwaway server, stopped when the block ends), and the environment of a server process
    using it, with abuse protection on and rate limits no load generator reaches. Yields
    (environment, the PostgreSQL server or None)."""
    from tests.support.pg_server import PostgresServer

    work.mkdir(parents=True, exist_ok=True)
    data_dir = work / f"api-{backend}-{reviews}"
    data_dir.mkdir(exist_ok=True)
    env = {
        **os.environ,
        "HOTELREVIEWS_DATA_DIR": str(data_dir),
        "HOTELREVIEWS_LOG_LEVEL": "WARNING",
        # Abuse protection stays on (its cost is part of every request) with limits no single
        # load generator reaches: otherwise wrk would mostly measure 429s.
        "HOTELREVIEWS_RATE_LIMIT_ENABLED": "true",
        **{f"HOTELREVIEWS_RATE_LIMIT_{rule}": UNREACHED_LIMIT for rule in RATE_LIMIT_RULES},
    }
    for inherited in ("DATABASE_URL", "REDIS_URL", "REDIS_URL_FILE"):
        env.pop(f"HOTELREVIEWS_{inherited}", None)
    server = None
    try:
        if backend == "postgresql":
            server = PostgresServer(settings=PRODUCTION_LIKE).start()
            env["HOTELREVIEWS_DATABASE_URL"] = server.create_database(name)
        settings = Settings(data_dir=data_dir, database_url=env.get("HOTELREVIEWS_DATABASE_URL"))
        migrations.upgrade(settings)
        path, _ = demo_file(reviews=reviews, directory=work)
        subprocess.run(
            [sys.executable, "-m", "hotelreviews", "ingest", "--json", str(path)],
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        if server:
            server.psql("VACUUM ANALYZE", dbname=name)
        yield env, server
    finally:
        if server:
            server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--backend", choices=["postgresql", "sqlite"], default="postgresql")
    parser.add_argument("--work-dir", type=Path, default=None)
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help=f"cache modes to run, comma-separated (default: {','.join(MODES)})",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every mode this many times, alternating; report the median (default 1)",
    )
    parser.add_argument(
        "--no-db-limit",
        action="store_true",
        help="do not measure the database-limit baseline (bench/db_limit_app.py) for the misses",
    )
    parser.add_argument(
        "--telemetry",
        default="on,off,none",
        help="telemetry modes to run, comma-separated (default: on,off,none; also metrics "
        "and traces: one part of on each)",
    )
    args = parser.parse_args()
    modes = [mode.strip() for mode in args.modes.split(",") if mode.strip()]
    telemetry_modes = [mode.strip() for mode in args.telemetry.split(",") if mode.strip()]
    if set(telemetry_modes) - set(TELEMETRY):
        raise SystemExit(
            f"unknown telemetry mode(s) in {args.telemetry}; known: {', '.join(TELEMETRY)}"
        )
    unknown = sorted(set(modes) - set(MODES))
    if unknown:
        raise SystemExit(f"unknown cache mode(s): {', '.join(unknown)}; known: {', '.join(MODES)}")
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk (or `make bench`)")

    from tests.support.redis_server import RedisServer

    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-api-"))
    redis_server = None
    sink = None
    db_limit: dict[str, dict] = {}
    database = contextlib.ExitStack()
    processes: list[subprocess.Popen] = []
    try:
        env, _ = database.enter_context(
            demo_database(backend=args.backend, reviews=args.reviews, work=work)
        )
        env.update(UNREACHED_CONCURRENCY)
        results: dict[tuple[str, str, str], dict] = {}
        telemetry_notes: list[str] = []
        scenarios: dict[str, list[str]] = {}
        if any(MODES[mode].get("HOTELREVIEWS_REDIS_URL") for mode in modes):
            redis_server = RedisServer().start()
        if TRACED & set(telemetry_modes):
            sink_port = _free_port()
            sink = subprocess.Popen(
                _pinned(1, [sys.executable, str(HERE / "otlp_sink.py"), str(sink_port)])
            )
            _wait_until_up(f"http://127.0.0.1:{sink_port}/stats", sink)
            sink_url = f"http://127.0.0.1:{sink_port}"
        runs: dict[tuple[str, str, str], list[dict]] = {}
        combinations = [(c, t) for c in modes for t in telemetry_modes]
        # Rounds alternate the modes, so that a slow spell of the machine hits them all.
        for cache, telemetry in combinations * args.rounds:
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            mode_env = dict(MODES[cache]) | TELEMETRY[telemetry]
            if redis_server is not None and mode_env.get("HOTELREVIEWS_REDIS_URL"):
                mode_env["HOTELREVIEWS_REDIS_URL"] = redis_server.url
            if telemetry in TRACED:
                mode_env["HOTELREVIEWS_OTLP_ENDPOINT"] = sink_url
                exports_before = _get(f"{sink_url}/stats")["exports"]
            log_path = work / f"server-{cache}-{telemetry}.log"
            api = _serve(
                [sys.executable, "-m", "hotelreviews", "serve", "--port", str(port)],
                {**env, **mode_env},
                port,
                "/readyz",
                log_path=log_path,
            )
            processes.append(api)
            scenarios = scenarios or _scenarios(base)
            # Every path answers 200 before it is measured (with the cache on, this pass
            # fills it: the measured requests are then hits).
            for paths in scenarios.values():
                for p in paths:
                    urllib.request.urlopen(base + p, timeout=10).read()
            for name, paths in scenarios.items():
                runs.setdefault((name, cache, telemetry), []).append(
                    _wrk(
                        base,
                        paths,
                        duration=args.duration,
                        connections=args.connections,
                        count_hits=cache != "off",
                    )
                )
            if telemetry == "on":
                metrics = urllib.request.urlopen(base + "/metrics", timeout=10).read()
                series = metrics.count(b"hotelreviews_http_request_duration_seconds_count{")
            _stop(processes.pop())
            if telemetry == "on":
                time.sleep(1)  # the exporter's last batch
                exports = _get(f"{sink_url}/stats")["exports"] - exports_before
                with log_path.open("rb") as log:
                    logged = sum(1 for line in log if b'"request"' in line)
                telemetry_notes.append(
                    f"telemetry on, cache {cache}: {logged:,} request log lines, "
                    f"{exports:,} OTLP exports, {series} request-count series in /metrics"
                )

        results = {key: _median_run(measured) for key, measured in runs.items()}
        if "off" in modes and args.backend == "postgresql" and not args.no_db_limit:
            db_limit = _measure_db_limit(
                env, scenarios, duration=args.duration, connections=args.connections
            )
        bare_port = _free_port()
        bare = _serve(_uvicorn("bare_app:app", bare_port), env, bare_port, "/")
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
        database.close()
        if redis_server:
            redis_server.stop()
        if sink:
            _stop(sink)

    print(
        f"{args.backend}, {args.reviews:,} demo reviews, wrk -t1 -c{args.connections} "
        f"-d{args.duration}s, 1 server worker"
        + (f", median of {args.rounds} alternating rounds" if args.rounds > 1 else "")
    )
    print(
        f"{'scenario':<16}{'cache':>9}{'telemetry':>10}{'req/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'errors':>8}{'vs bare':>9}{'vs off':>8}{'hits':>8}"
    )
    rows = []
    for name in scenarios:
        rows += [
            (name, cache, telemetry, results[name, cache, telemetry])
            for cache in modes
            for telemetry in telemetry_modes
        ]
        if name in db_limit:  # beside the misses (`off` is the last of the default modes)
            rows.append((name, "db-limit", "-", db_limit[name]))
    for name, cache, telemetry, r in [*rows, ("bare ASGI", "-", "-", baseline)]:
        counted = cache not in ("off", "db-limit", "-") and r["answered"]
        hits = f"{r['hits'] / r['answered']:.1%}" if counted else "-"
        off = results.get((name, cache, "off"))
        vs_off = f"{r['rps'] / off['rps']:.2f}" if off and telemetry not in ("off", "-") else "-"
        print(
            f"{name:<16}{cache:>9}{telemetry:>10}{r['rps']:>10,.0f}{r['p50_ms']:>9.2f}"
            f"{r['p95_ms']:>9.2f}{r['p99_ms']:>9.2f}{r['errors']:>8}"
            f"{r['rps'] / baseline['rps']:>9.2f}{vs_off:>8}{hits:>8}"
        )
    if db_limit:
        _print_against_db_limit(scenarios, telemetry_modes, results, db_limit)
    for note in telemetry_notes:
        print(note)


def _uvicorn(app: str, port: int) -> list[str]:
    """A baseline app (module:callable in bench/) under the server's uvicorn settings."""
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "--app-dir",
        str(HERE),
        app,
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def _measure_db_limit(
    env: dict[str, str], scenarios: dict[str, list[str]], *, duration: int, connections: int
) -> dict[str, dict]:
    """wrk on each scenario's paths against bench/db_limit_app.py on the benchmark's database."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(_uvicorn("db_limit_app:app", port), env, port, "/readyz")
    try:
        for paths in scenarios.values():  # every path answers 200 before it is measured
            for p in paths:
                urllib.request.urlopen(base + p, timeout=10).read()
        return {
            name: _wrk(base, paths, duration=duration, connections=connections)
            for name, paths in scenarios.items()
        }
    finally:
        _stop(server)


def _print_against_db_limit(
    scenarios: dict[str, list[str]],
    telemetry_modes: list[str],
    results: dict[tuple[str, str, str], dict],
    db_limit: dict[str, dict],
) -> None:
    """Misses (cache off) divided by the database limit: req/s (below 1: the share of what the
    database and driver allow) and latency percentiles (above 1: how much longer)."""
    print()
    print("misses / db-limit (bench/db_limit_app.py: the same SQL through asyncpg, no framework)")
    ratios = f"{'req/s':>10}" + "".join(f"{name:>9}" for name in ("p50", "p95", "p99"))
    print(f"{'scenario':<16}{'cache':>9}{'telemetry':>10}{ratios}")
    for name in scenarios:
        limit = db_limit[name]
        for telemetry in telemetry_modes:
            miss = results[name, "off", telemetry]
            print(
                f"{name:<16}{'off':>9}{telemetry:>10}{miss['rps'] / limit['rps']:>10.3f}"
                + "".join(
                    f"{miss[key] / limit[key]:>9.2f}" for key in ("p50_ms", "p95_ms", "p99_ms")
                )
            )


# Telemetry in each mode (the OTLP endpoint is filled in with the benchmark's own sink). Every
# request is logged once in production, whatever else is on: `on` and `off` both log, and
# differ by metrics and tracing; `none` drops the request lines too, to show what they cost.
_REQUEST_LINES = {"HOTELREVIEWS_LOG_LEVEL": "INFO", "HOTELREVIEWS_LOG_FORMAT": "json"}
TELEMETRY: dict[str, dict[str, str]] = {
    "on": {
        "HOTELREVIEWS_METRICS_ENABLED": "true",
        "HOTELREVIEWS_TRACE_SAMPLE_RATIO": "0.01",  # the default
        **_REQUEST_LINES,
    },
    "off": {"HOTELREVIEWS_METRICS_ENABLED": "false", **_REQUEST_LINES},
    "none": {"HOTELREVIEWS_METRICS_ENABLED": "false", "HOTELREVIEWS_LOG_LEVEL": "WARNING"},
    # Parts of "on", to see what each costs (not run unless asked for).
    "metrics": {"HOTELREVIEWS_METRICS_ENABLED": "true", **_REQUEST_LINES},
    "traces": {  # every request traced: the worst case
        "HOTELREVIEWS_METRICS_ENABLED": "false",
        "HOTELREVIEWS_TRACE_SAMPLE_RATIO": "1.0",
        **_REQUEST_LINES,
    },
}
# Modes that export traces (to the benchmark's own OTLP sink).
TRACED = frozenset({"on", "traces"})

# Environment of the server in each cache mode; a Redis URL is replaced by the benchmark's own.
UNREACHED_LIMIT = "100000000/minute"
RATE_LIMIT_RULES = ("DEFAULT", "SEARCH", "LOGIN", "IDENTITY")
# wrk is one client address with 64 connections: the limits on expensive requests running at
# once (searches, per client and per process: protection.expensive) would refuse most of its
# cache-missing searches. Measured with those limits on: bench/abuse.py.
UNREACHED_CONCURRENCY = {
    "HOTELREVIEWS_EXPENSIVE_REQUESTS_PER_CLIENT": "1000",
    "HOTELREVIEWS_EXPENSIVE_REQUESTS_PER_PROCESS": "1000",
}

MODES: dict[str, dict[str, str]] = {
    "redis": {"HOTELREVIEWS_CACHE_ENABLED": "true", "HOTELREVIEWS_REDIS_URL": "ours"},
    "memory": {"HOTELREVIEWS_CACHE_ENABLED": "true"},
    "redis-L2": {
        "HOTELREVIEWS_CACHE_ENABLED": "true",
        "HOTELREVIEWS_REDIS_URL": "ours",
        "HOTELREVIEWS_CACHE_MAX_ENTRIES": "1",
    },
    "off": {"HOTELREVIEWS_CACHE_ENABLED": "false"},
}


def _scenarios(base: str) -> dict[str, list[str]]:
    """The measured paths, over the 20 hotels with the most reviews."""
    hotels = _get(f"{base}/api/v1/hotels?sort=reviews&limit=20")["items"]
    return scenario_paths([hotel["id"] for hotel in hotels])


def scenario_paths(ids: list[int]) -> dict[str, list[str]]:
    """Each scenario's paths over these hotels (tests/integration/test_bench_db_limit.py
    requests them too)."""
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
