"""Series detectors: planted problems found, clean series silent, only the past used online."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from hotelreviews.demo.planted.anomalies import planted_series
from hotelreviews.intelligence.anomalies import (
    Alert,
    AlertLedger,
    DayBucket,
    HotelSeries,
    detect,
    series_from_days,
)
from hotelreviews.intelligence.anomalies.rates import rise_p_value

START = date(2025, 1, 6)  # a Monday
DAYS = 280


def _steady_hotel(
    *, seed: int = 1, per_day: float = 6.0, rating: float = 0.8, negative_share: float = 0.1
) -> HotelSeries:
    """A clean hotel: Poisson counts, noisy daily means, cleanliness opinions at a steady share."""
    rng = np.random.default_rng(seed)
    counts = rng.poisson(per_day, DAYS).astype(float)
    means = np.clip(rng.normal(rating, 0.22 / np.sqrt(np.maximum(counts, 1))), 0, 1)
    opinions = rng.poisson(counts * 0.3)
    negative = rng.binomial(opinions, negative_share).astype(float)
    return HotelSeries(
        "h1", START, counts, counts * means, {"cleanliness": opinions - negative},
        {"cleanliness": negative},
    )  # fmt: skip


def _replay(series: HotelSeries, *, first_day: int = 90) -> list[Alert]:
    """Alerts an online run raises day by day, repeats dropped."""
    ledger = AlertLedger()
    alerts: list[Alert] = []
    for day in range(first_day, series.days):
        alerts += ledger.admit(detect(series=series, as_of=START + timedelta(days=day)))
    return alerts


def test_a_steady_hotel_raises_no_alert_in_six_months_of_daily_checks() -> None:
    assert _replay(_steady_hotel()) == []


def test_clean_planted_hotels_stay_silent() -> None:
    world = planted_series(seed=3, clean=4, per_kind=0)
    for series in world.series:
        assert _replay(series) == [], series.hotel_id


def test_a_rating_drop_is_found_soon_after_its_onset() -> None:
    hotel = _steady_hotel()
    onset = 200
    sums = hotel.rating_sums.copy()
    sums[onset:] -= 0.2 * hotel.counts[onset:]
    alerts = _replay(replace(hotel, rating_sums=sums))
    assert [a.kind for a in alerts] == ["rating_drop"]
    drop = alerts[0]
    assert abs((drop.onset - (START + timedelta(days=onset))).days) <= 7
    assert 0 <= (drop.detected_at - (START + timedelta(days=onset))).days <= 28
    assert drop.evidence["mean_before"] - drop.evidence["mean_after"] > 0.12
    assert "fell from" in drop.message


def test_a_burst_of_one_star_reviews_is_a_volume_burst_noted_as_possible_bombing() -> None:
    hotel = _steady_hotel()
    counts, sums = hotel.counts.copy(), hotel.rating_sums.copy()
    counts[220] += 40
    sums[220] += 40 * 0.05
    alerts = _replay(replace(hotel, counts=counts, rating_sums=sums))
    assert [a.kind for a in alerts] == ["volume_burst"]
    assert alerts[0].onset == START + timedelta(days=220)
    assert alerts[0].detected_at == alerts[0].onset
    assert alerts[0].evidence["ratings"] == "very low"
    assert "review bombing" in alerts[0].message


def test_a_busy_weekend_is_not_a_burst() -> None:
    hotel = _steady_hotel()
    counts = hotel.counts.copy()
    counts[220:222] *= 1.6
    assert _replay(replace(hotel, counts=counts, rating_sums=hotel.rating_sums * 1.0)) == []


def test_cleanliness_complaints_tripling_is_an_aspect_deterioration_with_the_counts_in_words() -> (
    None
):
    hotel = _steady_hotel(per_day=8.0)
    rng = np.random.default_rng(5)
    opinions = hotel.aspect_negative["cleanliness"] + hotel.aspect_positive["cleanliness"]
    negative = hotel.aspect_negative["cleanliness"].copy()
    negative[210:] = rng.binomial(opinions[210:].astype(int), 0.35)
    worse = replace(
        hotel,
        aspect_negative={"cleanliness": negative},
        aspect_positive={"cleanliness": opinions - negative},
    )
    alerts = _replay(worse)
    assert [(a.kind, a.aspect) for a in alerts] == [("aspect_deterioration", "cleanliness")]
    alert = alerts[0]
    assert abs((alert.onset - (START + timedelta(days=210))).days) <= 7
    assert alert.message.startswith("Cleanliness complaints")
    after, total = alert.evidence["negative_after"], alert.evidence["opinions_after"]
    assert f"{after} of {total} opinions negative since" in alert.message


def test_detect_ignores_everything_after_as_of() -> None:
    hotel = _steady_hotel()
    as_of = START + timedelta(days=200)
    future = hotel.counts.copy()
    future[201:] += 100  # a huge burst tomorrow, and a rating collapse
    changed = replace(hotel, counts=future, rating_sums=hotel.rating_sums * 0 + future * 0.0)
    changed.rating_sums[:201] = hotel.rating_sums[:201]
    assert detect(series=changed, as_of=as_of) == detect(series=hotel, as_of=as_of) == ()


def test_an_ongoing_drop_keeps_one_key_across_days_and_the_ledger_raises_it_once() -> None:
    hotel = _steady_hotel()
    sums = hotel.rating_sums.copy()
    sums[200:] -= 0.25 * hotel.counts[200:]
    dropped = replace(hotel, rating_sums=sums)
    daily = [detect(series=dropped, as_of=START + timedelta(days=d)) for d in range(205, 240)]
    keys = {alert.key for alerts in daily for alert in alerts}
    assert len(keys) == 1
    assert next(iter(keys))[1:3] == ("rating_drop", "")
    assert len(_replay(dropped)) == 1


def test_the_alert_key_is_hotel_kind_aspect_and_iso_onset_week() -> None:
    alert = Alert(
        "h9", "aspect_deterioration", "wifi", date(2025, 11, 5), date(2025, 12, 1), 2.0, ""
    )
    assert alert.key == ("h9", "aspect_deterioration", "wifi", "2025-W45")
    assert replace(alert, onset=date(2025, 11, 9)).key == alert.key


def test_the_ledger_admits_a_new_problem_long_after_the_last_one_was_seen() -> None:
    ledger = AlertLedger(tolerance_days=28)
    first = Alert("h", "rating_drop", None, date(2025, 3, 3), date(2025, 3, 10), 0.1, "")
    assert ledger.admit([first]) == (first,)
    assert (
        ledger.admit([replace(first, onset=date(2025, 3, 17), detected_at=date(2025, 4, 1))]) == ()
    )
    later = replace(first, onset=date(2025, 9, 1), detected_at=date(2025, 9, 8))
    assert ledger.admit([later]) == (later,)
    other_aspect = replace(first, kind="aspect_deterioration", aspect="noise")
    assert ledger.admit([other_aspect]) == (other_aspect,)


def test_day_buckets_become_dense_arrays_with_empty_days_as_zero() -> None:
    series = series_from_days(
        hotel_id="h",
        days=[
            DayBucket(date(2025, 1, 3), 2, 0.5, {"room": 1}, {"room": 1}),
            DayBucket(date(2025, 1, 1), 4, 1.0, {}, {"noise": 2}),
        ],
    )
    assert series.start == date(2025, 1, 1)
    assert series.counts.tolist() == [4, 0, 2]
    assert series.rating_sums.tolist() == [4.0, 0.0, 1.0]
    assert series.aspect_negative["noise"].tolist() == [2, 0, 0]
    assert series.aspect_positive["noise"].tolist() == [0, 0, 0]
    assert series.up_to(date(2025, 1, 2)).counts.tolist() == [4, 0]


@given(
    before=st.tuples(st.integers(0, 60), st.integers(1, 60)),
    after=st.tuples(st.integers(0, 40), st.integers(1, 40)),
)
def test_one_more_complaint_after_the_onset_never_weakens_the_evidence(
    before: tuple[int, int], after: tuple[int, int]
) -> None:
    b = (min(before), max(before))
    k, n = min(after), max(after)
    p = rise_p_value(before=b, after=(k, n))
    assert 0.0 <= p <= 1.0
    if k < n:
        assert rise_p_value(before=b, after=(k + 1, n)) <= p + 1e-12


def test_the_fisher_p_value_matches_a_hand_computed_table() -> None:
    # 2 of 2 negative after, 0 of 2 before: P = C(2,2)C(2,0)/C(4,2) = 1/6.
    assert abs(rise_p_value(before=(0, 2), after=(2, 2)) - 1 / 6) < 1e-12


def test_an_aspect_with_only_complaints_recorded_is_still_judged() -> None:
    hotel = _steady_hotel(per_day=8.0)
    complaints = np.zeros(DAYS)
    complaints[250:] = 3.0
    only_negative = replace(hotel, aspect_positive={}, aspect_negative={"noise": complaints})
    alerts = detect(series=only_negative, as_of=START + timedelta(days=DAYS - 1))
    assert alerts == ()  # no baseline opinions to compare against (and no KeyError)
