"""The reputation index against raw mean ratings, on synthetic hotels of known quality.

    PYTHONPATH=src .venv/bin/python bench/intelligence_reputation.py --hotels 600 --seed 7

Synthetic market: cities whose hotels differ in mean quality; each hotel has a true quality
today (a position 0..1) that drifted over the past years, a heavy-tailed review count (most
hotels have a handful, a few have hundreds) and its own mix of providers, each rating on its
own range: Booking.com 2.5–10 before 2019 and 1–10 after, Agoda 2–10, Expedia 1–10 (whole
points), a hotel group's 1–5 feed (half points). A guest's rating is the hotel's quality at
the review's date plus noise, placed on the provider's range. Each review carries a few aspect
opinions, positive with the hotel's (hidden) aspect quality at that date as probability.

Printed, all computed in the same run:
(a) Spearman correlation with the true quality today of: the raw mean rating as delivered,
    the mean of rating/scale·10 (`rating_normalized`), the index, and the index without
    shrinkage and without recency (ablations); over all hotels and over those with ≤ 5
    reviews. The same for aspect scores (and with the plain city aspect mean as prior) against
    raw positive shares (0.5 when an aspect is never mentioned). A sweep of the prior
    weight, and the weight `estimate_prior_weight` reads from the same history.
(b) The largest move one review made to its hotel's index (reviews added in random order,
    `as_of` fixed after the last review) against the bound 100/(m + 1).
(c) Microseconds per `add` (one review into a state), per review of `from_reviews`, and per
    `reputation` call.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from scipy.stats import spearmanr

from hotelreviews.intelligence.reputation import (
    ASPECT_KEYS,
    CityPrior,
    HotelReputationState,
    RatedReview,
    estimate_prior_weight,
    movement_bound,
    reputation,
)

NOW = datetime(2026, 6, 1, tzinfo=UTC)
YEARS = 8
# provider, delivered scale, the range it really rates on before/after a switch, rating step
_SWITCH = datetime(2019, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class SyntheticHotel:
    hotel_id: str
    city: str
    quality: float  # today's true position 0..1
    aspect_quality: dict[str, float]
    reviews: tuple[RatedReview, ...]


def _provider_range(*, provider: str, when: datetime) -> tuple[float, float, float, float]:
    """(minimum, maximum, step, delivered scale) a provider rated on at `when`."""
    if provider == "Booking.com":
        return (2.5 if when < _SWITCH else 1.0), 10.0, 0.1, 10.0
    if provider == "Agoda":
        return 2.0, 10.0, 0.1, 10.0
    if provider == "Expedia":
        return 1.0, 10.0, 1.0, 10.0
    return 1.0, 5.0, 0.5, 5.0  # feed:group


def _synthesize(*, hotels: int, seed: int) -> list[SyntheticHotel]:
    """A market of `hotels` hotels with known quality and their reviews."""
    rng = random.Random(seed)
    city_means = {"Singapore": 0.62, "Bangkok": 0.55, "Tokyo": 0.72, "Bali": 0.66}
    providers = ("Booking.com", "Agoda", "Expedia", "feed:group")
    made: list[SyntheticHotel] = []
    for h in range(hotels):
        city = rng.choice(list(city_means))
        quality = min(0.97, max(0.05, rng.gauss(city_means[city], 0.12)))
        drift = rng.gauss(0.0, 0.04)  # position per year, so quality years ago differed
        aspects = {k: min(0.98, max(0.02, rng.gauss(quality, 0.15))) for k in ASPECT_KEYS}
        count = max(1, min(500, int(math.exp(rng.gauss(1.6, 1.4)))))
        mix = [rng.random() ** 2 for _ in providers]
        reviews: list[RatedReview] = []
        for _ in range(count):
            provider = rng.choices(providers, weights=mix)[0]
            when = NOW - timedelta(days=rng.random() * 365 * YEARS)
            years_ago = (NOW - when).days / 365
            experience = quality - drift * years_ago + rng.gauss(0.0, 0.2)
            low, high, step, scale = _provider_range(provider=provider, when=when)
            rating = low + (high - low) * min(1.0, max(0.0, experience))
            rating = round(round(rating / step) * step, 2)
            opinions = tuple(
                (k, "positive" if rng.random() < aspects[k] - drift * years_ago else "negative")
                for k in rng.sample(ASPECT_KEYS, k=rng.randint(0, 3))
            )
            reviews.append(
                RatedReview(
                    provider=provider, rating=rating, rating_scale=scale, review_date=when,
                    opinions=opinions,
                )
            )  # fmt: skip
        made.append(SyntheticHotel(f"h{h:05d}", city, quality, aspects, tuple(reviews)))
    return made


def _spearman(*, estimates: Sequence[float], truth: Sequence[float]) -> float:
    """Spearman's rank correlation (ties averaged)."""
    return float(spearmanr(estimates, truth).statistic)


