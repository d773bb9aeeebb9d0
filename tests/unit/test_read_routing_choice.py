"""Which target the router picks and when it retries, with a stand-in use case.

The engines are real but never connect: the use case here only looks at which engine it was
given, and fails on the ones a test says are down. Replica health is set as a check would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hotelreviews.routing import DatabaseRouter, Primary, Replica, ReplicaHealth


class UseCase:
    """Records the engines it ran on; raises `failure` on those listed in `down`."""

    def __init__(self, *, down: tuple[AsyncEngine, ...] = (), failure: Exception) -> None:
        self.down = down
        self.failure = failure
        self.engines: list[AsyncEngine] = []

    async def __call__(self, *, engine: AsyncEngine, hotel_id: int) -> dict[str, int]:
        self.engines.append(engine)
        if engine in self.down:
            raise self.failure
        return {"hotel_id": hotel_id}


REFUSED = ConnectionRefusedError(111, "Connect call failed")


@pytest.fixture
async def router() -> AsyncIterator[DatabaseRouter]:
    def engine(host: str) -> AsyncEngine:
        return create_async_engine(f"postgresql+asyncpg://app@{host}/reviews")

    replicas = [
        Replica(name=name, engine=engine(name), max_lag_seconds=10) for name in ("eu", "ap")
    ]
    router = DatabaseRouter(
        primary=Primary(name="us", engine=engine("us")),
        replicas=replicas,
        consistency_wait_seconds=0,  # no waiting: only the known replay positions count
    )
    yield router
    await router.dispose()


def healthy(replica: Replica, replayed: int = 1000) -> None:
    replica.health = ReplicaHealth(usable=True, reason="ok", replay_lsn=replayed, lag_seconds=0)


async def test_reads_go_to_the_first_usable_replica_in_the_configured_order(
    router: DatabaseRouter,
) -> None:
    eu, ap = router.replicas
    assert await router.choose() is router.primary  # none checked yet
    healthy(ap)
    assert await router.choose() is ap
    healthy(eu)
    assert await router.choose() is eu


async def test_a_token_picks_a_replica_that_has_replayed_it_else_the_primary(
    router: DatabaseRouter,
) -> None:
    eu, ap = router.replicas
    healthy(eu, replayed=500)
    healthy(ap, replayed=900)
    assert await router.choose(400) is eu
    assert await router.choose(500) is eu  # replayed up to the token itself is enough
    assert await router.choose(700) is ap
    assert await router.choose(901) is router.primary


async def test_a_lost_replica_connection_is_retried_on_the_next_target_and_skips_it(
    router: DatabaseRouter,
) -> None:
    eu, ap = router.replicas
    healthy(eu)
    healthy(ap)
    use_case = UseCase(down=(eu.engine,), failure=REFUSED)
    result, target = await router.read(use_case, hotel_id=7)
    assert (result, target) == ({"hotel_id": 7}, ap)
    assert use_case.engines == [eu.engine, ap.engine]
    assert not eu.usable and "connection failed: ConnectionRefusedError" in eu.health.reason
    assert router.served == {"ap": 1}


async def test_after_the_last_replica_the_retry_goes_to_the_primary(
    router: DatabaseRouter,
) -> None:
    eu, _ = router.replicas
    healthy(eu)
    use_case = UseCase(down=(eu.engine,), failure=REFUSED)
    _, target = await router.read(use_case, hotel_id=7)
    assert target is router.primary


async def test_a_read_that_fails_on_the_primary_is_retried_on_a_replica_that_can_serve_it(
    router: DatabaseRouter,
) -> None:
    eu, ap = router.replicas
    healthy(eu, replayed=100)

    class CatchingUp(UseCase):
        async def __call__(self, *, engine: AsyncEngine, hotel_id: int) -> dict[str, int]:
            try:
                return await super().__call__(engine=engine, hotel_id=hotel_id)
            finally:
                healthy(ap, replayed=900)  # a check meanwhile finds ap in use, past the token

    down = asyncpg.exceptions.CannotConnectNowError("the database system is shutting down")
    # No replica has replayed the token: the primary first, then ap.
    use_case = CatchingUp(down=(router.primary.engine,), failure=down)
    _, target = await router.read(use_case, token=500, hotel_id=7)
    assert target is ap and use_case.engines == [router.primary.engine, ap.engine]


async def test_with_nowhere_else_to_go_the_connection_error_reaches_the_caller(
    router: DatabaseRouter,
) -> None:
    use_case = UseCase(down=(router.primary.engine,), failure=REFUSED)
    with pytest.raises(ConnectionRefusedError):
        await router.read(use_case, hotel_id=7)
    assert use_case.engines == [router.primary.engine]


async def test_a_read_is_retried_once_at_most(router: DatabaseRouter) -> None:
    eu, _ = router.replicas
    healthy(eu)
    use_case = UseCase(down=(eu.engine, router.primary.engine), failure=REFUSED)
    with pytest.raises(ConnectionRefusedError):
        await router.read(use_case, hotel_id=7)
    assert use_case.engines == [eu.engine, router.primary.engine]
    assert router.served == {}


async def test_a_query_error_is_not_retried_and_leaves_the_replica_in_use(
    router: DatabaseRouter,
) -> None:
    eu, _ = router.replicas
    healthy(eu)
    broken = asyncpg.exceptions.UndefinedColumnError('column "x" does not exist')
    use_case = UseCase(down=(eu.engine,), failure=broken)
    with pytest.raises(asyncpg.exceptions.UndefinedColumnError):
        await router.read(use_case, hotel_id=7)
    assert use_case.engines == [eu.engine] and eu.usable
