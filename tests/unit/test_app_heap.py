"""The serving process freezes the heap its start-up leaves, once (app/heap.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# A fresh interpreter: the test process's own heap may already have been settled.
PROGRAM = textwrap.dedent(
    """
    import gc, os, tempfile
    from fastapi.testclient import TestClient

    os.environ["HOTELREVIEWS_DATABASE_URL"] = (
        "sqlite+aiosqlite:///" + os.path.join(tempfile.mkdtemp(), "heap.db")
    )
    from hotelreviews.app.factory import create_app

    before = gc.get_freeze_count()
    with TestClient(create_app()) as client:
        assert client.get("http://localhost/api/v1/hotels").status_code == 200
        first = gc.get_freeze_count()
    with TestClient(create_app()):
        second = gc.get_freeze_count()
    print(before, first, second)
    """
)


def test_the_first_start_up_freezes_its_heap_and_a_second_one_does_not() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROGRAM], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    before, first, second = (int(word) for word in done.stdout.split())
    assert before == 0
    # FastAPI, SQLAlchemy and the routes alone are far more than this.
    assert first > 50_000
    # A second freeze would add the second application's own objects, tens of thousands.
    assert second - first < 5_000
