"""The demo's ground truth, written to `<out>/truth/` as JSON Lines named `*.jsonl.txt`.

The ingester reads only `*.jl` / `*.jsonl` (optionally `.gz`), so these files are never
ingested. Planted facts (anomalies, near-duplicates, bursts, cross-posts, reviewer histories)
are small and written by `write_truth` after the feeds. Aspect truth per review is not written
while the lines are made: that would cost every review a second line (measured: about 8 % of
the line makers' time, plus the writes). Instead every sentence the generator can write is
listed once with its labels (`sentences.jsonl.txt`), which is the whole truth: a review's text
is a sequence of those sentences, so `aspect_truth` recovers each review's (aspect, polarity)
per sentence from the feed files exactly, and `write_aspect_truth` stores it as
`aspects.jsonl.txt` keyed by (provider_id, review_id) for benches that want a file.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson

from hotelreviews.demo.generator import DemoWorld
from hotelreviews.demo.plant_reviewers import hotel_aspects
from hotelreviews.demo.providers import FEEDS, review_id
from hotelreviews.demo.records import ID_MULT
from hotelreviews.demo.sentences import Label
from hotelreviews.demo.texts import BANKS
from hotelreviews.demo.writer import DEMO_FILE, TRUTH_DIR

SENTENCES = "sentences.jsonl.txt"
ASPECTS = "aspects.jsonl.txt"
_FEEDS = {f.key: f for f in FEEDS}
_END = re.compile(r"(?<=[.!?。])\s*")
Pair = tuple[str, str]  # (aspect key, "positive" | "negative")


def _pairs(labels: tuple[Label, ...]) -> list[Pair]:
    return [(a, "positive" if p else "negative") for a, p in labels]


def flat_review_id(number: int) -> str:
    """The flat feed's review id of review number `number` (as flat.py writes it)."""
    return f"gh-{(number * ID_MULT + 777) % 1_000_000_000:09d}"


def _resolve(ref: dict[str, Any], world: DemoWorld) -> dict[str, Any]:
    """A plant reference as a bench needs it: provider, review id, hotel id, date, labels."""
    feed, hotel = _FEEDS[ref["feed"]], world.records.hotels[ref["hotel"]]
    plant = world.plan.by_number[ref["number"]]
    if feed.provider_id:
        found = {"provider_id": feed.provider_id, "review_id": review_id(feed, ref["number"]),
                 "hotel_id": hotel.hotel_id}  # fmt: skip
    else:
        found = {"provider_id": 0, "review_id": flat_review_id(ref["number"]),
                 "hotel_id": hotel.group_id}  # fmt: skip
    return found | {"date": ref["date"], "rating10": plant.r10 / 10,
                    "sentences": [[pair] for pair in _pairs(plant.labels)]}  # fmt: skip


def _hotel(idx: int, world: DemoWorld) -> dict[str, Any]:
    h = world.records.hotels[idx]
    return {"hotel_id": h.hotel_id, "group_id": h.group_id, "name": h.name}


def write_truth(out_dir: Path, world: DemoWorld) -> None:
    """Write the sentence table and the planted facts under `out_dir/truth/`."""
    root = out_dir / TRUTH_DIR
    root.mkdir(exist_ok=True)
    rows = []
    for (lang, aspect, positive), pool in world.texts.sentences.items():
        pair = [[aspect, "positive" if positive else "negative"]]
        rows += [{"lang": lang, "text": text, "aspects": pair} for text in dict.fromkeys(pool)]
    for (_, lang), lines in world.texts.city_lines.items():
        rows += [{"lang": lang, "text": t, "aspects": [["location", "positive"]]} for t in lines]
    for lang, bank in BANKS.items():  # the updates edited re-deliveries append: no aspect
        rows += [{"lang": lang, "text": t, "aspects": []} for t in bank.updates_up]
        rows += [{"lang": lang, "text": t, "aspects": []} for t in bank.updates_down]
    _write(root / SENTENCES, rows)
    for stem, entries in world.plan.truth.items():
        resolved = []
        for entry in entries:
            entry = dict(entry)
            if "hotel" in entry:
                entry["hotel"] = _hotel(entry["hotel"], world)
            entry["reviews"] = [_resolve(ref, world) for ref in entry["reviews"]]
            resolved.append(entry)
        _write(root / f"{stem}.jsonl.txt", resolved)
    group = [h for h in world.records.hotels if h.group_id]
    _write(root / "planted_hotel_aspects.jsonl.txt", [
        {"group_id": h.group_id, "hotel_id": h.hotel_id, "mu": round(world.base_mu(h.idx), 3),
         "aspects": {a: round(q, 3) for a, q in hotel_aspects(h, world.seed).items()}}
        for h in group
    ])  # fmt: skip


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_bytes(b"".join(orjson.dumps(r, option=orjson.OPT_APPEND_NEWLINE) for r in rows))


