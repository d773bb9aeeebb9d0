"""analyze_sentence and analyze_review: text, the providers' positives/negatives, the rating.

Decision: the providers' own signals outrank the text model. An aspect named in a Booking-style
`positives` field is positive whatever the wording, in `negatives` negative. For languages the
rules do not cover, the text's cues (looked up in all four languages' tables: "wifi", "staff",
"restaurant" travel) take the review's rating as their polarity, and say so (source "rating").
Sentences are numbered: the text's from 0, then the title, then each positives/negatives part.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from math import sqrt
from typing import Any, Literal

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


# One part of a review cut into the sentences the analysis counts, numbered in order: (name,
# each sentence as written or None when only the analysis was asked, per sentence its scores
# in a covered language or its cues' aspects). A plain tuple: built for every review analysed.
_Part = tuple[Part, list[str] | None, list[Any]]


def _analysed_text(text: str, *, tables: Tables | None) -> list[Any]:
    if tables is not None:
        return text_scores(text, tables=tables)
    return cue_parts(text, tables=_ANY_LANGUAGE, at_commas=False)


def _piece_by_piece(
    pieces: list[str], analyse: Callable[[str], list[Any]]
) -> tuple[list[str], list[Any]]:
    """Each piece's sentences (the piece as written beside each)."""
    pairs = [(piece, one) for piece in pieces for one in analyse(piece)]
    return [piece for piece, _ in pairs], [one for _, one in pairs]


def _cut_text(text: str, *, tables: Tables | None, written: bool) -> _Part:
    if not written:
        return ("text", None, _analysed_text(text, tables=tables))  # in one pass
    # Piece by piece, the same sentences: every analysis restarts at a sentence end, and a
    # piece of no words gives none.
    pieces = sentence_pieces(text, at_commas=False)
    return ("text", *_piece_by_piece(pieces, partial(_analysed_text, tables=tables)))


def _field_aspects(field: str, *, tables: Tables) -> list[list[str]]:
    return [aspects for aspects in _field_parts(field, tables=tables) if aspects]


def _cut_field(field: str, *, name: Part, tables: Tables, written: bool) -> _Part:
    # Only the parts naming an aspect are numbered.
    if not written:
        return (name, None, _field_aspects(field, tables=tables))
    pieces = sentence_pieces(field, at_commas=True)
    return (name, *_piece_by_piece(pieces, partial(_field_aspects, tables=tables)))


def _parts(
    *,
    title: str | None,
    text: str | None,
    positives: str | None,
    negatives: str | None,
    tables: Tables | None,
    written: bool,
) -> list[_Part]:
    """The review's parts in the order their sentences are numbered: the text's sentences,
    the title, each positives part naming an aspect, then each such negatives part."""
    parts: list[_Part] = []
    if text:
        parts.append(_cut_text(text, tables=tables, written=written))
    if title and title.strip():
        found = (
            _title_scores(title, tables=tables)
            if tables is not None
            else cue_aspects(title, tables=_ANY_LANGUAGE)
        )
        parts.append(("title", [title] if written else None, [found]))
    for field, name in ((positives, "positives"), (negatives, "negatives")):
        if field and field.strip():
            parts.append(
                _cut_field(field, name=name, tables=tables or _ANY_LANGUAGE, written=written)
            )
    return parts


def _resolved_language(
    language: str | None, *, title: str | None, text: str | None, fields: tuple[str | None, ...]
) -> str | None:
    code = normalize_language(language)
    if code is None:
        sample = text or fields[0] or fields[1] or title or ""
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
    code = _resolved_language(language, title=title, text=text, fields=(positives, negatives))
    tables = TABLES.get(code) if code else None
    parts = _parts(
        title=title, text=text, positives=positives, negatives=negatives, tables=tables,
        written=False,
    )  # fmt: skip
    opinions: list[AspectOpinion] = []
    number = 0
    for name, _, found in parts:
        if name == "positives" or name == "negatives":
            positive = name == "positives"
            polarity: Polarity = "positive" if positive else "negative"
            score = 1.0 if positive else -1.0
            for aspects in found:
                opinions.extend(opinion(a, polarity, score, name, number) for a in aspects)
                number += 1
        elif tables is not None:
            for scores in found:
                if scores:
                    opinions.extend(_opinions(scores, sentence=number, source="text"))
                number += 1
        else:
            for aspects in found:
                opinions.extend(_rating_opinions(aspects, number=number, rating=rating_normalized))
                number += 1
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
    code = _resolved_language(language, title=title, text=text, fields=(positives, negatives))
    parts = _parts(
        title=title, text=text, positives=positives, negatives=negatives,
        tables=TABLES.get(code) if code else None, written=True,
    )  # fmt: skip
    return [sentence for _, texts, _ in parts for sentence in texts or ()]


def keyword_aspects(text: str, *, language: str | None) -> list[str]:
    """Aspects any of whose cue words occur in `text` (no clauses, negation or sentiment)."""
    code = normalize_language(language)
    return cue_aspects(text, tables=TABLES.get(code or "", _ANY_LANGUAGE))
