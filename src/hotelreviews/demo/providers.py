"""The feeds the demo writes and the hotel standings (`overallByProviders`) the OTAs attach."""

from __future__ import annotations

import math
from dataclasses import dataclass

from hotelreviews.demo.hotels import Hotel


@dataclass(frozen=True, slots=True)
class Feed:
    key: str
    provider_id: int  # 0 for the hotel group's own feed
    name: str
    file_prefix: str
    share: float  # share of all reviews
    bias: float  # how this provider's scores sit relative to the hotel's quality
    id_base: int  # provider review ids: id_base + a scramble of the review number
    grades: tuple[tuple[str, str], ...]  # (grade name as the provider spells it, family)


AGODA = Feed(
    "agoda", 332, "Agoda", "agoda_com", 0.36, 0.0, 100_000_000,
    (("Cleanliness", "clean"), ("Facilities", "facilities"), ("Location", "location"),
     ("Room comfort and quality", "comfort"), ("Service", "service"),
     ("Value for money", "value")),
)  # fmt: skip
EXPEDIA = Feed(
    "expedia", 333, "Expedia", "expedia_com", 0.19, 0.1, 30_000_000,
    (("Cleanliness", "clean"), ("Staff & service", "service"), ("Amenities", "facilities"),
     ("Property conditions & facilities", "comfort"), ("Eco-friendliness", "eco")),
)  # fmt: skip
BOOKING = Feed(
    "booking", 334, "Booking.com", "booking_com", 0.31, -0.25, 900_000_000,
    (("Staff", "service"), ("Facilities", "facilities"), ("Cleanliness", "clean"),
     ("Comfort", "comfort"), ("Value for money", "value"), ("Location", "location"),
     ("Free WiFi", "wifi")),
)  # fmt: skip
GROUP = Feed("group", 0, "Azalea Hotels", "group_feed", 0.14, 0.1, 0, ())

OTAS = (AGODA, EXPEDIA, BOOKING)
FEEDS = (AGODA, EXPEDIA, BOOKING, GROUP)
BY_PROVIDER_ID = {f.provider_id: f for f in OTAS}
SNAPSHOT_MONTHS = 3
_ECO_FROM_MONTH = 18  # Expedia added "Eco-friendliness" in mid-2024: grade keys change over time
_ID_SPAN = 1 << 30
_ID_MULT = 0x2545F491  # odd, so i -> (i * _ID_MULT + c) mod 2**30 is a bijection


def review_id(feed: Feed, i: int) -> int:
    """The provider's review id for review number i: unique, stable, not sequential."""
    return feed.id_base + (i * _ID_MULT + 12_345) % _ID_SPAN


# tenths of a point -> JSON with one decimal, clamped to 1.0..10.0; index 200 + tenths
_TENTHS = tuple(f"{min(100, max(10, k - 200)) / 10:.1f}" for k in range(500))


def _score(x: float) -> str:
    return _TENTHS[200 + int(x * 10 + 0.5)] if -20 < x < 30 else _TENTHS[200]


def standing(hotel: Hotel, feed: Feed, month: int) -> str:
    """The hotel's score, review count and grades on one OTA in a given month, as JSON."""
    drift = 0.15 * math.sin(month / 5.0 + hotel.phase) + 0.004 * month
    score = hotel.mu + feed.bias + drift - 0.2
    base = 200 + int(score * 10 + 0.5)
    tenths, missing = hotel.tenths, hotel.missing_grade
    # a grade may be absent, and grade keys change over time
    skip = {"eco"} if month < _ECO_FROM_MONTH else set()
    if "wifi" not in hotel.amenities:
        skip.add("wifi")
    grades = ",".join([
        f'"{label}":{_TENTHS[base + tenths[family]]}'
        for k, (label, family) in enumerate(feed.grades)
        if k != missing and family not in skip
    ])  # fmt: skip
    count = int(hotel.popularity * feed.share * (900 + 55 * month) * (1 + hotel.stars / 5))
    return (
        f'{{"providerId":{feed.provider_id},"provider":"{feed.name}","overallScore":'
        f'{_score(score)},"reviewCount":{count},"grades":{{{grades}}}}}'
    )


class Standings:
    """One platform's `overallByProviders` lists, as line endings, cached by hotel and provider.

    Snapshots are refreshed quarterly (as exporters that cache hotel data do), so the files of
    a quarter share one `Standings`. Line makers read `cache` directly, by
    `hotel.idx * 1024 + provider_id`.
    """

    def __init__(self, platform: Feed, month: int) -> None:
        self.platform = platform
        self.month = month - month % SNAPSHOT_MONTHS
        self.cache: dict[int, bytes] = {}

    def get(self, hotel: Hotel, provider_id: int) -> bytes:
        key = hotel.idx * 1024 + provider_id
        frag = self.cache.get(key)
        if frag is None:
            feeds = [self.platform]
            if provider_id != self.platform.provider_id:  # a review syndicated from another OTA
                feeds.append(BY_PROVIDER_ID[provider_id])
            listing = ",".join(standing(hotel, f, self.month) for f in feeds)
            frag = f"[{listing}]}}\n".encode()  # closes the line too: saves a piece per line
            self.cache[key] = frag
        return frag
