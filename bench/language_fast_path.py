"""How often language detection's English fast path decides, and whether it agrees with py3langid.

    PYTHONPATH=src:. .venv/bin/python bench/language_fast_path.py [--reviews 20000]

Texts: the demo generator's review comments (seed 7, every language it writes) and the
labelled sentences of tests/data/aspects (dev and test), each alone and joined per review; the
first 200 characters of each, as analyze_review detects on. For each, py3langid's answer as
detect_language gave it before the fast path, and the fast path's decision: the fast path must
only ever say "en" where py3langid does. Prints the counts, the disagreements, and the mean cost
of detect_language with the fast path and of py3langid alone.
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

from hotelreviews.demo import write_demo
from hotelreviews.demo.truth import review_line
from hotelreviews.intelligence.aspects import language

SAMPLE = 200  # characters, as analyze_review's _DETECTION_SAMPLE
LABELLED = ("tests/data/aspects/dev.ndjson", "tests/data/aspects/test.ndjson")


def demo_texts(reviews: int) -> list[tuple[str, str]]:
    work = Path(tempfile.mkdtemp(prefix="language-fast-path-"))
    try:
        write_demo(out_dir=work, reviews=reviews, seed=7)
        found = []
        for path in sorted(work.rglob("*")):
            if path.suffix not in {".jl", ".jsonl", ".gz"}:
                continue
            with (gzip.open if path.suffix == ".gz" else open)(path, "rb") as lines:
                for line in lines:
                    parsed = review_line(line)
                    if parsed is not None and parsed[3]:
                        found.append((str(parsed[2]), str(parsed[3])))
        return found
    finally:
        shutil.rmtree(work, ignore_errors=True)


def labelled_texts() -> list[tuple[str, str]]:
    found, by_review = [], defaultdict(list)
    for name in LABELLED:
        with open(name, encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                found.append((record["lang"], record["text"]))
                by_review[(record["review"], record["lang"])].append(record["text"])
    return found + [(lang, " ".join(texts)) for (_, lang), texts in by_review.items()]


def model_only(text: str) -> str | None:
    """detect_language without the fast path."""
    if len(language._NOT_LETTERS.sub("", text[:64])) < language._MIN_LETTERS:
        return None
    code, confidence = language._identifier().classify(text)
    return str(code) if confidence >= language._MIN_CONFIDENCE else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reviews", type=int, default=20_000)
    args = parser.parse_args()
    samples = [(lang, text[:SAMPLE]) for lang, text in demo_texts(args.reviews) + labelled_texts()]
    print(
        f"{len(samples):,} texts, by given language: {dict(Counter(lang for lang, _ in samples))}"
    )
    started = time.perf_counter()
    answers = [model_only(text) for _, text in samples]
    model_us = (time.perf_counter() - started) / len(samples) * 1e6
    started = time.perf_counter()
    for _, text in samples:
        language.detect_language(text)
    fast_us = (time.perf_counter() - started) / len(samples) * 1e6
    taken = [answer for (_, text), answer in zip(samples, answers, strict=True)
             if language.is_clearly_english(text)]  # fmt: skip
    wrong = [answer for answer in taken if answer != "en"]
    english = sum(answer == "en" for answer in answers)
    share = len(taken) / max(english, 1)
    print(
        f"py3langid says en for {english:,}; the fast path takes {len(taken):,} "
        f"({share:.1%} of them), disagreeing on {len(wrong)}: {wrong}"
    )
    print(f"detect_language {fast_us:.1f} µs/text with the fast path, {model_us:.1f} model only")


if __name__ == "__main__":
    main()
