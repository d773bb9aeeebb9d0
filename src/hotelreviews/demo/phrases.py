"""The shape of a language's phrase bank; the banks themselves live in phrases_*.py."""

from __future__ import annotations

from dataclasses import dataclass

# aspect -> (praise sentences, complaint sentences, short praise label, short complaint label)
Aspects = dict[str, tuple[tuple[str, ...], tuple[str, ...], str, str]]


@dataclass(frozen=True, slots=True)
class Bank:
    aspects: Aspects
    titles: tuple[tuple[str, ...], ...]  # five rating tiers: terrible, poor, okay, good, great
    city: tuple[str, ...]  # templates with {landmark}
    updates_up: tuple[str, ...]  # appended when an edited review raises its rating
    updates_down: tuple[str, ...]
    responses_good: tuple[str, ...]  # hotel responses to positive reviews
    responses_bad: tuple[str, ...]
