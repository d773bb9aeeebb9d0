"""Language detection: py3langid restricted to the languages hotel reviews arrive in.

Restricting the classes (rather than all 97) is both faster and more accurate on short texts,
where an unrestricted model picks rare languages for three-word reviews. Below a confidence of
0.5 (normalised probabilities) the answer is None: short texts like "Great!" are not evidence.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

LIKELY_LANGUAGES = (
    "en",
    "de",
    "fr",
    "es",
    "it",
    "pt",
    "nl",
    "pl",
    "ru",
    "tr",
    "sv",
    "da",
    "no",
    "fi",
    "cs",
    "el",
    "ja",
    "zh",
    "ko",
    "vi",
    "th",
    "id",
    "ar",
    "he",
)
_MIN_CONFIDENCE = 0.5
_MIN_LETTERS = 3
_NOT_LETTERS = re.compile(r"[\W\d_]+")


@cache
def _identifier() -> Any:
    # Loaded on first use: the model is a few MB and many processes never detect a language.
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LIKELY_LANGUAGES))
    return identifier


def detect_language(text: str) -> str | None:
    """ISO 639-1 code of the text's language among LIKELY_LANGUAGES, or None if unsure."""
    if len(_NOT_LETTERS.sub("", text[:64])) < _MIN_LETTERS:
        return None
    language, confidence = _identifier().classify(text)
    return str(language) if confidence >= _MIN_CONFIDENCE else None


def normalize_language(code: str | None) -> str | None:
    """'en-GB', 'EN', 'en_US' -> 'en'; empty -> None."""
    if not code:
        return None
    return code.strip().lower().replace("_", "-").split("-", 1)[0] or None
