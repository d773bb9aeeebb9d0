"""What a review is to the near-identical reviews found for it: the one set of rules.

Shared by the in-memory `DuplicateIndex` (benchmarks, tests) and the runner's stored index
(intelligence.runner.duplicates), so both judge a review the same way once they have found
the same matches: a cross-post (one stay on two providers: recognised as one review), a
near-duplicate (the same text at another hotel, or from another reviewer), and part of a
suspicious burst (several near-identical reviews for one hotel within days).
"""

from __future__ import annotations

from collections.abc import Iterable

from datasketch import LeanMinHash  # type: ignore[import-untyped]

from hotelreviews.intelligence.duplicates.review import ReviewForDedup, Verdict
from hotelreviews.intelligence.duplicates.stays import same_stay

Match = tuple[ReviewForDedup, float]


def confirmed(
    minhash: LeanMinHash,
    candidates: Iterable[tuple[ReviewForDedup, LeanMinHash]],
    *,
    threshold: float,
) -> list[Match]:
    """The candidates whose estimated similarity clears the threshold, most similar first (LSH
    banding lets some pairs below it through)."""
    found = []
    for review, signature in candidates:
        similarity = float(minhash.jaccard(signature))
        if similarity >= threshold:
            found.append((review, similarity))
    return sorted(found, key=lambda pair: (-pair[1], pair[0].review_id))


def classify(
    *,
    review: ReviewForDedup,
    matches: list[Match],
    burst_window_days: int,
    burst_min_size: int,
) -> tuple[Verdict, ...]:
    """The verdicts on `review` given its confirmed matches (most similar first)."""
    cross = [(other, s) for other, s in matches if same_stay(review, other)]
    copies = [(other, s) for other, s in matches if not same_stay(review, other)]
    verdicts = []
    if cross:
        providers = ", ".join(sorted({other.provider for other, _ in cross}))
        verdicts.append(
            Verdict(
                kind="cross_post",
                review_id=review.review_id,
                matches=tuple(other.review_id for other, _ in cross),
                similarity=round(cross[0][1], 3),
                message=f"The same stay as posted on {providers}: count it once.",
            )
        )
    if copies:
        hotels = len({other.hotel_id for other, _ in copies} - {review.hotel_id})
        where = f" at {hotels} other hotel{'s' if hotels > 1 else ''}" if hotels else ""
        verdicts.append(
            Verdict(
                kind="near_duplicate",
                review_id=review.review_id,
                matches=tuple(other.review_id for other, _ in copies),
                similarity=round(copies[0][1], 3),
                message=(
                    f"Near-identical to {len(copies)} review{'s' if len(copies) > 1 else ''} "
                    f"by other reviewers{where}: check before it counts."
                ),
            )
        )
    burst = [
        (other, s)
        for other, s in copies
        if other.hotel_id == review.hotel_id
        and abs((other.review_date - review.review_date).days) <= burst_window_days
    ]
    if len(burst) + 1 >= burst_min_size:
        verdicts.append(
            Verdict(
                kind="suspicious_burst",
                review_id=review.review_id,
                matches=tuple(other.review_id for other, _ in burst),
                similarity=round(min(s for _, s in burst), 3),
                message=(
                    f"{len(burst) + 1} near-identical reviews for this hotel within "
                    f"{burst_window_days} days: possibly coordinated; "
                    "hold them for moderation."
                ),
            )
        )
    return tuple(verdicts)
