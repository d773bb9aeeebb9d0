"""Build review lines in the hotel group's flat shape (5-point scale, sub-ratings, attributes)."""

from __future__ import annotations

from collections.abc import Sequence
from random import Random

from hotelreviews.demo.catalog import GROUP_SOURCE, INITIALS
from hotelreviews.demo.hotels import Hotel
from hotelreviews.demo.providers import GROUP
from hotelreviews.demo.records import (
    BAD_RATING,
    DAY_B,
    ID_MULT,
    LOS,
    NORMAL,
    POOL_MASK,
    R10_TIER,
    TIME_B,
    Maker,
    Records,
)
from hotelreviews.demo.texts import EMPTY_POOL, jb
from hotelreviews.demo.timeline import LAST_INDEX

_CHANNELS = (b"post-stay-survey", b"post-stay-survey", b"app", b"website", b"front-desk-tablet")
_SUBS = (
    (b',"service_rating":', "service"), (b',"cleanliness_rating":', "clean"),
    (b',"location_rating":', "location"), (b',"value_rating":', "value"),
    (b',"comfort_rating":', "comfort"), (b',"facilities_rating":', "facilities"),
)  # fmt: skip
_HALVES = (b"", b"", b"1.0", b"1.5", b"2.0", b"2.5", b"3.0", b"3.5", b"4.0", b"4.5", b"5.0")
# as the group's exporter sometimes writes them: numbers as strings ("2", "4.5")
_HALVES_TEXT = tuple(b'"' + (h[:1] if h.endswith(b".0") else h) + b'"' for h in _HALVES)
_INITIALS = len(INITIALS)
_SUB_NOISE = tuple(2.4 * (u / 256 - 0.56) for u in range(256))  # in half points
# index: 20 + half points, clamped to 1.0..5.0
_SUB_VALUES = tuple(_HALVES[min(10, max(2, k - 20))] for k in range(40))
_SUB_TEXTS = tuple(_HALVES_TEXT[min(10, max(2, k - 20))] for k in range(40))


def _attributes(h: Hotel) -> bytes:
    amenities = ",".join(f'"{a}"' for a in h.amenities)
    return (
        f',"hotel_address":"{jb(h.address).decode()}","hotel_city":"{h.city.name}",'
        f'"hotel_country":"{h.city.country}","hotel_star_rating":{h.stars},'
        f'"hotel_amenities":[{amenities}],"hotel_latitude":{h.lat!r},'
        f'"hotel_longitude":{h.lon!r}'
    ).encode()


