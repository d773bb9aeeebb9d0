"""Similar hotels and recommendations, measured on a planted world whose tastes are known.

    PYTHONPATH=src .venv/bin/python bench/intelligence_recommend.py

Four measurements, each against baselines computed in the same run:

1. Type weights: ridge per traveller type on all stays; learned shares vs the planted ones
   (Spearman rank correlation, top-3 aspects in common).
2. Type ranking: per city and type, hotels ranked by the learned model (with and without the
   few-reviews shrinkage) vs the true type utility (planted weights . latent quality):
   Spearman and overlap of the top 10, against equal weights, review count, and the planted
   weights on the same observed profiles (the ceiling the learning can reach).
3. Similar hotels: mean correlation of the latent (standardised) quality of each hotel and its
   5 most similar same-city hotels: blend, profile only, text only, vs random same-city and
   random same-city-same-stars.
4. Next stay, leave-last-out: each reviewer's last stay hidden; candidates = the hotels of the
   hidden stay's city minus those the reviewer already reviewed in training. NDCG@10 and
   HR@10 (= recall@10, one relevant hotel) for the models vs popularity (most reviewed in the
   city, from the training stays) and item-kNN (cosine over the training reviewer x hotel
   matrix), overall and per traveller type. The popularity weight of the blend is chosen by
   the same leave-last-out inside the training stays, never on the test stays.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from hotelreviews.demo.planted.reviewers import (
    DEFAULT_TASTE_NOISE,
    TRAVELLER_TYPES,
    PlantedWorld,
    planted_weights,
    planted_world,
)
from hotelreviews.intelligence.recommend.records import ASPECTS, standardised
from hotelreviews.intelligence.recommend.similar import build_similarity_index
from hotelreviews.intelligence.recommend.type_model import (
    fit_type_model,
    normalised_weights,
    score_hotels,
)
from recommend_next_stay import K, next_stay

SHRINKAGE_PRIORS = (0.0, 3.0, 10.0, 30.0)  # 0: no shrinkage


def type_weights(world: PlantedWorld) -> dict[str, Any]:
    """Learned vs planted shares per type."""
    model = fit_type_model(stays=world.stays, profiles=world.profiles)
    result: dict[str, Any] = {}
    for traveller_type in TRAVELLER_TYPES:
        learned = np.array(list(normalised_weights(model.weights_for(traveller_type)).values()))
        truth = planted_weights(traveller_type)
        rho = float(spearmanr(learned, truth).statistic)
        top = len(set(np.argsort(-learned)[:3]) & set(np.argsort(-truth)[:3]))
        result[traveller_type] = {
            "spearman": rho,
            "top3_common": top,
            "stays": model.stays_used[traveller_type],
            "learned": dict(zip(ASPECTS, learned.round(3).tolist(), strict=True)),
            "planted": dict(zip(ASPECTS, truth.round(3).tolist(), strict=True)),
        }
    return result


def type_ranking(world: PlantedWorld) -> dict[str, dict[str, float]]:
    """Per method, mean Spearman and top-10 overlap with the true type utility per city."""
    model = fit_type_model(stays=world.stays, profiles=world.profiles)
    cities = sorted({h.city for h in world.hotels.values()})
    sums: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for city in cities:
        ids = sorted(h for h, p in world.profiles.items() if p.city == city)
        counts = {h: float(world.profiles[h].review_count) for h in ids}
        for traveller_type in TRAVELLER_TYPES:
            truth_w = planted_weights(traveller_type)
            truth = {h: float(truth_w @ np.array(world.hotels[h].quality)) for h in ids}
            learned = model.weights_for(traveller_type)
            methods = {
                **{
                    f"learned, shrinkage prior {prior:g}": score_hotels(
                        weights=learned, profiles=world.profiles, hotel_ids=ids, prior_reviews=prior
                    )
                    for prior in SHRINKAGE_PRIORS
                },
                "planted weights, prior 0": score_hotels(
                    weights=truth_w, profiles=world.profiles, hotel_ids=ids, prior_reviews=0
                ),
                "equal weights": score_hotels(
                    weights=np.ones(len(ASPECTS)), profiles=world.profiles, hotel_ids=ids
                ),
                "review count": counts,
            }
            best = set(sorted(ids, key=lambda h: -truth[h])[:K])
            for name, scores in methods.items():
                rho = float(spearmanr([scores[h] for h in ids], [truth[h] for h in ids]).statistic)
                top = set(sorted(ids, key=lambda h: (-scores[h], h))[:K])
                sums[name].append((rho, len(top & best) / K))
    return {
        name: {
            "spearman": float(np.mean([r for r, _ in v])),
            "top10_overlap": float(np.mean([t for _, t in v])),
        }
        for name, v in sums.items()
    }


def similar_quality(world: PlantedWorld, *, k: int = 5, seed: int = 7) -> dict[str, float]:
    """Mean correlation of standardised latent quality between each hotel and its k neighbours."""
    ids = sorted(world.hotels)
    latent = standardised(np.array([world.hotels[h].quality for h in ids]))
    row = {h: i for i, h in enumerate(ids)}
    index = build_similarity_index(profiles=world.profiles, texts=world.texts)
    rng = random.Random(seed)

    def corr(a: int, b: int) -> float:
        return float(np.corrcoef(latent[row[a]], latent[row[b]])[0, 1])

    methods: dict[str, Callable[[int], list[int]]] = {
        "blend (profile + text)": lambda h: [n for n, _ in index.similar(hotel_id=h, k=k)],
        "profile only": lambda h: [n for n, _ in index.similar(hotel_id=h, k=k, text_weight=0.0)],
        "text only": lambda h: [n for n, _ in index.similar(hotel_id=h, k=k, text_weight=1.0)],
        "random same city": lambda h: rng.sample(_peers(world, h, same_stars=False), k),
        "random same city+stars": lambda h: _same_stars_sample(world, h, k, rng),
    }
    return {
        name: float(np.mean([corr(h, n) for h in ids for n in pick(h)]))
        for name, pick in methods.items()
    }


def _peers(world: PlantedWorld, hotel_id: int, *, same_stars: bool) -> list[int]:
    """Other hotels of the same city (and star band)."""
    me = world.hotels[hotel_id]
    return sorted(
        h.hotel_id
        for h in world.hotels.values()
        if h.hotel_id != hotel_id and h.city == me.city and (not same_stars or h.stars == me.stars)
    )


def _same_stars_sample(world: PlantedWorld, hotel_id: int, k: int, rng: random.Random) -> list[int]:
    """k same-city same-stars hotels, topped up from the city when the band is too small."""
    same = _peers(world, hotel_id, same_stars=True)
    picked = rng.sample(same, min(k, len(same)))
    rest = [h for h in _peers(world, hotel_id, same_stars=False) if h not in picked]
    return picked + rng.sample(rest, k - len(picked))


def run(
    *,
    seed: int = 16,
    reviewers: int = 1500,
    hotels_per_city: int = 50,
    strength: float | None = None,
    taste_noise: float = DEFAULT_TASTE_NOISE,
) -> dict[str, Any]:
    """Every measurement on one planted world; the figures as a dict."""
    world = planted_world(
        seed=seed, reviewers=reviewers, hotels_per_city=hotels_per_city, taste_noise=taste_noise
    )
    return {
        "world": {
            "hotels": len(world.hotels),
            "reviewers": len(world.reviewers),
            "stays": len(world.stays),
        },
        "type_weights": type_weights(world),
        "type_ranking": type_ranking(world),
        "similar_hotels": similar_quality(world),
        "next_stay": next_stay(world, strength=strength),
    }


def _print(figures: Mapping[str, Any]) -> None:
    """The figures as plain tables."""
    w = figures["world"]
    print(f"planted world: {w['hotels']} hotels, {w['reviewers']} reviewers, {w['stays']} stays")
    print("\n1. learned vs planted type weights (shares of |weights|)")
    print(f"{'type':10} {'stays':>6} {'spearman':>9} {'top3':>5}  learned top 3 | planted top 3")
    for name, t in figures["type_weights"].items():
        learned = sorted(t["learned"], key=lambda a: -t["learned"][a])[:3]
        planted = sorted(t["planted"], key=lambda a: -t["planted"][a])[:3]
        print(f"{name:10} {t['stays']:>6} {t['spearman']:>9.2f} {t['top3_common']:>4}/3  "
              f"{', '.join(learned)} | {', '.join(planted)}")  # fmt: skip
    print(f"\n{'shares':18}" + "".join(f"{a[:6]:>7}" for a in ASPECTS))
    for name, t in figures["type_weights"].items():
        for kind in ("learned", "planted"):
            print(f"{name + ' ' + kind:18}" + "".join(f"{t[kind][a]:>7.2f}" for a in ASPECTS))
    print("\n2. ranking a city for a type vs its true utility (mean over cities x types)")
    print(f"{'method':28} {'spearman':>9} {'top-10 overlap':>15}")
    for name, r in figures["type_ranking"].items():
        print(f"{name:28} {r['spearman']:>9.2f} {r['top10_overlap']:>15.2f}")
    print("\n3. similar hotels: mean correlation of latent quality with the 5 most similar")
    for name, value in figures["similar_hotels"].items():
        print(f"{name:28} {value:>6.3f}")
    ns = figures["next_stay"]
    print(f"\n4. next stay, leave-last-out ({ns['reviewers']} reviewers; candidates = the held-out "
          f"hotel's city minus hotels already reviewed; blend popularity weight "
          f"{ns['popularity_weight']:g}, personal strength {ns['strength']:g}, PureSVD factors "
          f"{ns['factors']}, chosen on an inner "
          "split of the training stays)")  # fmt: skip
    groups = ["all", *[t for t in TRAVELLER_TYPES if t in ns]]
    print(f"{'method':24}" + "".join(f"{g + ' ndcg/hr':>22}" for g in groups))
    for name in ns["all"]:
        cells = "".join(
            f"{ns[g][name]['ndcg@10']:>13.3f}/{ns[g][name]['hr@10']:.3f}" for g in groups
        )
        print(f"{name:24}{cells}")
    print("n" + " " * 23 + "".join(f"{ns[g]['random']['n']:>22}" for g in groups))
    print("\n5. the personal model's pull toward its type's weights (sensitivity, same test stays)")
    for pull, r in ns["strength_sweep"].items():
        print(f"strength {pull:<8g} ndcg@10 {r['ndcg@10']:.3f}  hr@10 {r['hr@10']:.3f}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--reviewers", type=int, default=1500)
    parser.add_argument("--hotels-per-city", type=int, default=50)
    parser.add_argument(
        "--strength",
        type=float,
        default=None,
        help="the personal model's pull toward its type's weights (default: inner split picks)",
    )
    parser.add_argument(
        "--taste-noise",
        type=float,
        default=DEFAULT_TASTE_NOISE,
        help="how far reviewers' tastes stray from their type's (log-normal sd)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    figures = run(
        seed=args.seed,
        reviewers=args.reviewers,
        hotels_per_city=args.hotels_per_city,
        strength=args.strength,
        taste_noise=args.taste_noise,
    )
    _print(figures)
    print(f"\n({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
