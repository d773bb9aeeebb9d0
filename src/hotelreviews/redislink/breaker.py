"""A circuit breaker: after a failure, calls are skipped for a while instead of each one
trying (and waiting on) a service that is down; then one call probes it.

The wait doubles with each failed probe, up to a cap, and starts over after a success. While
open, at most one call per wait goes through: no connection storm when a service is down,
and recovery within one wait when it returns.
"""

from __future__ import annotations

import time
from collections.abc import Callable


class Breaker:
    def __init__(
        self,
        *,
        first_wait: float = 0.1,
        max_wait: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._first_wait = first_wait
        self._max_wait = max_wait
        self._clock = clock
        self._wait = first_wait
        self._open_until: float | None = None  # None: closed, every call goes through
        self._probing = False

    @property
    def is_open(self) -> bool:
        return self._open_until is not None

    def allow(self) -> bool:
        """Whether a call may go now: always while closed; while open, one probe per wait."""
        if self._open_until is None:
            return True
        now = self._clock()
        if now < self._open_until:
            return False
        # Until this probe reports, the next one waits another full wait.
        self._open_until = now + self._wait
        self._probing = True
        return True

    def succeeded(self) -> bool:
        """Record a success; True if that closed the breaker (the service is back)."""
        if self._open_until is None:
            return False
        self._open_until, self._wait, self._probing = None, self._first_wait, False
        return True

    def failed(self) -> bool:
        """Record a failure; True if that opened the breaker (the service just went away)."""
        if self._open_until is None:
            self._open_until = self._clock() + self._wait
            return True
        if self._probing:
            # Calls already in flight when it opened fail too: only a failed probe waits longer.
            self._probing = False
            self._wait = min(self._wait * 2, self._max_wait)
            self._open_until = self._clock() + self._wait
        return False
