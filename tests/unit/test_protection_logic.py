"""The pure parts of abuse protection: whose address a request is, which rate applies, and
how many requests a window admits (in-process counters, a clock of our own)."""

from __future__ import annotations

import asyncio

import pytest

from hotelreviews.core.settings import Settings
from hotelreviews.protection.addresses import TrustedProxies, forwarded_values
from hotelreviews.protection.budgets import Budgets
from hotelreviews.protection.rules import Rate, RateRules

PROXIES = TrustedProxies(["10.0.0.0/8", "fd00::/8"])


def test_an_untrusted_peer_is_the_client_whatever_it_forwards() -> None:
    assert PROXIES.client_of("203.0.113.9", ["198.51.100.1"]) == "203.0.113.9"


def test_a_trusted_proxy_relays_the_address_it_was_given() -> None:
    assert PROXIES.client_of("10.1.2.3", ["198.51.100.1"]) == "198.51.100.1"


def test_the_first_untrusted_hop_from_the_right_is_the_client() -> None:
    # The client wrote "6.6.6.6" itself; our proxies appended what they saw.
    chain = ["6.6.6.6", "198.51.100.1", "10.0.0.7"]
    assert PROXIES.client_of("10.1.2.3", chain) == "198.51.100.1"


def test_a_chain_of_only_trusted_proxies_ends_at_its_leftmost_address() -> None:
    assert PROXIES.client_of("10.1.2.3", ["10.9.9.9", "10.0.0.7"]) == "10.9.9.9"


def test_ipv6_proxies_and_garbage_addresses() -> None:
    assert PROXIES.client_of("fd00::1", ["2001:db8::5"]) == "2001:db8::5"
    assert PROXIES.client_of("10.1.2.3", ["not-an-address"]) == "not-an-address"
    assert not PROXIES.trusts("not-an-address")
    assert not TrustedProxies([])


def test_forwarded_values_across_repeated_headers() -> None:
    headers = [(b"x-forwarded-for", b"1.1.1.1, 2.2.2.2"), (b"x-forwarded-for", b" 3.3.3.3 ")]
    assert forwarded_values(headers, b"x-forwarded-for") == ["1.1.1.1", "2.2.2.2", "3.3.3.3"]


def test_rates_in_the_limits_notation() -> None:
    rate = Rate.parse("default", "600/minute")
    assert (rate.limit, rate.window_seconds, rate.claim) == (600, 60, 60)
    assert Rate.parse("login", "10/minute").claim == 1


def test_bad_rates_are_refused_at_start_up() -> None:
    with pytest.raises(ValueError, match="not a rate limit"):
        Settings(rate_limit_search="lots")
    with pytest.raises(ValueError, match="not an IP address or CIDR"):
        Settings(trusted_proxies="10.0.0.0/8, proxy.internal")


def test_search_and_login_have_their_own_rules_health_checks_none() -> None:
    rules = RateRules.from_settings(Settings(), api_prefix="/api/v1")
    assert rules.match("GET", "/api/v1/reviews/search").name == "search"  # type: ignore[union-attr]
    assert rules.match("HEAD", "/api/v1/reviews/search").name == "search"  # type: ignore[union-attr]
    assert rules.match("POST", "/api/v1/auth/login/").name == "login"  # type: ignore[union-attr]
    assert rules.match("GET", "/api/v1/auth/login").name == "default"  # type: ignore[union-attr]
    assert rules.match("GET", "/api/v1/hotels/1").name == "default"  # type: ignore[union-attr]
    assert rules.match("GET", "/readyz") is None


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def admitted(budgets: Budgets, rate: Rate, key: str, requests: int) -> int:
    return sum([await budgets.admit(rate, key) for _ in range(requests)])


async def test_a_window_admits_its_limit_then_refuses_until_the_next() -> None:
    clock = Clock(6000.0)
    budgets = Budgets(redis=None, prefix="t:", clock=clock)
    rate = Rate.parse("default", "25/minute")
    assert await admitted(budgets, rate, "a", 40) == 25
    assert await admitted(budgets, rate, "b", 40) == 25  # every key has its own
    clock.now = 6059.5
    assert budgets.seconds_left(rate) == 1
    assert not await budgets.admit(rate, "a")
    clock.now = 6060.0  # the next window
    assert budgets.seconds_left(rate) == 60
    assert await admitted(budgets, rate, "a", 40) == 25


async def test_concurrent_requests_share_one_claim_and_the_limit() -> None:
    budgets = Budgets(redis=None, prefix="t:", clock=Clock(6000.0))
    rate = Rate.parse("default", "30/minute")
    verdicts = await asyncio.gather(*(budgets.admit(rate, "a") for _ in range(50)))
    assert sum(verdicts) == 30
