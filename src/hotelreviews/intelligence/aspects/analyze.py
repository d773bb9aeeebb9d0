"""analyze_sentence and analyze_review: text, the providers' positives/negatives, the rating.

Decision: the providers' own signals outrank the text model. An aspect named in a Booking-style
`positives` field is positive whatever the wording, in `negatives` negative. For languages the
rules do not cover, the text's cues (looked up in all four languages' tables: "wifi", "staff",
"restaurant" travel) take the review's rating as their polarity, and say so (source "rating").
Sentences are numbered: the text's from 0, then the title, then each positives/negatives part.
"""

from __future__ import annotations

import re
from math import sqrt

from hotelreviews.intelligence.aspects import cues_de, cues_en, cues_es, cues_fr
from hotelreviews.intelligence.aspects.clauses import _idiom_pattern, cue_aspects, sentence_scores
from hotelreviews.intelligence.aspects.language import detect_language, normalize_language
from hotelreviews.intelligence.aspects.records import AspectOpinion, ReviewAspects, Source
from hotelreviews.intelligence.aspects.tables import TABLES, compile_tables
from hotelreviews.intelligence.aspects.words import LanguageWords

_IDIOMS = {language: _idiom_pattern(tables) for language, tables in TABLES.items()}
_SENTENCE_END = re.compile(r"(?<=[.!?\u2026\u3002\uff01\uff1f])\s*|\n+")
_FIELD_PARTS = re.compile(r"[\n,;.!?\u3002\u3001\uff0c]+")
_POSITIVE_RATING = 7.0  # on the 10-point scale; the cut the keyword baseline also uses
_NEGATIVE_RATING = 5.0  # below this negative; in between, the rating says nothing per aspect
_NORMALIZE = 4.0  # score = s / sqrt(s^2 + 4): a single "great" (VADER 3.1) maps to 0.84


def _union_words() -> LanguageWords:
    merged: dict[str, tuple[str, ...]] = {}
    for module in (cues_en, cues_de, cues_fr, cues_es):
        for aspect, cues in module.WORDS.cues.items():
            merged[aspect] = merged.get(aspect, ()) + cues
    return LanguageWords(
        cues=merged,
        valences={},
        negations=frozenset(),
        contrast=frozenset(),
        subordinators=frozenset(),
        contrast_kept=frozenset(),
        too_words=frozenset(),
        too_targets=frozenset(),
        idioms=(),
    )


_ANY_LANGUAGE = compile_tables(_union_words(), language="xx", base={})


def _score(total: float) -> float:
    return round(total / sqrt(total * total + _NORMALIZE), 3)


def _opinions(scores: dict[str, float], *, sentence: int, source: Source) -> list[AspectOpinion]:
    return [
        AspectOpinion(
            aspect=aspect,
            polarity="positive" if total > 0 else "negative",
            score=_score(total),
            source=source,
            sentence=sentence,
        )
        for aspect, total in scores.items()
    ]


def analyze_sentence(*, text: str, language: str) -> tuple[AspectOpinion, ...]:
    """Aspect opinions in one sentence of a covered language (en, de, fr, es); () otherwise."""
    code = normalize_language(language)
    tables = TABLES.get(code) if code else None
    if tables is None:
        return ()
    scores = sentence_scores(text, tables=tables, idioms=_IDIOMS[code])  # type: ignore[index]
    return tuple(_opinions(scores, sentence=0, source="text"))


def split_sentences(text: str) -> list[str]:
    """The text's sentences (punctuation kept), empty pieces dropped."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def _field_opinions(
    field: str, *, positive: bool, first: int, language: str | None
) -> list[AspectOpinion]:
    tables = TABLES.get(language or "", _ANY_LANGUAGE)
    source: Source = "positives" if positive else "negatives"
    out: list[AspectOpinion] = []
    number = first
    for part in _FIELD_PARTS.split(field):
        aspects = cue_aspects(part, tables=tables)
        if not aspects and tables is not _ANY_LANGUAGE:
            aspects = cue_aspects(part, tables=_ANY_LANGUAGE)  # "wifi", "staff" in any language
        for aspect in aspects:
            out.append(
                AspectOpinion(
                    aspect=aspect,
                    polarity="positive" if positive else "negative",
                    score=1.0 if positive else -1.0,
                    source=source,
                    sentence=number,
                )
            )
        number += bool(aspects)
    return out


def _rating_opinions(sentences: list[str], *, rating: float | None) -> list[AspectOpinion]:
    if rating is None or _NEGATIVE_RATING <= rating < _POSITIVE_RATING:
        return []
    positive = rating >= _POSITIVE_RATING
    score = round(max(-1.0, min(1.0, (rating - 6.0) / 4.0)), 3)
    return [
        AspectOpinion(
            aspect=aspect,
            polarity="positive" if positive else "negative",
            score=score,
            source="rating",
            sentence=number,
        )
        for number, sentence in enumerate(sentences)
        for aspect in cue_aspects(sentence, tables=_ANY_LANGUAGE)
    ]


def analyze_review(
    *,
    title: str | None,
    text: str | None,
    positives: str | None,
    negatives: str | None,
    language: str | None,
    rating_normalized: float | None,
) -> ReviewAspects:
    """All aspect opinions of a review: one per (aspect, sentence); the caller aggregates."""
    code = normalize_language(language)
    if code is None:
        sample = text or positives or negatives or title or ""
        code = detect_language(sample) if sample else None
    sentences = split_sentences(text) if text else []
    if title and title.strip():
        sentences.append(title)
    opinions: list[AspectOpinion] = []
    tables = TABLES.get(code) if code else None
    if tables is not None:
        idioms = _IDIOMS[code]  # type: ignore[index]
        for number, sentence in enumerate(sentences):
            scores = sentence_scores(sentence, tables=tables, idioms=idioms)
            if scores:
                opinions.extend(_opinions(scores, sentence=number, source="text"))
    else:
        opinions.extend(_rating_opinions(sentences, rating=rating_normalized))
    number = len(sentences)
    for field, positive in ((positives, True), (negatives, False)):
        if field and field.strip():
            found = _field_opinions(field, positive=positive, first=number, language=code)
            opinions.extend(found)
            number = max([number] + [o.sentence + 1 for o in found])
    return ReviewAspects(language=code, opinions=tuple(opinions))
