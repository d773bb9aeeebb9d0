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
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import orjson

from hotelreviews.intelligence.duplicates import DuplicateIndex, ReviewForDedup

_WRITE = """
import sys, time
from pathlib import Path
from hotelreviews.demo import write_demo
started = time.perf_counter()
m = write_demo(out_dir=Path(sys.argv[1]), reviews=int(sys.argv[2]), seed=int(sys.argv[3]))
print(time.perf_counter() - started, m.reviews)
"""


def write(*, src: Path, out: Path, reviews: int, seed: int) -> float:
    """Write a demo data set with the generator in `src`; seconds taken (in a fresh process)."""
    env = os.environ | {"PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", _WRITE, str(out), str(reviews), str(seed)],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    return float(done.stdout.split()[0])


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
    """The first `limit` ordinary English reviews, in file order (first deliveries only)."""
    skip, seen, found = planted_ids(out), set(), []
    for path in sorted(p for p in out.iterdir() if p.is_file()):
        data = path.read_bytes()
        data = gzip.decompress(data) if path.name.endswith(".gz") else data
        for line in data.splitlines():
            try:
                rec = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if not isinstance(rec, dict):
                continue
            review = _review(rec)
            if review is None or review.review_id in seen or review.review_id in skip:
                continue
            seen.add(review.review_id)
            found.append(review)
            if len(found) == limit:
                return found
    return found


def _review(rec: dict) -> ReviewForDedup | None:  # type: ignore[type-arg]
    try:
        if isinstance(rec.get("comment"), dict):
            c = rec["comment"]
            if c.get("translateSource") != "en":
                return None
            key, hotel, text = f"{c['providerId']}/{c['hotelReviewId']}", rec["hotelId"], c
            text = c["reviewComments"]
            when, provider = c["reviewDate"], str(c["providerId"])
        else:
            if rec.get("language") != "en":
                return None
            key, hotel, text = f"0/{rec['id']}", rec["hotel_id"], rec["comment"]
            when, provider = rec["review_date"], "0"
        return ReviewForDedup(
            review_id=key, hotel_id=str(hotel), provider=provider, reviewer_name="",
            reviewer_country=None, review_date=date.fromisoformat(when[:10]), stay_month=None,
            rating=0.0, text=str(text),
        )  # fmt: skip
    except (KeyError, TypeError, ValueError):
        return None


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
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, src in versions:
            speed_dir, texts_dir = Path(tmp, name, "speed"), Path(tmp, name, "texts")
            seconds = write(src=src, out=speed_dir, reviews=args.speed_reviews, seed=args.seed)
            write(src=src, out=texts_dir, reviews=args.reviews, seed=args.seed)
            reviews = english_reviews(texts_dir, limit=args.texts)
            pairs, total, flagged = flagged_share(reviews)
            results[name] = {
                "reviews_per_s": round(args.speed_reviews / seconds),
                "seconds": round(seconds, 2),
                "english_reviews": len(reviews),
                "flagged_pairs": pairs,
                "pair_share": pairs / total if total else 0.0,
                "reviews_flagged": flagged,
                "distinct_texts": len({r.text for r in reviews}),
            }
            print(name, json.dumps(results[name]), flush=True)
    if "before" in results:
        ratio = results["after"]["reviews_per_s"] / results["before"]["reviews_per_s"]
        print(f"speed after/before: {ratio:.2f}")


if __name__ == "__main__":
    main()
