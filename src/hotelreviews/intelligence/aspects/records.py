"""The aspect keys (intelligence.keys) and the records the analyzer returns (frozen, slotted:
cheap and hashable)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from hotelreviews.intelligence.keys import ASPECTS

__all__ = ["ASPECTS", "AspectOpinion", "Polarity", "ReviewAspects", "Source"]

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
