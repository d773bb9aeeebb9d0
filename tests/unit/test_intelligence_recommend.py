"""Similar hotels, the learned traveller-type model and per-reviewer recommendations
(hotelreviews.intelligence.recommend)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from hotelreviews.intelligence.recommend import (
    ASPECTS,
    HotelProfile,
    Stay,
    fit_reviewer_weights,
    fit_type_model,
    recommend_for_reviewer,
    recommend_for_type,
    similar_hotels,
)
from hotelreviews.intelligence.recommend.type_model import ANY_TYPE, shrunk_profiles


def _profile(hotel_id: int, city: str, scores: dict[str, float], count: int = 50) -> HotelProfile:
    return HotelProfile(hotel_id=hotel_id, city=city, stars=3, scores=scores, review_count=count)


def _uniform(value: float, **overrides: float) -> dict[str, float]:
    return {a: overrides.get(a, value) for a in ASPECTS}


def _random_profiles(count: int, *, seed: int, city: str = "Lisbon") -> dict[int, HotelProfile]:
    rng = np.random.default_rng(seed)
    return {
        h: _profile(h, city, dict(zip(ASPECTS, rng.uniform(3, 9, len(ASPECTS)), strict=True)))
        for h in range(1, count + 1)
    }


def _ratings_driven_by(
    aspect: str, *, traveller_type: str, profiles: dict[int, HotelProfile], seed: int
) -> list[Stay]:
    """Every hotel rated by 3 reviewers of the type; only `aspect` moves the rating."""
    rng = np.random.default_rng(seed)
    stays = []
    for n, (hotel_id, profile) in enumerate(sorted(profiles.items()) * 3):
        rating = 2.0 + 0.9 * profile.scores[aspect] + rng.normal(0, 0.2)
        stays.append(
            Stay(
                reviewer_id=n,
                hotel_id=hotel_id,
                traveller_type=traveller_type,
                rating=rating,
                stayed_on=date(2024, 1, 1),
            )
        )
    return stays


def test_similar_hotels_never_include_the_hotel_itself_and_rank_the_closer_profile_first() -> None:
    profiles = {
        1: _profile(1, "Lisbon", _uniform(5.0, wifi=9.0, checkin=9.0, food=2.0)),
        2: _profile(2, "Lisbon", _uniform(5.0, wifi=8.5, checkin=8.0, food=3.0)),
        3: _profile(3, "Lisbon", _uniform(5.0, wifi=2.0, checkin=2.5, food=9.0)),
        4: _profile(4, "Lisbon", _uniform(5.0, wifi=6.0, checkin=6.5, food=5.0)),
    }
    found = similar_hotels(hotel_id=1, profiles=profiles, texts={}, k=10)
    ids = [h for h, _ in found]
    assert 1 not in ids
    assert ids == [2, 4, 3]
    assert found[0][1] > found[-1][1]


def test_similar_hotels_stay_in_the_city_unless_told_otherwise() -> None:
    profiles = {
        1: _profile(1, "Lisbon", _uniform(5.0, room=9.0)),
        2: _profile(2, "Prague", _uniform(5.0, room=9.0)),
        3: _profile(3, "Lisbon", _uniform(5.0, room=2.0)),
        4: _profile(4, "Prague", _uniform(5.0, room=2.0)),
    }
    assert [h for h, _ in similar_hotels(hotel_id=1, profiles=profiles, texts={}, k=3)] == [3]
    anywhere = similar_hotels(hotel_id=1, profiles=profiles, texts={}, k=1, same_city=False)
    assert anywhere[0][0] == 2


def test_with_equal_profiles_the_review_text_decides_which_hotel_is_similar() -> None:
    profiles = {h: _profile(h, "Lisbon", _uniform(6.0)) for h in (1, 2, 3)}
    texts = {
        1: "rooftop pool with a sea view. rooftop pool bar.",
        2: "rooftop pool and a sea view. great rooftop pool.",
        3: "old town walks and a quiet courtyard. quiet courtyard.",
    }
    found = similar_hotels(hotel_id=1, profiles=profiles, texts=texts, k=2, text_weight=1.0)
    assert [h for h, _ in found] == [2, 3]


def test_learned_type_weights_put_the_driving_aspect_first_for_each_type() -> None:
    profiles = _random_profiles(60, seed=1)
    stays = _ratings_driven_by("wifi", traveller_type="business", profiles=profiles, seed=2)
    stays += _ratings_driven_by("food", traveller_type="family", profiles=profiles, seed=3)
    model = fit_type_model(stays=stays, profiles=profiles, alpha=1.0)
    business = dict(zip(ASPECTS, model.weights_for("business"), strict=True))
    family = dict(zip(ASPECTS, model.weights_for("family"), strict=True))
    assert max(business, key=lambda a: business[a]) == "wifi"
    assert max(family, key=lambda a: family[a]) == "food"
    assert business["wifi"] > 5 * max(abs(w) for a, w in business.items() if a != "wifi")


def test_a_type_with_too_few_ratings_uses_the_pooled_model() -> None:
    profiles = _random_profiles(40, seed=4)
    stays = _ratings_driven_by("room", traveller_type="couple", profiles=profiles, seed=5)
    stays += _ratings_driven_by("value", traveller_type="solo", profiles=profiles, seed=6)[:5]
    model = fit_type_model(stays=stays, profiles=profiles)
    assert "solo" not in model.weights
    np.testing.assert_array_equal(model.weights_for("solo"), model.weights[ANY_TYPE])
    np.testing.assert_array_equal(model.weights_for(None), model.weights[ANY_TYPE])


def test_recommend_for_type_ranks_the_city_by_what_the_type_rated_highly() -> None:
    profiles = _random_profiles(40, seed=7)
    stays = _ratings_driven_by("wifi", traveller_type="business", profiles=profiles, seed=8)
    profiles[100] = _profile(100, "Lisbon", _uniform(5.0, wifi=10.0), count=500)
    profiles[101] = _profile(101, "Lisbon", _uniform(9.0, wifi=0.5), count=500)
    profiles[102] = _profile(102, "Prague", _uniform(5.0, wifi=10.0), count=500)
    model = fit_type_model(stays=stays, profiles=profiles)
    ranked = recommend_for_type(
        city="Lisbon", traveller_type="business", model=model, profiles=profiles, k=50
    )
    ids = [h for h, _ in ranked]
    assert ids[0] == 100
    assert ids[-1] == 101
    assert 102 not in ids
    assert 100 not in [
        h
        for h, _ in recommend_for_type(
            city="Lisbon", traveller_type="business", model=model, profiles=profiles, exclude={100}
        )
    ]


def test_a_hotel_with_few_reviews_is_pulled_toward_the_average_profile() -> None:
    profiles = {
        1: _profile(1, "Lisbon", _uniform(10.0), count=1),
        2: _profile(2, "Lisbon", _uniform(4.0), count=1000),
        3: _profile(3, "Lisbon", _uniform(4.0), count=1000),
    }
    shrunk = shrunk_profiles(profiles=profiles, hotel_ids=[1, 2, 3], prior_reviews=9.0)
    mean = 6.0
    assert shrunk[0, 0] == pytest.approx(mean + 0.1 * (10.0 - mean))
    assert shrunk[1, 0] == pytest.approx(4.0, abs=0.02)
    unshrunk = shrunk_profiles(profiles=profiles, hotel_ids=[1, 2, 3], prior_reviews=0.0)
    assert unshrunk[0, 0] == 10.0


def test_a_cold_start_reviewer_gets_exactly_the_type_model() -> None:
    profiles = _random_profiles(40, seed=9)
    stays = _ratings_driven_by("location", traveller_type="couple", profiles=profiles, seed=10)
    model = fit_type_model(stays=stays, profiles=profiles)
    for history in ([], stays[:1]):
        weights = fit_reviewer_weights(
            history=history, traveller_type="couple", type_model=model, profiles=profiles
        )
        np.testing.assert_array_equal(weights, model.weights_for("couple"))
    personal = recommend_for_reviewer(
        history=[], traveller_type="couple", city="Lisbon", type_model=model, profiles=profiles
    )
    by_type = recommend_for_type(
        city="Lisbon", traveller_type="couple", model=model, profiles=profiles
    )
    assert [h for h, _ in personal] == [h for h, _ in by_type]


def test_a_long_history_pulls_the_reviewer_toward_their_own_taste() -> None:
    profiles = _random_profiles(60, seed=11)
    stays = _ratings_driven_by("location", traveller_type="couple", profiles=profiles, seed=12)
    model = fit_type_model(stays=stays, profiles=profiles)
    own = [
        Stay(
            reviewer_id=999,
            hotel_id=h,
            traveller_type="couple",
            rating=1.0 + 0.9 * p.scores["noise"],
            stayed_on=date(2024, 1, 1) + timedelta(days=h),
        )
        for h, p in sorted(profiles.items())[:30]
    ]
    weights = dict(
        zip(
            ASPECTS,
            fit_reviewer_weights(
                history=own, traveller_type="couple", type_model=model, profiles=profiles,
                strength=5.0,
            ),
            strict=True,
        )
    )  # fmt: skip
    type_weights = dict(zip(ASPECTS, model.weights_for("couple"), strict=True))
    assert weights["noise"] > type_weights["noise"] + 0.3
    assert weights["location"] < type_weights["location"]


def test_recommendations_for_a_reviewer_skip_the_hotels_they_stayed_in() -> None:
    profiles = _random_profiles(20, seed=13)
    stays = _ratings_driven_by("room", traveller_type="family", profiles=profiles, seed=14)
    model = fit_type_model(stays=stays, profiles=profiles)
    history = [s for s in stays if s.reviewer_id in (0, 1, 2)]
    found = recommend_for_reviewer(
        history=history, traveller_type="family", city="Lisbon", type_model=model,
        profiles=profiles, k=50,
    )  # fmt: skip
    assert {h for h, _ in found}.isdisjoint({s.hotel_id for s in history})
    assert len(found) == 20 - len({s.hotel_id for s in history})
