"""analyze_sentence and analyze_review: text, the providers' positives/negatives, the rating.

Decision: the providers' own signals outrank the text model. An aspect named in a Booking-style
`positives` field is positive whatever the wording, in `negatives` negative. For languages the
rules do not cover, the text's cues (looked up in all four languages' tables: "wifi", "staff",
"restaurant" travel) take the review's rating as their polarity, and say so (source "rating").
Sentences are numbered: the text's from 0, then the title, then each positives/negatives part.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from math import sqrt
from typing import Any, Literal, NamedTuple

from hotelreviews.intelligence.aspects import cues_de, cues_en, cues_es, cues_fr
from hotelreviews.intelligence.aspects.clauses import (
    cue_aspects,
    cue_parts,
    sentence_pieces,
    sentence_scores,
    text_scores,
)
from hotelreviews.intelligence.aspects.language import detect_language, normalize_language
from hotelreviews.intelligence.aspects.records import (
    AspectOpinion,
    Polarity,
    ReviewAspects,
    Source,
)
from hotelreviews.intelligence.aspects.tables import TABLES, Tables, compile_tables
from hotelreviews.intelligence.aspects.words import LanguageWords

_FIELD_CACHE: dict[tuple[int, str], list[list[str]]] = {}
_TITLE_CACHE: dict[tuple[int, str], dict[str, float]] = {}
_FIELD_CACHE_LIMIT = 50_000  # entries, per cache
_FIELD_CACHE_LENGTH = 80  # characters; longer fields are free text, unlikely to repeat
_DETECTION_SAMPLE = 200  # characters: py3langid walks bytes in Python, cost grows with length
_POSITIVE_RATING = 7.0  # on the 10-point scale; the cut the keyword baseline also uses
_NEGATIVE_RATING = 5.0  # below this negative; in between, the rating says nothing per aspect
_OPINIONS: dict[tuple[str, str, float, str, int], AspectOpinion] = {}
_OPINIONS_LIMIT = 100_000
_BALANCED = 0.05  # |sum of valences| below this: no opinion
_NORMALIZE = 4.0  # score = s / sqrt(s^2 + 4): a single "great" (VADER 3.1) maps to 0.84
Part = Literal["text", "title", "positives", "negatives"]  # where in the review a sentence is


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
    return round(total / sqrt(total * total + _NORMALIZE), 2)


def opinion(
    aspect: str, polarity: Polarity, score: float, source: Source, sentence: int
) -> AspectOpinion:
    """An AspectOpinion, shared with every equal one made before (they are immutable values)."""
    # A frozen dataclass costs ~1 µs to build (object.__setattr__ per field); a review yields a
    # few and the same few recur (scores are rounded), so a dict probe replaces most builds.
    key = (aspect, polarity, score, source, sentence)
    made = _OPINIONS.get(key)
    if made is None:
        made = AspectOpinion(aspect, polarity, score, source, sentence)
        if len(_OPINIONS) < _OPINIONS_LIMIT:
            _OPINIONS[key] = made
    return made


def _opinions(scores: dict[str, float], *, sentence: int, source: Source) -> list[AspectOpinion]:
    return [
        opinion(aspect, "positive" if total > 0 else "negative", _score(total), source, sentence)
        for aspect, total in scores.items()
        if abs(total) >= _BALANCED  # praise and complaint cancelling out is no opinion
    ]


def analyze_sentence(*, text: str, language: str) -> tuple[AspectOpinion, ...]:
    """Aspect opinions in one sentence of a covered language (en, de, fr, es); () otherwise."""
    code = normalize_language(language)
    tables = TABLES.get(code) if code else None
    if tables is None:
        return ()
    scores = sentence_scores(text, tables=tables)
    return tuple(_opinions(scores, sentence=0, source="text"))


def _field_parts(field: str, *, tables: Tables) -> list[list[str]]:
    # Providers' positives/negatives fields are short and repeat across reviews ("Location",
    # "Staff, breakfast", "Nichts"), so their cue parts are remembered; bounded, never evicted.
    key = (id(tables), field)
    parts = _FIELD_CACHE.get(key)
    if parts is None:
        parts = cue_parts(field, tables=tables, at_commas=True)
        if len(_FIELD_CACHE) < _FIELD_CACHE_LIMIT and len(field) <= _FIELD_CACHE_LENGTH:
            _FIELD_CACHE[key] = parts
    return parts


def _title_scores(title: str, *, tables: Tables) -> dict[str, float]:
    # Titles are short and repeat like the fields ("Great stay", "Sehr gut", "Overpriced").
    key = (id(tables), title)
    scores = _TITLE_CACHE.get(key)
    if scores is None:
        scores = sentence_scores(title, tables=tables)
        if len(_TITLE_CACHE) < _FIELD_CACHE_LIMIT and len(title) <= _FIELD_CACHE_LENGTH:
            _TITLE_CACHE[key] = scores
    return scores


class _Sentence(NamedTuple):
    """One numbered sentence of a review (its number is its position in _sentences)."""

    part: Part
    text: str | None  # as written; None when the caller asked for the analysis only
    found: dict[str, float] | list[str]  # per-aspect scores (covered language), else cues


def _text_cuts(
    text: str, *, cut: Callable[[str], list[Any]], written: bool
) -> Iterator[tuple[str | None, Any]]:
    # The analysis reads the whole text in one pass; the written sentences cut it first and
    # analyse each piece alone: the same sentences, since every analysis restarts at an end.
    if not written:
        return ((None, found) for found in cut(text))
    return (
        (piece, found) for piece in sentence_pieces(text, at_commas=False) for found in cut(piece)
    )


def _sentences(
    *,
    title: str | None,
    text: str | None,
    positives: str | None,
    negatives: str | None,
    code: str | None,
    written: bool,
) -> Iterator[_Sentence]:
    """The review's sentences in the order they are numbered: the text's, the title, then
    each positives/negatives part naming an aspect; with `written`, each with its text."""
    tables = TABLES.get(code) if code else None
    has_title = bool(title and title.strip())
    if tables is not None:
        if text:
            scores = partial(text_scores, tables=tables)
            for piece, found in _text_cuts(text, cut=scores, written=written):
                yield _Sentence("text", piece, found)
        if title and has_title:
            yield _Sentence("title", title, _title_scores(title, tables=tables))
    else:
        if text:
            cues = partial(cue_parts, tables=_ANY_LANGUAGE, at_commas=False)
            for piece, found in _text_cuts(text, cut=cues, written=written):
                yield _Sentence("text", piece, found)
        if title and has_title:
            yield _Sentence("title", title, cue_aspects(title, tables=_ANY_LANGUAGE))
    field_tables = tables or _ANY_LANGUAGE
    for field, part in ((positives, "positives"), (negatives, "negatives")):
        if field and field.strip():
            pieces = sentence_pieces(field, at_commas=True) if written else (field,)
            for piece in pieces:
                for aspects in _field_parts(piece, tables=field_tables):
                    if aspects:
                        yield _Sentence(part, piece if written else None, aspects)


def _resolved_language(
    *,
    title: str | None,
    text: str | None,
    positives: str | None,
    negatives: str | None,
    language: str | None,
) -> str | None:
    code = normalize_language(language)
    if code is None:
        sample = text or positives or negatives or title or ""
        code = detect_language(sample[:_DETECTION_SAMPLE]) if sample else None
    return code


def _rating_opinions(
    aspects: list[str], *, number: int, rating: float | None
) -> list[AspectOpinion]:
    if rating is None or _NEGATIVE_RATING <= rating < _POSITIVE_RATING:
        return []
    polarity: Polarity = "positive" if rating >= _POSITIVE_RATING else "negative"
    score = round(max(-1.0, min(1.0, (rating - 6.0) / 4.0)), 3)
    return [opinion(aspect, polarity, score, "rating", number) for aspect in aspects]


def _sentence_opinions(
    sentence: _Sentence, *, number: int, rating: float | None
) -> list[AspectOpinion]:
    found = sentence.found
    if sentence.part in ("positives", "negatives"):
        positive = sentence.part == "positives"
        polarity: Polarity = "positive" if positive else "negative"
        source: Source = "positives" if positive else "negatives"
        return [opinion(a, polarity, 1.0 if positive else -1.0, source, number) for a in found]
    if isinstance(found, dict):
        return _opinions(found, sentence=number, source="text")
    return _rating_opinions(found, number=number, rating=rating)


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
    fields = {"title": title, "text": text, "positives": positives, "negatives": negatives}
    code = _resolved_language(**fields, language=language)
    opinions: list[AspectOpinion] = []
    for number, sentence in enumerate(_sentences(**fields, code=code, written=False)):
        opinions.extend(_sentence_opinions(sentence, number=number, rating=rating_normalized))
    return ReviewAspects(language=code, opinions=tuple(opinions))


def review_sentences(
    *,
    title: str | None,
    text: str | None,
    positives: str | None,
    negatives: str | None,
    language: str | None,
) -> list[str]:
    """The review's sentences as written, numbered as analyze_review numbers them: opinion
    `sentence` N was found in item N. `language` as stored with the opinions (given or
    detected), so both take the same path."""
    fields = {"title": title, "text": text, "positives": positives, "negatives": negatives}
    code = _resolved_language(**fields, language=language)
    return [s.text or "" for s in _sentences(**fields, code=code, written=True)]


def keyword_aspects(text: str, *, language: str | None) -> list[str]:
    """Aspects any of whose cue words occur in `text` (no clauses, negation or sentiment)."""
    code = normalize_language(language)
    return cue_aspects(text, tables=TABLES.get(code or "", _ANY_LANGUAGE))
