"""Suspicious-burst verdicts of the duplicate index, raised as hotel alerts.

The duplicate index judges one review at a time; a hotel manager needs one alert per burst, not
one per review. The alert's onset is the earliest review date of the burst, so every later
member's verdict maps to the same key and the ledger raises the burst once.
"""

from __future__ import annotations

from datetime import date

from hotelreviews.intelligence.anomalies.alerts import Alert
from hotelreviews.intelligence.duplicates import ReviewForDedup, Verdict


def suspicious_duplicates_alert(
    *, verdict: Verdict, review: ReviewForDedup, matched_dates: tuple[date, ...], detected_at: date
) -> Alert | None:
    """An alert for a `suspicious_burst` verdict on `review` (None for other verdicts)."""
    if verdict.kind != "suspicious_burst":
        return None
    onset = min((review.review_date, *matched_dates))
    size = len(verdict.matches) + 1
    return Alert(
        hotel_id=review.hotel_id,
        kind="suspicious_duplicates",
        aspect=None,
        onset=onset,
        detected_at=detected_at,
        severity=float(size),
        message=(
            f"{size} near-identical reviews posted since {onset:%-d %b} by different reviewers: "
            "possibly coordinated. They are flagged, not removed; hold them for moderation."
        ),
        evidence={
            "reviews": [review.review_id, *verdict.matches],
            "min_similarity": verdict.similarity,
        },
    )
