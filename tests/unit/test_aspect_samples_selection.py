"""Which sentences speak for an aspect (intelligence.samples.selection): written sentences
before field parts, the strongest first, distinct reviews first, the same words once, long
sentences shortened — over rows shaped as the repository reads them."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

from hotelreviews.intelligence.aspects import analyze_review
from hotelreviews.intelligence.samples.selection import MAX_SENTENCE_CHARS, aspect_samples


def _row(review_id: int, *, text: str | None = None, positives: str | None = None) -> Any:
    found = analyze_review(
        title=None, text=text, positives=positives, negatives=None, language="en",
        rating_normalized=8.0,
    )  # fmt: skip
    return SimpleNamespace(
        review_id=review_id,
        language=found.language,
        opinions=[[o.aspect, o.polarity, o.score, o.source, o.sentence] for o in found.opinions],
        title=None,
        text=text,
        positives=positives,
        negatives=None,
        review_date=datetime(2025, 3, review_id, tzinfo=UTC),
        provider="Agoda",
    )


def _said(rows: list[Any], per_aspect: int = 2) -> list[tuple[int, str]]:
    staff = aspect_samples(rows, aspects=("staff",), per_aspect=per_aspect)["staff"]
    return [(s["review_id"], s["sentence"]) for s in staff["positive"]]


def test_a_written_sentence_comes_before_a_field_part_however_strong() -> None:
    rows = [_row(1, positives="Staff"), _row(2, text="The room was small. The staff were nice.")]
    assert _said(rows, per_aspect=1) == [(2, "The staff were nice.")]
    assert _said(rows) == [(2, "The staff were nice."), (1, "Staff")]


def test_the_strongest_first_and_one_per_review_while_there_are_enough() -> None:
    rows = [
        _row(1, text="The staff were nice. The staff were wonderful and amazing!"),
        _row(2, text="The staff were very helpful."),
    ]
    said = _said(rows)
    assert said[0] == (1, "The staff were wonderful and amazing!")
    assert said[1][0] == 2
    assert [r for r, _ in _said(rows, per_aspect=3)] == [1, 2, 1]


def test_the_same_words_are_shown_once_and_a_long_sentence_is_shortened() -> None:
    long = "The staff were lovely " + "and very kind " * 40 + "to us."
    rows = [_row(1, text="Great staff."), _row(2, text="Great staff!"), _row(3, text=long)]
    said = _said(rows, per_aspect=5)
    assert [r for r, _ in said].count(1) + [r for r, _ in said].count(2) == 1
    shortened = next(sentence for review, sentence in said if review == 3)
    assert shortened.endswith("…") and len(shortened) <= MAX_SENTENCE_CHARS + 1
    assert long.startswith(shortened[:-1])


def test_every_asked_aspect_is_present_even_with_nothing_said() -> None:
    samples = aspect_samples([_row(1, text="Nice.")], aspects=("wifi", "noise"), per_aspect=2)
    assert samples == {a: {"positive": [], "negative": []} for a in ("wifi", "noise")}


def test_a_sentence_not_naming_its_aspect_is_not_shown() -> None:
    # As after a change of the rules: the stored number now points at another sentence.
    stale = _row(1, text="The room was small. The staff were nice.")
    stale.opinions = [["staff", "positive", 0.8, "text", 0]]
    assert _said([stale, _row(2, text="Friendly staff.")]) == [(2, "Friendly staff.")]
