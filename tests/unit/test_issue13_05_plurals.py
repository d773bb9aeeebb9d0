"""Issue 13, item 5: summaries said "1 lines" and "1 file(s)". One helper words every count."""

from __future__ import annotations

import pytest

from hotelreviews.core.wording import plural


@pytest.mark.parametrize(
    ("count", "noun", "expected"),
    [
        (0, "file", "0 files"),
        (1, "file", "1 file"),
        (2, "file", "2 files"),
        (1, "line", "1 line"),
        (12_345, "line", "12,345 lines"),
        (1, "archived WAL file", "1 archived WAL file"),
        (3, "archived WAL file", "3 archived WAL files"),
    ],
)
def test_a_count_gets_the_noun_that_agrees_with_it(count: int, noun: str, expected: str) -> None:
    assert plural(count, noun) == expected


def test_an_irregular_plural_is_given_explicitly() -> None:
    assert plural(1, "entry", "entries") == "1 entry"
    assert plural(2, "entry", "entries") == "2 entries"
