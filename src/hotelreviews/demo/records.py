"""Build review lines in the nested OTA shape from a seeded random stream (the hot path).

Everything that does not depend on the review is prepared once as JSON bytes (hotel heads,
escaped texts, reviewer profiles, rating blocks); a review draws two 64-bit integers whose
bit fields pick hotel, rating, country, text, traveller and so on, and the line is one
`bytes.join` of ready-made pieces. That is several times faster than building a dict and
serialising it, and gives the same compact JSON (the tests parse every line). Makers work a
day at a time to save a Python call per line.
"""

from __future__ import annotations

from base64 import b64encode
from collections.abc import Callable, Sequence
from random import Random
from statistics import NormalDist
from typing import Any

import orjson

from hotelreviews.demo.catalog import COUNTRIES, TRAVELLERS
from hotelreviews.demo.hotels import Hotel, pick_table
from hotelreviews.demo.providers import AGODA, BOOKING, EXPEDIA, GROUP, OTAS, Feed, Standings
from hotelreviews.demo.texts import EMPTY_POOL, POOL_BITS, PlanBytes, Pools, Texts, jb, tier_of
from hotelreviews.demo.timeline import DAY_ISO, DAY_LONG, DAY_MONTH_YEAR, HHMM, LAST_INDEX

Record = dict[str, Any]
# (rng, number of the first review, day, minutes of the reviews that day) -> their lines
Maker = Callable[[Random, int, int, Sequence[int]], list[bytes]]
# (head before the comment, sentence pools, tail after it): a plan as a line maker uses it
TextPlan = tuple[bytes, Pools, bytes]

POOL_MASK = (1 << POOL_BITS) - 1
NORMAL = tuple(NormalDist().inv_cdf((k + 0.5) / 4096) for k in range(4096))
LOS = (1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 6, 7, 7, 8, 10,
       12, 14)  # fmt: skip
_REVIEWED = (0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 6, 7, 8, 9, 11, 13, 16,
             21, 28, 40, 65, 120)  # fmt: skip
# Fixed pieces of a nested line, each fused with the JSON text that follows it, so that a line
# is a join of 17 pieces rather than ~35.
# index: length of stay (5 bits) | reviews the reviewer wrote (5 bits) << 5
_STAY_AND_COUNT = tuple(
    f'{LOS[k & 31]},"reviewerReviewedCount":{_REVIEWED[k >> 5]},"isExpertReviewer":false,'
    '"isShowGlobalIcon":false,"isShowReviewedCount":false}},"overallByProviders":'.encode()
    for k in range(1024)
)
_MASKS = ("*****", "*****", "********", "******")
ID_SPAN, ID_MULT = 1 << 30, 0x2545F491  # the same as providers.review_id, inlined for speed
R10_TIER = tuple(tier_of(r / 10) for r in range(101))
# rating in tenths, index 60 + round(10 * x): 1.0..10.0 in steps of 0.1, or Expedia's 2, 4 .. 10
_R10_DECIMAL = tuple(min(100, max(10, t - 60)) for t in range(260))
_R10_EXPEDIA = tuple(min(100, max(20, 20 * int((t - 60) / 20 + 0.5))) for t in range(260))
BAD_RATING = tuple(1.0 + 5.0 * (k + 0.5) / 4096 for k in range(4096))  # uniform 1..6
# days between check-out and review: the product of two uniforms times 40, as 64 quantiles
STAY_LAG = tuple(sorted(int(40 * (a + 0.5) * (b + 0.5) / 64) for a in range(8) for b in range(8)))
DAY_B = tuple(d.encode() for d in DAY_ISO)
TIME_B = tuple(f"T{t}:00".encode() for t in HHMM)
_DATE_B = tuple(f'"reviewDate":"{d}'.encode() for d in DAY_ISO)
_LONG_DATE_B = tuple(f'{d}","checkInDateMonthAndYear":"'.encode() for d in DAY_LONG)
_NO_LONG_DATE = b'","checkInDateMonthAndYear":"'
_DATE_MID = b'","formattedReviewDate":"'
_EXPEDIA_MID, _BOOKING_MID = b"Z" + _DATE_MID, b"+00:00" + _DATE_MID
_ROOM_TAIL = b'","roomTypeId":0,"lengthOfStay":'
_STAY_B = tuple(f'{d}","encryptedReviewData":"'.encode() for d in DAY_MONTH_YEAR)
_RESPONSE_DATE_B = tuple(f'{d}","responseTranslateSource":"'.encode() for d in DAY_LONG)


