"""Alerts and duplicate detection scored on planted ground truth, against naive baselines.

    PYTHONPATH=src .venv/bin/python bench/intelligence_anomalies.py

Series (demo/planted/anomalies.py): clean hotels and hotels with one planted rating drop,
volume burst or aspect deterioration. Each hotel is replayed online: `detect` is called every
`--step` days from day 90 with only the data up to that day, and an `AlertLedger` drops
repeats. An alert is a true detection when it names the planted hotel, kind (and aspect) and
is raised within 70 days after the planted onset; a second alert for an already detected
problem is counted as a repeat, anything else is a false alert. Per kind: precision, recall,
delay (days from onset to first detection) and false alerts per hotel-year, on clean hotels
and on all hotels (a hotel planted with one kind is clean for the other kinds).
The baseline is a fixed-window rule per kind (last 28 days against the weeks before), run the
same way in the same run.

Reviews (demo/planted/duplicates.py): ordinary reviews, identical short texts and planted
near-copies, cross-posts and bursts, added in date order to a `DuplicateIndex` for each shingle
kind and num_perm; the baseline flags exact matches of the normalised text. The default
LSH/confirmation threshold is 0.5; word3 at 128 permutations is also run at 0.4, 0.6 and 0.7.
Per config: precision and recall of near-duplicate flags (review level) and burst flags
(precision per review, recall per planted burst), cross-posts recognised, cross-posts flagged as
fraud (goal 0), and µs per `add`.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from hotelreviews.demo.planted.anomalies import PlantedAnomaly, planted_series
from hotelreviews.demo.planted.duplicates import PlantedReview, planted_reviews
from hotelreviews.intelligence.anomalies import Alert, AlertKind, AlertLedger, HotelSeries, detect
from hotelreviews.intelligence.duplicates import DuplicateIndex, IndexSettings, SignatureSettings
from hotelreviews.intelligence.duplicates.text import words_of

KINDS = ("rating_drop", "volume_burst", "aspect_deterioration")
WARM_UP_DAYS = 90
MATCH_DAYS = 70
Detector = Callable[[HotelSeries, date], tuple[Alert, ...]]


def _baseline_alert(series: HotelSeries, as_of: date, kind: AlertKind, aspect: str | None) -> Alert:
    return Alert(series.hotel_id, kind, aspect, as_of - timedelta(days=27), as_of, 1.0, "")


def naive_detect(series: HotelSeries, as_of: date) -> tuple[Alert, ...]:
    """Fixed windows: the last 28 days against the 20 weeks before (the obvious first try)."""
    end = series.index_of(as_of) + 1
    recent, before = slice(max(0, end - 28), end), slice(max(0, end - 168), max(0, end - 28))
    found = []
    n_recent, n_before = series.counts[recent].sum(), series.counts[before].sum()
    if n_recent >= 20 and n_before >= 30:
        drop = (
            series.rating_sums[before].sum() / n_before
            - series.rating_sums[recent].sum() / n_recent
        )
        if drop >= 0.08:
            found.append(_baseline_alert(series, as_of, "rating_drop", None))
    today, trailing = series.counts[end - 1], series.counts[max(0, end - 29) : end - 1]
    if trailing.shape[0] >= 28 and today >= 10 and today > 3 * trailing.mean():
        found.append(Alert(series.hotel_id, "volume_burst", None, as_of, as_of, 1.0, ""))
    for aspect, negative in series.aspect_negative.items():
        total = negative + series.aspect_positive[aspect]
        neg_r, all_r = negative[recent].sum(), total[recent].sum()
        neg_b, all_b = negative[before].sum(), total[before].sum()
        if neg_r >= 8 and all_b >= 40 and neg_r / max(all_r, 1) >= 2 * neg_b / max(all_b, 1):
            found.append(_baseline_alert(series, as_of, "aspect_deterioration", aspect))
    return tuple(found)


def _matches(alert: Alert, planted: PlantedAnomaly | None) -> bool:
    return (
        planted is not None
        and alert.kind == planted.kind
        and alert.aspect == planted.aspect
        and 0 <= (alert.detected_at - planted.onset).days <= MATCH_DAYS
    )


def score_series(
    *, detector: Detector, step: int, clean: int, per_kind: int, seed: int
) -> dict[str, Any]:
    """Replay every planted hotel online and score the alerts per kind."""
    world = planted_series(seed=seed, clean=clean, per_kind=per_kind)
    truth = {anomaly.hotel_id: anomaly for anomaly in world.anomalies}
    clean_hotels = set(world.clean_hotels)
    true, false, repeats, clean_false = (
        Counter[str](),
        Counter[str](),
        Counter[str](),
        Counter[str](),
    )
    delays: dict[str, list[int]] = {kind: [] for kind in KINDS}
    for series in world.series:
        ledger, detected = AlertLedger(), False
        planted = truth.get(series.hotel_id)
        for day in range(WARM_UP_DAYS, world.days, step):
            for alert in ledger.admit(detector(series, world.start + timedelta(days=day))):
                if _matches(alert, planted) and planted is not None:
                    if detected:
                        repeats[alert.kind] += 1
                        continue
                    detected = True
                    true[alert.kind] += 1
                    delays[alert.kind].append((alert.detected_at - planted.onset).days)
                else:
                    false[alert.kind] += 1
                    clean_false[alert.kind] += series.hotel_id in clean_hotels
    years = (world.days - WARM_UP_DAYS) / 365
    result = {}
    for kind in KINDS:
        raised = true[kind] + false[kind]
        ordered = sorted(delays[kind])
        result[kind] = {
            "precision": true[kind] / raised if raised else 1.0,
            "recall": true[kind] / per_kind,
            "delay_median": statistics.median(ordered) if ordered else None,
            "delay_p90": ordered[int(0.9 * (len(ordered) - 1))] if ordered else None,
            "false_per_hotel_year_clean": clean_false[kind] / (len(clean_hotels) * years),
            "false_per_hotel_year_all": false[kind] / (len(world.series) * years),
            "repeats": repeats[kind],
        }
    return result


def _near_duplicate_truth(reviews: Sequence[PlantedReview]) -> list[bool]:
    """Whether each review (in adding order) copies one added before it, cross-posts aside."""
    seen: Counter[int] = Counter()
    truth = []
    for planted in reviews:
        truth.append(
            planted.role == "near_copy"
            or (planted.role == "burst" and seen[planted.group or 0] > 0)
        )
        if planted.role == "burst":
            seen[planted.group or 0] += 1
    return truth


def score_duplicates(
    *, reviews: Sequence[PlantedReview], flag: Callable[[PlantedReview], set[str]]
) -> dict[str, Any]:
    """Run `flag` over the reviews in order and score its flags."""
    truth = _near_duplicate_truth(reviews)
    tally: Counter[str] = Counter()
    bursts_found: set[int] = set()
    started = time.perf_counter()
    for planted, copied in zip(reviews, truth, strict=True):
        kinds = flag(planted)
        near = "near_duplicate" in kinds or "suspicious_burst" in kinds
        tally["nd_tp"] += near and copied
        tally["nd_fp"] += near and not copied
        tally["nd_fn"] += copied and not near
        if "suspicious_burst" in kinds:
            tally["burst_flags"] += 1
            if planted.role == "burst":
                tally["burst_ok"] += 1
                bursts_found.add(planted.group or 0)
        if planted.role == "cross_post":
            tally["cross_posts"] += 1
            tally["cross_recognised"] += "cross_post" in kinds
            tally["cross_as_fraud"] += near
        if planted.role == "short":
            tally["short_flagged"] += bool(kinds)
    seconds = time.perf_counter() - started
    bursts = {p.group for p in reviews if p.role == "burst"}
    return {
        "near_dup_precision": tally["nd_tp"] / max(1, tally["nd_tp"] + tally["nd_fp"]),
        "near_dup_recall": tally["nd_tp"] / max(1, tally["nd_tp"] + tally["nd_fn"]),
        "burst_precision": tally["burst_ok"] / tally["burst_flags"]
        if tally["burst_flags"]
        else 1.0,
        "burst_recall": len(bursts_found) / max(1, len(bursts)),
        "cross_posts_recognised": f"{tally['cross_recognised']}/{tally['cross_posts']}",
        "cross_posts_as_fraud": tally["cross_as_fraud"],
        "short_texts_flagged": tally["short_flagged"],
        "us_per_review": seconds / len(reviews) * 1e6,
    }


def exact_match_flagger() -> Callable[[PlantedReview], set[str]]:
    """The baseline: a review whose normalised text was seen before is a near-duplicate."""
    seen: set[str] = set()

    def flag(planted: PlantedReview) -> set[str]:
        words = words_of(planted.review.text)
        key = " ".join(words)
        found = len(words) >= 8 and key in seen
        seen.add(key)
        return {"near_duplicate"} if found else set()

    return flag


def index_flagger(settings: IndexSettings) -> Callable[[PlantedReview], set[str]]:
    """A fresh `DuplicateIndex`; a review's flags are its verdicts' kinds."""
    index = DuplicateIndex(settings=settings)
    return lambda planted: {verdict.kind for verdict in index.add(planted.review)}


def run(
    *, step: int = 2, clean: int = 60, per_kind: int = 20, seed: int = 16, review_scale: float = 1.0
) -> dict[str, Any]:
    """Every figure, as a dict (printed by `main`)."""
    series = {
        "detect": score_series(
            detector=lambda s, d: detect(series=s, as_of=d),
            step=step,
            clean=clean,
            per_kind=per_kind,
            seed=seed,
        ),
        "baseline (fixed 28-day windows)": score_series(
            detector=lambda s, d: naive_detect(s.up_to(d), d),
            step=step,
            clean=clean,
            per_kind=per_kind,
            seed=seed,
        ),
    }
    reviews = planted_reviews(
        seed=seed,
        ordinary=round(3000 * review_scale),
        short=round(400 * review_scale),
        near_copies=round(150 * review_scale),
        cross_posts=round(150 * review_scale),
        bursts=max(1, round(30 * review_scale)),
    )
    duplicates = {
        "baseline (exact normalised text)": score_duplicates(
            reviews=reviews, flag=exact_match_flagger()
        )
    }
    for shingles in ("word3", "char5"):
        for num_perm in (64, 128):
            settings = IndexSettings(
                signature=SignatureSettings(shingles=shingles, num_perm=num_perm)
            )
            duplicates[f"minhash {shingles} perm={num_perm}"] = score_duplicates(
                reviews=reviews, flag=index_flagger(settings)
            )
    for threshold in (0.4, 0.6, 0.7):
        settings = IndexSettings(threshold=threshold)
        duplicates[f"minhash word3 perm=128 threshold={threshold}"] = score_duplicates(
            reviews=reviews, flag=index_flagger(settings)
        )
    roles = Counter(p.role for p in reviews)
    return {"series": series, "duplicates": duplicates, "reviews": dict(roles)}


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}" if value < 10 else f"{value:.0f}"
    return "-" if value is None else str(value)


def _table(title: str, rows: dict[str, dict[str, Any]]) -> None:
    columns = list(next(iter(rows.values())))
    print(f"\n{title}")
    print(" | ".join(["", *columns]))
    for name, row in rows.items():
        print(" | ".join([name, *(_fmt(row[c]) for c in columns)]))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--step", type=int, default=2, help="days between online evaluations")
    parser.add_argument("--clean", type=int, default=60, help="clean hotels")
    parser.add_argument("--per-kind", type=int, default=20, help="hotels per planted kind")
    parser.add_argument("--seed", type=int, default=16, help="seed of the planted data")
    parser.add_argument("--review-scale", type=float, default=1.0, help="planted review set size")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = run(
        step=args.step,
        clean=args.clean,
        per_kind=args.per_kind,
        seed=args.seed,
        review_scale=args.review_scale,
    )
    for name, per_kind in result["series"].items():
        setup = f"seed {args.seed}, step {args.step} d, {args.clean} clean hotels"
        _table(f"series alerts: {name} ({setup}, {args.per_kind} planted per kind)", per_kind)
    print(f"\nreviews: {result['reviews']}")
    _table("duplicates", result["duplicates"])
    print(f"\n{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    raise SystemExit(main())
