"""`serve`'s multiprocess metrics directory: fresh for each run, so an earlier run's files can
never add their counts to this one's; the operator's own directory is emptied of them."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from hotelreviews.cli.serve_cmd import metrics_directory
from hotelreviews.core.settings import Settings
from hotelreviews.observability.exposition import MULTIPROC_DIR_VARIABLE


def test_without_a_directory_given_a_fresh_one_is_made_shared_and_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MULTIPROC_DIR_VARIABLE, raising=False)
    settings = Settings(environment="test", data_dir=tmp_path)
    stale = tmp_path / "run" / f"metrics-{os.getpid()}"
    stale.mkdir(parents=True)
    (stale / "counter_1.db").write_bytes(b"from a run that crashed")

    with metrics_directory(settings) as directory:
        assert directory == stale and list(directory.iterdir()) == []
        assert os.environ[MULTIPROC_DIR_VARIABLE] == str(directory.resolve())

    assert not directory.exists()
    assert MULTIPROC_DIR_VARIABLE not in os.environ


def test_a_given_directory_is_emptied_of_metric_files_and_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    given = tmp_path / "prometheus"
    given.mkdir()
    (given / "counter_41.db").write_bytes(b"stale")
    (given / "histogram_42.db").write_bytes(b"stale")
    (given / "README").write_text("not ours")
    monkeypatch.setenv(MULTIPROC_DIR_VARIABLE, str(given))

    with metrics_directory(Settings(environment="test", data_dir=tmp_path)) as directory:
        assert directory == given
        assert [path.name for path in directory.iterdir()] == ["README"]

    assert given.exists() and os.environ[MULTIPROC_DIR_VARIABLE] == str(given)
