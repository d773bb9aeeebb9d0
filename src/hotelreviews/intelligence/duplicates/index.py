"""An incremental near-duplicate index: MinHash LSH candidates, confirmed, then classified.

`add` answers, for each new review, what it is to the reviews already seen: a cross-post (one
stay on two providers: recognised as one review), a near-duplicate (the same text at another
hotel, or from another reviewer), or part of a suspicious burst (several near-identical reviews
for one hotel within days). LSH (datasketch MinHashLSH) only proposes candidates; each is
confirmed on the signatures' estimated Jaccard similarity, since LSH banding lets some pairs
below the threshold through; the rules that classify the matches live in `classify`, shared
with the runner's stored index. Verdicts are flags: nothing is removed, and a review can be
re-added (after an edit) under the same id. The index keeps only facts and signatures, never
texts, so it is rebuilt from stored signatures with `restore`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from datasketch import LeanMinHash, MinHashLSH  # type: ignore[import-untyped]

from hotelreviews.intelligence.duplicates.classify import Match, classify, confirmed
from hotelreviews.intelligence.duplicates.review import ReviewForDedup, Verdict
from hotelreviews.intelligence.duplicates.signature import (
    SignatureSettings,
    minhash_of,
    signature_from_bytes,
    signature_to_bytes,
)


@dataclass(frozen=True, slots=True)
class IndexSettings:
    """Similarity threshold and burst rule of a `DuplicateIndex`."""

    signature: SignatureSettings = SignatureSettings()
    threshold: float = 0.5
    burst_window_days: int = 7
    burst_min_size: int = 3


class DuplicateIndex:
    """Reviews' signatures, queried and extended one review at a time."""

    def __init__(self, *, settings: IndexSettings = IndexSettings()) -> None:
        self.settings = settings
        self._lsh = MinHashLSH(threshold=settings.threshold, num_perm=settings.signature.num_perm)
        self._facts: dict[str, ReviewForDedup] = {}
        self._signatures: dict[str, LeanMinHash] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def signature(self, review_id: str) -> bytes | None:
        """The stored form of a review's signature (None for a text too short to judge)."""
        found = self._signatures.get(review_id)
        return None if found is None else signature_to_bytes(found)

    def restore(self, *, review: ReviewForDedup, signature: bytes) -> None:
        """Put back a review from its stored signature, without verdicts (its text is unused)."""
        self._insert(replace(review, text=""), signature_from_bytes(signature))

    def add(self, review: ReviewForDedup) -> tuple[Verdict, ...]:
        """Index a review and say what it is to the reviews already indexed."""
        self._discard(review.review_id)
        minhash = minhash_of(text=review.text, settings=self.settings.signature)
        if minhash is None:
            return ()
        matches = self._matches(minhash)
        self._insert(replace(review, text=""), minhash)
        return self._verdicts(review=review, matches=matches)

    def _insert(self, review: ReviewForDedup, minhash: LeanMinHash) -> None:
        self._discard(review.review_id)
        self._facts[review.review_id] = review
        self._signatures[review.review_id] = minhash
        self._lsh.insert(review.review_id, minhash)

    def _discard(self, review_id: str) -> None:
        if review_id in self._signatures:
            self._lsh.remove(review_id)
            del self._signatures[review_id], self._facts[review_id]

    def _matches(self, minhash: LeanMinHash) -> list[Match]:
        """Indexed reviews whose estimated similarity clears the threshold, most similar first."""
        candidates = ((self._facts[key], self._signatures[key]) for key in self._lsh.query(minhash))
        return confirmed(minhash, candidates, threshold=self.settings.threshold)

    def _verdicts(self, *, review: ReviewForDedup, matches: list[Match]) -> tuple[Verdict, ...]:
        return classify(
            review=review,
            matches=matches,
            burst_window_days=self.settings.burst_window_days,
            burst_min_size=self.settings.burst_min_size,
        )