@dataclass(frozen=True, slots=True)
class AspectTruth:
    """One review's sentences and their (aspect, polarity) labels; None: not a known sentence."""

    provider_id: int
    review_id: int | str
    sentences: tuple[tuple[str, tuple[Pair, ...] | None], ...]


def sentence_table(out_dir: Path) -> dict[str, dict[str, tuple[Pair, ...]]]:
    """language -> sentence -> its labels, from `truth/sentences.jsonl.txt`."""
    table: dict[str, dict[str, tuple[Pair, ...]]] = {}
    for line in (out_dir / TRUTH_DIR / SENTENCES).read_bytes().splitlines():
        row = orjson.loads(line)
        table.setdefault(row["lang"], {})[row["text"]] = tuple((a, p) for a, p in row["aspects"])
    return table


def split_known(text: str, known: dict[str, tuple[Pair, ...]], *, joiner: str) -> list[str]:
    """`text` cut into the fewest known sentences (pieces at sentence ends, merged when a
    known sentence holds a full stop of its own); an unknown rest is one piece."""
    pieces = [p for p in _END.split(text) if p]
    out, i = [], 0
    while i < len(pieces):
        for j in range(i + 1, len(pieces) + 1):
            if joiner.join(pieces[i:j]) in known:
                out.append(joiner.join(pieces[i:j]))
                i = j
                break
        else:
            out.append(pieces[i])
            i += 1
    return out


def aspect_truth(out_dir: Path) -> Iterator[AspectTruth]:
    """Each review's sentence labels, from the feed files (first deliveries; broken lines and
    re-deliveries skipped). Planted reviews take their labels from the planted truth, since
    their light edits make some of their sentences unknown on purpose."""
    table = sentence_table(out_dir)
    planted: dict[tuple[int, Any], list[Any]] = {}
    for path in sorted((out_dir / TRUTH_DIR).glob("planted_*.jsonl.txt")):
        for line in path.read_bytes().splitlines():
            for ref in orjson.loads(line).get("reviews", []):
                planted[ref["provider_id"], ref["review_id"]] = ref["sentences"]
    seen: set[tuple[int, Any]] = set()
    for path in sorted(p for p in out_dir.iterdir() if DEMO_FILE.match(p.name)):
        data = path.read_bytes()
        for line in (gzip.decompress(data) if path.name.endswith(".gz") else data).splitlines():
            found = review_line(line)
            if found is None or found[:2] in seen:
                continue
            seen.add(found[:2])
            pid, rid, lang, text = found
            if (pid, rid) in planted:
                labelled = tuple(("", tuple((a, p) for a, p in s)) for s in planted[pid, rid])
                yield AspectTruth(pid, rid, labelled)
                continue
            known = table.get(lang, {})
            parts = split_known(text, known, joiner="" if lang == "ja" else " ")
            yield AspectTruth(pid, rid, tuple((p, known.get(p)) for p in parts))


def review_line(line: bytes) -> tuple[int, Any, str, str] | None:
    """(provider id, review id, language, text) of a valid review line; None for the rest."""
    try:
        rec = orjson.loads(line)
        if isinstance(rec.get("comment"), dict):
            c = rec["comment"]
            rating, rid = c["rating"], c["hotelReviewId"]
            # a broken line's id may fall in Booking.com's range: judge the line as a reader does
            ok = (
                isinstance(rid, int) and isinstance(rec["hotelId"], int) and rec["hotelName"]
                and isinstance(rating, float | int) and 0 <= rating <= 10
                and _iso(c["reviewDate"]) and isinstance(c["providerId"], int)
            )  # fmt: skip
            return (c["providerId"], rid, c["translateSource"], c["reviewComments"]) if ok else None
        if rec["id"].startswith("gh-x"):  # broken flat lines all get such an id
            return None
        return 0, rec["id"], rec["language"], rec["comment"]
    except (orjson.JSONDecodeError, AttributeError, KeyError, TypeError):
        return None


def _iso(value: Any) -> bool:
    try:
        datetime.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def write_aspect_truth(out_dir: Path) -> int:
    """Write `truth/aspects.jsonl.txt` (one line per review); the number of reviews."""
    count = 0
    with open(out_dir / TRUTH_DIR / ASPECTS, "wb") as f:
        for truth in aspect_truth(out_dir):
            f.write(orjson.dumps({
                "provider_id": truth.provider_id, "review_id": truth.review_id,
                "sentences": [list(labels) if labels is not None else None
                              for _, labels in truth.sentences],
            }, option=orjson.OPT_APPEND_NEWLINE))  # fmt: skip
            count += 1
    return count
