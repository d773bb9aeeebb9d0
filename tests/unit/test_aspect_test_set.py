"""Guards the held-out aspect-sentiment test set (tests/data/aspects/test.ndjson).

These tests check the data's shape and the minimum coverage promised in
tests/data/aspects/README.md; they evaluate no detector. A broken line or a set that has
quietly shrunk below its promised counts would make every figure measured on it
meaningless, so the file is refused here rather than discovered in a benchmark.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from hotelreviews.intelligence.keys import ASPECTS as KEYS

TEST_SET = Path(__file__).parents[1] / "data" / "aspects" / "test.ndjson"

ASPECTS = frozenset(KEYS)
POLARITIES = frozenset({"positive", "negative"})
LANGUAGES = frozenset({"en", "de", "fr", "es"})
FIELD_TYPES: dict[str, type | tuple[type, ...]] = {
    "review": str,
    "sentence": int,
    "lang": str,
    "rating": (int, float),
    "text": str,
    "labels": list,
}
MIN_SENTENCES = {"en": 220, "de": 40, "fr": 40, "es": 40}
MIN_ALL_SENTENCES = 330
# The rarer aspects are allowed fewer labels: reviews mention wifi and check-in less often.
MIN_ENGLISH_LABELS = {aspect: 20 for aspect in ASPECTS} | {"wifi": 15, "checkin": 15}

Row = dict[str, Any]


def _read_rows() -> list[Row]:
    lines = TEST_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.fixture(scope="module")
def rows() -> list[Row]:
    return _read_rows()


def test_every_line_is_a_json_object() -> None:
    for number, line in enumerate(TEST_SET.read_text(encoding="utf-8").splitlines(), start=1):
        assert line.strip(), f"line {number} is blank"
        assert isinstance(json.loads(line), dict), f"line {number} is not an object"


def test_every_row_has_exactly_the_required_fields_with_their_types(rows: list[Row]) -> None:
    for row in rows:
        assert set(row) == set(FIELD_TYPES), row
        for field, expected in FIELD_TYPES.items():
            # bool is an int to isinstance; a rating or a sentence number of true is a typo.
            assert not isinstance(row[field], bool), (field, row)
            assert isinstance(row[field], expected), (field, row)
        assert row["text"].strip() == row["text"] != "", row


def test_languages_are_the_four_supported_and_prefix_the_review_id(rows: list[Row]) -> None:
    for row in rows:
        assert row["lang"] in LANGUAGES, row
        assert row["review"].startswith(f"{row['lang']}-r"), row


def test_ratings_are_between_1_and_10_and_shared_by_a_reviews_sentences(
    rows: list[Row],
) -> None:
    for row in rows:
        assert 1 <= row["rating"] <= 10, row
    for review, group in groupby(rows, key=lambda row: row["review"]):
        assert len({row["rating"] for row in group}) == 1, review


def test_labels_name_one_of_the_ten_aspects_with_a_polarity(rows: list[Row]) -> None:
    for row in rows:
        for label in row["labels"]:
            assert set(label) == {"aspect", "polarity"}, row
            assert label["aspect"] in ASPECTS, row
            assert label["polarity"] in POLARITIES, row


def test_no_sentence_labels_an_aspect_twice(rows: list[Row]) -> None:
    for row in rows:
        aspects = [label["aspect"] for label in row["labels"]]
        assert len(aspects) == len(set(aspects)), row


def test_a_reviews_sentences_are_adjacent_and_numbered_from_zero(rows: list[Row]) -> None:
    reviews = [review for review, _ in groupby(rows, key=lambda row: row["review"])]
    assert len(reviews) == len(set(reviews)), "a review's sentences are split apart"
    for review, group in groupby(rows, key=lambda row: row["review"]):
        numbers = [row["sentence"] for row in group]
        assert numbers == list(range(len(numbers))), review


def test_review_and_sentence_pairs_are_unique(rows: list[Row]) -> None:
    pairs = Counter((row["review"], row["sentence"]) for row in rows)
    assert [pair for pair, count in pairs.items() if count > 1] == []


def test_reviews_hold_two_to_six_sentences(rows: list[Row]) -> None:
    for review, group in groupby(rows, key=lambda row: row["review"]):
        assert 2 <= len(list(group)) <= 6, review


def test_no_sentence_text_appears_twice(rows: list[Row]) -> None:
    texts = Counter(row["text"].casefold() for row in rows)
    assert [text for text, count in texts.items() if count > 1] == []


def test_each_language_has_its_minimum_number_of_sentences(rows: list[Row]) -> None:
    per_language = Counter(row["lang"] for row in rows)
    assert len(rows) >= MIN_ALL_SENTENCES
    for language, minimum in MIN_SENTENCES.items():
        assert per_language[language] >= minimum, language


def test_every_aspect_has_enough_english_labels_of_both_polarities(rows: list[Row]) -> None:
    english = Counter(
        (label["aspect"], label["polarity"])
        for row in rows
        if row["lang"] == "en"
        for label in row["labels"]
    )
    for aspect, minimum in MIN_ENGLISH_LABELS.items():
        positives, negatives = english[(aspect, "positive")], english[(aspect, "negative")]
        assert positives + negatives >= minimum, aspect
        assert positives > 0 and negatives > 0, aspect


def test_every_aspect_appears_in_every_language(rows: list[Row]) -> None:
    for language in LANGUAGES:
        seen = {
            label["aspect"] for row in rows if row["lang"] == language for label in row["labels"]
        }
        assert seen == ASPECTS, language


def test_roughly_one_sentence_in_seven_carries_no_label(rows: list[Row]) -> None:
    # Sentences without an aspect opinion test a detector's false positives; too few and
    # that failure goes unmeasured, too many and the aspects are starved.
    unlabelled = sum(not row["labels"] for row in rows)
    assert 0.10 <= unlabelled / len(rows) <= 0.25
