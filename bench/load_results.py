"""What one generator process saw of one region in one step, in a form that crosses process
boundaries and merges exactly: HdrHistograms (encoded on the wire) and counters."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hdrh.histogram import HdrHistogram

# Microseconds, 1 µs to 5 minutes, 3 significant digits (0.1 % resolution).
HISTOGRAM_RANGE = (1, 300_000_000, 3)


def new_histogram() -> HdrHistogram:
    return HdrHistogram(*HISTOGRAM_RANGE)


@dataclass
class RegionResult:
    """What one process saw of one region in one step (histograms encoded, mergeable)."""

    latency: HdrHistogram = field(default_factory=new_histogram)
    lag: HdrHistogram = field(default_factory=new_histogram)
    sent: int = 0  # recorded requests (after the warm-up)
    answered_total: int = 0  # every answer of the step, warm-up included (CPU per request)
    errors: int = 0
    statuses: Counter = field(default_factory=Counter)
    kinds: Counter = field(default_factory=Counter)
    kind_errors: Counter = field(default_factory=Counter)
    cache: Counter = field(default_factory=Counter)  # X-Cache: hit / miss / none
    served_elsewhere: int = 0  # answered by another region than asked (failover)
    first_send: float | None = None
    last_done: float | None = None

    def to_wire(self) -> dict:
        data = {k: v for k, v in vars(self).items() if k not in ("latency", "lag")}
        return data | {"latency": self.latency.encode(), "lag": self.lag.encode()}

    @classmethod
    def from_wire(cls, data: dict) -> RegionResult:
        data = dict(data)
        latency, lag = data.pop("latency"), data.pop("lag")
        result = cls(**data)
        result.latency, result.lag = HdrHistogram.decode(latency), HdrHistogram.decode(lag)
        return result

    def merge(self, other: RegionResult) -> None:
        self.latency.add(other.latency)
        self.lag.add(other.lag)
        for name in ("sent", "answered_total", "errors", "served_elsewhere"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("statuses", "kinds", "kind_errors", "cache"):
            getattr(self, name).update(getattr(other, name))
        starts = [t for t in (self.first_send, other.first_send) if t is not None]
        ends = [t for t in (self.last_done, other.last_done) if t is not None]
        self.first_send = min(starts) if starts else None
        self.last_done = max(ends) if ends else None
