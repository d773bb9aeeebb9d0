"""The reputation evaluation runs and reports what docs/intelligence/reputation.md quotes."""

from __future__ import annotations

from bench import intelligence_reputation


def test_the_evaluation_reports_rankings_moves_and_timings_for_a_small_market():
    figures = intelligence_reputation.run(hotels=80, seed=1)
    ranking = figures["quality"]["spearman"]
    assert set(ranking) >= {"raw mean rating", "mean of rating/scale*10", "index"}
    assert -1.0 <= ranking["index"]["all"] <= 1.0
    assert figures["movement"]["largest"] <= figures["movement"]["bound"]
    assert figures["timing"]["us_per_add"] > 0


def test_main_prints_and_succeeds(capsys):
    assert intelligence_reputation.main(["--hotels", "40", "--seed", "3"]) == 0
    assert "largest one-review move" in capsys.readouterr().out
