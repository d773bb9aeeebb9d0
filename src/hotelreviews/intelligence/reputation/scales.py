"""Provider rating scales, and a rating's position on its provider's own range (0..1).

A rating means nothing without the range it was given on: 6.0 is the bottom third of
Booking.com's 1–10 scale but a fifth of the way up its old 2.5–10 one, and 4.0 on a hotel
group's 1–5 feed is three quarters of the way up. Dividing by the scale's maximum (what
`rating_normalized` does) ignores the minimum, so it favours providers whose scale starts
high. Each rating is therefore placed on its provider's range as it was on the review's date:
`(rating - minimum) / (maximum - minimum)`, clamped to 0..1.

Known scales (keys as the feeds name providers, case-insensitive; the nested shape's provider
ids "332"/"333"/"334" are aliases). These are assumptions from the providers' public help pages
as remembered and from the issue, not from a contract; correct them here when a provider says
otherwise:

- Booking.com: 2.5–10 for reviews before 2019-01-01 (the old form averaged category scores
  whose lowest answer counted 2.5), 1–10 from then on (a single 1–10 score). The switch date
  is the issue's; Booking.com rolled it out over 2019, so reviews of that year sit near the
  boundary either way.
- Agoda: 2–10. Agoda's overall is an average of category scores whose lowest answer is
  above 1; the issue only says "starts above 1", and the lowest Agoda overall seen in
  practice is about 2.
- Expedia: 1–10 (guest ratings on a 10-point scale; older 1–5 stars were delivered converted).
- Hotel-group feeds (`feed:<source>`, the flat shape): 1–5.

Unknown providers: the delivered `rating_scale` as the maximum and **1 as the minimum** (every
star-like scale in the feeds starts at 1). Not learned from the lowest rating observed: that
would change every earlier review's position whenever a new low rating arrives, so the index
could no longer be kept incrementally, one review could move it without bound, and a hotel
that happens to have no bad reviews would define its provider's range.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

UNKNOWN_PROVIDER_MINIMUM = 1.0


@dataclass(frozen=True, slots=True)
class ProviderScale:
    """A provider's rating range, effective for reviews dated from `valid_from` (inclusive)
    to `valid_until` (exclusive); None is open-ended."""

    minimum: float
    maximum: float
    valid_from: date | None = None
    valid_until: date | None = None

    def __post_init__(self) -> None:
        if not self.maximum > self.minimum:
            raise ValueError(f"scale maximum {self.maximum} must exceed minimum {self.minimum}")

    def covers(self, day: date) -> bool:
        """Whether a review dated `day` was given on this scale."""
        after_start = self.valid_from is None or day >= self.valid_from
        before_end = self.valid_until is None or day < self.valid_until
        return after_start and before_end

    def position(self, rating: float) -> float:
        """The rating's place on this range, 0 (minimum) .. 1 (maximum), clamped."""
        share = (rating - self.minimum) / (self.maximum - self.minimum)
        return min(1.0, max(0.0, share))


_BOOKING_SWITCH = date(2019, 1, 1)

KNOWN_SCALES: Mapping[str, tuple[ProviderScale, ...]] = {
    "booking.com": (
        ProviderScale(minimum=2.5, maximum=10.0, valid_until=_BOOKING_SWITCH),
        ProviderScale(minimum=1.0, maximum=10.0, valid_from=_BOOKING_SWITCH),
    ),
    "agoda": (ProviderScale(minimum=2.0, maximum=10.0),),
    "expedia": (ProviderScale(minimum=1.0, maximum=10.0),),
}
# The nested shape's provider ids (ingestion/shapes/nested.py KNOWN_PROVIDERS).
_ALIASES = {"332": "agoda", "333": "expedia", "334": "booking.com"}
_HOTEL_GROUP_FEED = ProviderScale(minimum=1.0, maximum=5.0)


def scale_for(*, provider: str, rating_scale: float, review_date: date) -> ProviderScale:
    """The range a rating from `provider` dated `review_date` was given on."""
    if isinstance(review_date, datetime):  # a datetime does not compare with a date
        review_date = review_date.date()
    key = provider.strip().lower()
    key = _ALIASES.get(key, key)
    if key.startswith("feed:") and rating_scale == _HOTEL_GROUP_FEED.maximum:
        return _HOTEL_GROUP_FEED
    for scale in KNOWN_SCALES.get(key, ()):
        # A known scale applies only if the feed delivered the maximum we expect: a feed that
        # says otherwise has converted the ratings, and its own scale is the better guess.
        if scale.covers(review_date) and scale.maximum == rating_scale:
            return scale
    if rating_scale <= UNKNOWN_PROVIDER_MINIMUM:  # a 0..1 share, not a star-like scale
        return ProviderScale(minimum=0.0, maximum=rating_scale)
    return ProviderScale(minimum=UNKNOWN_PROVIDER_MINIMUM, maximum=rating_scale)


def normalise(*, provider: str, rating: float, rating_scale: float, review_date: date) -> float:
    """The rating's position on its provider's range on that date, 0..1."""
    scale = scale_for(provider=provider, rating_scale=rating_scale, review_date=review_date)
    return scale.position(rating)
