"""Issue 13, item 5, as a user sees it: ingesting one file of one line said "1 lines" and
"1 file(s)"; the summary now agrees with its counts."""

from __future__ import annotations

import re
from pathlib import Path

from hotelreviews.core.settings import Settings
from tests.support.cli import run_cli


def test_ingesting_one_file_of_one_line_says_1_file_and_1_line(
    tmp_path: Path, samples_dir: Path
) -> None:
    first_line = (samples_dir / "agoda_com_2025-03-16.jl").read_bytes().splitlines(True)[0]
    one = tmp_path / "one_review.jl"
    one.write_bytes(first_line)
    settings = Settings(environment="test", data_dir=tmp_path / "data")
    assert run_cli(settings, "migrate", "upgrade").returncode == 0

    done = run_cli(settings, "ingest", str(one), text=True)

    assert done.returncode == 0, done.stderr
    assert f"ingested {one}: 1 line, 1 new," in done.stdout
    assert "\n1 file: 1 ingested, 0 skipped, 0 failed" in done.stdout
    assert "(s)" not in done.stdout
    # A count of one, not a rate: "21 lines/s" (one line in 0.05 s) is fine.
    assert not re.search(r"(?<![\d.,])1 lines(?!/s)", done.stdout), done.stdout


def test_two_files_are_counted_in_the_plural(tmp_path: Path, samples_dir: Path) -> None:
    settings = Settings(environment="test", data_dir=tmp_path / "data")
    assert run_cli(settings, "migrate", "upgrade").returncode == 0
    feeds = [samples_dir / "agoda_com_2025-03-16.jl", samples_dir / "group_feed_2024-11-06.jsonl"]

    done = run_cli(settings, "ingest", *map(str, feeds), text=True)

    assert done.returncode == 0, done.stderr
    assert "\n2 files: 2 ingested, 0 skipped, 0 failed" in done.stdout
    assert ": 10 lines, " in done.stdout
