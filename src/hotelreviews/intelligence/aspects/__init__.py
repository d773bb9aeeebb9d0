"""Aspects and their sentiment per review sentence (issue 16, item 1): docs/intelligence/aspects.md.

Rules, not a trained model: cue words per aspect and language, VADER's lexicon for English
polarity and small hand-written lexicons for German, French and Spanish, clause splitting at
contrast markers, negation. Fast enough to run on every review at ingestion; offline.
"""

from hotelreviews.intelligence.aspects.analyze import (
    analyze_review,
    analyze_sentence,
    review_sentences,
)
from hotelreviews.intelligence.aspects.language import detect_language
from hotelreviews.intelligence.aspects.records import (
    ASPECTS,
    AspectOpinion,
    Polarity,
    ReviewAspects,
    Source,
)

__all__ = [
    "ASPECTS",
    "AspectOpinion",
    "Polarity",
    "ReviewAspects",
    "Source",
    "analyze_review",
    "analyze_sentence",
    "detect_language",
    "review_sentences",
]
