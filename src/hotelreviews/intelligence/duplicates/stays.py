"""Whether two near-identical reviews are one stay posted on two providers (a cross-post).

Guests copy their own review to a second site; that is one opinion, never fraud. The rule asks
for what one guest's two posts share: the same hotel, different providers, compatible names
("Anna K." and "Anna Kowalska"; a missing name does not contradict), the same country when both
are known, the same stay month when both are known, review dates close together, and ratings
close together (scales differ by provider, hence a tolerance on the normalised rating).
"""

from __future__ import annotations

import unicodedata

from hotelreviews.intelligence.duplicates.review import ReviewForDedup

MAX_DAYS_APART = 60
MAX_RATING_APART = 0.25


def _name_tokens(name: str) -> list[str]:
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    letters = "".join(c if c.isalnum() else " " for c in decomposed if not unicodedata.combining(c))
    return letters.split()


def names_compatible(first: str, second: str) -> bool:
    """Same first name, and same initial of the second name when both have one."""
    a, b = _name_tokens(first), _name_tokens(second)
    if not a or not b:
        return True
    if a[0] != b[0]:
        return False
    return len(a) < 2 or len(b) < 2 or a[1][0] == b[1][0]


def same_stay(first: ReviewForDedup, second: ReviewForDedup) -> bool:
    """Whether two reviews (already known near-identical) are one stay on two providers."""
    return (
        first.hotel_id == second.hotel_id
        and first.provider != second.provider
        and names_compatible(first.reviewer_name, second.reviewer_name)
        and (
            first.reviewer_country is None
            or second.reviewer_country is None
            or first.reviewer_country == second.reviewer_country
        )
        and (
            first.stay_month is None
            or second.stay_month is None
            or first.stay_month == second.stay_month
        )
        and abs((first.review_date - second.review_date).days) <= MAX_DAYS_APART
        and abs(first.rating - second.rating) <= MAX_RATING_APART
    )
