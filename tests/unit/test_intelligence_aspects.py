"""Aspects and polarity per sentence (English): negation, contrast, implicit cues, the API."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotelreviews.intelligence.aspects import (
    ASPECTS,
    AspectOpinion,
    analyze_review,
    analyze_sentence,
)


def opinions(text: str, language: str = "en") -> dict[str, str]:
    return {o.aspect: o.polarity for o in analyze_sentence(text=text, language=language)}


def test_the_ten_aspect_keys_are_those_of_the_shared_list_in_order() -> None:
    assert ASPECTS == (
        "cleanliness", "location", "staff", "room", "value",
        "food", "facilities", "wifi", "noise", "checkin",
    )  # fmt: skip


def test_a_small_room_but_great_location_is_two_opposite_aspects() -> None:
    assert opinions("Small room but great location.") == {
        "room": "negative",
        "location": "positive",
    }


def test_a_leading_although_clause_ends_at_its_comma() -> None:
    assert opinions("Although the room was small, the location was great.") == {
        "room": "negative",
        "location": "positive",
    }


def test_each_aspect_takes_the_sentiment_nearest_to_it_within_a_clause() -> None:
    assert opinions("The room was clean and the staff were rude.") == {
        "cleanliness": "positive",
        "staff": "negative",
    }


@pytest.mark.parametrize(
    ("text", "aspect", "polarity"),
    [
        ("The room was not clean.", "cleanliness", "negative"),
        ("The bathroom wasn't clean at all.", "cleanliness", "negative"),
        ("Nothing to complain about the staff.", "staff", "positive"),
        ("No complaints about the wifi.", "wifi", "positive"),
        ("The breakfast was not bad.", "food", "positive"),
        ("The staff could not have been more helpful.", "staff", "positive"),
    ],
)
def test_a_negation_flips_the_polarity_of_what_follows_it(
    text: str, aspect: str, polarity: str
) -> None:
    assert opinions(text).get(aspect) == polarity


@pytest.mark.parametrize(
    ("text", "aspect", "polarity"),
    [
        ("We could hear the traffic all night.", "noise", "negative"),
        ("Overpriced for what you get.", "value", "negative"),
        ("There were hairs in the shower.", "cleanliness", "negative"),
        ("Check-in took forever.", "checkin", "negative"),
        ("The wifi kept dropping.", "wifi", "negative"),
        ("Worth every penny.", "value", "positive"),
    ],
)
def test_implicit_cues_carry_their_own_aspect_and_polarity(
    text: str, aspect: str, polarity: str
) -> None:
    assert opinions(text).get(aspect) == polarity


@pytest.mark.parametrize(
    ("text", "aspect"),
    [
        ("The room could have been cleaner.", "cleanliness"),
        ("I would have liked more variety at breakfast.", "food"),
        ("The bathroom could do with a refresh.", "room"),
        ("It would be nice to have a kettle in the room.", "room"),
        ("There was no kettle in the room.", "room"),
    ],
)
def test_hedged_wishes_and_missing_things_are_complaints(text: str, aspect: str) -> None:
    assert opinions(text).get(aspect) == "negative"


def test_a_bare_clause_after_a_contrast_judges_the_previous_subject() -> None:
    assert opinions("The beds were clean but very uncomfortable.") == {
        "cleanliness": "positive",
        "room": "negative",
    }


def test_an_evaluative_word_judges_the_thing_it_describes_but_not_the_room() -> None:
    assert opinions("The pool was dirty.") == {"facilities": "negative", "cleanliness": "negative"}
    assert opinions("The room was dirty.") == {"cleanliness": "negative"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Service at the bar was painfully slow.", {"staff": "negative"}),
        ("Staff at check-in were lovely.", {"staff": "positive"}),
        ("The wifi kept dropping in our room.", {"wifi": "negative"}),
        ("Rooms with a terrible wifi connection.", {"wifi": "negative"}),
    ],
)
def test_a_thing_after_a_preposition_yields_to_the_subject_unless_touched(
    text: str, expected: dict[str, str]
) -> None:
    assert opinions(text) == expected


def test_too_turns_a_neutral_size_into_a_complaint() -> None:
    assert opinions("The room was too small.") == {"room": "negative"}


def test_a_sentence_without_an_opinion_has_no_aspects() -> None:
    assert opinions("We arrived on a Tuesday afternoon.") == {}
    assert opinions("We had breakfast at eight.") == {}


def test_opinions_are_frozen_records_with_a_signed_score() -> None:
    (opinion,) = analyze_sentence(text="The staff were wonderful.", language="en")
    assert opinion == AspectOpinion(
        aspect="staff", polarity="positive", score=opinion.score, source="text", sentence=0
    )
    assert 0 < opinion.score <= 1
    with pytest.raises(dataclasses.FrozenInstanceError):
        opinion.score = 0.0  # type: ignore[misc]


def test_a_review_numbers_its_text_sentences_then_its_title() -> None:
    result = analyze_review(
        title="Overpriced",
        text="The room was lovely. The staff were rude!",
        positives=None,
        negatives=None,
        language="en-GB",
        rating_normalized=6.0,
    )
    assert result.language == "en"
    assert [(o.aspect, o.polarity, o.sentence) for o in result.opinions] == [
        ("room", "positive", 0),
        ("staff", "negative", 1),
        ("value", "negative", 2),
    ]


def test_positives_and_negatives_fields_are_polarity_labels_whatever_the_wording() -> None:
    result = analyze_review(
        title=None,
        text=None,
        positives="Location, the staff",
        negatives="great breakfast but pricey",
        language="en",
        rating_normalized=8.0,
    )
    found = {(o.aspect, o.polarity, o.source) for o in result.opinions}
    assert found == {
        ("location", "positive", "positives"),
        ("staff", "positive", "positives"),
        ("food", "negative", "negatives"),
        ("value", "negative", "negatives"),
    }


def test_an_empty_review_has_no_opinions() -> None:
    result = analyze_review(
        title="", text="", positives="", negatives=None, language="en", rating_normalized=None
    )
    assert result.opinions == ()


_SALAD = "the room was not clean but staff great location very noisy overpriced breakfast wifi "
_SALAD += "slow , . although never too small pool check in quiet and"
_WORDS = st.sampled_from(_SALAD.split(" "))


@settings(max_examples=200, deadline=None)
@given(st.lists(_WORDS, max_size=25))
def test_any_word_salad_gives_valid_opinions_one_per_aspect(words: list[str]) -> None:
    found = analyze_sentence(text=" ".join(words), language="en")
    assert len({o.aspect for o in found}) == len(found)
    for o in found:
        assert o.aspect in ASPECTS
        assert -1.0 <= o.score <= 1.0 and o.score != 0
        assert o.polarity == ("positive" if o.score > 0 else "negative")


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(max_size=120),
    title=st.none() | st.text(max_size=30),
    positives=st.none() | st.text(max_size=40),
    language=st.sampled_from([None, "en", "de", "fr", "es", "vi", "en-GB", ""]),
    rating=st.none() | st.floats(min_value=1, max_value=10),
)
def test_any_review_gives_opinions_numbered_within_the_review(
    text: str, title: str | None, positives: str | None, language: str | None, rating: float | None
) -> None:
    result = analyze_review(
        title=title, text=text, positives=positives, negatives=None,
        language=language, rating_normalized=rating,
    )  # fmt: skip
    pairs = [(o.aspect, o.sentence) for o in result.opinions]
    assert len(set(pairs)) == len(pairs)
    for o in result.opinions:
        assert o.aspect in ASPECTS and o.sentence >= 0 and -1.0 <= o.score <= 1.0
