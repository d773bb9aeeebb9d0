"""Cheap reads beside an attack of expensive searches (issue 12, finding 3): a load check.

    .venv/bin/python bench/abuse.py --reviews 100000 --seconds 10

Sets up a throwaway PostgreSQL with the demo data set (bench/api.py's `demo_database`), then,
each phase in a fresh `hotelreviews serve --workers 1` (pool of 20, response cache off so
that every cheap read reaches the database):

- a cheap-read client alone: `--cheap-clients` concurrent loops of hotel detail requests
  over the 20 hotels with the most reviews; its p50 and p95;
- the same client beside 64 concurrent worst-case searches (`--attackers`), each a distinct
  query string (the cache could not help even if it were on), limit=100, include_total=true:
  `finding`: the review's request, 32 common words; `broad`: the most a search may now hold,
  12 common words OR-ed (matching most reviews, every match ranked and counted); from one
  client address, or from 64 (each attacker binds its own 127.0.0.N source address);
- with the database protection at its defaults (`protected`: 4 expensive requests per
  process), with two (`protected-2`: this machine's database has two cores), with half the
  pool (`protected-10`, the default before 4), and switched off through its settings
  (`unprotected`: no statement timeout, no word limit, totals counted to the end, no
  concurrency limits): the code before the fix.

Reported per phase: the cheap reads' count, p50, p95 and p99 and their statuses; the attack's
statuses (200; 422 too broad; 429 client: over the per-client limit; 503 busy: over the
per-process limit; 503 timeout: past the statement timeout) and its median latency. Rate
limits are set out of reach (as in bench/api.py): the check is about concurrency, not request
rates. So a refused attacker waits what Retry-After says before its next search, as a client
would (`--flood`: it sends again at once; refusals then cost the server's CPU, which is what
the rate limits are for; a 422 has no Retry-After: sent again at once). Traffic stays on
127.0.0.0/8; every phase is bounded (`--seconds` measured after a 2 s ramp, then in-flight
requests are abandoned and the server stopped, with its leftover queries cancelled).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from api import _free_port, _get, _serve, _stop, demo_database
from common import REPO

# Words found in most demo reviews (the English phrase bank): the attacker's best picks.
COMMON_TEXT = (
    "the room was and staff were friendly breakfast great location clean hotel pool "
    "comfortable bed quiet view good very helpful stay would again nice with for our "
    "service small noisy but in of to"
)
COMMON = COMMON_TEXT.split()
POOL_SIZE = 20
# Expensive requests a process runs at once in the `protected-2` phases: the database's cores
# on this machine; in `protected-10`, half the pool.
FEW_SLOTS = {"HOTELREVIEWS_EXPENSIVE_REQUESTS_PER_PROCESS": "2"}
HALF_THE_POOL = {"HOTELREVIEWS_EXPENSIVE_REQUESTS_PER_PROCESS": str(POOL_SIZE // 2)}
UNPROTECTED = {
    "HOTELREVIEWS_READ_STATEMENT_TIMEOUT_SECONDS": "0",
    "HOTELREVIEWS_SEARCH_MAX_WORDS": "100",
    "HOTELREVIEWS_TOTAL_COUNT_LIMIT": "10000000",
    "HOTELREVIEWS_EXPENSIVE_REQUESTS_PER_CLIENT": "1000",
    "HOTELREVIEWS_EXPENSIVE_REQUESTS_PER_PROCESS": "1000",
}
PROTECTION = {
    "unprotected": UNPROTECTED,
    "protected": {},
    "protected-2": FEW_SLOTS,
    "protected-10": HALF_THE_POOL,
}
RAMP_SECONDS = 2.0
# Problem codes, shortened for the table.
SHORT_CODES = {
    "query_timeout": " timeout",
    "expensive_requests_busy": " busy",
    "too_many_expensive_requests": " client",
    "search_too_broad": " too broad",
    "rate_limited": " rate",
}
# A request still unanswered after this long counts as a timeout (and is abandoned).
CLIENT_TIMEOUT_SECONDS = 60.0


@dataclass
class Samples:
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)

    def add(self, started: float, status: str, measuring: bool) -> None:
        if measuring:
            self.latencies_ms.append((time.perf_counter() - started) * 1000)
            self.statuses[status] += 1

    def percentile(self, share: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def attack_query(kind: str, rng: random.Random) -> str:
    """A distinct worst-case query string of the given kind."""
    if kind == "finding":  # the review's: 32 common words
        return " ".join(rng.sample(COMMON, 32))
    return " OR ".join(rng.sample(COMMON, 12))  # the most words a search may hold, OR-ed


async def _loop(
    client: httpx.AsyncClient,
    paths: Any,
    samples: Samples,
    state: dict[str, bool],
    *,
    obey_retry_after: bool = False,
) -> None:
    while not state["stop"]:
        path = next(paths)
        started = time.perf_counter()
        measuring = state["measuring"]
        retry_after = None
        try:
            response = await client.get(path)
            status = str(response.status_code)
            if response.status_code >= 400:  # which refusal: 503 busy or timeout, 429…
                code = response.json().get("code", "")
                status += SHORT_CODES.get(code, code)
            retry_after = response.headers.get("retry-after")
        except httpx.TimeoutException:
            status = "timeout"
        except httpx.HTTPError as error:
            status = type(error).__name__
        samples.add(started, status, measuring and not state["stop"])
        if obey_retry_after and retry_after is not None:
            await asyncio.sleep(float(retry_after))


def _cycle(items: list[str]) -> Any:
    while True:
        yield from items


def _attack_paths(kind: str, seed: int) -> Any:
    rng = random.Random(seed)
    while True:
        q = attack_query(kind, rng)
        yield f"/api/v1/reviews/search?{httpx.QueryParams(q=q, limit=100, include_total='true')}"


async def run_phase(
    base: str,
    cheap_paths: list[str],
    *,
    cheap_clients: int,
    attack: str | None,
    attackers: int,
    addresses: str,
    seconds: float,
    obey_retry_after: bool,
) -> tuple[Samples, Samples]:
    cheap, hostile = Samples(), Samples()
    state = {"stop": False, "measuring": False}
    timeout = httpx.Timeout(CLIENT_TIMEOUT_SECONDS)
    limits = httpx.Limits(max_connections=cheap_clients)
    clients = [httpx.AsyncClient(base_url=base, timeout=timeout, limits=limits)]
    tasks = [
        asyncio.create_task(_loop(clients[0], _cycle(cheap_paths), cheap, state))
        for _ in range(cheap_clients)
    ]
    if attack is not None:
        for n in range(attackers):
            # Loopback only: every attacker a 127.0.0.N address of its own, or all one.
            source = f"127.0.0.{n + 2}" if addresses == "many" else "127.0.0.2"
            transport = httpx.AsyncHTTPTransport(local_address=source)
            client = httpx.AsyncClient(base_url=base, timeout=timeout, transport=transport)
            clients.append(client)
            attacker = _loop(
                client,
                _attack_paths(attack, n),
                hostile,
                state,
                obey_retry_after=obey_retry_after,
            )
            tasks.append(asyncio.create_task(attacker))
    await asyncio.sleep(RAMP_SECONDS)
    state["measuring"] = True
    await asyncio.sleep(seconds)
    state["stop"] = True
    for task in tasks:  # in-flight requests are abandoned, not waited for
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    for client in clients:
        await client.aclose()
    return cheap, hostile


def _cancel_leftovers(server: Any, name: str) -> None:
    """Queries of abandoned requests may run on after the app is gone: end them."""
    server.psql(
        "SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity "
        f"WHERE datname = '{name}' AND pid <> pg_backend_pid()",
        dbname=name,
    )


def _row(protection: str, attack: str, cheap: Samples, hostile: Samples, alone: Samples) -> str:
    ratio = cheap.percentile(0.95) / alone.percentile(0.95)
    cheap_errors = sum(n for s, n in cheap.statuses.items() if s != "200")
    attack_statuses = " ".join(f"{s}:{n}" for s, n in sorted(hostile.statuses.items())) or "-"
    attack_p50 = f"{statistics.median(hostile.latencies_ms):,.0f}" if hostile.latencies_ms else "-"
    return (
        f"{protection:<13}{attack:<16}{len(cheap.latencies_ms):>8}{cheap.percentile(0.5):>9.1f}"
        f"{cheap.percentile(0.95):>9.1f}{cheap.percentile(0.99):>10.1f}{ratio:>8.1f}"
        f"{cheap_errors:>8}   {attack_statuses:<40}{attack_p50:>9}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--attackers", type=int, default=64)
    parser.add_argument("--cheap-clients", type=int, default=4)
    parser.add_argument(
        "--flood",
        action="store_true",
        help="attackers ignore Retry-After and send again at once (default: they wait it)",
    )
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    if not 1 <= args.attackers <= 250:
        raise SystemExit("--attackers: 1 to 250 (one 127.0.0.N address each)")
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="bench-abuse-"))
    phases = [
        ("unprotected", None, "-"),
        ("unprotected", "finding", "many"),
        ("unprotected", "broad", "many"),
        ("protected", None, "-"),
        ("protected", "finding", "many"),
        ("protected", "broad", "one"),
        ("protected", "broad", "many"),
        ("protected-2", None, "-"),
        ("protected-2", "broad", "many"),
        ("protected-10", None, "-"),
        ("protected-10", "broad", "many"),
    ]
    rows: list[str] = []
    with demo_database(backend="postgresql", reviews=args.reviews, work=work) as (env, pg):
        env = {
            **env,
            "HOTELREVIEWS_CACHE_ENABLED": "false",
            "HOTELREVIEWS_METRICS_ENABLED": "false",
            "HOTELREVIEWS_DATABASE_POOL_SIZE": str(POOL_SIZE),
        }
        alone: dict[str, Samples] = {}
        for protection, attack, addresses in phases:
            port = _free_port()
            base = f"http://127.0.0.1:{port}"
            phase_env = {**env, **PROTECTION[protection]}
            server = _serve(
                [sys.executable, "-m", "hotelreviews", "serve", "--port", str(port)],
                phase_env,
                port,
                "/readyz",
                log_path=work / f"server-{protection}-{attack}-{addresses}.log",
            )
            try:
                hotels = _get(f"{base}/api/v1/hotels?sort=reviews&limit=20")["items"]
                cheap_paths = [f"/api/v1/hotels/{hotel['id']}" for hotel in hotels]
                cheap, hostile = asyncio.run(
                    run_phase(
                        base,
                        cheap_paths,
                        cheap_clients=args.cheap_clients,
                        attack=attack,
                        attackers=args.attackers,
                        addresses=addresses,
                        seconds=args.seconds,
                        obey_retry_after=not args.flood,
                    )
                )
            finally:
                _stop(server)
                _cancel_leftovers(pg, "bench_api")
            if attack is None:
                alone[protection] = cheap
            label = "none" if attack is None else f"{attack} ({addresses})"
            rows.append(_row(protection, label, cheap, hostile, alone[protection]))
            print(rows[-1], flush=True)
    print()
    print(
        f"postgresql, {args.reviews:,} demo reviews, 1 server worker, pool {POOL_SIZE}, cache "
        f"off; {args.cheap_clients} cheap-read loops (hotel detail); attack: {args.attackers} "
        f"concurrent searches, limit=100, include_total=true, "
        f"{'sent again at once when refused' if args.flood else 'waiting Retry-After when refused'}"
        f"; {args.seconds:g} s measured"
    )
    print(
        f"{'protection':<13}{'attack':<16}{'cheap n':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>10}"
        f"{'p95 x':>8}{'errors':>8}   {'attack statuses':<40}{'p50 ms':>9}"
    )
    for row in rows:
        print(row)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    main()
