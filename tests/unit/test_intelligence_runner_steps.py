"""The runner's pure pieces: one polarity per aspect and review, competition ranks, where a
hotel competes, and the day buckets the detectors read."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from hotelreviews.intelligence.aspects import analyze_review
from hotelreviews.intelligence.runner.alerting import day_buckets
from hotelreviews.intelligence.runner.analysis import encode, review_polarities
from hotelreviews.intelligence.runner.scoring import competition_ranks, place_of


def test_praising_the_staff_in_two_sentences_is_one_positive_staff_opinion() -> None:
    stored = [["staff", "positive", 0.6, "text", 0], ["staff", "positive", 0.4, "text", 1]]

    assert review_polarities(stored) == (("staff", "positive"),)


def test_an_aspect_praised_weakly_and_criticised_strongly_leans_negative() -> None:
    stored = [["room", "positive", 0.2, "text", 0], ["room", "negative", -0.7, "text", 1]]

    assert review_polarities(stored) == (("room", "negative"),)


def test_a_review_without_opinions_has_no_polarities() -> None:
    assert review_polarities(None) == ()
    assert review_polarities([]) == ()


def test_analysed_opinions_survive_the_compact_encoding() -> None:
    found = analyze_review(
        title=None,
        text="The staff were wonderful. The room was dirty.",
        positives=None,
        negatives=None,
        language="en",
        rating_normalized=6.0,
    )

    leanings = review_polarities(encode(found.opinions))

    assert ("staff", "positive") in leanings
    assert ("cleanliness", "negative") in leanings


def test_equal_indices_share_a_rank_and_the_next_rank_is_skipped() -> None:
    ranks = competition_ranks([(1, 80.0), (2, 70.0), (3, 70.0), (4, 60.0)])

    assert ranks == {1: 1, 2: 2, 3: 2, 4: 4}


@given(st.lists(st.floats(min_value=0, max_value=100), min_size=1, max_size=30))
def test_ranks_run_from_one_and_a_higher_index_never_ranks_worse(indices: list[float]) -> None:
    ranks = competition_ranks(list(enumerate(indices)))

    assert min(ranks.values()) == 1
    for a, index_a in enumerate(indices):
        for b, index_b in enumerate(indices):
            if index_a > index_b + 1e-6:
                assert ranks[a] < ranks[b]


def test_a_hotel_competes_in_its_city_however_it_is_spelled_and_in_its_star_band() -> None:
    assert place_of(city="  New   York ", stars=4.5) == place_of(city="new york", stars=4.0)
    assert place_of(city="new york", stars=4.5).band == "4"
    assert place_of(city=None, stars=3).city_key is None
    assert place_of(city="Paris", stars=None).band == "unknown"


def _review(
    day: int, rating: float, opinions: list[list[object]] | None = None, *, analysed: bool = True
) -> object:
    return SimpleNamespace(
        provider="feed:group",
        rating=rating,
        rating_scale=5.0,
        review_date=datetime(2025, 6, day, 12, tzinfo=UTC),
        # None: no opinions row (not analysed); [] analysed, no opinion found.
        opinions=(opinions or []) if analysed else None,
    )


def test_day_buckets_count_reviews_average_positions_and_count_aspects_once_a_review() -> None:
    reviews = [
        _review(2, 5.0, [["staff", "positive", 0.5, "text", 0]]),
        _review(2, 1.0, [["staff", "negative", -0.5, "text", 0]]),
        _review(
            3, 3.0, [["wifi", "negative", -0.3, "text", 0], ["wifi", "negative", -1, "text", 1]]
        ),
    ]

    buckets = day_buckets(reviews=reviews, as_of=date(2025, 6, 3))

    assert [(b.day.day, b.reviews, b.mean_rating) for b in buckets] == [(2, 2, 0.5), (3, 1, 0.5)]
    assert buckets[0].aspect_positive == {"staff": 1}
    assert buckets[0].aspect_negative == {"staff": 1}
    assert buckets[1].aspect_negative == {"wifi": 1}


def test_day_buckets_leave_out_days_after_as_of_and_before_the_window() -> None:
    reviews = [_review(2, 5.0), _review(20, 1.0)]

    assert [b.day for b in day_buckets(reviews=reviews, as_of=date(2025, 6, 10))] == [
        date(2025, 6, 2)
    ]
    assert day_buckets(reviews=reviews, as_of=date(2026, 6, 10)) == []


def test_day_buckets_leave_out_a_review_not_analysed_yet() -> None:
    # Committed after the step's analysis read its hotel: not in the state either, until a
    # step analyses it (then it joins both).
    reviews = [_review(2, 5.0), _review(3, 1.0, analysed=False)]

    assert [b.day.day for b in day_buckets(reviews=reviews, as_of=date(2025, 6, 3))] == [2]
