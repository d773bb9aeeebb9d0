"""The load's writes: small JSON Lines files of new reviews, dropped where the worker looks.

Each ingestion request writes one file of a few new reviews (the nested shape OTAs deliver)
for a hotel the mix picked, into the folder the worker polls (`cluster up`: <root>/inbox),
then POSTs its absolute path to /api/v1/ingestions with an Idempotency-Key. The worker finds
the file either way, so files are being ingested while the reads run, and every ingestion
changes a popular hotel's reviews (its cached pages stop being valid), as arrivals do.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime
from pathlib import Path

import orjson

from load_mix import Hotel

REVIEWS_PER_FILE = (3, 12)
# Review ids of the load's own: far above the demo's, distinct per run and file.
_ID_BASE = 9_000_000_000
_AGODA = 332
_TEXTS = (
    ("Lovely stay", "The room was spotless and the staff were friendly.", 9.2),
    ("Good value", "Breakfast was good and the location is central.", 8.0),
    ("Noisy at night", "The air conditioning was noisy and the bed was hard.", 5.6),
    ("Not again", "Check-in took an hour and the bathroom was dirty.", 3.2),
)


def review_lines(hotel: Hotel, *, run_id: int, number: int, rng: random.Random) -> list[bytes]:
    """A few new reviews for `hotel` as JSON lines (ids unique per run id < 1000 and file
    number < 10^13; below 2^63)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    count = rng.randint(*REVIEWS_PER_FILE)
    lines = []
    for index in range(count):
        title, text, rating = rng.choice(_TEXTS)
        review_id = _ID_BASE + ((run_id % 1000) * 10**13 + number) * 100 + index
        lines.append(
            orjson.dumps(
                {
                    "hotelId": int(hotel.external_id)
                    if (hotel.external_id or "").isdigit()
                    else hotel.id,
                    "platform": "Agoda",
                    "hotelName": hotel.name or f"Hotel {hotel.id}",
                    "comment": {
                        "hotelReviewId": review_id,
                        "providerId": _AGODA,
                        "rating": rating,
                        "reviewComments": text,
                        "reviewTitle": title,
                        "reviewDate": now,
                        "translateSource": "en",
                        "reviewerInfo": {"countryName": "Singapore", "reviewGroupName": "Couple"},
                    },
                }
            )
        )
    return lines


def write_source(inbox: Path, lines: list[bytes], *, run_id: int, number: int) -> Path:
    """Write the file whole before the worker can see it (a temporary name, then a rename)."""
    target = inbox / f"load-{run_id}-{number:013d}.jsonl"
    temporary = inbox / f".{target.name}.tmp"
    temporary.write_bytes(b"\n".join(lines) + b"\n")
    os.replace(temporary, target)
    return target.resolve()
