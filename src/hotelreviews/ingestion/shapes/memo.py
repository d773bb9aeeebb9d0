"""Small bounded caches for the values a feed repeats on many lines.

A file repeats the same hotels, providers, labels and ratings on line after line, and
building them again (a frozen dataclass, a rounding, a parse) costs more than looking them
up. The caches are bounded in entries, and keys holding much text are not remembered, so
junk in a feed cannot fill memory. Values are pure functions of their keys, so a cache may be
cleared at any time, and two threads filling one cache only repeat each other's work.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, TypeVar

from hotelreviews.ingestion.shapes.fields import parse_number

CACHE_LIMIT = 10_000  # entries per cache; a full cache is emptied and starts again
CACHED_KEY_CHARS = 4_000  # keys holding more text or bytes than this are not remembered
MISS: Any = object()  # for lookups where None is a value: cache.get(key, MISS)

_T = TypeVar("_T")
_text_numbers: dict[str, float | None] = {}  # numbers given as strings: "4", "4.5"
_ten_point: defaultdict[float, dict[float, float]] = defaultdict(dict)  # by rating scale


def remember(cache: dict[Any, _T], key: Any, value: _T) -> _T:
    """Put `value` in `cache` under `key` unless the key is large; return `value`."""
    if key_chars(key) <= CACHED_KEY_CHARS:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[key] = value
    return value


def learn(cache: dict[Any, _T], convert: Callable[[Any], _T], value: Any) -> _T:
    """convert(value), remembered in `cache` under `value`."""
    return remember(cache, value, convert(value))


def key_chars(key: Any) -> int:
    """Roughly how many characters a key holds: its texts and bytes, also inside tuples."""
    kind = type(key)
    if kind is str or kind is bytes:
        return len(key)
    if kind is not tuple:
        return 1
    size = len(key)
    for part in key:
        kind = type(part)
        if kind is str or kind is bytes:
            size += len(part)
        elif kind is tuple:
            size += key_chars(part)
    return size


def number(value: int | str) -> float | None:
    """The finite number in an int or a numeric string, read as fields.parse_number reads it;
    None if there is none."""
    if type(value) is int:
        return float(value)
    found = _text_numbers.get(value, MISS)
    if found is MISS:
        parsed = parse_number(value)
        found = remember(_text_numbers, value, parsed if type(parsed) is float else None)
    return found


def on_ten_point_scale(rating: float, scale: float) -> float:
    """round(rating * 10 / scale, 2): round() is slow, and a feed repeats a few ratings."""
    cache = _ten_point[scale]
    found = cache.get(rating)
    if found is None:
        found = remember(cache, rating, round(rating * 10.0 / scale, 2))
    return found
