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
from hotelreviews.demo.planner import Plant
from hotelreviews.demo.planted_lines import planted_line
from hotelreviews.demo.plants import DROP, plan_plants
from hotelreviews.demo.providers import EXPEDIA, FEEDS, GROUP, SNAPSHOT_MONTHS, Feed, Standings
from hotelreviews.demo.records import Maker, Records
from hotelreviews.demo.sentences import Label, Plan
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
    # Hotel ids written, one byte each (0 or 1) read as a big integer, so that results of
    # several files combine with | and count with int.bit_count().
    hotel_ids: int = 0


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
        self.texts = Texts(seed)
        self.records = Records(
            hotels=build_hotels(count=hotels, seed=seed), texts=self.texts, seed=seed
        )
        self.plan = plan_plants(
            reviews=reviews, hotels=self.records.hotels, seed=seed, compose=self._compose
        )
        self._base_mu = {idx: self.records.hotels[idx].mu for idx in self.plan.drops}
        self._plant_seeds = _seed_base("plant", seed)
        reviews -= self.plan.count  # planted reviews are part of the size asked for
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

    def _compose(self, rng: Random, labels: tuple[Label, ...]) -> str:
        return self.texts.compose(
            lang="en", plan=Plan("", labels, "", ""), bits=rng.getrandbits(40)
        )

    def base_mu(self, idx: int) -> float:
        """A hotel's quality without its planted drop."""
        return self._base_mu.get(idx, self.records.hotels[idx].mu)

    def _set_drops(self, month: int) -> None:
        """Hotels with a planted rating drop are worse from their onset month on."""
        for idx, onset in self.plan.drops.items():
            self.records.hotels[idx].mu = self._base_mu[idx] - (DROP if month >= onset else 0.0)

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
        n = self.counts[feed.key, month]
        earlier = {m: self.picks(feed, m) for m in (month - 1, month - 2)}
        later = sorted((d, mi, j, m) for m, chosen in earlier.items()
                       for j, (t, d, mi) in chosen.items() if t == month)  # fmt: skip
        plants = self.plan.plants.get((feed.key, month), [])
        if not n and not later and not plants:
            return None
        self._set_drops(month)
        name = file_name(feed, month)
        sink = out.open(name, gzip=name.endswith(".gz"))
        records = self.records
        records.flat_seen[:] = bytes(len(records.hotels))
        standings = self._standings.get(feed.key)
        if standings is None or standings.month != month - month % SNAPSHOT_MONTHS:
            standings = self._standings[feed.key] = Standings(feed, month)
        file = _File(self, feed, month, standings, later, plants)
        first, days = month_days(month)
        r = file.rng.random
        per_day = allocate(n, [1.0 + 0.5 * r() + 0.3 * ((first + d) % 7 in _WEEKEND)
                               for d in range(days)])  # fmt: skip
        buf: list[bytes] = []
        for d in range(days):
            file.day(first + d, per_day[d], buf)
            if len(buf) >= _CHUNK_LINES:  # at most a day's lines are held: a few MB at 10M reviews
                self._flush(out, sink, buf, on_lines)
        self._flush(out, sink, buf, on_lines)
        out.close(sink)
        # One byte per hotel id: OTA ids first (every hotel of a nested line has a cached
        # standing, so these are the quarter's so far), then the group's own ids.
        seen = bytearray(len(records.hotels)) if file.nested else records.flat_seen
        for key in standings.cache if file.nested else ():
            seen[key >> 10] = 1
        ids = bytes(seen) + bytes(len(seen)) if file.nested else bytes(len(seen)) + bytes(seen)
        blank = file.kinds.get("blank", 0)
        broken = sum(file.kinds.values()) - blank
        reviews = n + file.redelivered + len(plants)
        lines = reviews + broken + blank
        demo_file = DemoFile(name, lines, reviews, file.redelivered, broken, blank)
        return FileResult(demo_file, file.kinds, int.from_bytes(ids, "big"))

    @staticmethod
    def _flush(out: Output, sink: Sink, buf: list[bytes], on_lines: Callable[[int], None]) -> None:
        if buf:
            out.write(sink, b"".join(buf))
            on_lines(len(buf))
            buf.clear()


