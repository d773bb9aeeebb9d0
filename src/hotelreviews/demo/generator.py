"""The demo world and how one feed's file for one month is generated.

Reviews are numbered 0..N-1 in delivery order (month, then feed) and each (feed, month) file
draws from its own seeded stream, so files can be written in any order or in parallel and
still come out byte-identical. About 2% of reviews are re-delivered, edited, in a later file
of the same feed: which ones is decided from a per-file seed, and those reviews draw from a
per-review seed, so the later file regenerates them instead of anything being kept in memory.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

import orjson

from hotelreviews.demo.edits import broken_line, edit_flat, edit_nested
from hotelreviews.demo.flat import flat_maker
from hotelreviews.demo.hotels import allocate, build_hotels
from hotelreviews.demo.providers import EXPEDIA, FEEDS, GROUP, SNAPSHOT_MONTHS, Feed, Standings
from hotelreviews.demo.records import Maker, Records
from hotelreviews.demo.texts import Texts
from hotelreviews.demo.timeline import MONTHS, month_days, month_end, month_weights
from hotelreviews.demo.writer import Output, Sink

REDELIVERY_RATE = 0.02 * MONTHS / (MONTHS - 1)  # nothing is re-delivered from the last month
BROKEN_RATE = 0.02  # of all lines
_CHUNK_LINES = 2048
_WEEKEND = (0, 1)  # day 0 of the timeline tables (2022-09-03) is a Saturday
# log of the chance that a valid line is NOT followed by a broken one
_LOG_KEEP = math.log(1 - BROKEN_RATE / (1 - BROKEN_RATE))


@dataclass(frozen=True, slots=True)
class DemoFile:
    name: str
    lines: int  # every line, blank and broken ones included
    reviews: int  # valid review lines: new reviews plus re-deliveries
    redeliveries: int
    broken: int  # lines an ingester must reject
    blank: int  # empty lines (skipped, not errors)


@dataclass(slots=True)
class FileResult:
    file: DemoFile
    broken_by_kind: dict[str, int] = field(default_factory=dict)
    hotel_ids: set[int | str] = field(default_factory=set)  # nested: of the quarter so far


def _gap(rng: Random) -> int:
    """Valid lines until the next broken one: geometric, so that BROKEN_RATE of lines break."""
    return int(math.log(1.0 - rng.random()) / _LOG_KEEP)


def _seed_base(purpose: str, seed: int) -> int:
    digest = hashlib.sha256(f"{purpose}/{seed}".encode()).digest()
    return int.from_bytes(digest[:8], "big") << 64


def file_name(feed: Feed, month: int) -> str:
    day = month_end(month)
    if feed is GROUP:
        return f"group_feed_{day}.jsonl"
    gz = feed is EXPEDIA or (feed.key == "booking" and month % 3 == 2)
    return f"{feed.file_prefix}_{day}.jl{'.gz' if gz else ''}"


class DemoWorld:
    """Hotels, texts and the plan of how many reviews each (feed, month) file gets."""

    def __init__(self, *, reviews: int, hotels: int, seed: int) -> None:
        self.seed = seed
        self.hotel_count = hotels
        self.texts = Texts(seed)
        self.records = Records(
            hotels=build_hotels(count=hotels, seed=seed), texts=self.texts, seed=seed
        )
        weights = [mw * f.share for mw in month_weights() for f in FEEDS]
        self.counts: dict[tuple[str, int], int] = {}
        self.starts: dict[tuple[str, int], int] = {}
        start = 0
        for k, n in enumerate(allocate(reviews, weights)):
            key = (FEEDS[k % len(FEEDS)].key, k // len(FEEDS))
            self.counts[key], self.starts[key] = n, start
            start += n
        self._standings: dict[str, Standings] = {}
        # Per-review seeds: a 64-bit base per purpose plus the review number (integer seeds are
        # several times cheaper to set up than string seeds).
        self._review_seeds = _seed_base("review", seed)
        self._edit_seeds = _seed_base("edit", seed)

    def picks(self, feed: Feed, month: int) -> dict[int, tuple[int, int, int]]:
        """Reviews of a file that are re-delivered: i -> (target month, edit day, minute)."""
        if month < 0 or month >= MONTHS - 1:
            return {}
        n, a = self.counts[feed.key, month], self.starts[feed.key, month]
        rng = Random(f"picks/{self.seed}/{feed.key}/{month}")
        k = min(n, int(n * REDELIVERY_RATE + rng.random()))
        result = {}
        for i in sorted(rng.sample(range(a, a + n), k)):
            target = month + 1 if month == MONTHS - 2 or rng.random() < 0.65 else month + 2
            first, days = month_days(target)
            result[i] = (target, first + int(rng.random() * days), int(rng.random() * 1440))
        return result

    def _picked(self, make: Maker, i: int, month: int) -> bytes:
        """The line of picked review i, from its own seed: the same every time it is made."""
        rng = Random(self._review_seeds + i)
        first, days = month_days(month)
        return make(rng, i, first + int(rng.random() * days), (int(rng.random() * 1440),))[0]

    def write_file(
        self, feed: Feed, month: int, out: Output, on_lines: Callable[[int], None]
    ) -> FileResult | None:
        """Write one feed's file for one month; None when it would be empty.

        `on_lines(n)` is called after every chunk of n lines handed to `out`.
        """
        n, i = self.counts[feed.key, month], self.starts[feed.key, month]
        earlier = {m: self.picks(feed, m) for m in (month - 1, month - 2)}
        later = sorted((d, mi, j, m) for m, chosen in earlier.items()
                       for j, (t, d, mi) in chosen.items() if t == month)  # fmt: skip
        if not n and not later:
            return None
        name = file_name(feed, month)
        sink = out.open(name, gzip=name.endswith(".gz"))
        nested = feed is not GROUP
        self.records.seen_hotels = result_ids = set()
        standings = self._standings.get(feed.key)
        if standings is None or standings.month != month - month % SNAPSHOT_MONTHS:
            standings = self._standings[feed.key] = Standings(feed, month)
        make = self.records.nested_maker(feed, standings) if nested else flat_maker(self.records)
        rng = Random(f"bucket/{self.seed}/{feed.key}/{month}")
        r = rng.random
        picks = self.picks(feed, month)
        first, days = month_days(month)
        per_day = allocate(n, [1.0 + 0.5 * r() + 0.3 * ((first + d) % 7 in _WEEKEND)
                               for d in range(days)])  # fmt: skip
        edit = edit_nested if nested else edit_flat
        dumps, loads, opt = orjson.dumps, orjson.loads, orjson.OPT_APPEND_NEWLINE
        buf: list[bytes] = []
        kinds: dict[str, int] = {}
        broken_base = (month * len(FEEDS) + FEEDS.index(feed)) << 20  # unique ids per file
        picked = sorted(picks)
        pos = redelivered = next_pick = 0
        gap = _gap(rng)  # valid lines before the next broken one
        for d in range(days):
            day, count = first + d, per_day[d]
            lines = make(rng, i, day, sorted([int(r() * 1440) for _ in range(count)]))
            while next_pick < len(picked) and picked[next_pick] < i + count:
                j = picked[next_pick]  # picked reviews draw from their own seed instead
                lines[j - i] = self._picked(make, j, month)
                next_pick += 1
            i += count
            start = 0
            while gap < len(lines) - start:  # a broken line follows lines[cut - 1]
                cut = start + gap + 1
                buf += lines[start:cut]
                seq = broken_base + sum(kinds.values()) + 1
                kind, bad = broken_line(loads(lines[cut - 1]), nested=nested, rng=rng, seq=seq)
                buf.append(bad)
                kinds[kind] = kinds.get(kind, 0) + 1
                start, gap = cut, _gap(rng)
            gap -= len(lines) - start
            buf += lines[start:]
            while pos < len(later) and later[pos][0] == day:
                j, source = later[pos][2], later[pos][3]
                pos += 1
                rec = loads(self._picked(make, j, source))
                edit(rec, Random(self._edit_seeds + j), self.texts, day)
                buf.append(dumps(rec, option=opt))
                redelivered += 1
            if len(buf) >= _CHUNK_LINES:  # at most a day's lines are held: a few MB at 10M reviews
                self._flush(out, sink, buf, on_lines)
        self._flush(out, sink, buf, on_lines)
        out.close(sink)
        # Every hotel of a nested line has a cached standing (so this is the quarter's so far).
        result_ids.update(self.records.hotels[key >> 10].hotel_id for key in standings.cache)
        blank = kinds.get("blank", 0)
        broken = sum(kinds.values()) - blank
        reviews = n + redelivered
        demo_file = DemoFile(name, reviews + broken + blank, reviews, redelivered, broken, blank)
        return FileResult(demo_file, kinds, result_ids)

    @staticmethod
    def _flush(out: Output, sink: Sink, buf: list[bytes], on_lines: Callable[[int], None]) -> None:
        if buf:
            out.write(sink, b"".join(buf))
            on_lines(len(buf))
            buf.clear()
