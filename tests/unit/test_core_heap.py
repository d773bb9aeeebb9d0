"""The serving process freezes the heap its start-up leaves, once (core/heap.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from hotelreviews.core.heap import YOUNGEST_GENERATION_THRESHOLD

# A fresh interpreter: the test process's own heap may already have been settled.
PROGRAM = textwrap.dedent(
    """
    import gc, os, tempfile
    from fastapi.testclient import TestClient

    os.environ["HOTELREVIEWS_DATABASE_URL"] = (
        "sqlite+aiosqlite:///" + os.path.join(tempfile.mkdtemp(), "heap.db")
    )
    from hotelreviews.app.factory import create_app

    before = gc.get_freeze_count(), gc.get_threshold()[0]
    with TestClient(create_app()) as client:
        assert client.get("http://localhost/api/v1/hotels").status_code == 200
        first = gc.get_freeze_count(), gc.get_threshold()[0]
    with TestClient(create_app()):
        second = gc.get_freeze_count()
    print(*before, *first, second)
    """
)


def test_the_first_start_up_freezes_its_heap_once_and_makes_young_collections_rarer() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    frozen_before, young_before, first, young_after, second = map(int, done.stdout.split())
    assert (frozen_before, young_before) == (0, 700)
    assert young_after == YOUNGEST_GENERATION_THRESHOLD
    # FastAPI, SQLAlchemy and the routes alone are far more than this.
    assert first > 50_000
    # A second freeze would add the second application's own objects, tens of thousands.
    assert second - first < 5_000


INGEST = textwrap.dedent(
    """
    import gc, os, sys, tempfile

    os.environ["HOTELREVIEWS_DATABASE_URL"] = (
        "sqlite+aiosqlite:///" + os.path.join(tempfile.mkdtemp(), "heap.db")
    )
    from hotelreviews.cli.ingest_cmd import run_ingest

    report = run_ingest([sys.argv[1]], as_json=True)
    print(report.totals.new, gc.get_freeze_count(), gc.get_threshold()[0])
    """
)


def test_an_ingestion_settles_its_heap_before_it_reads(samples_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", INGEST, str(samples_dir / "agoda_com_2025-03-16.jl")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    inserted, frozen, young = map(int, done.stdout.split()[-3:])
    assert inserted > 0
    assert frozen > 50_000
    assert young == YOUNGEST_GENERATION_THRESHOLD


WORKER = textwrap.dedent(
    """
    import gc, os, tempfile

    os.environ["HOTELREVIEWS_DATABASE_URL"] = (
        "sqlite+aiosqlite:///" + os.path.join(tempfile.mkdtemp(), "heap.db")
    )
    from hotelreviews.cli.worker_cmd import worker

    worker(once=True)
    print(gc.get_freeze_count(), gc.get_threshold()[0])
    """
)


def test_a_worker_settles_its_heap_before_it_works() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORKER], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    frozen, young = map(int, done.stdout.split()[-2:])
    assert frozen > 50_000
    assert young == YOUNGEST_GENERATION_THRESHOLD
