"""One streaming replica as the router sees it: its pool, its health, its replay position.

Health is measured on the replica itself, every check interval: reachable, and its replay
lag — 0 when it has replayed all the WAL it received, else the age of the last transaction
it replayed; a read target that turns out to be a primary (a promoted replica) has none. A
replica is usable while checks find it healthy. A failed check or
a lost connection makes it unusable at once, a lag above the bound once two checks in a row
find it; a later check that finds it healthy brings it back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass, replace
from typing import ClassVar, Literal

from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.core.connection_errors import is_connection_error
from hotelreviews.core.database import read_transaction
from hotelreviews.routing.lsn import format_lsn
from hotelreviews.routing.repository import ReplicationStatus, replay_lsn, replication_status

logger = logging.getLogger("hotelreviews.routing")

# A check that takes longer than this counts as a failed one (the replica is skipped).
CHECK_TIMEOUT_SECONDS = 2.0
# While reads wait for a replica to replay a token, its position is read at most this often.
REPLAY_POLL_SECONDS = 0.01
# A replica in use is skipped for lag only when this many checks in a row find it lagging: a
# check can land while it replays WAL that came after a quiet spell, and the lag formula then
# shows how long the spell was, not how far behind the replica is.
LAGGING_CHECKS_TO_SKIP = 2


@dataclass(frozen=True, slots=True)
class ReplicaHealth:
    usable: bool
    reason: str  # why not usable ("ok" when usable), for logs
    replay_lsn: int | None = None
    lag_seconds: float | None = None
    lag_bytes: int | None = None
    primary: bool = False  # not in recovery: the primary itself (a promoted replica)


NOT_CHECKED = ReplicaHealth(usable=False, reason="not checked yet")


def judge(status: ReplicationStatus, *, max_lag_seconds: float) -> ReplicaHealth:
    """The health a replica's own replication status shows, against the lag bound."""
    replay, receive = status.replay_lsn, status.receive_lsn
    if not status.in_recovery:
        # A read target that is a primary — the region's own server while the primary is
        # here, or a replica promoted by a failover — has everything: it serves reads, with
        # its current WAL position as the "replayed" one (consistency tokens compare to it).
        return ReplicaHealth(
            usable=replay is not None,
            reason="ok (a primary)" if replay is not None else "no WAL position",
            replay_lsn=replay,
            lag_seconds=0.0,
            lag_bytes=0,
            primary=True,
        )
    if replay is None:
        return ReplicaHealth(usable=False, reason="no replay position yet")
    lag_bytes = max(0, receive - replay) if receive is not None else None
    if receive is not None and replay >= receive:
        lag_seconds: float | None = 0.0  # replayed everything it was sent
    elif status.replay_age_seconds is not None:
        lag_seconds = max(0.0, status.replay_age_seconds)  # clamp: the clocks may disagree
    else:
        lag_seconds = None
    health = ReplicaHealth(
        usable=True, reason="ok", replay_lsn=replay, lag_seconds=lag_seconds, lag_bytes=lag_bytes
    )
    if lag_seconds is None:
        # WAL to replay (or not streaming) and no transaction replayed since it started.
        return replace(health, usable=False, reason="replay lag unknown")
    if lag_seconds > max_lag_seconds:
        return replace(
            health,
            usable=False,
            reason=f"replay lag {lag_seconds:.1f} s exceeds {max_lag_seconds:g} s",
        )
    return health


