"""Two-rate statistics on counts: the split log-likelihood ratio and the two-proportion z."""

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
