"""Shared provider and hotel refs, and the optional hotel attributes both shapes may carry.

Refs are frozen and shared between lines (see memo): a file repeats the same few hotels and
providers on every line, and building a frozen dataclass costs more than looking one up.
"""

from __future__ import annotations

from typing import Any

from hotelreviews.ingestion.shapes import fields as f
from hotelreviews.ingestion.shapes.memo import remember
from hotelreviews.ingestion.shapes.records import HotelRef, ProviderRef

# (city, country, address, star rating, latitude, longitude, amenities) keys of one shape.
HotelKeys = tuple[str, str, str, str, str, str, str]
HotelAttributes = tuple[
    str | None, str | None, str | None, float | None, float | None, float | None,
    tuple[str, ...] | None,
]  # fmt: skip

_providers: dict[tuple[str, str | None, float], ProviderRef] = {}
_hotels: dict[tuple[Any, ...], HotelRef] = {}


def provider_ref(key: str, name: str | None, scale: float) -> ProviderRef:
    """The (shared) ProviderRef for a provider key, name and rating scale."""
    ref = _providers.get((key, name, scale))
    if ref is None:
        ref = remember(_providers, (key, name, scale), ProviderRef(key, name, scale))
    return ref


def hotel_ref(external_id: str, name: str, attributes: HotelAttributes) -> HotelRef:
    """The (shared) HotelRef for a hotel id, name and optional attributes."""
    key = (external_id, name, *attributes)
    ref = _hotels.get(key)
    if ref is None:
        ref = remember(_hotels, key, HotelRef(external_id, name, *attributes))
    return ref


def hotel_attributes(
    values: tuple[Any, ...], keys: HotelKeys, problems: f.Problems
) -> HotelAttributes:
    """The optional hotel attributes from a line's values for `keys` (range problems recorded).

    Junk in a text or number becomes None; a number out of its range is a problem, because it
    says the feed means something else than we think (a 10-point star scale, swapped axes).
    """
    city, country, address, stars, latitude, longitude, amenities = values
    if stars is latitude is longitude is None:  # the usual case, kept cheap
        numbers: tuple[float | None, ...] = (None, None, None)
    else:
        numbers = (
            f.lenient_number(stars, keys[3], problems, 0.0, 5.0),
            f.lenient_number(latitude, keys[4], problems, -90.0, 90.0),
            f.lenient_number(longitude, keys[5], problems, -180.0, 180.0),
        )
    return (f.text(city), f.text(country), f.text(address), *numbers, amenity_list(amenities))


def amenity_list(value: Any) -> tuple[str, ...] | None:
    """Amenities as a tuple of non-empty strings; None when the line names none."""
    if type(value) is not list:
        return None
    # Non-string entries are feed noise; an empty list tells us nothing, so it stays unknown.
    return tuple(item for item in value if type(item) is str and item) or None
