"""review_sentences: a review's sentences as written, numbered as analyze_review numbers them,
so an opinion's `sentence` number leads to the words it was found in (issue 17)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotelreviews.intelligence.aspects import analyze_review, review_sentences
from hotelreviews.intelligence.aspects.analyze import keyword_aspects

REVIEWS = {
    "en": {
        "title": "Great location, noisy room",
        "text": "The staff were friendly! The breakfast was cold and the wifi kept dropping.\n"
        "We will come back? Maybe. The bathroom was spotless",
        "positives": "Location, staff; breakfast",
        "negatives": "Noise. Price",
    },
    "de": {
        "title": "Gute Lage",
        "text": "Das Personal war sehr freundlich. Das Frühstück war leider kalt! "
        "Das WLAN funktionierte nicht.",
        "positives": "Lage, Personal",
        "negatives": "Lärm",
    },
    "fr": {
        "title": "Très bon séjour",
        "text": "Le personnel était très aimable. Le petit déjeuner était froid. "
        "La chambre était sale…",
        "positives": "Emplacement, personnel",
        "negatives": "Bruit; prix",
    },
    "es": {
        "title": "Buena ubicación",
        "text": "El personal fue muy amable. El desayuno estaba frío. La habitación era ruidosa.",
        "positives": "Ubicación, personal",
        "negatives": "Ruido",
    },
    # Italian has no tables: cues from all four languages, polarity from the rating.
    "it": {
        "title": "Hotel",
        "text": "Wifi ottimo. Staff gentilissimo! Colazione buona.",
        "positives": "Location",
        "negatives": "Parking, noise",
    },
}


def _analysed(review: dict[str, str], language: str) -> tuple[list[str], list]:
    found = analyze_review(**review, language=language, rating_normalized=9.0)
    sentences = review_sentences(**review, language=found.language)
    return sentences, list(found.opinions)


@pytest.mark.parametrize("language", sorted(REVIEWS))
def test_every_opinion_leads_to_a_written_sentence_naming_its_aspect(language: str) -> None:
    review = REVIEWS[language]
    sentences, opinions = _analysed(review, language)
    assert opinions
    for found in opinions:
        sentence = sentences[found.sentence]
        assert found.aspect in keyword_aspects(sentence, language=language), (found, sentence)
        if found.source in ("positives", "negatives"):
            assert sentence in review[found.source]  # a part of the field, as written
        else:
            assert sentence in review["text"] or sentence == review["title"]


def test_the_numbering_runs_text_then_title_then_the_fields_parts() -> None:
    sentences, _ = _analysed(REVIEWS["en"], "en")
    assert sentences == [
        "The staff were friendly!",
        "The breakfast was cold and the wifi kept dropping.",
        "We will come back?",
        "Maybe.",
        "The bathroom was spotless",
        "Great location, noisy room",
        "Location",
        "staff",
        "breakfast",
        "Noise.",
        "Price",
    ]


def test_a_field_part_naming_no_aspect_takes_no_number() -> None:
    review = {"title": None, "text": None, "positives": "Everything, staff", "negatives": None}
    sentences, opinions = _analysed(review, "en")
    assert sentences == ["staff"]
    assert [(o.aspect, o.sentence) for o in opinions] == [("staff", 0)]


def test_a_review_without_text_has_no_sentences() -> None:
    review = {"title": "  ", "text": None, "positives": None, "negatives": ""}
    assert review_sentences(**review, language="en") == []


_WORDS = st.sampled_from(
    ["the", "room", "staff", "wifi", "was", "great", "not", "dirty", "but", "breakfast",
     "lage", "personal", "sehr", "gut", "no", "kettle", "check", "in", "noisy", "price"]
)  # fmt: skip
_MARKS = st.sampled_from([" ", " ", " ", ". ", "! ", "? ", "\n", ", ", "; ", "…", "?. ", "..."])
_TEXTS = st.lists(st.tuples(_WORDS, _MARKS), max_size=14).map(
    lambda pairs: "".join(word + mark for word, mark in pairs)
)


@settings(max_examples=300, deadline=None)
@given(
    title=st.one_of(st.none(), _TEXTS),
    text=st.one_of(st.none(), _TEXTS),
    positives=st.one_of(st.none(), _TEXTS),
    negatives=st.one_of(st.none(), _TEXTS),
    language=st.sampled_from(["en", "de", "it"]),
    rating=st.sampled_from([2.0, 6.0, 9.0]),
)
def test_each_sentence_alone_gives_the_opinions_numbered_for_it(
    title: str | None,
    text: str | None,
    positives: str | None,
    negatives: str | None,
    language: str,
    rating: float,
) -> None:
    # Re-analysing a review made of sentence N alone (in the part it came from) yields exactly
    # the opinions the whole review numbered N: the cut and the numbering are the analyser's.
    fields = {"title": title, "text": text, "positives": positives, "negatives": negatives}
    whole = analyze_review(**fields, language=language, rating_normalized=rating)
    sentences = review_sentences(**fields, language=language)
    numbered = {o.sentence for o in whole.opinions}
    assert all(n < len(sentences) for n in numbered)
    for number, sentence in enumerate(sentences):
        expected = {(o.aspect, o.polarity, o.score, o.source) for o in whole.opinions
                    if o.sentence == number}  # fmt: skip
        alone = set()
        for part in ("text", "title", "positives", "negatives"):
            only = {key: (sentence if key == part else None) for key in fields}
            found = analyze_review(**only, language=language, rating_normalized=rating)
            alone.add(frozenset((o.aspect, o.polarity, o.score, o.source) for o in found.opinions))
        assert frozenset(expected) in alone, (number, sentence)
