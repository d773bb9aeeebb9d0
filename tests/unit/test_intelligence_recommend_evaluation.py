"""The planted reviewer world (and what the type model learns from it), similar hotels'
invariants, the offline-evaluation helpers (metrics, leave-last-out, tie breaking), the
baselines, and one small run of bench/intelligence_recommend.py."""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import spearmanr

from hotelreviews.demo.planted.reviewers import PLANTED_WEIGHTS, planted_weights, planted_world
from hotelreviews.intelligence.recommend import (
    ASPECTS,
    HotelProfile,
    Stay,
    fit_type_model,
    similar_hotels,
)
from hotelreviews.intelligence.recommend.baselines import blended, fit_item_knn, popularity
from hotelreviews.intelligence.recommend.evaluation import (
    leave_last_out,
    ndcg_at_k,
    ranked_by_score,
    recall_at_k,
)
from hotelreviews.intelligence.recommend.latent import fit_latent_factors

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:  # the bench scripts import their siblings by plain name
    sys.path.insert(0, str(BENCH))

import intelligence_recommend  # noqa: E402


def _stay(reviewer_id: int, hotel_id: int, day: int, rating: float = 7.0) -> Stay:
    return Stay(
        reviewer_id=reviewer_id,
        hotel_id=hotel_id,
        traveller_type="solo",
        rating=rating,
        stayed_on=date(2024, 1, day),
    )


def test_the_planted_world_is_the_same_for_the_same_seed_and_differs_for_another() -> None:
    first = planted_world(seed=5, reviewers=60, hotels_per_city=12)
    again = planted_world(seed=5, reviewers=60, hotels_per_city=12)
    other = planted_world(seed=6, reviewers=60, hotels_per_city=12)
    assert first.stays == again.stays
    assert first.profiles == again.profiles
    assert first.texts == again.texts
    assert first.hotels == again.hotels
    assert first.stays != other.stays


def test_planted_histories_are_2_to_20_dated_stays_at_distinct_hotels_rated_1_to_10() -> None:
    world = planted_world(seed=7, reviewers=200, hotels_per_city=25)
    histories: dict[int, list[Stay]] = defaultdict(list)
    for stay in world.stays:
        histories[stay.reviewer_id].append(stay)
    assert set(histories) == set(world.reviewers)
    for reviewer_id, history in histories.items():
        assert 2 <= len(history) <= 20
        days = [s.stayed_on for s in history]
        assert days == sorted(days) and len(set(days)) == len(days)
        assert len({s.hotel_id for s in history}) == len(history)
        assert all(1.0 <= s.rating <= 10.0 for s in history)
        assert {s.traveller_type for s in history} == {world.reviewers[reviewer_id].traveller_type}
        cities = {world.hotels[s.hotel_id].city for s in history}
        assert cities <= set(world.reviewers[reviewer_id].cities)


def test_planted_type_weights_are_shares_over_the_ten_aspects() -> None:
    for weights in PLANTED_WEIGHTS.values():
        assert set(weights) == set(ASPECTS)
        assert sum(weights.values()) == pytest.approx(1.0)


def test_ndcg_and_recall_match_hand_computed_values() -> None:
    ranked = [5, 3, 9, 4]
    assert ndcg_at_k(ranked=ranked, relevant={5}, k=10) == 1.0
    assert ndcg_at_k(ranked=ranked, relevant={3}, k=10) == pytest.approx(1 / math.log2(3))
    # Two relevant at ranks 2 and 3: (1/log2 3 + 1/log2 4) / (1 + 1/log2 3).
    expected = (1 / math.log2(3) + 0.5) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(ranked=ranked, relevant={3, 9}, k=10) == pytest.approx(expected)
    assert ndcg_at_k(ranked=ranked, relevant={4}, k=3) == 0.0
    assert recall_at_k(ranked=ranked, relevant={3, 9}, k=2) == 0.5
    assert recall_at_k(ranked=ranked, relevant={3, 9}, k=3) == 1.0
    assert recall_at_k(ranked=ranked, relevant={7}, k=10) == 0.0
    assert ndcg_at_k(ranked=ranked, relevant=set(), k=10) == 0.0


@given(
    st.lists(st.integers(0, 30), min_size=1, max_size=20, unique=True),
    st.sets(st.integers(0, 30), min_size=1, max_size=5),
    st.integers(1, 15),
)
def test_ndcg_lies_in_0_1_and_is_1_when_the_relevant_hotels_lead(
    ranked: list[int], relevant: set[int], k: int
) -> None:
    assert 0.0 <= ndcg_at_k(ranked=ranked, relevant=relevant, k=k) <= 1.0 + 1e-12
    leading = sorted(relevant) + [h for h in ranked if h not in relevant]
    assert ndcg_at_k(ranked=leading, relevant=relevant, k=k) == pytest.approx(1.0)


def test_leave_last_out_hides_each_reviewers_latest_stay_and_keeps_lone_stays() -> None:
    stays = [_stay(1, 10, 5), _stay(1, 11, 20), _stay(1, 12, 9), _stay(2, 13, 3), _stay(3, 14, 1)]
    stays += [_stay(3, 15, 2)]
    split = leave_last_out(stays)
    assert split.held_out == {1: _stay(1, 11, 20), 3: _stay(3, 15, 2)}
    assert sorted(s.hotel_id for s in split.training) == [10, 12, 13, 14]
    assert _stay(1, 11, 20) not in split.training


