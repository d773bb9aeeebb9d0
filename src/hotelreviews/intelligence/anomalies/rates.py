"""Two-rate statistics on counts: split log-likelihood ratio, two-proportion z, Fisher p."""

from __future__ import annotations

import math


def _log_likelihood(successes: float, trials: float) -> float:
    if trials <= 0 or successes <= 0 or successes >= trials:
        return 0.0
    rate = successes / trials
    return successes * math.log(rate) + (trials - successes) * math.log1p(-rate)


def split_log_likelihood_ratio(*, before: tuple[float, float], after: tuple[float, float]) -> float:
    """How much better two rates fit (successes, trials) before/after a split than one rate."""
    joint = _log_likelihood(before[0] + after[0], before[1] + after[1])
    return _log_likelihood(*before) + _log_likelihood(*after) - joint


def rise_z(*, before: tuple[float, float], after: tuple[float, float]) -> float:
    """Pooled two-proportion z of the rate after against before (positive when it rose).

    Two-sample, not a binomial test against the baseline rate: the baseline is an estimate too,
    and treating a short baseline's share as exact raised false alerts on clean hotels.
    """
    trials = before[1] + after[1]
    if before[1] <= 0 or after[1] <= 0:
        return 0.0
    pooled = (before[0] + after[0]) / trials
    spread = math.sqrt(max(pooled * (1 - pooled), 1e-12) * (1 / before[1] + 1 / after[1]))
    return (after[0] / after[1] - before[0] / before[1]) / spread


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def rise_p_value(*, before: tuple[int, int], after: tuple[int, int]) -> float:
    """One-sided Fisher exact p-value that the rate after is no higher than before.

    Exact, not the z's normal approximation: with a handful of complaints in a short window the
    z overstates the evidence, and that is where false alerts came from.
    """
    k, n = after
    total_successes, total = before[0] + after[0], before[1] + after[1]
    if n <= 0 or before[1] <= 0:
        return 1.0
    log_all = _log_choose(total, n)
    top = min(total_successes, n)
    terms = [
        _log_choose(total_successes, x) + _log_choose(total - total_successes, n - x) - log_all
        for x in range(k, top + 1)
    ]
    if not terms:
        return 0.0
    peak = max(terms)
    return min(1.0, math.exp(peak) * sum(math.exp(t - peak) for t in terms))
