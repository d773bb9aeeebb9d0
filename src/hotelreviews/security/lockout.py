"""Failed-login bookkeeping: after N failures within a window, the name is locked until the
window (counted from the locking failure) has passed. Pure: the repository stores the state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FailureState:
    failures: int
    window_started_at: datetime
    locked_until: datetime | None


def locked_for(state: FailureState | None, now: datetime) -> float:
    """Seconds the name stays locked (0 when it is not)."""
    if state is None or state.locked_until is None or state.locked_until <= now:
        return 0.0
    return (state.locked_until - now).total_seconds()


def after_failure(
    state: FailureState | None, now: datetime, *, threshold: int, window_seconds: float
) -> FailureState:
    window = timedelta(seconds=window_seconds)
    if (
        state is None
        or now - state.window_started_at > window
        or (state.locked_until is not None and state.locked_until <= now)
    ):
        # A fresh window: old failures, and a lock that has run out, are forgiven.
        state = FailureState(failures=0, window_started_at=now, locked_until=None)
    failures = state.failures + 1
    locked_until = now + window if failures >= threshold else None
    return FailureState(failures, state.window_started_at, locked_until)
