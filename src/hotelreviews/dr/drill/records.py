"""What the drill records: every request the load generator sent, and when each step of the
scenario happened. Times are seconds on one monotonic clock whose zero is the load's start."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

READ_KINDS = ("hotels", "hotel", "reviews", "search")
WRITE_KIND = "write"


@dataclass(frozen=True)
class RequestRecord:
    """One request: which region's traffic it was (the X-Region sent), what it did, when it
    was sent, how long the answer took and what it was."""

    region: str
    kind: str  # one of READ_KINDS, or WRITE_KIND
    started: float
    latency: float  # seconds until the answer (or the error)
    status: int  # HTTP status; 0 when there was no answer (connection error, timeout)
    served_by: str | None = None  # the X-Hotelreviews-Region of the answer
    source: str | None = None  # a write's source URI (unique per write)
    ingestion_id: int | None = None  # an acknowledged write's ingestion id
    error: str | None = None  # the exception's class name when there was no answer

    @property
    def is_read(self) -> bool:
        return self.kind != WRITE_KIND

    @property
    def answered(self) -> bool:
        """A usable answer: 2xx or 3xx."""
        return 200 <= self.status < 400

    @property
    def acknowledged(self) -> bool:
        """A write the platform accepted: 202 with an ingestion id."""
        return self.kind == WRITE_KIND and self.status == 202 and self.ingestion_id is not None

    @property
    def finished(self) -> float:
        return self.started + self.latency

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Timeline:
    """When the scenario's steps happened (None: not reached)."""

    kill_started: float | None = None
    kill_done: float | None = None  # every killed process is gone
    failover_started: float | None = None
    failover_finished: float | None = None
    during_ended: float | None = None  # the after phase starts here
    load_ended: float | None = None

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)
