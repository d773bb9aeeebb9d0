"""A hotel's competitive set: the hotels of its city and star band, and its rank among them.

Bands: ≤2 stars, 3, 4, 5 (half stars go down: 3.5 is band 3, 4.5 band 4), and unknown stars
as a band of their own — a hotel with no star rating is compared with the other unrated ones,
not guessed into a band. Cities match case- and space-insensitively; a hotel whose city is
unknown has no competitors (a set of one), since "somewhere" is no market.

Rank is competition ranking ("1224"): 1 + the number of members with a strictly higher index,
so hotels with equal indices share a rank and the next rank is skipped. Indices within 1e-9
count as equal, so rounding in the sums never splits a tie. Members are listed best first,
ties by hotel id.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

_TIE = 1e-9


@dataclass(frozen=True, slots=True)
class HotelStanding:
    """A hotel's place in the market: its city, stars and index."""

    hotel_id: str
    city: str | None
    stars: float | None
    index: float


@dataclass(frozen=True, slots=True)
class CompetitiveSet:
    """A hotel's rank (1 = best) among its set's members, best first."""

    hotel_id: str
    band: str
    rank: int
    size: int
    members: tuple[HotelStanding, ...]


def star_band(stars: float | None) -> str:
    """The star band: "<=2", "3", "4", "5" or "unknown"."""
    if stars is None or not math.isfinite(stars):
        return "unknown"
    whole = math.floor(stars)
    return "<=2" if whole <= 2 else str(min(whole, 5))


def _city(city: str | None) -> str | None:
    return " ".join(city.lower().split()) or None if city else None


def competitive_set(*, hotels: Sequence[HotelStanding], hotel_id: str) -> CompetitiveSet:
    """The set of `hotel_id` among `hotels`; KeyError if it is not one of them."""
    hotel = next((h for h in hotels if h.hotel_id == hotel_id), None)
    if hotel is None:
        raise KeyError(hotel_id)
    band, city = star_band(hotel.stars), _city(hotel.city)
    if city is None:
        members: list[HotelStanding] = [hotel]
    else:
        members = [h for h in hotels if _city(h.city) == city and star_band(h.stars) == band]
    members.sort(key=lambda h: (-h.index, h.hotel_id))
    rank = 1 + sum(1 for h in members if h.index > hotel.index + _TIE)
    return CompetitiveSet(
        hotel_id=hotel_id, band=band, rank=rank, size=len(members), members=tuple(members)
    )
