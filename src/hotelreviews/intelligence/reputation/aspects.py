"""The ten aspect keys, and the providers' grade names each one stands for.

Providers grade hotels on their own categories ("Room comfort and quality", "Staff & service",
"Free WiFi"); the index speaks only the ten keys every part of issue 16 uses. Names are matched
after lower-casing and collapsing spaces, so the same category spelled twice is one entry. A
category that fits no key (Expedia's "Eco-friendliness") is dropped rather than forced into
one. Expedia's "Property conditions & facilities" is about the state of the rooms more than
the pool, so it counts for `room` (as the demo's grade families do); "Amenities" for
`facilities`. The flat feed's sub-ratings (`service`, `comfort`, ...) use the same table.
"""

from __future__ import annotations

from hotelreviews.intelligence.keys import ASPECTS as ASPECT_KEYS

__all__ = ["ASPECT_KEYS", "aspect_of_grade"]

_GRADE_NAMES = {
    "cleanliness": ("cleanliness", "clean", "hygiene"),
    "location": ("location", "area", "neighbourhood", "neighborhood"),
    "staff": ("staff", "service", "staff & service", "staff and service", "hospitality"),
    "room": (
        "room",
        "rooms",
        "comfort",
        "room comfort",
        "room comfort and quality",
        "property conditions & facilities",
        "sleep quality",
    ),
    "value": ("value", "value for money", "price", "price/quality"),
    "food": ("food", "breakfast", "dining", "food & drinks", "restaurant"),
    "facilities": ("facilities", "amenities", "hotel facilities", "hotel condition"),
    "wifi": ("wifi", "free wifi", "wi-fi", "free wi-fi", "internet"),
    "noise": ("noise", "quietness", "quiet"),
    "checkin": ("check-in", "checkin", "check in", "check-in/check-out", "check-in & check-out"),
}
_KEY_OF_GRADE = {name: key for key, names in _GRADE_NAMES.items() for name in names}


def aspect_of_grade(name: str) -> str | None:
    """The aspect key a provider's grade name stands for, or None when it fits none."""
    return _KEY_OF_GRADE.get(" ".join(name.lower().split()))
