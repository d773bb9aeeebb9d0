"""Language detection's English fast path (decides without py3langid only on clear English) and
the bounded sample analyze_review detects on."""

from __future__ import annotations

import pytest

from hotelreviews.intelligence.aspects import analyze_review, detect_language
from hotelreviews.intelligence.aspects.language import is_clearly_english


@pytest.mark.parametrize(
    "text",
    [
        "The room was clean and the staff were very friendly, but the breakfast was cold.",
        "We stayed for three nights with our kids. It was great and we would come back.",
        "Great location for the old town, and the bed was comfortable. Parking is expensive.",
    ],
)
def test_clear_english_is_decided_without_the_model(text: str) -> None:
    assert is_clearly_english(text)
    assert detect_language(text) == "en"


@pytest.mark.parametrize(
    "text",
    [
        # mixed: English words around a German sentence
        "The room was fine. Das Frühstück war sehr gut und das Personal freundlich.",
        # English function words, but a Spanish one too
        "The hotel was ok and the room was clean y muy tranquilo for the price.",
        # accented letters: French that borrows English words
        "Le wifi était très lent, the room was small, mais le personnel était aimable.",
        # too short to be evidence
        "Great stay!",
        # English, but too few function words: a list of nouns
        "Location, breakfast, pool, spa, parking, rooftop bar, gym.",
    ],
)
def test_unclear_texts_go_to_the_model(text: str) -> None:
    assert not is_clearly_english(text)


def test_a_mostly_german_text_with_english_words_is_german() -> None:
    text = "Das Zimmer war sauber und das Frühstück sehr gut, the staff were friendly too."
    assert not is_clearly_english(text)
    assert detect_language(text) == "de"


def test_a_long_german_review_is_detected_on_its_first_sentences() -> None:
    german = (
        "Das Hotel liegt direkt am Bahnhof und das Zimmer war sauber und ruhig. "
        "Das Frühstück war sehr gut, das Personal an der Rezeption freundlich und hilfsbereit. "
        "Das WLAN funktionierte leider nicht im ganzen Haus. "
    )
    english_tail = "The room was clean and the staff were very friendly. " * 20
    assert len(german) > 200  # the sample analyze_review detects on ends inside the German
    found = analyze_review(
        title=None,
        text=german + english_tail,
        positives=None,
        negatives=None,
        language=None,
        rating_normalized=8.0,
    )
    assert found.language == "de"
    assert {o.aspect for o in found.opinions if o.source == "text"} >= {"staff", "wifi"}
