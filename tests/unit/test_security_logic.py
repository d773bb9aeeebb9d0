"""The pure parts of security: lockout arithmetic, role parsing, policy decisions, identities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotelreviews.security.identity import ANONYMOUS, Identity
from hotelreviews.security.lockout import (
    FailureState,
    LockoutPolicy,
    after_failure,
    forget_after,
    is_locked_out,
    locked_for,
    must_wait,
    name_throttle_policy,
)
from hotelreviews.security.logins import counted_address
from hotelreviews.security.opaque import api_key_prefix, digest, new_api_key, same_digest
from hotelreviews.security.passwords import hash_password, verify_password
from hotelreviews.security.policies import PUBLIC, PUBLIC_READ, SIGNED_IN, allows, require
from hotelreviews.security.roles import parse_roles

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def fail(policy: LockoutPolicy, *seconds: float, state: FailureState | None = None) -> FailureState:
    """The state after failures at these seconds past T0."""
    for second in seconds:
        state = after_failure(state, T0 + timedelta(seconds=second), policy)
    assert state is not None
    return state


def test_the_threshold_failure_locks_for_a_window_and_then_counting_starts_afresh() -> None:
    policy = LockoutPolicy(threshold=3, window_seconds=60)
    state = fail(policy, 0, 1, 2)
    assert state.failures == 3 and is_locked_out(state, policy)
    assert locked_for(state, T0 + timedelta(seconds=2)) == 60
    assert locked_for(state, T0 + timedelta(seconds=61)) == 1
    assert locked_for(state, T0 + timedelta(seconds=62)) == 0

    after = after_failure(state, T0 + timedelta(seconds=63), policy)
    assert after.failures == 1 and after.locked_until is None


def test_failures_spread_wider_than_the_window_never_lock() -> None:
    policy = LockoutPolicy(threshold=2, window_seconds=60)
    state = None
    for minute in range(10):
        state = after_failure(state, T0 + timedelta(minutes=minute * 2), policy)
        assert state.locked_until is None


def test_failures_beyond_the_free_ones_wait_twice_as_long_each_time() -> None:
    policy = LockoutPolicy(
        threshold=6, window_seconds=600, free_failures=2, backoff_base_seconds=1.5
    )
    state = fail(policy, 0, 1)
    assert state.locked_until is None  # two mistakes are free

    waits = []
    second = 2.0
    for _ in range(3):
        state = fail(policy, second, state=state)
        wait = locked_for(state, T0 + timedelta(seconds=second))
        waits.append(wait)
        assert not is_locked_out(state, policy)
        second += wait  # the next attempt comes as soon as it may
    assert waits == [1.5, 3.0, 6.0]

    state = fail(policy, second, state=state)  # the sixth: a lockout, not a backoff
    assert is_locked_out(state, policy) and locked_for(state, T0 + timedelta(seconds=second)) == 600


def test_a_backoff_never_waits_longer_than_a_lockout() -> None:
    policy = LockoutPolicy(threshold=50, window_seconds=10, backoff_base_seconds=4)
    state = fail(policy, 0)
    for second in range(1, 30):
        state = fail(policy, second * 10.0, state=state)
        assert locked_for(state, T0 + timedelta(seconds=second * 10.0)) <= 10


def test_each_lockout_before_a_success_lasts_twice_as_long_up_to_the_max() -> None:
    policy = LockoutPolicy(threshold=2, window_seconds=60, max_lock_seconds=200)
    lengths = []
    state = None
    second = 0.0
    for _ in range(4):
        state = fail(policy, second, second + 1, state=state)
        assert is_locked_out(state, policy)
        length = locked_for(state, T0 + timedelta(seconds=second + 1))
        lengths.append(length)
        second += 1 + length  # tries again once the lockout has run out
    assert lengths == [60, 120, 200, 200]
    assert state is not None and state.lockouts == 4


def test_state_is_forgotten_no_sooner_than_the_longest_lockout() -> None:
    policy = LockoutPolicy(threshold=2, window_seconds=60, max_lock_seconds=3600)
    assert forget_after(policy) == timedelta(seconds=3600)
    assert forget_after(LockoutPolicy(threshold=2, window_seconds=60)) == timedelta(
        seconds=60 * 2**7
    )


def test_the_name_wide_throttle_waits_at_most_its_max_and_never_locks() -> None:
    policy = name_throttle_policy(free_failures=3, window_seconds=900, max_wait_seconds=8)
    state = fail(policy, 0, 1, 2)
    assert state.locked_until is None  # the free ones
    waits = []
    second = 3.0
    for _ in range(8):
        state = fail(policy, second, state=state)
        waits.append(locked_for(state, T0 + timedelta(seconds=second)))
        assert not is_locked_out(state, policy)
        second += waits[-1]  # tries again once the wait is over
    assert waits == [1, 2, 4, 8, 8, 8, 8, 8]


def test_an_address_must_wait_for_its_own_lockout_before_the_name_wide_throttle() -> None:
    policy = LockoutPolicy(threshold=2, window_seconds=60)
    name_wide = name_throttle_policy(free_failures=1, window_seconds=60, max_wait_seconds=30)
    locked_here = fail(policy, 0, 1)
    throttled_name = fail(name_wide, 0, 1)
    now = T0 + timedelta(seconds=1)

    here = must_wait(by_address=locked_here, by_name=throttled_name, now=now, policy=policy)
    elsewhere = must_wait(by_address=None, by_name=throttled_name, now=now, policy=policy)
    free = must_wait(by_address=None, by_name=fail(name_wide, 0), now=now, policy=policy)

    assert here is not None and here.locked and not here.name_wide and here.seconds == 60
    assert elsewhere is not None and elsewhere.name_wide and not elsewhere.locked
    assert elsewhere.seconds == 1
    assert free is None


@pytest.mark.parametrize(
    ("client", "counted"),
    [
        ("127.0.0.2", "127.0.0.2"),
        ("::ffff:127.0.0.2", "127.0.0.2"),
        # A guesser rotating through the /64 a subscriber gets counts as one address.
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::9", "2001:db8:1:2::/64"),
        (None, "unknown"),
        ("*", "?"),  # never the name-wide counter's key
    ],
)
def test_failures_are_counted_per_ipv4_address_or_ipv6_slash_64(
    client: str | None, counted: str
) -> None:
    assert counted_address(client) == counted


def test_roles_parse_from_repeated_and_comma_separated_names() -> None:
    assert parse_roles(["Admin", "analyst, ingest"]) == {"admin", "analyst", "ingest"}
    with pytest.raises(ValueError, match="unknown role\\(s\\) root"):
        parse_roles(["root"])


@pytest.mark.parametrize(
    ("policy", "roles", "authenticated", "anonymous_reads", "allowed"),
    [
        (PUBLIC, frozenset(), False, False, True),
        (PUBLIC_READ, frozenset(), False, True, True),
        (PUBLIC_READ, frozenset(), False, False, False),
        (PUBLIC_READ, frozenset({"ingest"}), True, False, True),
        (SIGNED_IN, frozenset(), True, True, True),
        (SIGNED_IN, frozenset(), False, True, False),
        (require("admin", "ingest"), frozenset({"ingest"}), True, True, True),
        (require("admin", "ingest"), frozenset({"analyst", "manager"}), True, True, False),
        (require("admin"), frozenset(), False, True, False),
    ],
)
def test_policy_decisions(
    policy: object, roles: frozenset[str], authenticated: bool, anonymous_reads: bool, allowed: bool
) -> None:
    assert (
        allows(policy, roles, authenticated=authenticated, anonymous_reads=anonymous_reads)  # type: ignore[arg-type]
        is allowed
    )


def test_identity_keys_are_stable_and_secret_free() -> None:
    assert Identity(kind="user", id=42).key == "user:42"
    assert Identity(kind="key", id=7, name="loader").key == "key:7"
    assert ANONYMOUS.key == "anonymous" and not ANONYMOUS.authenticated


def test_api_keys_are_random_and_checked_by_their_digest() -> None:
    key, other = new_api_key(), new_api_key()
    assert key != other and key.startswith("hr_") and len(key) == 46
    assert api_key_prefix(key) == key[:11]
    assert same_digest(key, digest(key)) and not same_digest(other, digest(key))


def test_passwords_verify_only_against_their_own_hash() -> None:
    stored = hash_password("correct horse battery")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "correct horse battery")
    assert not verify_password(stored, "correct horse batterY")
    assert not verify_password(None, "correct horse battery")  # unknown user
