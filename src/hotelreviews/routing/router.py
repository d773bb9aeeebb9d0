"""Read/write routing across a PostgreSQL primary and its streaming read replicas.

Writes go to the primary. Reads go to the first usable replica in the configured order (the
region's own first), else to the primary. A read presenting a consistency token (the
primary's WAL position after some write) goes to a replica only once that replica has
replayed past it — waiting up to `consistency_wait_seconds` for the first usable one to catch
up — else to the primary. A read that loses its connection is retried once on another target.
SQLite (and PostgreSQL without replicas) is one target: every read goes to the primary.

The router is built from settings (`DatabaseRouter.from_settings`) and owns one engine (pool)
per target; nothing is global, so a process can build a new one when the primary moves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, TypeVar

from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.core.database import create_engine, read_transaction
from hotelreviews.core.settings import Settings
from hotelreviews.core.tasks import cancel_and_wait
from hotelreviews.routing.lsn import format_lsn
from hotelreviews.routing.metering import meter_engine, report_replicas
from hotelreviews.routing.replicas import Replica, describe_error
from hotelreviews.routing.repository import current_wal_position

logger = logging.getLogger("hotelreviews.routing")
T = TypeVar("T")

# Connecting to a replica that does not answer must fail fast: the read then goes elsewhere.
REPLICA_CONNECT_TIMEOUT_SECONDS = 3.0


@dataclass(frozen=True, slots=True)
class Primary:
    """The target every write, and every read nothing else can serve, goes to."""

    role: ClassVar[Literal["primary"]] = "primary"
    name: str
    engine: AsyncEngine


Target = Primary | Replica


class DatabaseRouter:
    def __init__(
        self,
        *,
        primary: Primary,
        replicas: Sequence[Replica] = (),
        region: str = "local",
        consistency_wait_seconds: float = 0.2,
        check_interval_seconds: float = 1.0,
    ) -> None:
        self.primary = primary
        self.replicas = tuple(replicas)
        self.region = region
        self.consistency_wait_seconds = consistency_wait_seconds
        self.check_interval_seconds = check_interval_seconds
        # Reads served, by target name (for operators and tests).
        self.served: Counter[str] = Counter()

    @classmethod
    def from_settings(cls, settings: Settings) -> DatabaseRouter:
        """Engines for the primary and every replica in `settings` (none on SQLite)."""
        primary_url = settings.resolved_database_url
        replicas = [
            Replica(
                name=target_name(url),
                engine=create_engine(
                    settings,
                    url=url,
                    read_timeout_seconds=settings.read_statement_timeout_seconds,
                    connect_args={"timeout": REPLICA_CONNECT_TIMEOUT_SECONDS},
                ),
                max_lag_seconds=settings.replica_max_lag_seconds,
            )
            for url in settings.resolved_replica_urls
        ]
        primary = build_primary(settings, primary_url)
        for replica in replicas:
            meter_engine(replica.engine, "replica")
        return cls(
            primary=primary,
            replicas=replicas,
            region=settings.region,
            consistency_wait_seconds=settings.consistency_wait_seconds,
            check_interval_seconds=settings.replica_check_interval_seconds,
        )

    # ---- lifecycle ---------------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def monitoring(self) -> AsyncIterator[None]:
        """Check every replica now, then every check interval while the block runs."""
        if not self.replicas:
            yield
            return
        await self.check_replicas()
        for replica in self.replicas:
            logger.info(
                "region %s: replica %s %s",
                self.region,
                replica.name,
                "in use" if replica.usable else f"not used for now: {replica.health.reason}",
            )
        task = asyncio.create_task(self._monitor(), name="hotelreviews-replica-monitor")
        try:
            yield
        finally:
            await cancel_and_wait([task])
            for replica in self.replicas:
                await replica.close()

    async def check_replicas(self) -> None:
        await asyncio.gather(*(replica.check() for replica in self.replicas))
        report_replicas(self.replicas)

    async def dispose(self) -> None:
        """Close every pool."""
        for target in (self.primary, *self.replicas):
            await target.engine.dispose()

    async def replace_primary(self, primary: Primary) -> None:
        """Send every write (and every read only the primary can serve) to `primary` from
        now on, as when the writer moved to another server. Transactions already running
        finish on the old one: disposing its pool closes the idle connections at once and
        each checked-out one when it is returned, so nothing in flight is cut."""
        old, self.primary = self.primary, primary
        logger.warning(
            "region %s: the primary is now %s (was %s)", self.region, primary.name, old.name
        )
        await old.engine.dispose()

    async def _monitor(self) -> None:
        while True:
            await asyncio.sleep(self.check_interval_seconds)
            await self.check_replicas()

    # ---- reads -------------------------------------------------------------------------

    async def choose(self, token: int | None = None) -> Target:
        """The target for a read: the first usable replica (one that has replayed `token`,
        waiting a little for the first one if need be), else the primary.
        """
        return await self._replica_for(token) or self.primary

    async def read(
        self,
        use_case: Callable[..., Awaitable[T]],
        /,
        *,
        token: int | None = None,
        **arguments: Any,
    ) -> tuple[T, Target]:
        """Run `use_case(engine=<chosen target's engine>, **arguments)` and say who served it.

        `use_case` must only read (it may run twice): when it fails on a connection error,
        not a query error, it runs once more on another target (a replica that failed is
        skipped until a health check finds it healthy again).
        """
        target = await self.choose(token)
        try:
            result = await use_case(engine=target.engine, **arguments)
        except Exception as exc:
            if not is_connection_error(exc):
                raise
            if isinstance(target, Replica):
                target.mark_unreachable(exc)
            fallback = await self._fallback(token, failed=target)
            if fallback is None:
                raise
            logger.warning(
                "read on %s %s lost its connection (%s); retrying on %s %s",
                target.role,
                target.name,
                describe_error(exc),
                fallback.role,
                fallback.name,
            )
            result = await use_case(engine=fallback.engine, **arguments)
            target = fallback
        self.served[target.name] += 1
        return result, target

    async def _replica_for(
        self, token: int | None, *, exclude: Replica | None = None
    ) -> Replica | None:
        replicas = [r for r in self.replicas if r.usable and r is not exclude]
        if not replicas:
            return None
        if token is None:
            return replicas[0]
        for replica in replicas:
            if replica.has_replayed(token):
                return replica
        first = replicas[0]
        if await first.wait_replayed(token, self.consistency_wait_seconds):
            return first
        return None

    async def _fallback(self, token: int | None, *, failed: Target) -> Target | None:
        """Another target for a read that failed on `failed`: after the primary, a replica
        that can serve it (if any); after a replica, the next one, else the primary."""
        if isinstance(failed, Replica):
            return await self._replica_for(token, exclude=failed) or self.primary
        return await self._replica_for(token)

    # ---- writes ------------------------------------------------------------------------

    async def consistency_token(self) -> str | None:
        """The token for writes committed so far (see `consistency_token`)."""
        return await consistency_token(self.primary.engine)


async def consistency_token(engine: AsyncEngine) -> str | None:
    """The consistency token for a write: call it after the write transaction has committed.

    It is the primary's WAL position now, which is at or past the end of the write's commit.
    A read presenting it is served by a replica only once that replica has replayed that far,
    so it sees the write. None on SQLite (one database, nothing to wait for).
    """
    position = await wal_position(engine)
    return None if position is None else format_lsn(position)


async def wal_position(engine: AsyncEngine) -> int | None:
    """The primary's WAL position now (at or past every commit made so far); None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    async with read_transaction(engine) as connection:
        return await current_wal_position(connection)


def build_primary(settings: Settings, url: str, *, time_limited_reads: bool = True) -> Primary:
    """The primary target at `url`, metered. The API's reads are time-limited
    (core.database): one slow request must not hold a pooled connection for long. The
    worker's are not (`time_limited_reads=False`): nobody waits on them."""
    timeout = settings.read_statement_timeout_seconds if time_limited_reads else None
    primary = Primary(
        name=target_name(url),
        engine=create_engine(settings, url=url, read_timeout_seconds=timeout),
    )
    meter_engine(primary.engine, "primary")
    return primary


def target_name(url: str) -> str:
    """host:port/database — enough to tell targets apart in logs, and no password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite:{parsed.database}"
    if parsed.host is None and "host" in parsed.query:
        # Several hosts (the primary wherever it is: the driver picks the writable one).
        hosts = parsed.query["host"]
        listed = ",".join([hosts] if isinstance(hosts, str) else hosts)
        return f"{listed}/{parsed.database}"
    return f"{parsed.host}:{parsed.port or 5432}/{parsed.database}"
