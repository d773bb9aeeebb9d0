"""Field converters shared by both line shapes: each turns one decoded JSON value into a typed one.

Converters for required fields append a (reason, message) problem and return None when the
value is unusable, so one line can report all of its problems at once. `lenient_*` converters
are for optional fields: junk becomes None silently, because an odd optional value should not
cost us the review.
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from typing import Any

from hotelreviews.ingestion.shapes.records import Rejection, RejectReason

Problems = list[tuple[RejectReason, str]]

_NUMBER_RE = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_INT_RE = re.compile(r"[+-]?\d+")
_NON_FINITE_RE = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)
# Checked in order: "Business group" counts as business, "Family group" as family.
_TRAVELLER_TYPES = (
    ("business", "business"),
    ("solo", "solo"),
    ("couple", "couple"),
    ("family", "family"),
    ("group", "group"),
)
_SHOWN_CHARS = 60
# Converters of short labels remember their answers; longer texts are converted each time, so
# that junk in a feed cannot fill memory.
CACHED_TEXT = 100


def shorten(text: str, limit: int = _SHOWN_CHARS) -> str:
    """Cut `text` to `limit` characters, marking the cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe(value: Any) -> str:
    """Say what a JSON value is, for messages: 'the string "seven"', 'an array', 'true'."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        return f'the string "{shorten(value)}"'
    if isinstance(value, int | float):
        return f"the number {fmt(value)}"
    if isinstance(value, list):
        return "an array"
    return "an object"


def fmt(number: float) -> str:
    """Format a number for messages without a useless '.0'."""
    if isinstance(number, float) and number.is_integer() and abs(number) < 1e16:
        return str(int(number))
    return str(number)


def reject(problems: Problems) -> Rejection:
    """The Rejection for a line: the first problem's reason, every problem in the message."""
    return Rejection(problems[0][0], "; ".join(message for _, message in problems))


def missing(problems: Problems, path: str, *, empty: bool = False) -> None:
    """Record a required field that is absent, null (or empty)."""
    problems.append((RejectReason.MISSING_FIELD, f"{path} is {'empty' if empty else 'missing'}"))


def wrong_type(problems: Problems, path: str, expected: str, value: Any) -> None:
    """Record a value of the wrong JSON type, saying what was expected and what came."""
    problems.append((RejectReason.WRONG_TYPE, f"{path} must be {expected}, got {describe(value)}"))


def parse_number(value: Any) -> float | str:
    """Return the finite float in `value`, or a problem kind: 'type' or 'non_finite'."""
    kind = type(value)
    if kind is float:
        return value  # orjson never yields NaN/inf: it rejects those lines before we get here
    if kind is int:
        try:
            return float(value)
        except OverflowError:
            return "non_finite"
    if kind is str:
        text = value.strip()
        if _NUMBER_RE.fullmatch(text):
            number = float(text)
            return number if math.isfinite(number) else "non_finite"
        if _NON_FINITE_RE.fullmatch(text):
            return "non_finite"
    return "type"


def number(value: Any, path: str, problems: Problems, low: float, high: float) -> float | None:
    """A required number (or numeric string) within [low, high]."""
    if value is None:
        missing(problems, path)
        return None
    parsed = parse_number(value)
    if parsed == "non_finite":
        problems.append(
            (
                RejectReason.NON_FINITE_NUMBER,
                f"{path} must be a finite number, got {describe(value)}",
            )
        )
        return None
    if parsed == "type":
        wrong_type(problems, path, "a number", value)
        return None
    return in_range(parsed, path, problems, low, high)


def in_range(value: float, path: str, problems: Problems, low: float, high: float) -> float | None:
    """Return `value` if low <= value <= high, else record OUT_OF_RANGE."""
    if low <= value <= high:
        return value
    problems.append(
        (RejectReason.OUT_OF_RANGE, f"{path} {fmt(value)} is out of range {fmt(low)}–{fmt(high)}")
    )
    return None


