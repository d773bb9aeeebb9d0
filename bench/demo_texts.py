"""How distinct the demo's review texts are, and what composing them per review costs.

Two figures, each beside a baseline from the same run: (1) among the first N ordinary English
reviews of a demo data set (planted reviews left out), the share of review pairs a MinHash LSH
flags as near-identical (DuplicateIndex, Jaccard >= 0.5 over word 3-grams); (2) the speed of
`write_demo` in reviews/s for a larger size. `--before-src` points at another checkout's src/
(e.g. `git archive` of main) to measure the previous generator the same way, in the same run.

    PYTHONPATH=src .venv/bin/python bench/demo_texts.py --before-src /tmp/before/src
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import orjson

from hotelreviews.demo.truth import review_line
from hotelreviews.intelligence.duplicates import DuplicateIndex, ReviewForDedup

_WRITE = """
import sys, time
from pathlib import Path
from hotelreviews.demo import write_demo
started = time.perf_counter()
m = write_demo(out_dir=Path(sys.argv[1]), reviews=int(sys.argv[2]), seed=int(sys.argv[3]))
print(time.perf_counter() - started, m.reviews)
"""


def write(*, src: Path, out: Path, reviews: int, seed: int) -> tuple[float, float]:
    """Write a demo data set with the generator in `src` in a fresh process: (wall seconds
    of write_demo, CPU seconds of the whole process and its workers)."""
    env = os.environ | {"PYTHONPATH": str(src)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-c", _WRITE, str(out), str(reviews), str(seed)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return float(done.stdout.split()[0]), cpu


def planted_ids(out: Path) -> set[str]:
    """Keys of planted reviews listed in truth/planted_*.jsonl.txt (none in older versions)."""
    keys: set[str] = set()
    for path in (out / "truth").glob("planted_*.jsonl.txt"):
        for line in path.read_bytes().splitlines():
            entry = orjson.loads(line)
            for review in entry.get("reviews", []):
                keys.add(f"{review['provider_id']}/{review['review_id']}")
    return keys


def english_reviews(out: Path, *, limit: int) -> list[ReviewForDedup]:
    """The first `limit` ordinary English reviews, in file order (first deliveries only;
    broken lines, which copy a valid line under a fresh id, are left out)."""
    skip, seen, found = planted_ids(out), set(), []
    for path in sorted(p for p in out.iterdir() if p.is_file()):
        data = path.read_bytes()
        data = gzip.decompress(data) if path.name.endswith(".gz") else data
        for line in data.splitlines():
            review = review_line(line)
            if review is None or review[2] != "en":
                continue
            key = f"{review[0]}/{review[1]}"
            if key in seen or key in skip:
                continue
            seen.add(key)
            # hotel, date and reviewer only classify a flag; every flagged pair is counted
            found.append(ReviewForDedup(
                review_id=key, hotel_id="", provider=str(review[0]), reviewer_name="",
                reviewer_country=None, review_date=date(2024, 1, 1), stay_month=None,
                rating=0.0, text=review[3],
            ))  # fmt: skip
            if len(found) == limit:
                return found
    return found


def flagged_share(reviews: list[ReviewForDedup]) -> tuple[int, int, int]:
    """(pairs flagged, all pairs, reviews with at least one flag)."""
    index = DuplicateIndex()
    pairs: set[tuple[str, str]] = set()
    flagged: set[str] = set()
    for review in reviews:
        for verdict in index.add(review):
            for other in verdict.matches:
                pairs.add((min(other, review.review_id), max(other, review.review_id)))
                flagged |= {other, review.review_id}
    n = len(reviews)
    return len(pairs), n * (n - 1) // 2, len(flagged)


_MONTHS = {m: k + 1 for k, m in enumerate((
    "January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"))}  # fmt: skip


def _facts(line: bytes) -> tuple[ReviewForDedup, str] | None:
    """A valid review line as duplicate detection sees it, and its language."""
    found = review_line(line)
    if found is None:
        return None
    rec = orjson.loads(line)
    if isinstance(rec["comment"], dict):
        c, info = rec["comment"], rec["comment"]["reviewerInfo"]
        month, _, year = c["checkInDateMonthAndYear"].partition(" ")
        stay = f"{year}-{_MONTHS[month]:02d}" if month in _MONTHS else None
        hotel, name, country = str(rec["hotelId"]), "", info["countryName"]
        when, rating = c["reviewDate"], c["rating"] / 10
    else:
        hotel, name, country = rec["hotel_id"], rec["reviewer_name"], rec["reviewer_country"]
        stay, when, rating = rec["stay_date"][:7], rec["review_date"], float(rec["rating"]) / 5
    review = ReviewForDedup(
        review_id=f"{found[0]}/{found[1]}", hotel_id=hotel, provider=str(found[0]),
        reviewer_name=name, reviewer_country=country, review_date=date.fromisoformat(when[:10]),
        stay_month=stay, rating=rating, text=found[3],
    )  # fmt: skip
    return review, found[2]


def planted_verdicts(out: Path) -> dict[str, object]:
    """Every review of a data set through one DuplicateIndex in date order: how the planted
    duplicates are judged, and how often ordinary reviews are flagged, by language."""
    reviews: dict[str, tuple[ReviewForDedup, str]] = {}
    for path in sorted(p for p in out.iterdir() if p.is_file()):
        data = path.read_bytes()
        data = gzip.decompress(data) if path.name.endswith(".gz") else data
        for line in data.splitlines():
            found = _facts(line)
            if found is not None:
                reviews.setdefault(found[0].review_id, found)
    index, verdicts = DuplicateIndex(), {}
    for review, _ in sorted(reviews.values(), key=lambda r: (r[0].review_date, r[0].review_id)):
        verdicts[review.review_id] = {v.kind for v in index.add(review)}
    planted = planted_ids(out)
    ordinary = {"en": [0, 0], "other": [0, 0]}  # [flagged, all]
    for key, (_, lang) in reviews.items():
        if key not in planted:
            group = ordinary["en" if lang == "en" else "other"]
            group[0] += bool(verdicts[key])
            group[1] += 1
    found: dict[str, list[int]] = {}  # truth kind -> [judged as planted, entries]
    expected = {"near_duplicate": "near_duplicate", "cross_post": "cross_post",
                "duplicate_burst": "suspicious_burst"}  # fmt: skip
    for line in (out / "truth" / "planted_duplicates.jsonl.txt").read_bytes().splitlines():
        entry = orjson.loads(line)
        keys = [f"{r['provider_id']}/{r['review_id']}" for r in entry["reviews"]]
        said = set().union(*(verdicts[k] for k in keys))
        tally = found.setdefault(entry["kind"], [0, 0])
        tally[0] += expected[entry["kind"]] in said
        tally[1] += 1
    return {
        "planted_found": {k: f"{a}/{n}" for k, (a, n) in sorted(found.items())},
        "ordinary_flagged": {k: f"{a}/{n} ({a / max(1, n):.2%})" for k, (a, n) in ordinary.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=20_000, help="English reviews compared")
    parser.add_argument("--reviews", type=int, default=40_000, help="demo size they come from")
    parser.add_argument("--speed-reviews", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--before-src", type=Path, help="src/ of the generator to compare with")
    args = parser.parse_args()
    after_src = Path(__file__).resolve().parent.parent / "src"
    versions = [("after", after_src)]
    if args.before_src:
        versions.insert(0, ("before", args.before_src.resolve()))
    results: dict[str, dict[str, float | int]] = {name: {} for name, _ in versions}
    with tempfile.TemporaryDirectory() as tmp:
        # the machine is shared: alternate the versions and keep each one's best of three
        walls: dict[str, list[float]] = {name: [] for name, _ in versions}
        cpus: dict[str, list[float]] = {name: [] for name, _ in versions}
        for _ in range(3):
            for name, src in versions:
                out = Path(tmp, name, "speed")
                wall, cpu = write(src=src, out=out, reviews=args.speed_reviews, seed=args.seed)
                walls[name].append(wall)
                cpus[name].append(cpu)
                shutil.rmtree(out)
        for name, src in versions:
            texts_dir = Path(tmp, name, "texts")
            write(src=src, out=texts_dir, reviews=args.reviews, seed=args.seed)
            reviews = english_reviews(texts_dir, limit=args.texts)
            pairs, total, flagged = flagged_share(reviews)
            results[name] = {
                "reviews_per_s": round(args.speed_reviews / min(walls[name])),
                "best_wall_s": round(min(walls[name]), 2),
                "best_cpu_s": round(min(cpus[name]), 2),
                "english_reviews": len(reviews),
                "flagged_pairs": pairs,
                "pair_share": float(f"{pairs / total:.3g}") if total else 0.0,
                "reviews_flagged": flagged,
                "distinct_texts": len({r.text for r in reviews}),
            }
            print(name, json.dumps(results[name]), flush=True)
            if name == "after":
                print("after, all reviews through one index:", planted_verdicts(texts_dir))
    if "before" in results:
        after, before = results["after"], results["before"]
        print(f"speed after/before: {after['reviews_per_s'] / before['reviews_per_s']:.2f} "
              f"(CPU before/after: {before['best_cpu_s'] / after['best_cpu_s']:.2f})")  # fmt: skip


if __name__ == "__main__":
    main()
