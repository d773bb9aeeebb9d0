"""The index: recency weighting, shrinkage, confidence, aspects, state storage
(intelligence/reputation/state, prior, index)."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from hotelreviews.intelligence.reputation import (
    DEFAULT_PRIOR,
    CityPrior,
    HotelReputationState,
    RatedReview,
    estimate_prior_weight,
    reputation,
)

DAY = datetime(2025, 6, 1, tzinfo=UTC)
PRIOR = CityPrior(mean=0.5, variance=0.04, weight=8.0, aspect_weight=5.0, grade_weight=5.0)


def _review(rating: float, when: datetime = DAY, opinions=(), provider="Expedia"):
    return RatedReview(
        provider=provider, rating=rating, rating_scale=10, review_date=when, opinions=opinions
    )


def _state(*reviews: RatedReview, half_life_days: float = 365.0) -> HotelReputationState:
    state = HotelReputationState(half_life_days=half_life_days)
    state.add_many(reviews=reviews)
    return state


def test_a_hotel_without_reviews_sits_at_its_citys_mean():
    found = reputation(state=_state(), prior=PRIOR, as_of=DAY)
    assert found.index == pytest.approx(50.0)
    assert (found.confidence, found.reviews_effective, found.reviews) == (0.0, 0.0, 0)


def test_a_review_one_half_life_old_weighs_half_a_fresh_one():
    old, new = _review(1.0, DAY - timedelta(days=365)), _review(10.0, DAY)
    state = _state(old, new)
    # Positions 0 and 1 weighted ½ and 1: the hotel's own mean is 2/3.
    assert state.total / state.weight == pytest.approx(2 / 3)
    assert reputation(state=state, prior=PRIOR, as_of=DAY).reviews_effective == pytest.approx(1.5)
    later = reputation(state=state, prior=PRIOR, as_of=DAY + timedelta(days=365))
    assert later.reviews_effective == pytest.approx(0.75)


def test_recent_reviews_outweigh_old_ones_in_the_index():
    bad_then_good = _state(_review(1.0, DAY - timedelta(days=700)), _review(10.0, DAY))
    good_then_bad = _state(_review(10.0, DAY - timedelta(days=700)), _review(1.0, DAY))
    assert (
        reputation(state=bad_then_good, prior=PRIOR, as_of=DAY).index
        > reputation(state=good_then_bad, prior=PRIOR, as_of=DAY).index
    )


def test_one_perfect_review_moves_the_index_only_a_ninth_of_the_way_from_the_citys_mean():
    one = reputation(state=_state(_review(10.0)), prior=PRIOR, as_of=DAY)
    assert one.index == pytest.approx(100 * (8 * 0.5 + 1) / 9)


def test_many_perfect_reviews_pull_the_index_close_to_the_top():
    many = reputation(state=_state(*[_review(10.0)] * 200), prior=PRIOR, as_of=DAY)
    assert many.index == pytest.approx(100 * (8 * 0.5 + 200) / 208)
    assert many.index > 98


def test_a_review_dated_after_as_of_moves_the_moment_to_it_so_no_weight_exceeds_one():
    found = reputation(
        state=_state(_review(10.0, DAY)), prior=PRIOR, as_of=DAY - timedelta(days=99)
    )
    assert found.reviews_effective == pytest.approx(1.0)


def test_confidence_grows_with_every_agreeing_review():
    confidences = [
        reputation(state=_state(*[_review(8.0)] * n), prior=PRIOR, as_of=DAY).confidence
        for n in range(0, 60)
    ]
    assert all(b > a for a, b in zip(confidences, confidences[1:], strict=False))
    assert confidences[0] == 0.0 and confidences[-1] < 1.0


def test_confidence_is_the_data_share_when_guests_disagree_as_much_as_the_citys():
    # positions 0.3 and 0.7 alternating: variance 0.04, the prior's; many of them, so the
    # hotel's shrunk variance is close to the city's
    reviews = [_review(1 + 9 * (0.3 if i % 2 else 0.7)) for i in range(400)]
    found = reputation(state=_state(*reviews), prior=PRIOR, as_of=DAY)
    assert found.confidence == pytest.approx(400 / 408, abs=1e-3)


def test_guests_who_disagree_lower_the_confidence():
    agree = _state(*[_review(6.0)] * 10)
    disagree = _state(*[_review(1.0), _review(10.0)] * 5)
    assert (
        reputation(state=disagree, prior=PRIOR, as_of=DAY).confidence
        < reputation(state=agree, prior=PRIOR, as_of=DAY).confidence
    )


def test_confidence_falls_as_the_reviews_age():
    state = _state(*[_review(8.0)] * 10)
    now = reputation(state=state, prior=PRIOR, as_of=DAY).confidence
    later = reputation(state=state, prior=PRIOR, as_of=DAY + timedelta(days=730)).confidence
    assert later < now


def test_aspect_opinions_move_an_aspect_from_the_citys_aspect_mean():
    reviews = [_review(8.0, opinions=(("room", "negative"), ("location", "positive")))] * 5
    city_only = replace(PRIOR, aspect_follows_overall=0.0)
    found = reputation(state=_state(*reviews), prior=city_only, as_of=DAY).aspects
    assert found["room"].score == pytest.approx(100 * (5 * 0.7) / 10)
    assert found["location"].score == pytest.approx(100 * (5 * 0.7 + 5) / 10)
    assert found["room"].mentions == 5 and found["room"].confidence == pytest.approx(0.5)
    assert found["wifi"] == found["noise"] and found["wifi"].score == pytest.approx(70.0)
    assert found["wifi"].mentions == 0 and found["wifi"].confidence == 0.0


def test_an_unmentioned_aspect_follows_the_hotels_overall_standing():
    # 40 reviews at position 0.6 in a city at 0.5: index 100·(8·0.5 + 40·0.6)/48 = 58.33
    found = reputation(state=_state(*[_review(6.4)] * 40), prior=PRIOR, as_of=DAY)
    assert found.index == pytest.approx(100 * 28 / 48)
    assert found.aspects["wifi"].score == pytest.approx(70.0 + (found.index - 50.0))
    assert found.aspects["wifi"].confidence == 0.0


def test_a_providers_grade_counts_as_grade_weight_reviews_at_its_position():
    state = _state()
    state.add_grades(
        provider="Agoda", grades={"Cleanliness": 10.0, "Eco-friendliness": 1.0},
        rating_scale=10, snapshot_date=DAY,
    )  # fmt: skip
    found = reputation(state=state, prior=PRIOR, as_of=DAY).aspects
    assert found["cleanliness"].score == pytest.approx(100 * (5 * 0.7 + 5 * 1.0) / 10)
    assert found["cleanliness"].mentions == 0  # grades are not opinions
    assert set(state.grades) == {"agoda|cleanliness"}


def test_a_newer_grade_snapshot_replaces_an_older_one_and_an_older_does_not():
    state = _state()
    for grade, when in (
        (9.0, DAY),
        (2.0, DAY - timedelta(days=30)),
        (6.0, DAY + timedelta(days=1)),
    ):
        state.add_grades(
            provider="Agoda", grades={"Location": grade}, rating_scale=10, snapshot_date=when
        )
    assert state.grades["agoda|location"].position == pytest.approx(0.5)


def test_the_state_survives_a_json_round_trip():
    state = _state(
        _review(9.0, DAY - timedelta(days=100), (("staff", "positive"),)),
        _review(3.0, DAY, (("noise", "negative"), ("staff", "negative"))),
    )
    state.add_grades(
        provider="Booking.com", grades={"Staff": 8.5}, rating_scale=10, snapshot_date=DAY
    )
    stored = json.loads(json.dumps(state.to_dict()))
    back = HotelReputationState.from_dict(stored)
    assert back.to_dict() == state.to_dict()
    assert reputation(state=back, prior=PRIOR, as_of=DAY) == reputation(
        state=state, prior=PRIOR, as_of=DAY
    )


def test_a_state_of_another_version_is_refused():
    data = _state().to_dict() | {"version": 99}
    with pytest.raises(ValueError):
        HotelReputationState.from_dict(data)


def test_an_unknown_aspect_is_refused():
    with pytest.raises(ValueError):
        _review(8.0, opinions=(("spa", "positive"),))


def test_an_empty_city_gets_the_default_prior():
    assert CityPrior.build(states=[], as_of=DAY) == DEFAULT_PRIOR


def test_a_city_prior_follows_its_hotels_but_keeps_the_default_as_one_hotel():
    hotels = [_state(*[_review(10.0)] * 1000) for _ in range(3)]
    prior = CityPrior.build(states=hotels, as_of=DAY)
    assert DEFAULT_PRIOR.mean < prior.mean < 1.0
    assert prior.mean == pytest.approx((0.78 + 3 * 1000 / 1008) / (1 + 3 * 1000 / 1008))


def test_a_hotel_with_one_review_barely_moves_its_citys_mean():
    one = CityPrior.build(states=[_state(_review(1.0))], as_of=DAY)
    assert one.mean == pytest.approx((0.78 + 0.0) / (1 + 1 / 9))


@pytest.mark.parametrize("moment", [date(2025, 6, 1), datetime(2025, 6, 1)])
def test_dates_and_naive_datetimes_are_taken_as_utc(moment):
    assert reputation(
        state=_state(_review(8.0, moment)), prior=PRIOR, as_of=DAY
    ).reviews_effective == pytest.approx(1.0)


def test_the_estimated_prior_weight_is_within_over_between_hotel_variance():
    rng = random.Random(3)
    cities = {}
    for city, centre in (("a", 0.45), ("b", 0.6)):
        states = []
        for _ in range(150):
            quality = rng.gauss(centre, 0.05)  # τ = 0.05
            states.append(
                _state(
                    *[
                        RatedReview(
                            provider="Share",
                            rating=rng.gauss(quality, 0.1),
                            rating_scale=1.0,
                            review_date=DAY,
                        )  # fmt: skip
                        for _ in range(rng.randint(2, 30))
                    ]
                )
            )
        cities[city] = states
    # σ²/τ² = 0.01 / 0.0025 = 4; city centres apart do not count as between-hotel spread
    estimated = estimate_prior_weight(states_by_city=cities, as_of=DAY)
    assert 3.0 < estimated < 5.5


def test_a_market_without_spread_between_hotels_gets_the_highest_weight():
    same = [_state(_review(3.0), _review(9.0)) for _ in range(10)]
    assert estimate_prior_weight(states_by_city={"a": same}, as_of=DAY, highest=50.0) == 50.0
