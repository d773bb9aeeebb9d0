"""One step of the load in one generator process: send on schedule, record what came back.

Every region's requests follow their own schedule (load_schedule) at the step's rate; each
latency (completion minus the intended send time, in microseconds) goes into that region's
HdrHistogram, and so does each send's lag (how late the generator sent). A step run in N
processes returns N results whose histograms merge exactly (`merge`): HdrHistogram's
encoding carries every bucket.

HTTP: httpx over asyncio, HTTP/1.1 keep-alive. Rate limits are per client address, as real
users have many: when the target is on the loopback network, requests are spread over
`clients` client addresses (127.100.x.y: the whole of 127.0.0.0/8 is this machine's), each
its own small connection pool.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import ipaddress
import itertools
import random
import ssl
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from load_ingest import review_lines, write_source
from load_mix import Hotel, Mix, Vocabulary
from load_results import RegionResult
from load_schedule import arrival_offsets

# httpcore asks `import sniffio` on every request; sniffio is not installed here, and a failed
# import searches all of sys.path each time (~0.3 ms a call, a third of the generator's CPU,
# by cProfile). A None entry in sys.modules makes that import fail at once (the documented
# meaning of None there); httpcore then assumes asyncio, which is what runs it.
if importlib.util.find_spec("sniffio") is None:
    sys.modules.setdefault("sniffio", None)  # type: ignore[arg-type]

REGION_HEADER = "X-Region"  # which region the global entry sends a request to
SERVED_BY_HEADER = "X-Hotelreviews-Region"
CACHE_HEADER = "X-Cache"
API_KEY_HEADER = "X-API-Key"
CONNECTIONS_PER_CLIENT = 4


@dataclass(frozen=True)
class Target:
    region: str
    url: str  # the base URL requests go to (a region's balancer or the global entry)
    region_header: bool  # send X-Region: <region> (through the global entry)


@dataclass(frozen=True)
class StepPlan:
    targets: list[Target]
    rate: float  # requests per second, per region
    warmup: float  # seconds sent but not recorded
    duration: float  # seconds recorded
    hotels: list[Hotel]
    provider_ids: list[int]
    vocabulary: Vocabulary
    seed: int = 1
    poisson: bool = False
    clients: int = 64  # client addresses per region and process (on the loopback network)
    timeout: float = 15.0
    cacert: str | None = None
    insecure: bool = False
    api_keys: dict[str, str] = field(default_factory=dict)  # region -> key (ingest role)
    step: int = 0  # the step's number: files and keys of each step are new
    run_id: int = 0  # this run's number: files, keys and review ids of each run are new
    # When every process starts sending (time.time()): their shares of one schedule line up.
    start_at: float | None = None
    inbox: str | None = None  # where ingestion files are written (None: no writes' files)
    # False: a write only drops its file for the worker to find, no POST (for an API that does
    # not accept paths in the inbox): reads then meet ingestion without the 1 % of POSTs.
    post_writes: bool = True
    shares: dict[str, float] | None = None


def client_address(base_url: str, number: int) -> str | None:
    """Client `number`'s own loopback address when the target is local, else None."""
    host = httpx.URL(base_url).host
    try:
        local = ipaddress.ip_address(host).is_loopback
    except ValueError:
        local = host == "localhost"
    if not local:
        return None
    number %= 250 * 250
    return f"127.100.{number // 250}.{number % 250 + 1}"


def tls_verify(cacert: str | None, insecure: bool = False) -> ssl.SSLContext | bool:
    """What httpx verifies a server with: the given CA only, the system's, or nothing (one
    context shared by every client: building one per client costs milliseconds each)."""
    if insecure:
        return False
    return ssl.create_default_context(cafile=cacert)


def is_error(status: int) -> bool:
    """Unanswered (0), refused or failed: every 4xx counts, the load asks only valid things."""
    return status == 0 or status >= 400


