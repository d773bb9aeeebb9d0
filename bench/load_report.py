"""The figures of a step (from merged results) and how they are shown: a table per step, a
summary line per region, and a JSON document with the histograms encoded."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from load_results import RegionResult
from load_schedule import StepVerdict, Sustained


@dataclass(frozen=True)
class StepFigures:
    region: str
    rate: float  # asked of the region, requests per second
    achieved_rate: float  # successful answers per second, from the first send to the last answer
    requests: int
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    error_ratio: float
    cache_hit_ratio: float | None  # of GETs that said (X-Cache hit or miss)
    lag_p99_ms: float
    lag_max_ms: float
    served_elsewhere: int
    # CPU of the region's servers per request answered, whole step incl. warm-up: its API
    # servers; its PostgreSQL server (a replica, or the primary, which also takes every
    # region's writes and streams them); its Redis. None where not known.
    cpu_ms_per_request: float | None
    database_cpu_ms_per_request: float | None
    cache_cpu_ms_per_request: float | None
    generator_cpu_share: float  # generator CPU seconds per wall second (near 1: saturated)
    generator_cpu_ms_per_request: float | None  # every region's requests of the step together
    statuses: dict[str, int]
    requests_by_kind: dict[str, int]
    errors_by_kind: dict[str, int]

    def verdict(self) -> StepVerdict:
        return StepVerdict(self.rate, self.p95_ms, self.error_ratio, self.lag_p99_ms)


def figures(
    region: str,
    rate: float,
    duration: float,
    merged: RegionResult,
    *,
    cpu_seconds: dict[str, float | None],
    generator_cpu_share: float,
    generator_cpu_ms_per_request: float | None = None,
) -> StepFigures:
    def ms(percentile: float) -> float | None:
        if not merged.sent:
            return None
        return merged.latency.get_value_at_percentile(percentile) / 1000

    def per_request(component: str) -> float | None:
        seconds = cpu_seconds.get(component)
        if seconds is None or not merged.answered_total:
            return None
        return seconds * 1000 / merged.answered_total

    hits, misses = merged.cache.get("hit", 0), merged.cache.get("miss", 0)
    return StepFigures(
        region=region,
        rate=rate,
        achieved_rate=_achieved(merged, duration),
        requests=merged.sent,
        p50_ms=ms(50),
        p95_ms=ms(95),
        p99_ms=ms(99),
        max_ms=merged.latency.get_max_value() / 1000 if merged.sent else None,
        error_ratio=merged.errors / merged.sent if merged.sent else 1.0,
        cache_hit_ratio=hits / (hits + misses) if hits + misses else None,
        lag_p99_ms=merged.lag.get_value_at_percentile(99) / 1000 if merged.sent else 0.0,
        lag_max_ms=merged.lag.get_max_value() / 1000 if merged.sent else 0.0,
        served_elsewhere=merged.served_elsewhere,
        cpu_ms_per_request=per_request("api"),
        database_cpu_ms_per_request=per_request("database"),
        cache_cpu_ms_per_request=per_request("cache"),
        generator_cpu_share=generator_cpu_share,
        generator_cpu_ms_per_request=generator_cpu_ms_per_request,
        statuses={str(status): count for status, count in sorted(merged.statuses.items())},
        requests_by_kind=dict(sorted(merged.kinds.items())),
        errors_by_kind=dict(sorted(merged.kind_errors.items())),
    )


def _achieved(merged: RegionResult, duration: float) -> float:
    span = (
        merged.last_done - merged.first_send
        if merged.first_send is not None and merged.last_done is not None
        else duration
    )
    return (merged.sent - merged.errors) / max(span, duration, 1e-9)


HEADER = (
    f"{'region':<15}{'rate':>8}{'achieved':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
    f"{'max ms':>9}{'errors':>9}{'hits':>7}{'cpu ms/req':>11}{'db ms/req':>10}"
    f"{'lag p99':>9}  verdict"
)


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table_row(step: StepFigures) -> str:
    verdict = step.verdict()
    word = "meets SLO" if verdict.meets_slo else "misses SLO"
    if verdict.generator_limited:
        word += " (generator late)"
    hits = "-" if step.cache_hit_ratio is None else f"{step.cache_hit_ratio:.0%}"
    return (
        f"{step.region:<15}{step.rate:>8.0f}{step.achieved_rate:>10.1f}"
        f"{_number(step.p50_ms):>9}{_number(step.p95_ms):>9}{_number(step.p99_ms):>9}"
        f"{_number(step.max_ms):>9}{step.error_ratio:>9.2%}{hits:>7}"
        f"{_number(step.cpu_ms_per_request, 2):>11}"
        f"{_number(step.database_cpu_ms_per_request, 2):>10}{step.lag_p99_ms:>9.1f}  {word}"
    )


def summary_line(region: str, sustained: Sustained, steps: list[StepFigures]) -> str:
    if sustained.rate is None:
        return f"{region}: no step met the SLO (p95 < 200 ms, errors < 0.1 %)"
    at = next(step for step in steps if step.rate == sustained.rate)
    why = {
        "slo": "the next step missed it",
        "generator": "the next step was inconclusive: the generator fell behind",
        "max": "the highest step tried: it may hold more",
    }[sustained.stopped_by]
    hits = "-" if at.cache_hit_ratio is None else f"{at.cache_hit_ratio:.0%}"
    return (
        f"{region}: sustains {sustained.rate:.0f} req/s (p95 {_number(at.p95_ms)} ms, errors "
        f"{at.error_ratio:.3%}, cache hits {hits}, "
        f"CPU ms/request: API {_number(at.cpu_ms_per_request, 2)}, "
        f"database {_number(at.database_cpu_ms_per_request, 2)}, "
        f"Redis {_number(at.cache_cpu_ms_per_request, 2)}); {why}"
    )


def step_document(step: StepFigures, merged: RegionResult) -> dict:
    return asdict(step) | {
        "latency_histogram": merged.latency.encode().decode(),
        "lag_histogram": merged.lag.encode().decode(),
        "histogram_units": "microseconds",
    }
