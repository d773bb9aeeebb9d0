"""A planted review's line: an ordinary line about its hotel, then its planted facts set.

Plants are rare (well under 1 % of lines), so they are made the slow, obvious way: the feed's
own line maker (restricted to the plant's hotel) writes a line from the plant's own seed, which
is drawn again until it is in English on the plant's provider, and the parsed line gets the
plant's rating, text, stay month and reviewer. Everything else looks like any other line.
"""

from __future__ import annotations

from random import Random
from typing import Any

import orjson

from hotelreviews.demo.catalog import TRAVELLERS
from hotelreviews.demo.phrases_en import EN
from hotelreviews.demo.planner import Plant
from hotelreviews.demo.providers import BOOKING, Feed
from hotelreviews.demo.records import Maker, rating_text
from hotelreviews.demo.sentences import labels_of
from hotelreviews.demo.texts import tier_of
from hotelreviews.demo.timeline import DAY_ISO, DAY_MONTH_YEAR

_TRAVELLER = {name: (tid, kind) for name, tid, kind, _ in TRAVELLERS}
_TRIES = 400  # Agoda syndicates 6 % and a quarter of reviewers write in other languages


def planted_line(*, plant: Plant, feed: Feed, make: Maker, seed: int) -> bytes:
    """The line of `plant` in `feed`'s shape; `make` writes lines about the plant's hotel."""
    rng = Random(seed)
    for _ in range(_TRIES):
        rec = orjson.loads(make(rng, plant.number, plant.day, (plant.minute,))[0])
        if feed.provider_id == 0 and rec["language"] == "en":
            _flat(rec, plant)
            break
        if feed.provider_id and (
            rec["comment"]["providerId"],
            rec["comment"]["translateSource"],
        ) == (feed.provider_id, "en"):
            _nested(rec, plant, feed)
            break
    else:  # pragma: no cover - the odds of 400 misses are nil
        raise RuntimeError(f"no English line for planted review {plant.number}")
    return orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE)


def _title(plant: Plant) -> str:
    titles = EN.titles[tier_of(plant.r10 / 10)]
    return titles[plant.number % len(titles)]


def _nested(rec: dict[str, Any], plant: Plant, feed: Feed) -> None:
    c = rec["comment"]
    c["rating"] = plant.r10 / 10
    c["formattedRating"] = f"{plant.r10 / 10:.1f}"
    c["ratingText"] = rating_text(plant.r10, feed)
    c["reviewTitle"] = _title(plant)
    c["reviewComments"] = plant.text
    if feed is BOOKING:
        c["reviewPositives"] = ", ".join(labels_of(EN, a)[0] for a, p in plant.labels if p)
        c["reviewNegatives"] = ", ".join(labels_of(EN, a)[1] for a, p in plant.labels if not p)
    if plant.stay_day is not None:
        c["checkInDateMonthAndYear"] = DAY_MONTH_YEAR[plant.stay_day]
    info = c["reviewerInfo"]
    if plant.country is not None:
        info["countryName"], info["countryId"], info["flagName"] = plant.country
    if plant.traveller is not None:
        info["reviewGroupName"] = plant.traveller
        info["reviewGroupId"] = _TRAVELLER[plant.traveller][0]


def _flat(rec: dict[str, Any], plant: Plant) -> None:
    rec["rating"] = max(1.0, min(5.0, round(plant.r10 / 10) / 2))
    rec["title"] = _title(plant)
    rec["comment"] = plant.text
    if plant.stay_day is not None:
        rec["stay_date"] = DAY_ISO[plant.stay_day]
    if plant.country is not None:
        rec["reviewer_country"] = plant.country[0]
    if plant.traveller is not None:
        rec["trip_type"] = _TRAVELLER[plant.traveller][1]
    if plant.reviewer is not None:
        rec["reviewer_name"] = plant.reviewer
