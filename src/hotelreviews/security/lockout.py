"""Failed-login bookkeeping: backoff, then lockout, escalating. Pure: the repository stores
the state, the service applies it.

Failures are counted twice: per (user name, client address), and per user name across every
address. The per-address count drives the rules below, so a stranger failing with someone's
name locks that name out from the stranger's address only, never from the owner's. The
name-wide count answers distributed guessing (a few tries from each of many addresses) with a
gentler policy: many more free failures (`name_throttle_policy`), then short backoff waits and
never a lockout, so the most an attacker can do to the owner is make them wait briefly.

- The first `free` failures within a window cost nothing: people mistype.
- Each further failure makes the name wait before its next attempt: base, 2·base, 4·base…
  (attempts during the wait are refused without checking the password, and do not count).
- The `threshold`-th failure within the window locks the name. The first lockout lasts a
  window; each further one before a successful login lasts twice as long as the one before,
  up to `max_lock_seconds` — a slow, patient guesser gets ever fewer tries per day.
- Once a lockout has run out, counting starts afresh (the lockout count stays until a
  successful login, which forgets everything).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings


@dataclass(frozen=True)
class LockoutPolicy:
    # None: never locks (the backoff alone applies).
    threshold: int | None
    window_seconds: float
    free_failures: int = 0
    backoff_base_seconds: float = 0.0
    max_lock_seconds: float | None = None

    def lock_seconds(self, lockouts: int) -> float:
        """How long the `lockouts`-th lockout (1, 2, …) lasts."""
        seconds = self.window_seconds * 2.0 ** min(lockouts - 1, 40)
        return seconds if self.max_lock_seconds is None else min(seconds, self.max_lock_seconds)

    def backoff_seconds(self, failures: int) -> float:
        """The wait after the `failures`-th failure of a window that did not lock the name."""
        beyond = failures - self.free_failures
        if beyond <= 0 or self.backoff_base_seconds <= 0:
            return 0.0
        # Never longer than a lockout: the lockout is the harshest answer.
        return min(self.backoff_base_seconds * 2.0 ** min(beyond - 1, 40), self.lock_seconds(1))


@dataclass(frozen=True)
class FailureState:
    failures: int
    window_started_at: datetime
    # Until then the name may not try: a backoff wait, or a lockout (is_locked_out).
    locked_until: datetime | None
    lockouts: int = 0


def locked_for(state: FailureState | None, now: datetime) -> float:
    """Seconds the name must still wait before trying (0 when it may try now)."""
    if state is None or state.locked_until is None or state.locked_until <= now:
        return 0.0
    return (state.locked_until - now).total_seconds()


def is_locked_out(state: FailureState, policy: LockoutPolicy) -> bool:
    """Whether the wait in `state` is a lockout (rather than a backoff)."""
    return policy.threshold is not None and state.failures >= policy.threshold


def after_failure(state: FailureState | None, now: datetime, policy: LockoutPolicy) -> FailureState:
    window = timedelta(seconds=policy.window_seconds)
    lockouts = 0 if state is None else state.lockouts
    if (
        state is None
        or now - state.window_started_at > window
        or (is_locked_out(state, policy) and locked_for(state, now) == 0)
    ):
        # A fresh window: old failures, and a lockout that has run out, are forgiven.
        state = FailureState(failures=0, window_started_at=now, locked_until=None)
    failures = state.failures + 1
    if policy.threshold is not None and failures >= policy.threshold:
        lockouts += 1
        wait = policy.lock_seconds(lockouts)
    else:
        wait = policy.backoff_seconds(failures)
    locked_until = now + timedelta(seconds=wait) if wait > 0 else None
    return FailureState(failures, state.window_started_at, locked_until, lockouts)


def forget_after(policy: LockoutPolicy) -> timedelta:
    """How long after its last lock ran out a name's state may be dropped: long enough that
    an escalated lockout is still remembered when its guesser comes back."""
    longest = policy.max_lock_seconds or policy.lock_seconds(8)
    return timedelta(seconds=max(2 * policy.window_seconds, longest))


def name_throttle_policy(
    *, free_failures: int, window_seconds: float, max_wait_seconds: float
) -> LockoutPolicy:
    """The name-wide policy: `free_failures` within a window from any addresses, then waits
    of 1 s, 2 s, 4 s… at most `max_wait_seconds`, and no lockout."""
    return LockoutPolicy(
        threshold=None,
        window_seconds=window_seconds,
        free_failures=free_failures,
        backoff_base_seconds=1.0,
        max_lock_seconds=max_wait_seconds,
    )


def login_lockout_policy(settings: Settings) -> LockoutPolicy:
    """The per-(name, address) policy, from the login_lockout_* and login_backoff_* settings."""
    return LockoutPolicy(
        threshold=settings.login_lockout_threshold,
        window_seconds=settings.login_lockout_window_seconds,
        free_failures=settings.login_backoff_free_failures,
        backoff_base_seconds=settings.login_backoff_base_seconds,
        max_lock_seconds=settings.login_lockout_max_seconds,
    )


def login_name_throttle_policy(settings: Settings) -> LockoutPolicy:
    """The name-wide policy, from the login_name_throttle_* settings (same window)."""
    return name_throttle_policy(
        free_failures=settings.login_name_throttle_free_failures,
        window_seconds=settings.login_lockout_window_seconds,
        max_wait_seconds=settings.login_name_throttle_max_seconds,
    )


@dataclass(frozen=True)
class Wait:
    """Why a login attempt must wait, and how long."""

    seconds: float
    locked: bool  # a lockout of this name from this address (else a backoff)
    name_wide: bool  # the name's failures from every address made it wait


def must_wait(
    *,
    by_address: FailureState | None,
    by_name: FailureState | None,
    now: datetime,
    policy: LockoutPolicy,
) -> Wait | None:
    """The wait before this name may try again from this address (None: it may try now).
    The address's own lockout or backoff comes first; then the name-wide throttle."""
    seconds = locked_for(by_address, now)
    if by_address is not None and seconds > 0:
        return Wait(seconds, locked=is_locked_out(by_address, policy), name_wide=False)
    seconds = locked_for(by_name, now)
    if seconds > 0:
        return Wait(seconds, locked=False, name_wide=True)
    return None
