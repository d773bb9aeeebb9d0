"""Which sentences speak for an aspect: from a hotel's newest analysed reviews, per aspect and
polarity, the strongest, each from a different review where there are enough.

Decisions, and why:
- A sentence of the text or the title comes before a part of a positives/negatives field:
  those parts are mostly the aspect's name again ("Location", "Staff"), which tells a reader
  nothing the score does not; they are shown only when written sentences run short.
- Then the strongest |score| first, then the newest: a sample should be a clear opinion.
- The same words twice ("Great location." in two reviews) are shown once.
- A sentence must name its aspect (one of its cue words): an opinion stored by an older
  version of the rules may number its sentences otherwise, and a wrong quote is worse than none.
- Only the sentences chosen are cut out of their reviews (aspects.review_sentences), so a
  request analyses a handful of texts, not the 300 it reads.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Row

from hotelreviews.intelligence.aspects import review_sentences
from hotelreviews.intelligence.aspects.analyze import keyword_aspects

POLARITIES = ("positive", "negative")
FIELD_SOURCES = frozenset({"positives", "negatives"})
MAX_SENTENCE_CHARS = 300  # a review without full stops is one long "sentence": show its start


@dataclass(slots=True)
class _Review:
    """One read row, its sentences cut out on first use."""

    row: Row[Any]
    _sentences: list[str] | None = field(default=None)

    def sentence(self, number: int) -> str:
        if self._sentences is None:
            row = self.row
            self._sentences = review_sentences(
                title=row.title,
                text=row.text,
                positives=row.positives,
                negatives=row.negatives,
                language=row.language,
            )
        return self._sentences[number] if number < len(self._sentences) else ""


def _shortened(sentence: str) -> str:
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return sentence
    cut = sentence[:MAX_SENTENCE_CHARS].rsplit(" ", 1)[0]
    return f"{cut}…"


def _sample(review: _Review, opinion: Sequence[Any], sentence: str) -> dict[str, Any]:
    _, polarity, score, source, _ = opinion
    return {
        "review_id": review.row.review_id,
        "review_date": review.row.review_date,
        "provider": review.row.provider,
        "polarity": polarity,
        "score": score,
        "source": source,
        "sentence": _shortened(sentence),
    }


def _chosen(
    candidates: list[tuple[tuple[bool, float, int], _Review, Sequence[Any]]], *, per_aspect: int
) -> list[dict[str, Any]]:
    """Up to `per_aspect` samples: distinct reviews first, then any, never the same words."""
    candidates.sort(key=lambda candidate: candidate[0])
    chosen: list[dict[str, Any]] = []
    seen_words: set[str] = set()
    used_reviews: set[int] = set()
    for distinct_reviews in (True, False):
        for _, review, opinion in candidates:
            if len(chosen) == per_aspect:
                return chosen
            review_id = review.row.review_id
            if distinct_reviews and review_id in used_reviews:
                continue
            sentence = review.sentence(opinion[4])
            words = sentence.casefold().strip(" .!?…")
            if not words or words in seen_words:
                continue
            if opinion[0] not in keyword_aspects(sentence, language=review.row.language):
                continue
            seen_words.add(words)
            used_reviews.add(review_id)
            chosen.append(_sample(review, opinion, sentence))
    return chosen


def aspect_samples(
    rows: Iterable[Row[Any]], *, aspects: Sequence[str], per_aspect: int
) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per aspect of `aspects`, up to `per_aspect` positive and negative samples from `rows`
    (recent_analysed_reviews: newest first)."""
    wanted = set(aspects)
    candidates: dict[tuple[str, str], list[Any]] = {}
    for newness, row in enumerate(rows):
        review = _Review(row)
        for opinion in row.opinions:
            aspect, polarity, score, source, _ = opinion
            if aspect in wanted:
                rank = (source in FIELD_SOURCES, -abs(score), newness)
                candidates.setdefault((aspect, polarity), []).append((rank, review, opinion))
    return {
        aspect: {
            polarity: _chosen(candidates.get((aspect, polarity), []), per_aspect=per_aspect)
            for polarity in POLARITIES
        }
        for aspect in aspects
    }
