"""When a failed job is tried again, and which failures are worth another attempt."""

from __future__ import annotations

import random

from hotelreviews.ingestion.sources.errors import SourceError, SourceUnavailable


def backoff_seconds(
    attempt: int, *, base: float, cap: float, rng: random.Random | None = None
) -> float:
    """The wait after failed attempt number `attempt` (from 1): base * 2^(attempt - 1), at
    most `cap`, less a random part of up to half ("equal jitter"), so that jobs failing
    together (an S3 outage) do not all come back at the same instant."""
    ceiling = min(cap, base * 2.0 ** min(attempt - 1, 60))
    return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)


def is_permanent(error: BaseException) -> bool:
    """Whether another attempt cannot help: the source itself can't be read (missing, not
    allowed, not text, corrupt gzip). Everything else — the database or the network being
    unavailable, S3 or an http server failing (SourceUnavailable), or a bug — is retried
    with backoff and dead-lettered once the attempts are used up."""
    return isinstance(error, SourceError) and not isinstance(error, SourceUnavailable)