def test_ties_are_broken_by_the_seed_not_by_hotel_id() -> None:
    scores = {h: 1.0 for h in range(20)}
    orders = {tuple(ranked_by_score(scores=scores, tie_break_seed=seed)) for seed in range(5)}
    assert len(orders) > 1
    assert ranked_by_score(scores=scores, tie_break_seed=3) == ranked_by_score(
        scores=scores, tie_break_seed=3
    )
    assert ranked_by_score(scores={1: 0.5, 2: 0.9, 3: 0.1}, tie_break_seed=0) == [2, 1, 3]


def test_item_knn_scores_the_hotel_sharing_guests_with_the_history_highest() -> None:
    training = [_stay(1, 10, 1), _stay(1, 20, 2), _stay(2, 10, 1), _stay(2, 20, 2)]
    training += [_stay(3, 30, 1), _stay(3, 40, 2)]
    knn = fit_item_knn(training)
    scores = knn.scores(history=[10], candidates=[20, 30, 40, 99])
    assert scores[20] == pytest.approx(1.0)
    assert scores[30] == scores[40] == scores[99] == 0.0
    assert popularity(training) == {10: 2, 20: 2, 30: 1, 40: 1}


def test_latent_factors_score_the_hotel_of_the_reviewers_taste_group_above_the_others() -> None:
    # Two taste groups: guests of 10 also stay in 20; guests of 30 also stay in 40.
    training = [_stay(r, 10, 1) for r in range(6)] + [_stay(r, 20, 2) for r in range(5)]
    training += [_stay(r, 30, 1) for r in range(10, 16)] + [_stay(r, 40, 2) for r in range(10, 15)]
    model = fit_latent_factors(training, factors=2)
    scores = model.scores(history=[10], candidates=[20, 30, 40])
    assert scores[20] > scores[30] and scores[20] > scores[40]


def test_a_blend_without_popularity_keeps_the_preference_order() -> None:
    preference = {1: 0.3, 2: 0.9, 3: 0.5}
    counts = {1: 500, 2: 1, 3: 40}
    alone = blended(preference=preference, counts=counts, popularity_weight=0.0)
    assert sorted(alone, key=lambda h: -alone[h]) == [2, 3, 1]
    mostly_popular = blended(preference=preference, counts=counts, popularity_weight=10.0)
    assert max(mostly_popular, key=lambda h: mostly_popular[h]) == 1


def test_the_bench_runs_on_a_small_world_and_the_models_beat_random() -> None:
    figures = intelligence_recommend.run(seed=3, reviewers=250, hotels_per_city=15, strength=80.0)
    overall = figures["next_stay"]["all"]
    assert set(overall) >= {"random", "popularity", "item-kNN", "PureSVD", "type model", "personal"}
    assert overall["type + popularity"]["ndcg@10"] > overall["random"]["ndcg@10"]
    assert figures["similar_hotels"]["profile only"] > figures["similar_hotels"]["random same city"]
    for row in figures["type_weights"].values():
        assert np.isfinite(row["spearman"])


def test_the_bench_main_prints_every_section_and_exits_0(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert intelligence_recommend.main(["--reviewers", "120", "--hotels-per-city", "12"]) == 0
    out = capsys.readouterr().out
    for heading in ("1. learned", "2. ranking", "3. similar", "4. next stay", "5. the personal"):
        assert heading in out


def test_type_weights_learned_from_planted_ratings_rank_the_aspects_like_the_planted_ones() -> None:
    world = planted_world(seed=11, reviewers=600, hotels_per_city=30)
    model = fit_type_model(stays=world.stays, profiles=world.profiles)
    for traveller_type in PLANTED_WEIGHTS:
        learned = model.weights_for(traveller_type)
        truth = planted_weights(traveller_type)
        assert spearmanr(learned, truth).statistic > 0.8, traveller_type
        assert (
            ASPECTS[int(np.argmax(learned))]
            in sorted(ASPECTS, key=lambda a: -PLANTED_WEIGHTS[traveller_type][a])[:3]
        )


@given(st.integers(0, 10_000), st.integers(1, 8), st.booleans())
def test_similar_hotels_are_never_the_hotel_itself_at_most_k_and_in_its_city_when_asked(
    seed: int, k: int, same_city: bool
) -> None:
    rng = np.random.default_rng(seed)
    profiles = {
        h: HotelProfile(
            hotel_id=h,
            city=("Lisbon", "Oslo")[h % 2],
            stars=3,
            scores={a: float(rng.uniform(0, 10)) for a in ASPECTS if rng.random() < 0.8},
            review_count=int(rng.integers(0, 50)),
        )
        for h in range(1, 9)
    }
    found = similar_hotels(hotel_id=1, profiles=profiles, texts={}, k=k, same_city=same_city)
    ids = [h for h, _ in found]
    assert 1 not in ids
    assert len(ids) == len(set(ids)) <= k
    if same_city:
        assert all(profiles[h].city == profiles[1].city for h in ids)
    scores = [score for _, score in found]
    assert scores == sorted(scores, reverse=True)