def lenient_number(
    value: Any, path: str, problems: Problems, low: float, high: float
) -> float | None:
    """An optional number: junk and non-numbers give None, but out-of-range values are problems."""
    if value is None or value == "":
        return None
    parsed = parse_number(value)
    if type(parsed) is str:
        return None
    return in_range(parsed, path, problems, low, high)


def _parse_int(value: Any) -> int | None:
    kind = type(value)
    if kind is int:
        return value
    if kind is float and value.is_integer():
        return int(value)
    if kind is str:
        text = value.strip()
        if _INT_RE.fullmatch(text):
            return int(text)
    return None


def identifier(value: Any, path: str, problems: Problems) -> str | None:
    """A required numeric id (integer or digit string), returned as canonical text."""
    if value is None:
        missing(problems, path)
        return None
    parsed = _parse_int(value)
    if parsed is None:
        wrong_type(problems, path, "an integer", value)
        return None
    if parsed < 0:
        problems.append((RejectReason.OUT_OF_RANGE, f"{path} {parsed} must not be negative"))
        return None
    return str(parsed)


def key_text(value: Any, path: str, problems: Problems) -> str | None:
    """A required text id (a non-empty string, or an integer turned into text)."""
    if value is None:
        missing(problems, path)
        return None
    kind = type(value)
    if kind is int:
        return str(value)
    if kind is not str:
        wrong_type(problems, path, "a string", value)
        return None
    if not value.strip():
        missing(problems, path, empty=True)
        return None
    return value


def name(value: Any, path: str, problems: Problems) -> str | None:
    """A required, non-empty string kept exactly as delivered."""
    if value is None:
        missing(problems, path)
        return None
    if type(value) is not str:
        wrong_type(problems, path, "a string", value)
        return None
    if not value.strip():
        missing(problems, path, empty=True)
        return None
    return value


def required_text(value: Any, path: str, problems: Problems) -> str | None:
    """A required string that may be empty (an empty review text is still a review)."""
    if value is None:
        missing(problems, path)
        return None
    if type(value) is not str:
        wrong_type(problems, path, "a string", value)
        return None
    return value or None


def text(value: Any) -> str | None:
    """An optional string; empty and non-strings become None."""
    return value if type(value) is str and value else None


def texts(obj: dict[str, Any], keys: tuple[str, ...]) -> list[str | None]:
    """Optional strings for several keys at once (one call instead of one per field)."""
    return [value if type(value) is str and value else None for value in map(obj.get, keys)]


def lowered(value: Any) -> str | None:
    """An optional code such as a language: trimmed, lower-cased, None if empty."""
    if type(value) is not str:
        return None
    return _lowered(value) if len(value) <= CACHED_TEXT else _lowered.__wrapped__(value)


@lru_cache(maxsize=4096)  # language codes and the like: a short list
def _lowered(value: str) -> str | None:
    return value.strip().lower() or None


def lenient_int(value: Any, path: str, problems: Problems, low: int, high: int) -> int | None:
    """An optional integer: junk gives None, out-of-range values are problems."""
    if value is None or value == "":
        return None
    parsed = _parse_int(value)
    if parsed is None:
        return None
    if low <= parsed <= high:
        return parsed
    problems.append(
        (RejectReason.OUT_OF_RANGE, f"{path} {parsed} is out of range {low}–{fmt(high)}")
    )
    return None


def traveller_type(value: Any) -> str | None:
    """Map a provider's traveller label to solo, couple, family, group, business or other."""
    if type(value) is not str:
        return None
    if len(value) <= CACHED_TEXT:
        return _traveller_type(value)
    return _traveller_type.__wrapped__(value)


@lru_cache(maxsize=4096)  # labels come from a short provider list
def _traveller_type(value: str) -> str | None:
    label = value.strip().lower()
    if not label:
        return None
    for needle, kind in _TRAVELLER_TYPES:
        if needle in label:
            return kind
    return "other"
