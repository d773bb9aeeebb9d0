"""The line parser's cost per line, against decoding the same lines with orjson.

    .venv/bin/python bench/parse.py --reviews 20000

Writes (or reuses) one demo file — both shapes, edits, broken lines — and times, on the same
lines in the same run: the baseline `orjson.loads` of every line (what decoding JSON alone
costs), `parse_line` (what ingestion runs: the fast msgspec path, the precise path for lines
it is unsure of), and the precise path alone (what every line would cost without the fast
one). Best of `--rounds` passes; the ratio says how many orjson decodes one parsed line costs.

Wall time: run it on a quiet machine. For a count that does not depend on load, run one
pass under callgrind:

    valgrind --tool=callgrind .venv/bin/python bench/parse.py --reviews 20000 --rounds 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import orjson

from common import demo_file
from hotelreviews.ingestion.shapes.parsing import parse_line, parse_precise


def _best(parse: Callable[[bytes], object], lines: list[bytes], rounds: int) -> float:
    """The fastest of `rounds` passes over every line, in microseconds per line."""
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for raw in lines:
            parse(raw)
        best = min(best, time.perf_counter() - started)
    return best / len(lines) * 1e6


def _decode(raw: bytes) -> object:
    """The baseline: decode the line, as the parser must first (the demo has broken lines)."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reviews", type=int, default=20_000, help="size of the demo data set")
    parser.add_argument("--rounds", type=int, default=5, help="passes per measurement")
    parser.add_argument("--work-dir", type=Path, default=None, help="where the demo file goes")
    args = parser.parse_args()

    work = args.work_dir or Path(tempfile.gettempdir()) / "hotelreviews-bench"
    work.mkdir(parents=True, exist_ok=True)
    path, count = demo_file(reviews=args.reviews, directory=work)
    lines = [raw.rstrip(b"\r\n") for raw in path.open("rb")]
    for raw in lines:  # warm the parser's small caches, as a long file does
        parse_line(raw)

    # parse_precise takes non-blank lines only (parse_line skips blank ones before it).
    non_blank = [raw for raw in lines if raw.strip()]
    baseline = _best(_decode, non_blank, args.rounds)
    print(f"{count:,} lines of {path.name}, best of {args.rounds}")
    print(f"  baseline orjson.loads    {baseline:7.2f} µs/line")
    for name, parse, measured in (
        ("parse_line", parse_line, lines),
        ("precise path only", parse_precise, non_blank),
    ):
        cost = _best(parse, measured, args.rounds)
        print(f"  {name:<25} {cost:7.2f} µs/line  ({cost / baseline:.1f}x the baseline)")


if __name__ == "__main__":
    main()