def _indices(
    *, hotels: Sequence[SyntheticHotel], half_life: float, weight: float, beta: float = 1.0
) -> tuple[list[float], dict[str, list[float]]]:
    """Each hotel's index and aspect scores, with city priors built from the same states."""
    states = {
        h.hotel_id: HotelReputationState.from_reviews(reviews=h.reviews, half_life_days=half_life)
        for h in hotels
    }
    priors = {
        city: CityPrior.build(
            states=[states[h.hotel_id] for h in hotels if h.city == city],
            as_of=NOW,
            weight=weight,
            aspect_follows_overall=beta,
        )
        for city in {h.city for h in hotels}
    }
    index: list[float] = []
    aspects: dict[str, list[float]] = {k: [] for k in ASPECT_KEYS}
    for h in hotels:
        found = reputation(state=states[h.hotel_id], prior=priors[h.city], as_of=NOW)
        index.append(found.index)
        for k in ASPECT_KEYS:
            aspects[k].append(found.aspects[k].score)
    return index, aspects


def _quality(
    *, hotels: Sequence[SyntheticHotel], half_life: float, weight: float
) -> dict[str, Any]:
    """(a): rank correlations with the truth of the index, its ablations and the baselines."""
    truth = [h.quality for h in hotels]
    raw = [statistics.fmean(r.rating for r in h.reviews) for h in hotels]
    naive = [statistics.fmean(r.rating / r.rating_scale * 10 for r in h.reviews) for h in hotels]
    index, aspects = _indices(hotels=hotels, half_life=half_life, weight=weight)
    no_shrink, _ = _indices(hotels=hotels, half_life=half_life, weight=1e-6)
    no_recency, _ = _indices(hotels=hotels, half_life=1e9, weight=weight)
    _, city_aspects = _indices(hotels=hotels, half_life=half_life, weight=weight, beta=0.0)
    few = [i for i, h in enumerate(hotels) if len(h.reviews) <= 5]
    many = [i for i, h in enumerate(hotels) if len(h.reviews) > 50]

    def rho(values: list[float], subset: list[int] | None = None) -> float:
        picked = range(len(hotels)) if subset is None else subset
        return round(
            _spearman(estimates=[values[i] for i in picked], truth=[truth[i] for i in picked]), 3
        )

    methods = {
        "raw mean rating": raw,
        "mean of rating/scale*10": naive,
        "index": index,
        "index, no shrinkage": no_shrink,
        "index, no recency": no_recency,
    }
    ranking = {
        name: {"all": rho(v), "<=5 reviews": rho(v, few), ">50 reviews": rho(v, many)}
        for name, v in methods.items()
    }
    aspect_rho: list[float] = []
    city_rho: list[float] = []
    share_rho: list[float] = []
    for k in ASPECT_KEYS:
        aspect_truth = [h.aspect_quality[k] for h in hotels]
        shares: list[float] = []
        for h in hotels:
            votes = [p == "positive" for r in h.reviews for a, p in r.opinions if a == k]
            shares.append(statistics.fmean(votes) if votes else 0.5)
        aspect_rho.append(_spearman(estimates=aspects[k], truth=aspect_truth))
        city_rho.append(_spearman(estimates=city_aspects[k], truth=aspect_truth))
        share_rho.append(_spearman(estimates=shares, truth=aspect_truth))
    return {
        "hotels": len(hotels),
        "hotels_with_at_most_5_reviews": len(few),
        "hotels_with_over_50_reviews": len(many),
        "spearman": ranking,
        "aspects_mean_spearman": {
            "aspect score": round(statistics.fmean(aspect_rho), 3),
            "aspect score, city aspect mean prior": round(statistics.fmean(city_rho), 3),
            "raw positive share": round(statistics.fmean(share_rho), 3),
        },
    }


def _largest_move(
    *, hotels: Sequence[SyntheticHotel], half_life: float, weight: float, seed: int
) -> dict[str, float]:
    """(b): the largest index move of one review, `as_of` fixed, against the bound."""
    rng = random.Random(seed)
    largest = 0.0
    prior = CityPrior(weight=weight)
    for h in hotels:
        order = list(h.reviews)
        rng.shuffle(order)
        state = HotelReputationState(half_life_days=half_life)
        before = reputation(state=state, prior=prior, as_of=NOW).index
        for review in order:
            state.add(review=review)
            after = reputation(state=state, prior=prior, as_of=NOW).index
            largest = max(largest, abs(after - before))
            before = after
    return {"largest": round(largest, 3), "bound": round(movement_bound(prior=prior), 3)}


