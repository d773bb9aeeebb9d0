"""Review intelligence, evaluated: every part's figures in one run (docs/intelligence.md).

    .venv/bin/python bench/intelligence.py                   # every part
    .venv/bin/python bench/intelligence.py --parts aspects   # some

Each part is its own script, with its own options and baselines computed in the same run:
- aspects:    bench/intelligence_aspects.py — aspect detection P/R/F1 and polarity accuracy on
              the held-out labelled sentences (tests/data/aspects/test.ndjson), beside a keyword
              + star-rating baseline and whole-review VADER;
- alerts:     bench/intelligence_anomalies.py — rating drops, volume bursts, aspect
              deterioration and near-duplicates on planted cases: precision, recall, delay;
- reputation: bench/intelligence_reputation.py — the index against true quality (Spearman)
              beside raw means, and the largest one-review move against its bound;
- recommend:  bench/intelligence_recommend.py — leave-last-out NDCG@10 and recall@10 against
              popularity and item-kNN.
This script runs them one after the other with their defaults.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence

PARTS = {
    "aspects": "intelligence_aspects",
    "alerts": "intelligence_anomalies",
    "reputation": "intelligence_reputation",
    "recommend": "intelligence_recommend",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"comma-separated, in order (default: {','.join(PARTS)})",
    )
    args = parser.parse_args(argv)
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = [part for part in parts if part not in PARTS]
    if unknown:
        parser.error(f"unknown part(s): {', '.join(unknown)}; known: {', '.join(PARTS)}")
    failed = 0
    for part in parts:
        print(f"\n=== {part} (bench/{PARTS[part]}.py) ===\n", flush=True)
        started = time.perf_counter()
        status = importlib.import_module(PARTS[part]).main([])
        failed += status != 0
        print(f"\n({part}: {time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
