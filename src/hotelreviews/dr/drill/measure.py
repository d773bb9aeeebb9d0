"""The drill's numbers, computed from its records alone (no I/O): latency percentiles per
region and phase, RTO, RPO, read availability, which regions served which traffic, and the
goals met or not.

Phases: *before* is from the load's start to the kill; *during* from the kill to the end of
the during phase (writes acknowledged again plus a grace period, and the failover command
returned); *after* from there to the load's end. A request belongs to the phase it was sent
in.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from hotelreviews.dr.drill.records import RequestRecord, Timeline

PHASES = ("before", "during", "after")

# The goals.
RTO_GOAL_SECONDS = 30.0
RPO_GOAL_SECONDS = 1.0
P95_GOAL_MS = 200.0


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The `fraction` (0..1) percentile, interpolated linearly between the closest ranks
    (numpy's default); None for no values."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"a percentile is between 0 and 1, not {fraction}")
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    lower, upper = math.floor(position), math.ceil(position)
    weight = position - lower
    return ordered[lower] + (ordered[upper] - ordered[lower]) * weight


@dataclass(frozen=True)
class LatencySummary:
    count: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None


def latency_summary(records: Iterable[RequestRecord]) -> LatencySummary:
    """Percentiles of the latencies of the answered requests (errors have no useful latency:
    they are counted by availability instead)."""
    latencies = [record.latency * 1000.0 for record in records if record.answered]
    return LatencySummary(
        count=len(latencies),
        p50_ms=percentile(latencies, 0.50),
        p95_ms=percentile(latencies, 0.95),
        p99_ms=percentile(latencies, 0.99),
    )


def phase_window(timeline: Timeline, phase: str) -> tuple[float, float]:
    """[start, end) of a phase on the drill's clock; an unreached end is open (infinity)."""
    infinity = math.inf
    killed = timeline.kill_started if timeline.kill_started is not None else infinity
    during_end = timeline.during_ended if timeline.during_ended is not None else infinity
    if phase == "before":
        return (0.0, killed)
    if phase == "during":
        return (killed, during_end)
    if phase == "after":
        return (during_end, infinity)
    raise ValueError(f"no phase {phase!r} (phases: {', '.join(PHASES)})")


def in_window(records: Iterable[RequestRecord], window: tuple[float, float]) -> list[RequestRecord]:
    start, end = window
    return [record for record in records if start <= record.started < end]


def read_latencies(
    records: Sequence[RequestRecord], timeline: Timeline, regions: Sequence[str]
) -> dict[str, dict[str, LatencySummary]]:
    """Read latency percentiles by region, then by phase."""
    return {
        region: {
            phase: latency_summary(
                record
                for record in in_window(records, phase_window(timeline, phase))
                if record.region == region and record.is_read
            )
            for phase in PHASES
        }
        for region in regions
    }


def rto_seconds(records: Iterable[RequestRecord], timeline: Timeline) -> float | None:
    """From the kill to the acknowledgement of the first write sent after every killed
    process was gone (an earlier one may have been committed by the old primary); None when
    no write was acknowledged again."""
    if timeline.kill_started is None or timeline.kill_done is None:
        return None
    resumed = [
        record.finished
        for record in records
        if record.acknowledged and record.started >= timeline.kill_done
    ]
    return min(resumed) - timeline.kill_started if resumed else None


@dataclass(frozen=True)
class DataLoss:
    """Acknowledged writes missing from the new primary."""

    count: int
    span_seconds: float  # between the first and the last lost acknowledgement
    reaches_back_seconds: float  # from the first lost acknowledgement to the kill
    lost: list[dict[str, Any]]  # the lost writes: ingestion id, source, acknowledged at


def data_loss(
    records: Iterable[RequestRecord], stored: Mapping[int, str], timeline: Timeline
) -> DataLoss:
    """Which acknowledged writes the new primary does not hold. `stored` maps ingestion id →
    source URI as found there: a write counts as kept only when its id holds its own source
    (after a failover a sequence may hand out an id again that a lost write had)."""
    lost = sorted(
        (
            record
            for record in records
            if record.acknowledged and stored.get(record.ingestion_id or 0) != record.source
        ),
        key=lambda record: record.finished,
    )
    if not lost:
        return DataLoss(count=0, span_seconds=0.0, reaches_back_seconds=0.0, lost=[])
    killed = timeline.kill_started if timeline.kill_started is not None else lost[-1].finished
    return DataLoss(
        count=len(lost),
        span_seconds=lost[-1].finished - lost[0].finished,
        reaches_back_seconds=max(0.0, killed - lost[0].finished),
        lost=[
            {"ingestion_id": r.ingestion_id, "source": r.source, "acknowledged_at": r.finished}
            for r in lost
        ],
    )


