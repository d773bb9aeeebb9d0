"""Rate limits shared through a real redis-server (issue 4, acceptance 2), and what happens
when it dies: requests are still served, under limits each instance keeps on its own."""

from __future__ import annotations

import asyncio
import uuid

from pydantic import SecretStr

from hotelreviews.core.settings import Settings
from hotelreviews.protection.rules import Rate
from tests.support.protection import fresh_window, running_app
from tests.support.redis_server import RedisServer

PROVIDERS = "/api/v1/providers"
HOUR = 3600


def shared(settings: Settings, url: str, default: str) -> Settings:
    """Both instances on one Redis under a key prefix of their own (the server is shared by
    the session); the response cache off so that every request reaches the limiter's count
    the same way (it counts hits too, but this keeps the test about the limiter). A generous
    Redis timeout: on a busy test machine a slow reply must not count as Redis being down."""
    return settings.model_copy(
        update={
            "cache_enabled": False,
            "redis_url": SecretStr(url),
            "redis_key_prefix": f"test-{uuid.uuid4().hex[:12]}:",
            "rate_limit_default": default,
            "redis_timeout_seconds": 5.0,
        }
    )


async def test_two_instances_share_one_limit(settings: Settings, redis_server: RedisServer) -> None:
    await fresh_window(HOUR)
    configured = shared(settings, redis_server.url, "40/hour")
    rate = Rate.parse("default", configured.rate_limit_default)
    async with running_app(configured) as first, running_app(configured) as second:
        clients = [first(peer="198.51.100.20"), second(peer="198.51.100.20")]
        # 120 requests of one client, split over both instances, many at once.
        responses = await asyncio.gather(*(clients[n % 2].get(PROVIDERS) for n in range(120)))
        by_instance = [sum(r.status_code == 200 for r in responses[i::2]) for i in range(2)]
        assert {r.status_code for r in responses} == {200, 429}
        # Never more than the limit in total; short of it by at most what each instance
        # claimed but did not use (budgets.py: claim - 1 each).
        assert rate.limit - 2 * (rate.claim - 1) <= sum(by_instance) <= rate.limit
        assert all(count > 0 for count in by_instance)
        # A third instance joining now finds the budget spent.
        async with running_app(configured) as third:
            assert (await third(peer="198.51.100.20").get(PROVIDERS)).status_code == 429
            assert (await third(peer="198.51.100.21").get(PROVIDERS)).status_code == 200


async def test_with_redis_killed_requests_are_served_under_local_limits(
    settings: Settings,
) -> None:
    await fresh_window(HOUR)
    with RedisServer() as server:
        configured = shared(settings, server.url, "4/hour")
        async with running_app(configured) as connect:
            client = connect(peer="198.51.100.30")
            assert (await client.get(PROVIDERS)).status_code == 200
            server.kill()
            codes = [(await client.get(PROVIDERS)).status_code for _ in range(12)]
            # Served, never failed; and limited still, by this instance on its own.
            assert set(codes) == {200, 429}, codes
            assert codes.count(200) <= 4
            app_budgets = client._transport.app.state.protection.budgets  # type: ignore[attr-defined]
            assert app_budgets.redis_errors >= 1
