"""The pieces the served recommendations rest on: the type model fitted from per-hotel rating
sums equals the per-stay fit; term bags (merged, cut) and their TF-IDF cosine equal
scikit-learn's on the same terms; the popularity floor of the blend; a city's ranking, its
reasons and its keyset pages."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from hotelreviews.core.errors import InvalidCursor
from hotelreviews.core.pagination import PageRequest
from hotelreviews.intelligence.recommend.baselines import blended
from hotelreviews.intelligence.recommend.ranking import page_of, rank_city
from hotelreviews.intelligence.recommend.records import ASPECTS, HotelProfile, Stay
from hotelreviews.intelligence.recommend.similar import index_with_text_similarity
from hotelreviews.intelligence.recommend.terms import bag_similarity, merge_terms, review_terms
from hotelreviews.intelligence.recommend.type_model import (
    fit_type_model,
    fit_type_model_from_sums,
)
from hotelreviews.intelligence.recommend.world import build_world, shares


def _profiles(rng: np.random.Generator, hotels: int) -> dict[int, HotelProfile]:
    return {
        h: HotelProfile(
            hotel_id=h,
            city="c",
            stars=3,
            scores={a: float(rng.uniform(3, 9)) for a in ASPECTS},
            review_count=10,
        )
        for h in range(1, hotels + 1)
    }


def test_the_fit_from_per_hotel_sums_equals_the_fit_on_every_stay() -> None:
    rng = np.random.default_rng(7)
    profiles = _profiles(rng, 40)
    stays = [
        Stay(
            reviewer_id=i,
            hotel_id=int(rng.integers(1, 41)),
            traveller_type=("family", "family", "couple", "couple", "solo")[i % 5],
            rating=float(rng.uniform(1, 10)),
            stayed_on=date(2025, 1, 1),
        )
        for i in range(500)
    ]
    sums: dict[tuple[int, str], tuple[int, float]] = {}
    for stay in stays:
        count, total = sums.get((stay.hotel_id, stay.traveller_type), (0, 0.0))
        sums[(stay.hotel_id, stay.traveller_type)] = (count + 1, total + stay.rating)

    per_stay = fit_type_model(stays=stays, profiles=profiles, min_stays=150)
    from_sums = fit_type_model_from_sums(sums=sums, profiles=profiles, min_stays=150)

    assert set(from_sums.weights) == set(per_stay.weights) == {"*", "family", "couple"}
    for key, weights in per_stay.weights.items():
        np.testing.assert_allclose(from_sums.weights[key], weights, atol=1e-10)
        assert from_sums.intercepts[key] == pytest.approx(per_stay.intercepts[key], abs=1e-10)
        assert from_sums.stays_used[key] == per_stay.stays_used[key]


def test_review_terms_are_words_without_function_words() -> None:
    terms = review_terms("The rooftop bar!", "Die Dachterrasse war toll, 24h Rezeption", None)
    assert terms == {"rooftop": 1, "bar": 1, "dachterrasse": 1, "toll": 1, "rezeption": 1}


def test_a_bag_keeps_its_most_frequent_terms_whatever_the_arrival_order() -> None:
    reviews = [{"beach": 2, "pool": 1}, {"pool": 2, "bar": 1}, {"beach": 1, "zoo": 1}]
    one = merge_terms({}, reviews, kept=2)
    other = merge_terms(merge_terms({}, reviews[2:], kept=10), reviews[:2], kept=2)
    assert one == other == {"beach": 3, "pool": 3}


def test_the_cosine_of_bags_is_tfidf_as_scikit_learn_computes_it() -> None:
    bags = [
        {"beach": 3, "pool": 1, "bar": 2},
        {"beach": 1, "pool": 4},
        {"museum": 2, "bar": 1, "tram": 1},
        {"museum": 1, "tram": 5, "beach": 1},
    ]
    documents = [[term for term, n in bag.items() for _ in range(n)] for bag in bags]
    vectorizer = TfidfVectorizer(analyzer=lambda doc: doc, sublinear_tf=True, min_df=2)
    matrix = vectorizer.fit_transform(documents)
    expected = (matrix @ matrix.T).toarray()

    np.testing.assert_allclose(bag_similarity(bags), expected, atol=1e-12)
    assert bag_similarity([{"only": 1}, {"mine": 1}]).tolist() == [[0.0, 0.0], [0.0, 0.0]]


def test_the_text_similarity_must_match_the_hotels() -> None:
    profiles = _profiles(np.random.default_rng(1), 3)
    with pytest.raises(ValueError, match="hotels x hotels"):
        index_with_text_similarity(profiles=profiles, text_similarity=np.zeros((2, 2)))


def test_a_popularity_difference_of_noise_is_not_blown_up_by_the_floor() -> None:
    preference = {1: 1.0, 2: 0.0, 3: -1.0}
    counts = {1: 28, 2: 28, 3: 29}  # hotel 3: one review more
    plain = blended(preference=preference, counts=counts, popularity_weight=1.5)
    floored = blended(
        preference=preference, counts=counts, popularity_weight=1.5, min_popularity_spread=0.5
    )
    assert max(plain, key=plain.__getitem__) == 3  # standardised, one review outweighs fit
    assert max(floored, key=floored.__getitem__) == 1
    wide = {1: 5, 2: 50, 3: 500}  # a real spread: the floor changes nothing
    assert blended(preference=preference, counts=wide, popularity_weight=1.5) == blended(
        preference=preference, counts=wide, popularity_weight=1.5, min_popularity_spread=0.5
    )


def _row(
    hotel_id: int, *, city: str, wifi: float, food: float, rating: float, checkin: float = 60.0
) -> SimpleNamespace:
    aspects = {a: [60.0, 0.5, 3] for a in ASPECTS}
    aspects["checkin"] = [checkin, 0.5, 0]  # no opinion mentions it: the overall index again
    aspects["wifi"] = [wifi, 0.5, 3]
    aspects["food"] = [food, 0.5, 3]
    return SimpleNamespace(
        hotel_id=hotel_id,
        city_key=city,
        stars=3.0,
        aspects=aspects,
        reputation_index=50.0,
        ratings={"business": [20, 20 * rating]},
        reviews=20,
    )


def test_a_city_is_ranked_by_the_weights_with_their_reasons_and_pages() -> None:
    rows = [
        _row(h, city="oslo", wifi=wifi, food=food, rating=2 + 0.08 * wifi)
        for h, (wifi, food) in enumerate([(90, 20), (20, 90), (60, 60), (80, 40), (30, 30)], 1)
    ]
    rows.append(_row(9, city="bergen", wifi=95, food=95, rating=9.6))
    world = build_world(rows)
    assert world.model is not None
    weights = world.model.weights_for("business")
    assert ASPECTS[int(np.argmax(weights))] == "wifi"

    ranked = rank_city(world, city="oslo", weights=weights, intercept=0.0)
    assert [r.hotel_id for r in ranked] == [1, 4, 3, 5, 2]
    assert ranked[0].why[0] == "wifi"
    assert "food" not in ranked[1].why  # food's weight is not positive: no reason
    assert [r.hotel_id for r in rank_city(world, city="oslo", weights=weights, intercept=0.0,
                                          exclude={1})][0] == 4  # fmt: skip

    first, cursor = page_of(ranked, PageRequest(limit=2))
    second, cursor2 = page_of(ranked, PageRequest(limit=2, cursor=cursor))
    third, end = page_of(ranked, PageRequest(limit=2, cursor=cursor2))
    assert [r.hotel_id for r in first + second + third] == [1, 4, 3, 5, 2]
    assert end is None
    with pytest.raises(InvalidCursor):
        page_of(ranked, PageRequest(limit=2, cursor="WyJvdGhlciIsWzFdXQ"))


def test_an_aspect_no_review_mentions_teaches_the_model_nothing() -> None:
    # checkin's stored score follows the ratings exactly, but no opinion mentions it: it is
    # the hotel's overall index again, not evidence about check-in.
    rows = [
        _row(h, city="oslo", wifi=wifi, food=50, rating=2 + 0.08 * wifi, checkin=wifi * 0.9)
        for h, wifi in enumerate([90, 20, 60, 80, 30, 45], 1)
    ]
    world = build_world(rows)
    assert world.model is not None
    learned = shares(world, world.model.weights_for("business"))
    assert learned["checkin"] == 0.0
    assert max(learned, key=learned.__getitem__) == "wifi"
