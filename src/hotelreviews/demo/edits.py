"""Edited re-deliveries and broken lines: the two ways the demo files are imperfect on purpose."""

from __future__ import annotations

from random import Random

import orjson

from hotelreviews.demo.providers import BY_PROVIDER_ID
from hotelreviews.demo.records import Record, rating_text
from hotelreviews.demo.texts import Texts, tier_of
from hotelreviews.demo.timeline import DAY_ISO, DAY_LONG

_EXPEDIA = 333


def edit_nested(rec: Record, rng: Random, texts: Texts, day: int) -> None:
    """The reviewer changed the rating and added an update; the hotel often answered meanwhile."""
    c = rec["comment"]
    old = c["rating"]
    up = rng.random() < 0.65
    if c["providerId"] == _EXPEDIA:
        new = old + (2.0 if up else -2.0)
        if not 2.0 <= new <= 10.0:
            new, up = old - (2.0 if up else -2.0), not up
    else:
        step = round(0.4 + 1.6 * rng.random(), 1)
        new = round(old + (step if up else -step), 1)
        if not 1.0 <= new <= 10.0:
            new, up = round(old - (step if up else -step), 1), not up
    c["rating"] = new
    c["formattedRating"] = f"{new:.1f}"
    c["ratingText"] = rating_text(round(new * 10), BY_PROVIDER_ID[c["providerId"]])
    lang = c["translateSource"]
    update = texts.update(lang, up, int(rng.random() * 8))
    c["reviewComments"] = f"{c['reviewComments']} {update}".strip()
    if not c["isShowReviewResponse"] and rng.random() < 0.7:
        c["isShowReviewResponse"] = True
        c["responderName"] = rec["hotelName"]
        c["responseText"] = texts.response(lang, tier_of(new), int(rng.random() * 8))
        c["formattedResponseDate"] = DAY_LONG[day]


def edit_flat(rec: Record, rng: Random, texts: Texts, day: int) -> None:
    """The flat-shape counterpart of `edit_nested` (5-point scale, response in metadata)."""
    old = float(rec["rating"])
    up = rng.random() < 0.65
    step = 0.5 * (1 + int(rng.random() * 3))
    new = old + (step if up else -step)
    if not 1.0 <= new <= 5.0:
        new, up = old - (step if up else -step), not up
    rec["rating"] = new
    lang = rec["language"]
    rec["comment"] = f"{rec['comment']} {texts.update(lang, up, int(rng.random() * 8))}"
    meta = rec["metadata"]
    if "hotel_response" not in meta and rng.random() < 0.7:
        meta["hotel_response"] = {
            "text": texts.response(lang, tier_of(new * 2), int(rng.random() * 8)),
            "date": DAY_ISO[day],
            "responder": f"Guest Relations, {rec['hotel_name']}",
        }


# Ways a line arrives broken, with weights. "blank" lines are counted apart: ingesters skip them.
BROKEN_KINDS = (
    ("truncated", 20), ("missing_field", 18), ("out_of_range", 12), ("bad_date", 12),
    ("nan", 8), ("non_numeric", 10), ("array", 6), ("garbage", 4), ("wrong_type", 5),
    ("blank", 5),
)  # fmt: skip
_KIND_TABLE = tuple(k for k, w in BROKEN_KINDS for _ in range(w))
_NESTED_REQUIRED = (
    ("hotelId",), ("hotelName",), ("comment", "hotelReviewId"), ("comment", "providerId"),
    ("comment", "rating"), ("comment", "reviewDate"),
)  # fmt: skip
_FLAT_REQUIRED = (("id",), ("hotel_id",), ("hotel_name",), ("rating",), ("comment",),
                  ("review_date",))  # fmt: skip
_BAD_DATES = ("yesterday afternoon", "31/13/2025 25:61", "2025-02-30T10:00:00+07:00", "N/A",
              "2024-13-01", "0000-00-00 00:00:00")  # fmt: skip
_GARBAGE = (b"<html><body><h1>503 Service Unavailable</h1></body></html>", b"null",
            b"--- export continued in next file ---", b'"review"')  # fmt: skip
_NAN = b'"__demo_nan__"'


def _dig(rec: Record, nested: bool) -> tuple[Record, str, str]:
    """(the dict holding the rating, the rating key, the date key) of a record."""
    if nested:
        return rec["comment"], "rating", "reviewDate"
    return rec, "rating", "review_date"


def broken_line(rec: Record, *, nested: bool, rng: Random, seq: int) -> tuple[str, bytes]:
    """(kind, line) for a damaged copy of `rec`. `rec` is mutated: pass a record already written."""
    kind = _KIND_TABLE[int(rng.random() * len(_KIND_TABLE))]
    if kind == "blank":
        return kind, b"\n"
    if nested:  # a fresh id so a lenient reader can never mistake it for a real review
        rec["comment"]["hotelReviewId"] = 1_900_000_000 + seq
    else:
        rec["id"] = f"gh-x{seq:010d}"
    holder, rating, date = _dig(rec, nested)
    if kind == "truncated":
        raw = orjson.dumps(rec)
        cut = int(len(raw) * (0.2 + 0.7 * rng.random()))
        while cut > 1 and raw[cut] & 0xC0 == 0x80:  # cut between characters, not inside one
            cut -= 1
        return kind, raw[:cut] + b"\n"
    if kind == "missing_field":
        path = (_NESTED_REQUIRED if nested else _FLAT_REQUIRED)[int(rng.random() * 6)]
        target = rec if len(path) == 1 else rec[path[0]]
        del target[path[-1]]
    elif kind == "out_of_range":
        values = (12.5, 47, -3.0, 100) if nested else (0, 6.5, 9, -1, 10)
        holder[rating] = values[int(rng.random() * len(values))]
    elif kind == "bad_date":
        holder[date] = _BAD_DATES[int(rng.random() * len(_BAD_DATES))]
    elif kind == "nan":
        holder[rating] = _NAN.strip(b'"').decode()
        return kind, orjson.dumps(rec).replace(_NAN, b"NaN") + b"\n"
    elif kind == "non_numeric":
        holder[rating] = ("seven", "n/a", "good", "eight point five")[int(rng.random() * 4)]
    elif kind == "wrong_type":
        if nested:
            rec["comment"]["hotelReviewId"] = [rec["comment"]["hotelReviewId"]]
        else:
            rec["hotel_id"] = {"code": rec["hotel_id"]}
    elif kind == "array":
        return kind, b"[" + orjson.dumps(rec) + b"]\n"
    else:
        return kind, _GARBAGE[int(rng.random() * len(_GARBAGE))] + b"\n"
    return kind, orjson.dumps(rec) + b"\n"
