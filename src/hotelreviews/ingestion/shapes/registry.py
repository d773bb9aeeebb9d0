"""The one table of line shapes: how each is recognised, decoded and converted, on both paths.

Adding a shape is one module (its wire type, `parse_wire` for the fast path, `parse_object`
for the precise path; see flat and nested) plus one entry in SHAPES plus its tests. Both parse
paths find a line's shape here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import msgspec

from hotelreviews.ingestion.shapes import flat, nested
from hotelreviews.ingestion.shapes.records import NormalizedReview, Rejection
from hotelreviews.ingestion.shapes.wire import Wire


@dataclass(frozen=True, slots=True)
class Shape:
    """One line shape and how both parse paths handle it."""

    name: str
    described: str  # what marks it, for the message of a line of no known shape
    # Top-level keys of which any one marks a line of this shape (the first shape in SHAPES
    # with one of its keys in a line wins).
    keys: tuple[str, ...]
    start: bytes  # how its typical line starts, so the fast path rarely searches the line
    wire_type: type[Wire]  # what the fast path decodes its lines into
    parse_wire: Callable[[Any], NormalizedReview | None]  # fast: a decoded line; None if not sure
    parse_object: Callable[[dict[str, Any]], NormalizedReview | Rejection]  # precise
    # Claims a line that has none of any shape's keys (asked in SHAPES order, after the keys).
    claims_keyless: Callable[[dict[str, Any]], bool] | None = None
    decode: Callable[[bytes], Any] = field(init=False)
    marks: tuple[bytes, ...] = field(init=False)  # its keys as they appear in a line's bytes

    def __post_init__(self) -> None:
        object.__setattr__(self, "decode", msgspec.json.Decoder(self.wire_type).decode)
        object.__setattr__(self, "marks", tuple(f'"{key}"'.encode() for key in self.keys))


SHAPES: tuple[Shape, ...] = (
    Shape(
        name="nested",
        described='"hotelId" and a "comment" object (nested shape)',
        keys=("hotelId",),
        start=b'{"hotelId"',
        wire_type=nested.NestedLine,
        parse_wire=nested.parse_wire,
        parse_object=nested.parse_object,
        claims_keyless=nested.has_comment_object,
    ),
    Shape(
        name="flat",
        described='"id" and "hotel_id" (flat shape)',
        keys=("id", "hotel_id"),
        start=b'{"id"',
        wire_type=flat.FlatLine,
        parse_wire=flat.parse_wire,
        parse_object=flat.parse_object,
    ),
)
EXPECTED = " or ".join(shape.described for shape in SHAPES)


def shape_of_line(raw: bytes) -> Shape | None:
    """The fast path's guess at the shape of a raw line; None when no shape's key is in it.

    A guess: the line's wire type decides (a line of another shape does not decode into it,
    since wire types take no unknown key), and the precise path has the last word.
    """
    for shape in SHAPES:  # most lines start with their shape's first key
        if raw.startswith(shape.start):
            return shape
    for shape in SHAPES:
        for mark in shape.marks:
            if mark in raw:
                return shape
    return None


def shape_of_object(obj: dict[str, Any]) -> Shape | None:
    """The shape of a decoded line; None when it is of no known shape."""
    for shape in SHAPES:
        for key in shape.keys:
            if key in obj:
                return shape
    for shape in SHAPES:
        if shape.claims_keyless is not None and shape.claims_keyless(obj):
            return shape
    return None