def flat_maker(records: Records, *, only: Hotel | None = None) -> Maker:
    """A function making lines in the flat shape of the hotel group's own feed (about the hotel
    `only` when given: planted reviews)."""
    table = (only,) if only is not None else records.tables[GROUP.key]
    mask = len(table) - 1
    names, rooms_of, profiles = records.names, records.rooms, records.profiles
    travellers = tuple(t[2].encode() for t in records.travellers)
    plans, responses = records.texts.plans_json, records.texts.responses_json
    seen = records.flat_seen
    # only the group's hotels are in its feed
    hotels = [only] if only is not None else [h for h in records.hotels if h.group_id]
    full = {h.idx: _attributes(h) for h in hotels}
    short = {
        h.idx: f',"hotel_city":"{h.city.name}","hotel_country":"{h.city.country}"'.encode()
        for h in hotels
    }
    group_ids = {h.idx: (h.group_id or "").encode() for h in hotels}
    offsets = {h.idx: h.city.utc_offset.encode() for h in hotels}
    # per hotel: (key, 20 + its offset in half points); 20 keeps indexes into _SUB_VALUES positive
    subs_of = {h.idx: tuple((k, 20 + 2 * h.offsets[f]) for k, f in _SUBS) for h in hotels}
    bad_below = records.bad_below
    answer_bad = {h.idx: round(min(1.0, h.respond * 1.6) * 512) for h in hotels}
    answer_good = {h.idx: round(h.respond * 0.3 * 512) for h in hotels}

    def one(rng: Random, i: int, day: int, minute: int) -> bytes:
        # Three draws whose bit fields stand in for some twenty random() calls.
        bits, more, subs = rng.getrandbits(64), rng.getrandbits(64), rng.getrandbits(48)
        hotel = table[more & mask]  # bits 0-19
        idx = hotel.idx
        if (more >> 20) & 4095 < bad_below[idx]:
            x = BAD_RATING[bits & 4095]
        else:
            x = hotel.mu + GROUP.bias + 0.7 * NORMAL[bits & 4095]
        half = 10 if x >= 10 else 2 if x < 2 else int(x + 0.5)  # half points 2..10 = 1.0..5.0
        tier = R10_TIER[half * 10]
        _, country, lang, surnames = profiles[(bits >> 12) & 1023]
        pool = plans[lang][tier]
        k = (bits >> 22) & POOL_MASK
        title, pools, _, _ = pool[k]
        while pools[0] is EMPTY_POOL:  # the group's survey asks for a comment: a later plan's
            k = (k + 1) & POOL_MASK
            pools = pool[k][1]
        p0, p1, p2, p3, p4 = pools
        w = rng.getrandbits(40)  # 8 bits per sentence pick the sentence's wording
        text = b"".join((p0[w & 255], p1[(w >> 8) & 255], p2[(w >> 16) & 255],
                         p3[(w >> 24) & 255], p4[w >> 32]))  # fmt: skip
        los = LOS[(bits >> 38) & 31]
        votes = (bits >> 43) & 7
        if (bits >> 61) & 3:
            initial = INITIALS[(bits >> 50) % _INITIALS]
            reviewer = f"{initial}. {surnames[(bits >> 56) % len(surnames)]}".encode()
        else:
            reviewer = b"Anonymous"
        rooms = rooms_of[idx]
        rating = _HALVES_TEXT[half] if (more >> 32) & 31 == 0 else _HALVES[half]  # 3%
        gid = group_ids[idx]
        rid = b"%09d" % ((i * ID_MULT + 777) % 1_000_000_000)
        parts = [
            b'{"id":"gh-', rid, b'","hotel_id":"', gid,
            b'","hotel_name":"', names[idx], b'","rating":', rating, b',"title":"', title,
            b'","comment":"', text, b'","review_date":"', DAY_B[day], TIME_B[minute],
            b"Z" if (bits >> 46) & 1 else offsets[idx], b'","stay_date":"',
            DAY_B[day - los - (more >> 37) % 10], b'","trip_type":"',
            travellers[(bits >> 31) & 127], b'","room_type":"', rooms[(more >> 41) % len(rooms)],
            b'","language":"', lang.encode(),
            b'","is_verified":', b"true" if (bits >> 47) & 7 else b"false",
            b',"helpful_votes":', b"%d" % (votes >> 1), b',"total_votes":', b"%d" % votes,
            b',"reviewer_name":"', reviewer, b'","reviewer_country":"', country, b'"',
            full[idx] if (more >> 45) & 3 else short[idx],  # 75%: all hotel attributes
        ]  # fmt: skip
        values = _SUB_TEXTS if (more >> 47) & 31 == 0 else _SUB_VALUES  # 3%: first one as text
        for key, offset in subs_of[idx]:
            u = subs & 255
            subs >>= 8
            if u >= 31:  # 12% of sub-ratings are left out: they are optional in the survey
                parts += (key, values[half + int(offset + _SUB_NOISE[u])])
                values = _SUB_VALUES
        parts += (b',"source":"', GROUP_SOURCE.encode(), b'","metadata":{"channel":"',
                  _CHANNELS[(bits >> 52) % 5], b'","property_code":"', gid, b'"')  # fmt: skip
        if (more >> 52) & 511 < (answer_bad[idx] if tier <= 1 else answer_good[idx]):
            replies = responses[lang, tier >= 3]
            parts += (
                b',"hotel_response":{"text":"', replies[(bits >> 58) % len(replies)],
                b'","date":"', DAY_B[min(day + 1 + (more >> 61), LAST_INDEX)],
                b'","responder":"Guest Relations, ', names[idx], b'"}',
            )  # fmt: skip
        parts.append(b"}}\n")
        seen[idx] = 1
        return b"".join(parts)

    def make(rng: Random, first: int, day: int, minutes: Sequence[int]) -> list[bytes]:
        return [one(rng, i, day, minute) for i, minute in enumerate(minutes, first)]

    return make
