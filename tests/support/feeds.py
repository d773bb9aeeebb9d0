"""Small, deterministic provider files for tests: both shapes, edits and broken lines."""

from __future__ import annotations

import random
from pathlib import Path

import orjson


def nested_line(
    *,
    hotel: int,
    review: int,
    rating: float,
    text: str,
    day: int = 1,
    provider: int = 332,
    traveller: str = "Couple",
) -> dict:
    return {
        "hotelId": hotel,
        "platform": "Agoda",
        "hotelName": f"Hotel {hotel}",
        "comment": {
            "hotelReviewId": review,
            "providerId": provider,
            "rating": rating,
            "reviewTitle": f"Title {review}",
            "reviewComments": text,
            "reviewDate": f"2025-03-{day:02d}T10:00:00+07:00",
            "translateSource": "en",
            "reviewerInfo": {
                "countryName": "France",
                "reviewGroupName": traveller,
                "roomTypeName": "Deluxe",
                "lengthOfStay": 2,
            },
        },
        "overallByProviders": [
            {
                "providerId": provider,
                "provider": "Agoda",
                "overallScore": 8.1,
                "reviewCount": 100 + hotel,
                "grades": {"Cleanliness": 8.0, "Location": 9.0},
            }
        ],
    }


def flat_line(*, hotel: str, review: str, rating: float, text: str, day: int = 1) -> dict:
    return {
        "id": review,
        "hotel_id": hotel,
        "hotel_name": f"Group hotel {hotel}",
        "rating": rating,
        "comment": text,
        "review_date": f"2024-11-{day:02d}T10:00:00Z",
        "trip_type": "business",
        "language": "en",
        "hotel_city": "Lisbon",
        "hotel_country": "Portugal",
        "service_rating": 4.0,
        "cleanliness_rating": 4.5,
    }


def write_mixed_feed(path: Path, *, lines: int, seed: int = 7) -> None:
    """About `lines` lines: mostly new reviews, some re-delivered edits, some broken lines."""
    rng = random.Random(seed)
    words = ["clean", "quiet", "friendly", "noisy", "breakfast", "pool", "view", "staff"]
    out: list[bytes] = []
    issued = 0
    for number in range(lines):
        roll = rng.random()
        text = " ".join(rng.choice(words) for _ in range(8))
        if roll < 0.04:
            out.append(b'{"hotelId": 1, "comment": {"rating": 7')  # truncated
        elif roll < 0.06:
            out.append(b"")
        elif roll < 0.12 and issued:
            again = rng.randrange(issued)  # an edited re-delivery of an earlier review
            out.append(
                orjson.dumps(
                    nested_line(
                        hotel=again % 40,
                        review=10_000 + again,
                        rating=rng.choice([2.0, 5.5, 9.9]),
                        text="Update: " + text,
                        day=1 + again % 28,
                    )
                )
            )
        elif roll < 0.25:
            out.append(
                orjson.dumps(
                    flat_line(
                        hotel=f"GH-{number % 7}",
                        review=f"gh-{number}",
                        rating=rng.choice([1, 2.5, 4, 5]),
                        text=text,
                        day=1 + number % 28,
                    )
                )
            )
        else:
            out.append(
                orjson.dumps(
                    nested_line(
                        hotel=issued % 40,
                        review=10_000 + issued,
                        rating=round(rng.uniform(1, 10), 1),
                        text=text,
                        day=1 + issued % 28,
                        traveller=rng.choice(["Couple", "Solo traveler", "Family with teens"]),
                    )
                )
            )
            issued += 1
    path.write_bytes(b"\n".join(out) + b"\n")