class Replica:
    """A read target that may lag: usable only while its last check found it healthy."""

    role: ClassVar[Literal["replica"]] = "replica"

    def __init__(self, *, name: str, engine: AsyncEngine, max_lag_seconds: float) -> None:
        self.name = name
        self.engine = engine
        self.max_lag_seconds = max_lag_seconds
        self.health = NOT_CHECKED
        self._lagging_checks = 0
        self._replay_read: asyncio.Task[None] | None = None
        self._replay_read_at = -math.inf

    def __repr__(self) -> str:
        return f"<Replica {self.name} {self.health.reason}>"

    @property
    def usable(self) -> bool:
        return self.health.usable

    def has_replayed(self, position: int) -> bool:
        """Known to have replayed up to `position` (replay only moves forward)."""
        replayed = self.health.replay_lsn
        return replayed is not None and replayed >= position

    async def check(self) -> None:
        """Measure the replica's health now; a failure or timeout makes it unusable."""
        try:
            async with (
                asyncio.timeout(CHECK_TIMEOUT_SECONDS),
                read_transaction(self.engine) as connection,
            ):
                status = await replication_status(connection)
        except Exception as exc:  # unreachable, timed out, refused: skipped until a check passes
            self._update(
                replace(
                    self.health,
                    usable=False,
                    reason=f"check failed: {describe_error(exc)}",
                    lag_seconds=None,
                    lag_bytes=None,
                )
            )
            return
        health = judge(status, max_lag_seconds=self.max_lag_seconds)
        lagging = status.in_recovery and not health.usable
        self._lagging_checks = self._lagging_checks + 1 if lagging else 0
        if lagging and self.usable and self._lagging_checks < LAGGING_CHECKS_TO_SKIP:
            health = replace(health, usable=True, reason=f"ok, to be confirmed: {health.reason}")
        self._update(health)

    def mark_unreachable(self, error: BaseException) -> None:
        """A read lost its connection here: skip the replica until a check finds it healthy."""
        self._update(
            replace(self.health, usable=False, reason=f"connection failed: {describe_error(error)}")
        )

    async def wait_replayed(self, position: int, wait_seconds: float) -> bool:
        """Wait up to `wait_seconds` for the replica to replay up to `position`; False if it
        did not (or became unusable). Concurrent waiters share one position query at a time.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while not self.has_replayed(position):
            remaining = deadline - loop.time()
            if remaining <= 0 or not self.usable:
                return False
            if loop.time() - self._replay_read_at < REPLAY_POLL_SECONDS:
                await asyncio.sleep(min(REPLAY_POLL_SECONDS, remaining))
                continue
            if self._replay_read is None or self._replay_read.done():
                self._replay_read = asyncio.create_task(self._read_replay_position())
            try:
                async with asyncio.timeout(remaining):
                    # Shielded: one waiter giving up must not cancel the others' query.
                    await asyncio.shield(self._replay_read)
            except TimeoutError:
                break
        return self.has_replayed(position)

    async def close(self) -> None:
        if self._replay_read is not None:
            self._replay_read.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._replay_read

    async def _read_replay_position(self) -> None:
        try:
            async with read_transaction(self.engine) as connection:
                position = await replay_lsn(connection)
        except Exception as exc:
            if is_connection_error(exc):
                self.mark_unreachable(exc)
            else:
                logger.warning("replica %s: could not read its replay position: %r", self, exc)
            return
        finally:
            self._replay_read_at = asyncio.get_running_loop().time()
        if position is not None and not self.has_replayed(position):
            self.health = replace(self.health, replay_lsn=position)

    def _update(self, health: ReplicaHealth) -> None:
        """Take a new health; say so in the log when the replica starts or stops being used."""
        was_usable, self.health = self.health.usable, health
        if health.usable and not was_usable:
            logger.info(
                "replica %s: in use (replay lag %.1f s, at %s)",
                self.name,
                health.lag_seconds or 0.0,
                format_lsn(health.replay_lsn or 0),
            )
        elif was_usable and not health.usable:
            logger.warning("replica %s: skipped, %s", self.name, health.reason)


def describe_error(error: BaseException) -> str:
    """A one-line description without SQL or connection strings: the driver's own message."""
    original = getattr(error, "orig", None) or error
    message = str(original).strip().splitlines()[0] if str(original).strip() else ""
    return f"{type(original).__name__}: {message[:200]}" if message else type(original).__name__