class _File:
    """The state of one file while its days are written: where the next review number, picked
    review, broken line and re-delivery are."""

    def __init__(
        self,
        world: DemoWorld,
        feed: Feed,
        month: int,
        standings: Standings,
        later: list[tuple[int, int, int, int]],  # re-deliveries due: (day, minute, i, month)
        plants: list[Plant],  # planted reviews of this file, by day
    ) -> None:
        self.world, self.month, self.later, self.plants = world, month, later, plants
        self.feed, self.standings, self.next_plant = feed, standings, 0
        self.plant_makers: dict[int, Maker] = {}
        self.nested = feed is not GROUP
        records = world.records
        self.make = records.nested_maker(feed, standings) if self.nested else flat_maker(records)
        self.rng = Random(f"bucket/{world.seed}/{feed.key}/{month}")
        self.i = world.starts[feed.key, month]  # number of the next new review
        self.picked = sorted(world.picks(feed, month))
        self.next_pick = self.next_later = self.redelivered = 0
        self.kinds: dict[str, int] = {}
        self.broken_base = (month * len(FEEDS) + FEEDS.index(feed)) << 20  # ids unique per file
        self.gap = _gap(self.rng)  # valid lines before the next broken one

    def day(self, day: int, count: int, buf: list[bytes]) -> None:
        """Append the day's lines to `buf`: new reviews, broken lines, then re-deliveries."""
        r, i, picked = self.rng.random, self.i, self.picked
        lines = self.make(self.rng, i, day, sorted([int(r() * 1440) for _ in range(count)]))
        while self.next_pick < len(picked) and picked[self.next_pick] < i + count:
            j = picked[self.next_pick]  # picked reviews draw from their own seed instead
            lines[j - i] = self.world._picked(self.make, j, self.month)
            self.next_pick += 1
        self.i += count
        start = 0
        while self.gap < len(lines) - start:  # a broken line follows lines[cut - 1]
            cut = start + self.gap + 1
            buf += lines[start:cut]
            buf.append(self._broken(lines[cut - 1]))
            start, self.gap = cut, _gap(self.rng)
        self.gap -= len(lines) - start
        buf += lines[start:]
        plants = self.plants
        while self.next_plant < len(plants) and plants[self.next_plant].day == day:
            buf.append(self._planted(plants[self.next_plant]))
            self.next_plant += 1
        later = self.later
        while self.next_later < len(later) and later[self.next_later][0] == day:
            _, _, j, source = later[self.next_later]
            self.next_later += 1
            rec = orjson.loads(self.world._picked(self.make, j, source))
            edit = edit_nested if self.nested else edit_flat
            edit(rec, Random(self.world._edit_seeds + j), self.world.texts, day)
            buf.append(orjson.dumps(rec, option=orjson.OPT_APPEND_NEWLINE))
            self.redelivered += 1

    def _planted(self, plant: Plant) -> bytes:
        make = self.plant_makers.get(plant.hotel)
        if make is None:
            records, hotel = self.world.records, self.world.records.hotels[plant.hotel]
            make = self.plant_makers[plant.hotel] = (
                records.nested_maker(self.feed, self.standings, only=hotel)
                if self.nested
                else flat_maker(records, only=hotel)
            )
        seed = self.world._plant_seeds + plant.number
        return planted_line(plant=plant, feed=self.feed, make=make, seed=seed)

    def _broken(self, line: bytes) -> bytes:
        seq = self.broken_base + sum(self.kinds.values()) + 1
        rec = orjson.loads(line)
        kind, bad = broken_line(rec, nested=self.nested, rng=self.rng, seq=seq)
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        return bad