def weighted_table(pairs: list[tuple[Any, float]], size: int) -> tuple[Any, ...]:
    """A table of exactly `size` slots where each item fills a share proportional to its weight."""
    total = sum(w for _, w in pairs)
    flat: list[Any] = []
    for item, w in pairs:
        flat.extend([item] * max(1, round(w / total * size * 4)))
    return tuple(flat[k * len(flat) // size] for k in range(size))


def rating_text(r10: int, feed: Feed) -> str:
    if feed is EXPEDIA:
        return ("Terrible", "Poor", "Okay", "Good", "Excellent")[max(0, r10 // 20 - 1)]
    for floor, text in ((90, "Exceptional"), (80, "Excellent"), (70, "Very good"), (60, "Good")):
        if r10 >= floor:
            return text
    return "Fair" if r10 >= 50 else "Poor"


def _text_plan(plan: PlanBytes, booking: bool, lang: str) -> TextPlan:
    """A plan's fixed pieces around the comment, for one language and feed kind."""
    title, pools, good, bad = plan
    if not booking:  # only Booking.com splits what guests liked and disliked
        good = bad = b""
    head = b'"reviewTitle":"' + title + b'","reviewComments":"'
    tail = b"".join((
        b'","reviewPositives":"', good, b'","reviewNegatives":"', bad, b'","translateSource":"',
        lang.encode(), b'","translateTarget":"en","originalTitle":"","originalComment":"",',
    ))  # fmt: skip
    return head, pools, tail


def _hotel_attributes(hotel: Hotel, *, full: bool) -> bytes:
    """The optional hotel keys of the nested shape: every OTA names the city, country and
    stars; Agoda (`full`) also the address, coordinates and amenities."""
    attributes: dict[str, Any] = {
        "hotelCity": hotel.city.name,
        "hotelCountry": hotel.city.country,
        "hotelStarRating": hotel.stars,
    }
    if full:
        attributes |= {
            "hotelAddress": hotel.address,
            "hotelLatitude": hotel.lat,
            "hotelLongitude": hotel.lon,
            "hotelAmenities": list(hotel.amenities),
        }
    return orjson.dumps(attributes)[1:-1] + b","


class Records:
    """Lookup tables shared by the line makers of both shapes."""

    def __init__(self, *, hotels: list[Hotel], texts: Texts, seed: int) -> None:
        self.hotels = hotels
        self.texts = texts
        rng = Random(f"records/{seed}")
        self.tables = {
            f.key: pick_table([h for h in hotels if h.listed[k]]) or pick_table(hotels)
            for k, f in enumerate(OTAS)
        }
        self.tables[GROUP.key] = pick_table([h for h in hotels if h.group_id])
        profiles = []
        for name, cid, flag, weight, langs, surnames in COUNTRIES:
            head = f'"reviewerInfo":{{"countryName":"{name}","countryId":{cid},"flagName":"{flag}"'
            tokens = langs.split()
            for lang in tokens:
                profile = (head.encode(), name.encode(), lang, tuple(surnames.split("|")))
                profiles.append((profile, weight / len(tokens)))
        self.profiles = weighted_table(profiles, 1024)
        self.travellers = weighted_table([(t[:3], t[3]) for t in TRAVELLERS], 128)
        self.info_mid = tuple(  # index: traveller * 4 + mask
            f',"displayMemberName":"{mask}","reviewGroupName":"{name}",'
            f'"reviewGroupId":{tid},"roomTypeName":"'.encode()
            for name, tid, _ in self.travellers
            for mask in _MASKS
        )
        self.secrets = tuple(b64encode(rng.randbytes(16)) + b'",' for _ in range(4096))
        self.rating_blocks = {
            f.key: tuple(
                f'"providerId":{f.provider_id},"rating":{r / 10:.1f},"formattedRating":'
                f'"{r / 10:.1f}","ratingText":"{rating_text(r, f)}","reviewProviderText":'
                f'"{f.name}","reviewProviderLogo":"",'.encode()
                for r in range(101)
            )
            for f in OTAS
        }
        self.names = [jb(h.name) for h in hotels]  # hotels[k].idx == k
        self.rooms = [tuple(jb(r) for r in h.rooms) for h in hotels]
        # 16 slots per hotel, cycling through its room types, picked by 4 random bits
        self.rooms_tail = [tuple(rooms[k % len(rooms)] + _ROOM_TAIL for k in range(16))
                           for rooms in self.rooms]  # fmt: skip
        self.agoda_mid = [h.city.utc_offset.encode() + _DATE_MID for h in hotels]
        # per hotel, thresholds for bit fields: 12 bits for a bad stay, 9 bits for an answer
        self.bad_below = [round(h.bad * 4096) for h in hotels]
        self.answer_bad = [round(min(1.0, h.respond * 1.5) * 512) for h in hotels]
        self.answer_good = [round(h.respond * 0.8 * 512) for h in hotels]
        self.heads = {
            f.key: [
                f'{{"hotelId":{h.hotel_id},"platform":"{f.name}","hotelName":"'.encode()
                + self.names[h.idx]
                + b'",'
                + _hotel_attributes(h, full=k == 0)
                + b'"comment":{"hotelReviewId":'
                for h in hotels
            ]
            for k, f in enumerate(OTAS)
        }
        plans = texts.plans_json
        self.text_plans = {
            (lang, booking): tuple(
                tuple(_text_plan(plan, booking, lang) for plan in tier) for tier in plans[lang]
            )
            for lang in plans
            for booking in (False, True)
        }
        self.no_response = {
            lang: b'"isShowReviewResponse":false,"responderName":"","responseText":"",'
            b'"responseDateText":"","formattedResponseDate":"","responseTranslateSource":"'
            + lang.encode()
            + b'",'
            for lang in plans
        }
        self.flat_seen = bytearray(len(hotels))  # 1 for each group hotel written in the flat shape
        # what a nested line needs of a profile: (reviewerInfo head, language, text plans for
        # other OTAs and for Booking.com by tier, the empty response block in that language)
        self.nested_profiles = tuple(
            (head, lang, self.text_plans[lang, False], self.text_plans[lang, True],
             self.no_response[lang])
            for head, _, lang, _ in self.profiles
        )  # fmt: skip

    def nested_maker(
        self, platform: Feed, standings: Standings, *, only: Hotel | None = None
    ) -> Maker:
        """A function making lines in the nested shape for `platform`'s file of one month
        (about the hotel `only` when given: planted reviews)."""
        table = (only,) if only is not None else self.tables[platform.key]
        heads, names, profiles = self.heads[platform.key], self.names, self.nested_profiles
        info_mid, secrets = self.info_mid, self.secrets
        city_lines, responses = self.texts.city_lines_json, self.texts.responses_json
        rating_blocks, cache = self.rating_blocks, standings.cache
        rooms_of, agoda_mid = self.rooms_tail, self.agoda_mid
        bad_below, answer_bad, answer_good = self.bad_below, self.answer_bad, self.answer_good
        mask = len(table) - 1
        is_agoda = platform is AGODA

        def make(rng: Random, first: int, day: int, minutes: Sequence[int]) -> list[bytes]:
            getbits, out = rng.getrandbits, []
            date, long_day = _DATE_B[day], _LONG_DATE_B[day]
            for i, minute in enumerate(minutes, first):
                # Two 64-bit draws whose bit fields stand in for a dozen random() calls.
                bits, more = getbits(64), getbits(64)
                hotel = table[more & mask]  # bits 0-19
                idx = hotel.idx
                feed = platform
                if is_agoda and (more >> 20) & 63 < 4:  # 6%: Agoda delivers reviews it syndicates
                    feed = BOOKING if (more >> 26) & 7 < 5 else EXPEDIA
                if (more >> 29) & 4095 < bad_below[idx]:  # the stay went wrong: the left tail
                    x = BAD_RATING[bits & 4095]
                else:
                    x = hotel.mu + feed.bias + 0.7 * NORMAL[bits & 4095]
                # Expedia rates 1 to 5 and shows it on a 10-point scale
                r10 = (_R10_EXPEDIA if feed is EXPEDIA else _R10_DECIMAL)[int(x * 10 + 60.5)]
                tier = R10_TIER[r10]
                country, lang, plans, booking_plans, no_response = profiles[(bits >> 12) & 1023]
                booking = feed is BOOKING
                head, pools, tail = (booking_plans if booking else plans)[tier][
                    (bits >> 22) & POOL_MASK
                ]
                p0, p1, p2, p3, p4 = pools
                w = getbits(40)  # 8 bits per sentence pick the sentence's wording
                if tier >= 2 and (more >> 41) & 15 < 3 and p0 is not EMPTY_POOL:
                    local = city_lines[hotel.city.name, lang]  # 19%: a word on the area
                    tail = b" " + local[int(rng.random() * len(local))] + tail
                stayed = day - LOS[(bits >> 40) & 31] - STAY_LAG[(more >> 45) & 63]
                if (more >> 51) & 511 < (answer_bad[idx] if tier <= 1 else answer_good[idx]):
                    replies = responses[lang, tier >= 3]
                    response = b"".join((
                        b'"isShowReviewResponse":true,"responderName":"', names[idx],
                        b'","responseText":"', replies[(bits >> 62) % len(replies)],
                        b'","responseDateText":"","formattedResponseDate":"',
                        _RESPONSE_DATE_B[min(day + 1 + int(rng.random() * 9), LAST_INDEX)],
                        lang.encode(), b'",',
                    ))  # fmt: skip
                else:
                    response = no_response
                if feed is platform and is_agoda:  # only Agoda writes local times and long dates
                    mid, long_date = agoda_mid[idx], long_day
                else:
                    mid = _EXPEDIA_MID if feed is EXPEDIA else _BOOKING_MID
                    long_date = _NO_LONG_DATE
                pid = feed.provider_id
                out.append(b"".join((
                    heads[idx], b"%d," % (feed.id_base + (i * ID_MULT + 12_345) % ID_SPAN),
                    rating_blocks[feed.key][r10], head,
                    p0[w & 255], p1[(w >> 8) & 255], p2[(w >> 16) & 255],
                    p3[(w >> 24) & 255], p4[w >> 32], tail, response, date, TIME_B[minute],
                    mid, long_date, _STAY_B[stayed], secrets[(bits >> 50) & 4095], country,
                    info_mid[(bits >> 31) & 511], rooms_of[idx][more >> 60],
                    _STAY_AND_COUNT[(bits >> 40) & 1023],
                    cache.get(idx * 1024 + pid) or standings.get(hotel, pid),
                )))  # fmt: skip
            return out

        return make