def kept_unacknowledged(records: Iterable[RequestRecord], stored: Mapping[int, str]) -> int:
    """Writes the new primary holds that the drill was not told were acknowledged (answered
    with an error, or not at all, after the commit): a client retrying without its
    Idempotency-Key would queue them twice."""
    acknowledged = {record.source for record in records if record.acknowledged}
    return sum(1 for source in stored.values() if source not in acknowledged)


@dataclass(frozen=True)
class Availability:
    reads: int
    answered: int  # 2xx or 3xx
    statuses: dict[str, int]  # every status seen ("0" for no answer), by count

    @property
    def share(self) -> float | None:
        return self.answered / self.reads if self.reads else None


def read_availability(
    records: Sequence[RequestRecord], window: tuple[float, float], regions: Sequence[str]
) -> dict[str, Availability]:
    """Per region (the traffic's X-Region): the share of reads sent in `window` answered."""
    result = {}
    for region in regions:
        reads = [r for r in in_window(records, window) if r.region == region and r.is_read]
        result[region] = Availability(
            reads=len(reads),
            answered=sum(1 for record in reads if record.answered),
            statuses=dict(sorted(Counter(str(record.status) for record in reads).items())),
        )
    return result


def served_by(
    records: Sequence[RequestRecord], window: tuple[float, float], regions: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per region's traffic: how many answers each region gave (its response header) in
    `window`; "none" for answers without one (errors before any region)."""
    result = {}
    for region in regions:
        counts = Counter(
            record.served_by or "none"
            for record in in_window(records, window)
            if record.region == region
        )
        result[region] = dict(sorted(counts.items()))
    return result


@dataclass(frozen=True)
class Goal:
    name: str
    target: str
    measured: str
    met: bool


def goals(
    *,
    rto: float | None,
    loss: DataLoss | None,
    latencies: Mapping[str, Mapping[str, LatencySummary]],
) -> list[Goal]:
    """The issue's goals: RTO ≤ 30 s; RPO ≤ 1 s of acknowledged writes; read P95 < 200 ms in
    every region (judged in the steady phases, before and after the event)."""
    steady = [
        (region, phase, summary.p95_ms)
        for region, phases in latencies.items()
        for phase, summary in phases.items()
        if phase in ("before", "after")
    ]
    missing = [f"{region} {phase}" for region, phase, p95 in steady if p95 is None]
    worst = max(
        ((p95, region, phase) for region, phase, p95 in steady if p95 is not None),
        default=None,
    )
    if worst is None:
        p95_measured = "no reads answered"
    else:
        p95_measured = f"worst {worst[0]:.0f} ms ({worst[1]}, {worst[2]})"
    if missing:
        p95_measured += f"; none answered in {', '.join(missing)}"
    return [
        Goal(
            name="RTO",
            target=f"≤ {RTO_GOAL_SECONDS:g} s",
            measured="writes never resumed" if rto is None else f"{rto:.1f} s",
            met=rto is not None and rto <= RTO_GOAL_SECONDS,
        ),
        Goal(
            name="RPO",
            target=f"≤ {RPO_GOAL_SECONDS:g} s of acknowledged writes",
            measured="not measured"
            if loss is None
            else f"{loss.count} lost, reaching {loss.reaches_back_seconds:.2f} s back",
            met=loss is not None and loss.reaches_back_seconds <= RPO_GOAL_SECONDS,
        ),
        Goal(
            name="Read P95 (before, after)",
            target=f"< {P95_GOAL_MS:g} ms in every region",
            measured=p95_measured,
            met=worst is not None and not missing and worst[0] < P95_GOAL_MS,
        ),
    ]


def as_plain(value: Any) -> Any:
    """Dataclasses (nested in dicts and lists) as plain JSON-ready values."""
    if hasattr(value, "__dataclass_fields__"):
        plain = asdict(value)
        if isinstance(value, Availability):
            plain["share"] = value.share
        return plain
    if isinstance(value, dict):
        return {key: as_plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_plain(item) for item in value]
    return value
