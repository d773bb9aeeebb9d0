"""Two-rate statistics on counts: the split log-likelihood ratio and a Fisher exact p-value."""

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


def _log_choose(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


def rise_p_value(*, before: tuple[int, int], after: tuple[int, int]) -> float:
    """One-sided Fisher exact p-value that the rate after is no higher than before.

    Exact, not the z's normal approximation: with a handful of complaints in a short window the
    two-proportion z overstates the evidence, and that is where false alerts came from.
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