class RegionLoad:
    """One region's clients, request mix and results within one process and step."""

    def __init__(self, plan: StepPlan, target: Target, worker: int, workers: int) -> None:
        self.plan, self.target = plan, target
        seed = f"{plan.seed}-{target.region}-{worker}-{plan.step}"
        self.mix = Mix(
            plan.hotels,
            plan.provider_ids,
            plan.vocabulary,
            seed=_stable_seed(seed),
            popularity_seed=plan.seed,  # one ranking of hotels for every process and region
            **({"shares": plan.shares} if plan.shares else {}),
        )
        self.rng = random.Random(seed)
        self.result = RegionResult()
        self.worker = worker
        verify = tls_verify(plan.cacert, plan.insecure)
        headers = {REGION_HEADER: target.region} if target.region_header else {}
        self.clients = [
            httpx.AsyncClient(
                base_url=target.url,
                headers=headers,
                timeout=plan.timeout,
                transport=httpx.AsyncHTTPTransport(
                    verify=verify,
                    limits=httpx.Limits(
                        max_connections=CONNECTIONS_PER_CLIENT,
                        max_keepalive_connections=CONNECTIONS_PER_CLIENT,
                    ),
                    local_address=client_address(target.url, worker * plan.clients + number),
                ),
            )
            for number in range(max(1, plan.clients))
        ]
        # Write numbers unique in the run (below 10^13): step, region, process, then a count.
        region_number = [t.region for t in plan.targets].index(target.region)
        self._writes = itertools.count(((plan.step * 8 + region_number) * 64 + worker) * 10**7 + 1)
        self._next_client = itertools.count()

    async def close(self) -> None:
        await asyncio.gather(*(client.aclose() for client in self.clients))

    async def send(self, intended: float, record: bool) -> None:
        request = self.mix.next()
        if request.kind == "ingest" and not self.plan.post_writes:
            await self._write_file(request.hotel)
            return
        client = self.clients[next(self._next_client) % len(self.clients)]
        status, cache, served_by = 0, None, None
        try:
            if request.kind == "ingest":
                response = await self._ingest(client, request.hotel)
            else:
                response = await client.request(request.method, request.path)
            status = response.status_code
            cache = response.headers.get(CACHE_HEADER)
            served_by = response.headers.get(SERVED_BY_HEADER)
        except httpx.HTTPError:
            pass  # status 0: unanswered (refused, reset, timed out)
        done = time.monotonic()
        result = self.result
        result.answered_total += 1
        if not record:
            return
        result.latency.record_value(max(1, round((done - intended) * 1e6)))
        result.sent += 1
        result.statuses[status] += 1
        result.kinds[request.kind] += 1
        if is_error(status):
            result.errors += 1
            result.kind_errors[request.kind] += 1
        if request.method == "GET":
            result.cache[(cache or "none").lower()] += 1
        if served_by and self.target.region_header and served_by != self.target.region:
            result.served_elsewhere += 1
        result.last_done = done if result.last_done is None else max(result.last_done, done)

    async def _write_file(self, hotel: Hotel | None) -> tuple[int, Path]:
        number = next(self._writes)
        lines = review_lines(hotel, run_id=self.plan.run_id, number=number, rng=self.rng)
        if not self.plan.inbox:
            raise ValueError("ingestion requests need an inbox folder (--inbox)")
        # The file is written off the event loop: a slow disk must not delay other sends.
        path = await asyncio.to_thread(
            write_source, Path(self.plan.inbox), lines, run_id=self.plan.run_id, number=number
        )
        return number, path

    async def _ingest(self, client: httpx.AsyncClient, hotel: Hotel | None) -> httpx.Response:
        number, path = await self._write_file(hotel)
        return await client.post(
            "/api/v1/ingestions",
            json={"source_uri": str(path)},
            headers={
                API_KEY_HEADER: self.plan.api_keys.get(self.target.region, ""),
                "Idempotency-Key": f"load-{self.plan.run_id}-{number}",
            },
        )


def _stable_seed(text: str) -> int:
    """A seed from text that is the same in every process (str hashes are salted)."""
    import zlib

    return zlib.crc32(text.encode())


async def run_step_async(plan: StepPlan, worker: int = 0, workers: int = 1) -> dict:
    """Send this worker's share of the step to every region: {"regions": {region: encoded
    RegionResult}, "cpu_seconds": this process's CPU time, "wall_seconds": the step's}."""
    loads = [RegionLoad(plan, target, worker, workers) for target in plan.targets]
    # Every region's schedule (and every process's share of it) starts at the same moment.
    lead = 0.05 if plan.start_at is None else plan.start_at - time.time()
    start = time.monotonic() + max(0.0, lead)
    recorded_from = start + plan.warmup
    cpu_before = time.process_time()
    try:
        await asyncio.gather(
            *(_drive(load, plan, start, recorded_from, worker, workers) for load in loads)
        )
    finally:
        await asyncio.gather(*(load.close() for load in loads))
    cpu = time.process_time() - cpu_before
    wall = time.monotonic() - start
    return {
        "regions": {load.target.region: load.result.to_wire() for load in loads},
        "cpu_seconds": cpu,
        "wall_seconds": wall,
    }


async def _drive(
    load: RegionLoad, plan: StepPlan, start: float, recorded_from: float, worker: int, workers: int
) -> None:
    pending: set[asyncio.Task] = set()
    offsets = arrival_offsets(
        plan.rate,
        plan.warmup + plan.duration,
        poisson=plan.poisson,
        seed=_stable_seed(f"{plan.seed}-{load.target.region}"),
        worker=worker,
        workers=workers,
    )
    for offset in offsets:
        intended = start + offset
        wait = intended - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        # Late or not, it is sent now: skipping would hide exactly the slow moments.
        record = intended >= recorded_from
        if record:
            lag = time.monotonic() - intended
            load.result.lag.record_value(max(1, round(lag * 1e6)))
            if load.result.first_send is None:
                load.result.first_send = intended
        task = asyncio.create_task(load.send(intended, record))
        pending.add(task)
        task.add_done_callback(pending.discard)
    if pending:
        with contextlib.suppress(Exception):
            await asyncio.gather(*pending)


def run_step(plan: StepPlan, worker: int = 0, workers: int = 1) -> dict:
    """run_step_async in a fresh event loop (the entry point of a generator process): uvloop's
    (locked, as uvicorn's), whose scheduling costs the generator less CPU per request."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(run_step_async(plan, worker, workers))
    return uvloop.run(run_step_async(plan, worker, workers))
