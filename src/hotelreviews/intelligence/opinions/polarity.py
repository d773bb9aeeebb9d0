"""How a review's stored opinions read back as one polarity per aspect.

Stored compactly in `review_opinions.opinions`, one list per (aspect, sentence): [aspect,
polarity, score, source, sentence]. Everything that counts opinions (the reputation index, the
alert detectors, the hotel trend) counts a review once per aspect it has an opinion on, with
the polarity its opinions lean to (the sum of their signed scores): a review that praises the
staff in two sentences is one positive staff opinion, not two.

Pure, importing nothing of the package: with intelligence.keys, the vocabulary of the stored
opinions that the hotels layer (below intelligence) may read (pyproject's layer contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def review_polarities(stored: Sequence[Sequence[Any]] | None) -> tuple[tuple[str, str], ...]:
    """(aspect, "positive" | "negative") once per aspect the review leans on, sorted."""
    if not stored:
        return ()
    net: dict[str, float] = {}
    for aspect, polarity, score, *_ in stored:
        signed = abs(float(score)) if polarity == "positive" else -abs(float(score))
        net[aspect] = net.get(aspect, 0.0) + signed
    return tuple(
        (aspect, "positive" if total > 0 else "negative")
        for aspect, total in sorted(net.items())
        if total != 0
    )
