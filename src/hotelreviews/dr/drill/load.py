"""The drill's load: a few virtual users per region, each sending a steady, modest stream of
mixed requests through the global entry with `X-Region: <region>`, every one recorded.

Reads: the hotel list, one hotel, its reviews, a search. Writes: queue an ingestion of
`s3://hotelreviews-drill/<run id>/<n>.jsonl` with an Idempotency-Key (acknowledged: 202 with
an ingestion id); the bucket does not exist, and the drill deletes these rows afterwards.

Each virtual user connects from a client address of its own when the global entry is on the
loopback network (127.0.100.N: the whole of 127.0.0.0/8 is this machine's), so the
per-address rate limits apply per simulated user, as they would to real users, instead of
throttling the whole drill as one client.

Cheap on purpose — the machine runs the whole cluster too: HTTP/1.1 keep-alive, one
connection per virtual user, a fixed pace (no bursts to catch up when a request was slow).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import random
import ssl
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import httpx

from hotelreviews.cluster.apps import DRILL_SOURCES_BUCKET
from hotelreviews.dr.drill.records import WRITE_KIND, RequestRecord

REGION_HEADER = "X-Region"
SERVED_BY_HEADER = "X-Hotelreviews-Region"
API_KEY_HEADER = "X-API-Key"
DRILL_BUCKET = DRILL_SOURCES_BUCKET  # allowed by the cluster's apps
# A request that takes longer is recorded as unanswered (status 0): longer than any proxy
# timeout on the way that matters here (HAProxy queues 5 s, connects 2 s, retries twice).
REQUEST_TIMEOUT_SECONDS = 15.0
SEARCH_TERMS = ("breakfast", "quiet room", "friendly staff", "clean", "location", "pool")
# Shares of each kind of request (reads dominate, as on a review site).
MIX = {"hotels": 0.3, "hotel": 0.2, "reviews": 0.2, "search": 0.1, WRITE_KIND: 0.2}


@dataclass(frozen=True)
class LoadPlan:
    base_url: str  # https://<global entry>
    regions: Sequence[str]
    users_per_region: int
    rate_per_region: float  # requests per second, all of a region's users together
    api_key: str  # with the ingest role, for the writes
    run_id: str
    hotel_ids: Sequence[int]  # what the hotel and reviews reads ask for (none: only lists)
    mix: dict[str, float] = field(default_factory=lambda: dict(MIX))


def client_address(base_url: str, number: int) -> str | None:
    """The address virtual user `number` connects from: its own on the loopback network,
    None (the system's choice) when the entry is elsewhere."""
    host = httpx.URL(base_url).host
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = host == "localhost"
    return f"127.0.100.{number % 250 + 1}" if loopback else None


def source_uri(run_id: str, number: int) -> str:
    return f"s3://{DRILL_BUCKET}/{run_id}/{number:07d}.jsonl"


def drill_sources_pattern(run_id: str) -> str:
    """A SQL LIKE pattern matching every source this run queued."""
    return f"s3://{DRILL_BUCKET}/{run_id}/%"


class Load:
    """The running load: records accumulate in `records` until the context ends."""

    def __init__(self, plan: LoadPlan, tls: ssl.SSLContext, zero: float) -> None:
        self.plan = plan
        self.records: list[RequestRecord] = []
        self._tls = tls
        self._zero = zero  # time.monotonic() at the drill's clock zero
        self._stop = asyncio.Event()
        self._writes = 0
        self._random = random.Random(plan.run_id)

    def now(self) -> float:
        return time.monotonic() - self._zero

    def acknowledged_since(self, moment: float) -> int:
        """Writes sent at or after `moment` that were acknowledged (so far)."""
        return sum(1 for r in self.records if r.acknowledged and r.started >= moment)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Load]:
        users = [
            asyncio.create_task(self._user(region, number))
            for index, region in enumerate(self.plan.regions)
            for number in range(
                index * self.plan.users_per_region, (index + 1) * self.plan.users_per_region
            )
        ]
        try:
            yield self
        finally:
            self._stop.set()
            await asyncio.gather(*users, return_exceptions=True)

    async def _user(self, region: str, number: int) -> None:
        interval = self.plan.users_per_region / self.plan.rate_per_region
        transport = httpx.AsyncHTTPTransport(
            verify=self._tls,
            limits=httpx.Limits(max_connections=1, max_keepalive_connections=1),
            local_address=client_address(self.plan.base_url, number),
        )
        async with httpx.AsyncClient(
            base_url=self.plan.base_url,
            transport=transport,
            headers={REGION_HEADER: region},
            timeout=REQUEST_TIMEOUT_SECONDS,
        ) as client:
            # Not recorded: opens the user's connection (TCP, TLS), which a user of a running
            # site has already done; the first recorded request would measure it otherwise.
            with contextlib.suppress(httpx.HTTPError):
                await client.get("/readyz")
            # Users start spread over one interval, not all at once.
            await self._pause(self._random.uniform(0, interval))
            next_at = self.now()
            while not self._stop.is_set():
                await self._one_request(client, region)
                next_at = max(next_at + interval, self.now())
                await self._pause(next_at - self.now())

    async def _pause(self, seconds: float) -> None:
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), seconds)

    async def _one_request(self, client: httpx.AsyncClient, region: str) -> None:
        kind = self._random.choices(list(self.plan.mix), weights=list(self.plan.mix.values()))[0]
        if kind in ("hotel", "reviews") and not self.plan.hotel_ids:
            kind = "hotels"
        source = None
        started = self.now()
        try:
            if kind == WRITE_KIND:
                self._writes += 1
                source = source_uri(self.plan.run_id, self._writes)
                response = await client.post(
                    "/api/v1/ingestions",
                    json={"source_uri": source},
                    headers={
                        API_KEY_HEADER: self.plan.api_key,
                        "Idempotency-Key": f"{self.plan.run_id}-{self._writes}",
                    },
                )
            else:
                path, params = self._read(kind)
                response = await client.get(path, params=params)
        except httpx.HTTPError as error:
            self.records.append(
                RequestRecord(
                    region=region,
                    kind=kind,
                    started=started,
                    latency=self.now() - started,
                    status=0,
                    source=source,
                    error=type(error).__name__,
                )
            )
            return
        latency = self.now() - started
        ingestion_id = None
        if kind == WRITE_KIND and response.status_code == 202:
            with contextlib.suppress(ValueError, KeyError, TypeError):
                ingestion_id = int(response.json()["id"])
        self.records.append(
            RequestRecord(
                region=region,
                kind=kind,
                started=started,
                latency=latency,
                status=response.status_code,
                served_by=response.headers.get(SERVED_BY_HEADER),
                source=source,
                ingestion_id=ingestion_id,
            )
        )

    def _read(self, kind: str) -> tuple[str, dict[str, str | int]]:
        pick = self._random.choice
        if kind == "hotel":
            return f"/api/v1/hotels/{pick(self.plan.hotel_ids)}", {}
        if kind == "reviews":
            return f"/api/v1/hotels/{pick(self.plan.hotel_ids)}/reviews", {"limit": 10}
        if kind == "search":
            return "/api/v1/reviews/search", {"q": pick(SEARCH_TERMS), "limit": 10}
        return "/api/v1/hotels", {"limit": 10}
