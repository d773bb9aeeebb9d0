"""The evaluation runs end to end on a small planted set and reports every figure."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:  # the bench scripts import their siblings by plain name
    sys.path.insert(0, str(BENCH))

from intelligence_anomalies import main, run  # noqa: E402


def test_a_small_evaluation_reports_every_kind_and_config() -> None:
    result = run(step=30, clean=2, per_kind=1, review_scale=0.05)
    assert set(result["series"]["detect"]) == {
        "rating_drop",
        "volume_burst",
        "aspect_deterioration",
    }
    word3 = result["duplicates"]["minhash word3 perm=128"]
    assert word3["cross_posts_as_fraud"] == 0
    assert word3["short_texts_flagged"] == 0
    assert word3["near_dup_recall"] > 0.5
    assert len(result["duplicates"]) == 8


def test_main_prints_the_tables_and_returns_zero(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--step", "60", "--clean", "1", "--per-kind", "1", "--review-scale", "0.05"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "series alerts: detect" in printed
    assert "minhash word3 perm=128 |" in printed
