"""The benchmarks' shared helpers (bench/common.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:  # the bench scripts import their siblings by plain name
    sys.path.insert(0, str(BENCH))

from common import delivered, demo_file  # noqa: E402


def test_the_demo_file_holds_every_feed_line_and_none_of_the_truth(tmp_path: Path) -> None:
    path, lines = demo_file(reviews=3000, directory=tmp_path)
    assert path == tmp_path / "demo_3000.jl"
    assert lines == sum(1 for _ in path.open("rb")) > 3000 * 0.98
    reviews = 0
    for line in path.open("rb"):
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue  # the demo's deliberately broken lines
        reviews += isinstance(record, dict) and ("hotelId" in record or "hotel_id" in record)
    # Every line but the ~2 % broken ones is a review of either shape (no truth entries).
    assert reviews >= lines * 0.97
    # Its parts, truth folder included, are gone; a second call reuses the file.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_3000.jl"]
    assert demo_file(reviews=3000, directory=tmp_path) == (path, lines)


def test_files_are_delivered_in_the_order_of_their_dates_whatever_the_provider(
    tmp_path: Path,
) -> None:
    names = [
        "expedia_com_2025-03-02.jl",
        "agoda_com_2025-03-16.jl",
        "booking_com_2025-03-02.jsonl",
        "agoda_com_2025-03-01.jl",
    ]
    for name in names:
        (tmp_path / name).write_text("")
    (tmp_path / "truth").mkdir()  # a folder is no delivery
    assert [path.name for path in delivered(tmp_path)] == [
        "agoda_com_2025-03-01.jl",
        "booking_com_2025-03-02.jsonl",
        "expedia_com_2025-03-02.jl",
        "agoda_com_2025-03-16.jl",
    ]
