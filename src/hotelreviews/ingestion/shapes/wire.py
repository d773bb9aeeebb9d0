"""What the shapes' msgspec wire types are built of, for the fast path of the line parser.

Each shape declares its wire type (a `Wire` Struct) next to its converters. Wire types are
strict on purpose: a line they decode must be one that orjson (the precise path's decoder)
accepts too, decoding to the same values. So every key of a line must be declared
(`forbid_unknown_fields`: msgspec skips unknown keys without checking their numbers and
bytes as orjson does), integers must fit in 64 bits (orjson turns bigger ones into floats),
and values we do not read must still be JSON scalars. A hotel's amenities (and the nested
shape's standings) are kept as raw JSON, a cache key for what they decode to; raw_value
decodes them with orjson. A line that fails here is not necessarily invalid: it just goes to
the precise path.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from msgspec import Meta, Raw, Struct

from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.memo import MISS, number, remember
from hotelreviews.ingestion.shapes.records import HotelRef
from hotelreviews.ingestion.shapes.refs import HotelKeys, hotel_attributes, hotel_ref

I64 = Annotated[int, Meta(ge=-(2**63), le=2**63 - 1)]
Id = Annotated[int, Meta(ge=0, le=2**63 - 1)]  # negative ids are rejected by the precise path
# Numbers sometimes arrive as strings: those are converted exactly as the precise path does.
Number = I64 | float | str
Scalar = str | I64 | float | bool | None  # a value we do not read, or read leniently
NULL = Raw(b"null")  # the value of an absent key kept as raw JSON
_MAX_BRACKETS = 512  # far below orjson's depth limit of 1024, far above any real value


class Wire(Struct, forbid_unknown_fields=True, gc=False, kw_only=True):
    """A decoded JSON object with only the declared keys (transient, free of cycles).

    Fields are declared in the order the exports write them, which msgspec decodes fastest.
    """


def raw_value(raw: bytes) -> Any:
    """A raw JSON value of a decoded line, decoded as orjson decodes it; MISS if not sure.

    MISS when orjson refuses it, or when it nests so deep that orjson might accept it alone but
    not inside its line (orjson limits the depth of a whole document). msgspec only skipped
    over it, so this is where its numbers and text are checked as the precise path does.
    """
    if raw == b"null":
        return None
    if raw.count(b"[") + raw.count(b"{") > _MAX_BRACKETS:
        return MISS
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return MISS


def decoded_hotel(
    cache: dict[tuple[Any, ...], HotelRef],
    key: tuple[Any, ...],
    external_id: str | None,
    keys: HotelKeys,
) -> HotelRef | None:
    """The HotelRef of a decoded line's hotel, remembered in `cache` under `key`; None if not sure.

    `key` is (hotel id as decoded, hotel name, the values of the shape's HotelKeys with the
    amenities raw), `external_id` the id as the shape reads it (None when unusable).
    """
    _, name, *values = key
    problems: f.Problems = []  # any problem means "not sure": the precise path will report it
    amenities = raw_value(values[-1])
    attributes = hotel_attributes((*values[:-1], amenities), keys, problems)
    if problems or amenities is MISS or external_id is None or not name.strip():
        return None
    return remember(cache, key, hotel_ref(external_id, name, attributes))


def decoded_rating(value: int | float | str, scale: float) -> float | None:
    """A decoded line's rating as fields.number reads it, if within 1..scale; None if not sure."""
    if type(value) is not float:
        value = number(value)  # an int or a numeric string
        if value is None:
            return None
    return value if 1.0 <= value <= scale else None
