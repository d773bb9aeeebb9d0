"""The aspect keys and the records the analyzer returns (frozen, slotted: cheap and hashable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

# The order of ASPECT_KEYS.md: every part of issue 16 uses exactly these strings.
ASPECTS: tuple[str, ...] = (
    "cleanliness",
    "location",
    "staff",
    "room",
    "value",
    "food",
    "facilities",
    "wifi",
    "noise",
    "checkin",
)

Polarity = Literal["positive", "negative"]
Source = Literal["text", "positives", "negatives", "rating"]


@dataclass(frozen=True, slots=True)
class AspectOpinion:
    """One opinion on one aspect in one sentence; score is signed strength in -1..1."""

    aspect: str
    polarity: Polarity
    score: float
    source: Source
    sentence: int


@dataclass(frozen=True, slots=True)
class ReviewAspects:
    """A review's language (given or detected) and its opinions, one per (aspect, sentence)."""

    language: str | None
    opinions: tuple[AspectOpinion, ...]
