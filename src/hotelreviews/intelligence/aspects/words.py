"""The word lists one language contributes, as plain data (compiled into tables elsewhere)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LanguageWords:
    """Cues per aspect, valences, negations, contrast markers and idioms of one language."""

    cues: dict[str, tuple[str, ...]]
    valences: dict[str, float]
    negations: frozenset[str]
    contrast: frozenset[str]
    subordinators: frozenset[str]
    # Contrast words that carry sentiment ("unfortunately", "leider"): scored as sentiment words
    # (the nearest cue takes them), not clause boundaries: "der Pool war leider geschlossen".
    contrast_kept: frozenset[str]
    too_words: frozenset[str]
    too_targets: frozenset[str]
    idioms: tuple[tuple[str, str], ...]
