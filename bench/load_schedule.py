"""When each request of an open-model load is due, and which rate a target sustains.

Open model: requests arrive on a schedule fixed in advance, whatever the target's answers, so
a slow target meets more concurrent requests instead of fewer (a closed model, N users each
waiting for the previous answer, would quietly slow down with it: coordinated omission).
Latency is measured from a request's intended send time, so waiting inside the generator
counts; a generator that falls behind sends late, never skips, and its lag is reported.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

# The service level objective the steps are judged against.
P95_LIMIT_MS = 200.0
ERROR_RATIO_LIMIT = 0.001
# A generator whose sends are this late (99th percentile) measures itself, not the target.
LAG_LIMIT_MS = 10.0


def arrival_offsets(
    rate: float,
    seconds: float,
    *,
    poisson: bool = False,
    seed: int = 0,
    worker: int = 0,
    workers: int = 1,
) -> Iterator[float]:
    """Seconds after the start at which this worker's requests are due, ascending.

    Constant arrivals: request i of the whole load is due at i / rate and worker k of n sends
    those with i % n == k, so n workers together send exactly the one schedule. Poisson
    arrivals: each worker draws its own at rate / n (seeded per worker); the union of
    independent Poisson streams is a Poisson stream at the sum of their rates."""
    if rate <= 0:
        return
    if not poisson:
        index = worker
        while (offset := index / rate) < seconds:
            yield offset
            index += workers
        return
    draw = random.Random(f"{seed}-{worker}")
    offset = draw.expovariate(rate / workers)
    while offset < seconds:
        yield offset
        offset += draw.expovariate(rate / workers)


def rate_steps(
    rates: Sequence[float] | None, *, start: float, factor: float, maximum: float
) -> list[float]:
    """The rates to step through: those given, or start, start*factor, ... up to maximum."""
    if rates:
        return sorted(rates)
    if start <= 0 or factor <= 1 or maximum < start:
        raise ValueError("need 0 < start <= max and factor > 1")
    steps, rate = [], start
    while rate <= maximum * (1 + 1e-9):
        steps.append(round(rate, 3))
        rate *= factor
    return steps


@dataclass(frozen=True)
class StepVerdict:
    rate: float  # requests per second asked of the region
    p95_ms: float | None  # None: nothing was answered
    error_ratio: float
    lag_p99_ms: float  # how late the generator sent (its own saturation)

    @property
    def generator_limited(self) -> bool:
        return self.lag_p99_ms > LAG_LIMIT_MS

    @property
    def meets_slo(self) -> bool:
        return (
            self.p95_ms is not None
            and self.p95_ms < P95_LIMIT_MS
            and self.error_ratio < ERROR_RATIO_LIMIT
        )


@dataclass(frozen=True)
class Sustained:
    rate: float | None  # the highest rate that held the objective (None: not even the first)
    stopped_by: str  # "slo" (the next step failed), "generator" (it could not keep up), "max"


def sustainable_rate(steps: Sequence[StepVerdict]) -> Sustained:
    """The highest step meeting the objective before the first that does not, in rate order.

    A failed step where the generator itself fell behind is inconclusive (its lateness is in
    the latencies): the answer stops below it and says so, since the target might have held
    more. A step that passed despite a late generator passed with worse latencies than true."""
    best = None
    for step in sorted(steps, key=lambda verdict: verdict.rate):
        if not step.meets_slo:
            return Sustained(best, "generator" if step.generator_limited else "slo")
        best = step.rate
    return Sustained(best, "max")
