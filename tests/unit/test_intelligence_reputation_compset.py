"""A hotel's competitive set: same city and star band, ranked (intelligence/reputation/compset)."""

from __future__ import annotations

import pytest

from hotelreviews.intelligence.reputation import HotelStanding, competitive_set, star_band


def _h(hotel_id: str, index: float, stars: float | None = 4, city: str | None = "Singapore"):
    return HotelStanding(hotel_id=hotel_id, city=city, stars=stars, index=index)


@pytest.mark.parametrize(
    ("stars", "band"),
    [
        (0, "<=2"),
        (1, "<=2"),
        (2.5, "<=2"),
        (3, "3"),
        (3.5, "3"),
        (4, "4"),
        (5, "5"),
        (None, "unknown"),
    ],
)
def test_star_bands(stars, band):
    assert star_band(stars) == band


def test_the_set_is_the_same_city_and_band_ranked_best_first():
    hotels = [
        _h("a", 80),
        _h("b", 90),
        _h("c", 70),
        _h("d", 99, stars=5),
        _h("e", 95, city="Bangkok"),
    ]
    found = competitive_set(hotels=hotels, hotel_id="a")
    assert (found.rank, found.size, found.band) == (2, 3, "4")
    assert [m.hotel_id for m in found.members] == ["b", "a", "c"]


def test_equal_indices_share_a_rank_and_the_next_is_skipped():
    hotels = [_h("a", 90), _h("b", 80), _h("c", 80 + 1e-12), _h("d", 70)]
    ranks = {h.hotel_id: competitive_set(hotels=hotels, hotel_id=h.hotel_id).rank for h in hotels}
    assert ranks == {"a": 1, "b": 2, "c": 2, "d": 4}


def test_hotels_without_stars_are_a_band_of_their_own():
    hotels = [_h("a", 80, stars=None), _h("b", 90, stars=None), _h("c", 95, stars=4)]
    found = competitive_set(hotels=hotels, hotel_id="a")
    assert (found.band, found.rank, found.size) == ("unknown", 2, 2)


def test_cities_match_regardless_of_case_and_spaces():
    hotels = [_h("a", 80, city="Singapore"), _h("b", 90, city=" singapore ")]
    assert competitive_set(hotels=hotels, hotel_id="a").size == 2


def test_a_hotel_with_no_city_has_no_competitors():
    hotels = [_h("a", 80, city=None), _h("b", 90, city=None)]
    found = competitive_set(hotels=hotels, hotel_id="a")
    assert (found.rank, found.size) == (1, 1)


def test_an_unknown_hotel_id_is_a_key_error():
    with pytest.raises(KeyError):
        competitive_set(hotels=[_h("a", 1)], hotel_id="zz")
