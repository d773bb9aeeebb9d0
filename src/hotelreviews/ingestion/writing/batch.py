"""Deciding what a batch of parsed lines does to the store, before any row is written.

Lines are judged in file order, so each valid line is counted as new, updated or unchanged
exactly as if it were processed alone: the counts do not depend on where batches split.
Only the last version of each review in the batch is written.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from hotelreviews.ingestion.shapes.records import NormalizedReview, Rejection
from hotelreviews.ingestion.writing.summaries import Contribution, SummaryDelta

ReviewKey = tuple[int, str]  # (providers.id, provider review id)


@dataclass(frozen=True, slots=True)
class StoredReview:
    """What the store holds for a review before the batch: its hash and summary contribution."""

    content_hash: str
    contribution: Contribution


@dataclass(slots=True)
class LineCounts:
    """Outcome of every line read; persisted with the file's progress."""

    lines_done: int = 0
    blank: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejected_by_reason: Counter[str] = field(default_factory=Counter)

    def add(self, other: LineCounts) -> None:
        self.lines_done = max(self.lines_done, other.lines_done)
        self.blank += other.blank
        self.new += other.new
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected
        self.rejected_by_reason.update(other.rejected_by_reason)

    @property
    def reviews(self) -> int:
        return self.new + self.updated + self.unchanged


@dataclass(slots=True)
class ParsedBatch:
    """Consecutive lines of one file, parsed; `last_line` is the progress mark to commit."""

    last_line: int
    reviews: list[tuple[int, NormalizedReview]] = field(default_factory=list)
    rejections: list[tuple[int, Rejection, bytes]] = field(default_factory=list)
    blank: int = 0
    bytes_read: int = 0  # of the source (as stored) when its last line had been read


def latest_versions(
    reviews: list[tuple[ReviewKey, NormalizedReview]],
) -> dict[ReviewKey, NormalizedReview]:
    """The version of each review to store: the one on the latest line."""
    return {key: review for key, review in reviews}


def judge(
    reviews: list[tuple[ReviewKey, NormalizedReview]],
    stored: dict[ReviewKey, StoredReview],
    contributions: dict[ReviewKey, Contribution],
) -> tuple[LineCounts, SummaryDelta]:
    """Count each line's outcome in order, and the batch's net effect on hotel summaries.

    `contributions` holds the summary contribution of each review's latest version.
    """
    counts = LineCounts()
    seen: dict[ReviewKey, str] = {key: review.content_hash for key, review in stored.items()}
    for key, review in reviews:
        previous = seen.get(key)
        if previous is None:
            counts.new += 1
        elif previous == review.content_hash:
            counts.unchanged += 1
        else:
            counts.updated += 1
        seen[key] = review.content_hash

    delta = SummaryDelta()
    for key, contribution in contributions.items():
        before = stored.get(key)
        if before is None:
            delta.add(contribution)
        elif before.content_hash != seen[key]:
            delta.replace(before.contribution, contribution)
    return counts, delta