def _timings(*, hotels: Sequence[SyntheticHotel], half_life: float) -> dict[str, float]:
    """(c): microseconds per add, per review of from_reviews, per reputation call."""
    reviews = [r for h in hotels for r in h.reviews]
    best_add = best_batch = best_score = float("inf")
    prior = CityPrior()
    for _ in range(3):
        state = HotelReputationState(half_life_days=half_life)
        started = time.perf_counter()
        for review in reviews:
            state.add(review=review)
        best_add = min(best_add, time.perf_counter() - started)
        started = time.perf_counter()
        HotelReputationState.from_reviews(reviews=reviews, half_life_days=half_life)
        best_batch = min(best_batch, time.perf_counter() - started)
        started = time.perf_counter()
        for _ in range(1000):
            reputation(state=state, prior=prior, as_of=NOW)
        best_score = min(best_score, time.perf_counter() - started)
    return {
        "reviews": len(reviews),
        "us_per_add": round(best_add / len(reviews) * 1e6, 2),
        "us_per_review_from_reviews": round(best_batch / len(reviews) * 1e6, 2),
        "us_per_reputation_call": round(best_score / 1000 * 1e6, 2),
    }


def run(
    *, hotels: int = 600, seed: int = 7, half_life_days: float = 365.0, prior_weight: float = 8.0
) -> dict[str, Any]:
    """All the figures, as a dict."""
    market = _synthesize(hotels=hotels, seed=seed)
    quality = _quality(hotels=market, half_life=half_life_days, weight=prior_weight)
    sweep: dict[float, float] = {}
    for weight in (1.0, 2.0, 4.0, 8.0, 16.0, 32.0):
        index, _ = _indices(hotels=market, half_life=half_life_days, weight=weight)
        sweep[weight] = round(_spearman(estimates=index, truth=[h.quality for h in market]), 3)
    states_by_city: dict[str, list[HotelReputationState]] = {}
    for h in market:
        states_by_city.setdefault(h.city, []).append(
            HotelReputationState.from_reviews(reviews=h.reviews, half_life_days=half_life_days)
        )
    estimated = estimate_prior_weight(states_by_city=states_by_city, as_of=NOW)
    return {
        "quality": quality,
        "prior_weight_sweep": sweep,
        "estimated_prior_weight": round(estimated, 2),
        "movement": _largest_move(
            hotels=market, half_life=half_life_days, weight=prior_weight, seed=seed
        ),
        "timing": _timings(hotels=market, half_life=half_life_days),
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hotels", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--half-life-days", type=float, default=365.0)
    parser.add_argument("--prior-weight", type=float, default=8.0)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = run(
        hotels=args.hotels, seed=args.seed, half_life_days=args.half_life_days,
        prior_weight=args.prior_weight,
    )  # fmt: skip
    q = figures["quality"]
    print(
        f"{q['hotels']} hotels ({q['hotels_with_at_most_5_reviews']} with <=5 reviews, "
        f"{q['hotels_with_over_50_reviews']} with >50), half-life {args.half_life_days:g} d, "
        f"prior weight {args.prior_weight:g}"
    )
    print("(a) Spearman with true quality      all   <=5 rev   >50 rev")
    for name, rho in q["spearman"].items():
        few, many = rho["<=5 reviews"], rho[">50 reviews"]
        print(f"    {name:<30} {rho['all']:>6.3f} {few:>9.3f} {many:>9.3f}")
    a = q["aspects_mean_spearman"]
    print(
        f"    aspects (mean over ten keys): score {a['aspect score']:.3f}, with the plain city "
        f"aspect mean as prior {a['aspect score, city aspect mean prior']:.3f}, "
        f"raw positive share {a['raw positive share']:.3f}"
    )
    sweep = ", ".join(f"m={w:g}: {r:.3f}" for w, r in figures["prior_weight_sweep"].items())
    print(f"    prior weight sweep (index, all): {sweep}")
    print(
        f"    estimated prior weight (estimate_prior_weight): {figures['estimated_prior_weight']}"
    )
    m = figures["movement"]
    print(f"(b) largest one-review move {m['largest']:.3f} points; bound {m['bound']:.3f}")
    t = figures["timing"]
    print(
        f"(c) {t['us_per_add']:.2f} us per add, {t['us_per_review_from_reviews']:.2f} us per "
        f"review in from_reviews, {t['us_per_reputation_call']:.2f} us per reputation call "
        f"({t['reviews']} reviews)"
    )
    print(f"took {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
