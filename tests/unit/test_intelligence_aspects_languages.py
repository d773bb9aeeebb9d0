"""Aspects in German, French and Spanish; language detection and the fallback for the others;
the evaluation script on the development set."""

from __future__ import annotations

from pathlib import Path

import pytest
from bench import intelligence_aspects

from hotelreviews.intelligence.aspects import analyze_review, analyze_sentence, detect_language

DEV = Path(__file__).resolve().parents[1] / "data/aspects/dev.ndjson"


def opinions(text: str, language: str) -> dict[str, str]:
    return {o.aspect: o.polarity for o in analyze_sentence(text=text, language=language)}


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        ("Das Zimmer war nicht sauber.", "de", {"cleanliness": "negative"}),
        ("Kleines Zimmer, aber tolle Lage.", "de", {"room": "negative", "location": "positive"}),
        ("Das Frühstücksbuffet war reichhaltig.", "de", {"food": "positive"}),
        ("Kein Problem mit dem WLAN.", "de", {"wifi": "positive"}),
        ("La chambre n'était pas propre.", "fr", {"cleanliness": "negative"}),
        (
            "Chambre petite mais emplacement idéal.",
            "fr",
            {"room": "negative", "location": "positive"},
        ),
        ("Rien à redire sur le personnel.", "fr", {"staff": "positive"}),
        ("La habitación no estaba limpia.", "es", {"cleanliness": "negative"}),
        (
            "Habitación pequeña pero buena ubicación.",
            "es",
            {"room": "negative", "location": "positive"},
        ),
        ("Demasiado caro para lo que ofrece.", "es", {"value": "negative"}),
    ],
)
def test_each_covered_language_handles_negation_contrast_and_cues(
    text: str, language: str, expected: dict[str, str]
) -> None:
    assert opinions(text, language) == expected


def test_a_language_without_rules_gives_no_sentence_opinions() -> None:
    assert analyze_sentence(text="Quarto limpo e staff simpático.", language="pt") == ()


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The room was lovely and the staff were very friendly.", "en"),
        ("Das Zimmer war sehr sauber und das Personal freundlich.", "de"),
        ("La chambre était très propre et le personnel aimable.", "fr"),
        ("La habitación estaba muy limpia y el personal fue amable.", "es"),
    ],
)
def test_detect_language_names_the_language_of_a_sentence(text: str, language: str) -> None:
    assert detect_language(text) == language


def test_detect_language_abstains_on_text_without_letters() -> None:
    assert detect_language("10/10 !!") is None


def test_an_unknown_language_falls_back_to_the_rating_and_the_fields() -> None:
    result = analyze_review(
        title=None,
        text="Phòng sạch sẽ, wifi nhanh.",
        positives="staff",
        negatives="parking",
        language="vi",
        rating_normalized=9.0,
    )
    found = {(o.aspect, o.polarity, o.source) for o in result.opinions}
    assert found == {
        ("wifi", "positive", "rating"),
        ("staff", "positive", "positives"),
        ("facilities", "negative", "negatives"),
    }


def test_a_middling_rating_says_nothing_about_the_aspects_of_an_unknown_language() -> None:
    result = analyze_review(
        title=None, text="Wifi nhanh.", positives=None, negatives=None,
        language="vi", rating_normalized=6.0,
    )  # fmt: skip
    assert result.opinions == ()


def test_a_review_without_a_language_gets_one_detected() -> None:
    result = analyze_review(
        title=None,
        text="Das Zimmer war sehr sauber, aber das Frühstück war enttäuschend.",
        positives=None,
        negatives=None,
        language=None,
        rating_normalized=None,
    )
    assert result.language == "de"
    assert {(o.aspect, o.polarity) for o in result.opinions} == {
        ("cleanliness", "positive"),
        ("food", "negative"),
    }


def test_the_evaluation_runs_on_the_dev_file_and_prints_the_table(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert intelligence_aspects.main(["--data", str(DEV), "--reviews", "20"]) == 0
    out = capsys.readouterr().out
    for expected in ("== all:", "== en:", "== de:", "macro-F1", "keyword+rating",
                     "analyzer+review VADER", "µs/review"):  # fmt: skip
        assert expected in out
    figures = intelligence_aspects.run(data=DEV, timing_reviews=0)
    analyzer = figures["slices"]["all"]["systems"]["analyzer"]
    assert 0 < analyzer["macro_f1"] <= 1 and 0 < analyzer["polarity_accuracy"] <= 1
