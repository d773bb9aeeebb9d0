"""`hotelreviews serve` (what `make run` ends in) says where the explorer is: its line names
the address it serves on, and that address answers with the explorer page."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.support.pg_server import free_port

DEADLINE_SECONDS = 120.0


def test_serve_prints_the_explorers_address_and_the_address_serves_it(tmp_path: Path) -> None:
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env.update(HOTELREVIEWS_DATA_DIR=str(tmp_path / "data"), HOTELREVIEWS_ENVIRONMENT="test")
    process = subprocess.Popen(
        [sys.executable, "-m", "hotelreviews", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        printed = [process.stdout.readline().strip() for _ in range(3)]
        explorer = f"http://127.0.0.1:{port}/"
        assert f"explorer (web pages) at {explorer}" in printed, printed

        give_up = time.monotonic() + DEADLINE_SECONDS
        while True:
            try:
                with urllib.request.urlopen(explorer, timeout=10) as response:
                    page = response.read().decode()
                    break
            except OSError:
                assert time.monotonic() < give_up, "the explorer never answered"
                time.sleep(0.2)
        assert response.status == 200
        assert "<h1" in page and "Hotel reviews explorer" in page
    finally:
        process.terminate()
        process.wait(timeout=30)
