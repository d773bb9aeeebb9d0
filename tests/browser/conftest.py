"""The browser tests' fixtures: one served platform with a small ingested feed, and one
Debian Chromium driven by Playwright, for the whole module run (docs/web.md, "Tests").

The data goes in through the real ingestion path (`hotelreviews ingest`), review intelligence
scores it (`hotelreviews intelligence catch-up`), and `hotelreviews serve` serves it on a free
loopback port, as `make run` does. The browser is /usr/bin/chromium, never a download of
Playwright's own; started headless with the flags that keep it off the network (it would
otherwise reach for Google's services, which a closed network refuses).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from hotelreviews.core.settings import Settings
from tests.browser.watching import DESKTOP, SCREENSHOTS, Watched
from tests.support.cli import run_cli
from tests.support.feeds import nested_line
from tests.support.pg_server import free_port
from tests.support.processes import start_serve, stop_process

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "src" / "hotelreviews" / "web" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM_ARGS = [
    "--no-sandbox",  # root in a container has no user namespaces for the sandbox
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
READY_SECONDS = 60
# The review whose every field is markup: it must reach the page as text.
XSS_TITLE = "<script>alert('title')</script>"
XSS_TEXT = (
    "<script>alert(1)</script> <img src=x onerror=alert(1)> "
    '<a href="javascript:alert(1)">javascript:alert(1)</a> plumbing'
)
HOTEL_WITH_XSS = 9001
# Enough reviews for a second page (the pages show 20 a page).
BUSY_HOTEL = 9002
BUSY_REVIEWS = 26
# Every hotel in one city: the similar hotels' and the competitive set's comparisons need one.
CITY = "Lisbon"
# The manager's hotel: three near-identical complaints within days (a suspicious burst: an
# alert), one more answered by the hotel, two good reviews.
MANAGED_HOTEL = 9006
BURST_TEXT = (
    "The room was dirty, the bathroom smelled of mould and the staff at the front desk "
    "ignored every complaint we made about the noise from the bar downstairs."
)
BURST_TITLES = ("Title 90061", "Title 90062", "Title 90063")
ANSWERED_TITLE = "Title 90064"
# Users, created through `hotelreviews users create`.
PASSWORD = "correct horse battery staple"
MANAGER = "mia"
INGEST_ONLY = "otto"  # signed in, but without a role that reads alerts
ADMIN = "ada"  # the operations console
# The folder the worker polls: the one place the API accepts local files from (queue/uris.py).
INBOX = "inbox"


@dataclass(frozen=True)
class Served:
    base: str
    data_dir: Path
    hotel_ids: dict[int, int]  # the feed's hotel id -> the platform's
    env: dict[str, str]  # the environment `hotelreviews serve` runs in (a worker's too)

    @property
    def inbox(self) -> Path:
        return self.data_dir / INBOX

    def hotel_path(self, feed_hotel: int) -> str:
        return f"/hotels/{self.hotel_ids[feed_hotel]}"


def _feed_lines() -> list[dict]:
    lines = [
        nested_line(hotel=HOTEL_WITH_XSS, review=1, rating=2.0, text=XSS_TEXT, day=3),
        nested_line(hotel=HOTEL_WITH_XSS, review=2, rating=9.0, text="Quiet room, lovely view."),
    ]
    lines[0]["comment"]["reviewTitle"] = XSS_TITLE
    travellers = ("Couple", "Solo traveler", "Family with young children", "Business traveler")
    for n in range(BUSY_REVIEWS):
        lines.append(
            nested_line(
                hotel=BUSY_HOTEL,
                review=100 + n,
                rating=float(1 + n % 10),
                text=f"Breakfast number {n} was {'excellent' if n % 2 else 'cold'}.",
                day=1 + n % 28,
                traveller=travellers[n % len(travellers)],
            )
        )
    for hotel in range(9003, 9006):
        lines.append(nested_line(hotel=hotel, review=hotel * 10, rating=7.0, text="Fine stay."))
    lines += _managed_hotel_lines()
    for line in lines:
        line["hotelCity"] = CITY
    return lines


def _managed_hotel_lines() -> list[dict]:
    lines = [
        nested_line(hotel=MANAGED_HOTEL, review=90061 + n, rating=2.0, text=BURST_TEXT, day=10 + n)
        for n in range(3)
    ]
    answered = nested_line(
        hotel=MANAGED_HOTEL, review=90064, rating=3.0, text="Cold breakfast, broken shower.", day=14
    )
    answered["comment"]["responderName"] = "The manager"
    answered["comment"]["responseText"] = "We are sorry: the shower is mended."
    lines.append(answered)
    for n in range(2):
        lines.append(
            nested_line(
                hotel=MANAGED_HOTEL,
                review=90070 + n,
                rating=9.0,
                text="Friendly staff and a spotless room.",
                day=5 + n,
            )
        )
    return lines


@pytest.fixture(scope="session")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    data_dir = tmp_path_factory.mktemp("browser-data")
    settings = Settings(environment="test", data_dir=data_dir)
    feed = data_dir / "agoda_com_2025-03-16.jl"
    feed.write_text("".join(json.dumps(line) + "\n" for line in _feed_lines()))
    for args in (("migrate", "upgrade"), ("ingest", str(feed)), ("intelligence", "catch-up")):
        done = run_cli(settings, *args)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
    for user, role in ((MANAGER, "manager"), (INGEST_ONLY, "ingest"), (ADMIN, "admin")):
        done = run_cli(settings, "users", "create", user, "--role", role, stdin=PASSWORD.encode())
        assert done.returncode == 0, (user, done.stdout, done.stderr)
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env.update(
        PYTHONPATH=str(ROOT / "src"),
        HOTELREVIEWS_ENVIRONMENT="test",
        HOTELREVIEWS_DATA_DIR=str(data_dir),
        HOTELREVIEWS_WORKER_SOURCES=str(data_dir / INBOX),
        # The flows sign in a few dozen times from one address within minutes; the login rate
        # limit itself is tested in tests/integration/test_api_protection.py.
        HOTELREVIEWS_RATE_LIMIT_LOGIN="1000/minute",
    )
    (data_dir / INBOX).mkdir()
    with (data_dir / "serve.log").open("wb") as log:
        process = start_serve(port=port, env=env, log=log)
        try:
            base = f"http://127.0.0.1:{port}"
            until_ready(base, process)
            hotels = httpx.get(f"{base}/api/v1/hotels", params={"limit": 100}).json()["items"]
            ids = {int(hotel["external_id"]): hotel["id"] for hotel in hotels}
            # The manager manages one hotel: the dashboard offers it and its alerts only.
            managed = str(ids[MANAGED_HOTEL])
            done = run_cli(settings, "users", "hotels", "add", MANAGER, managed)
            assert done.returncode == 0, (done.stdout, done.stderr)
            yield Served(base, data_dir, ids, env)
        finally:
            stop_process(process)


def until_ready(base: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "hotelreviews serve exited"
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError(f"{base} never became ready")


def _chromium_available() -> bool:
    """Chromium present, or installed now when we may (as root, as `make test` does)."""
    if CHROMIUM.exists():
        return True
    if os.geteuid() != 0:
        return False
    script = ROOT / "scripts" / "ensure-system-packages.sh"
    subprocess.run(["bash", str(script)], check=False, timeout=900)
    return CHROMIUM.exists()


# Module scope, not session: Playwright's sync API keeps its event loop running in this thread
# while it is open, and every later test on the same xdist worker that calls asyncio.run (the
# SQLite template's migrations, for one) would fail. The module's tests run one after another
# on one worker (its xdist_group), so the browser is closed before any other test runs there.
@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not _chromium_available():
        pytest.skip(
            "no /usr/bin/chromium and not root to install it: "
            "run `sudo apt-get install chromium` (or `sudo make test`)"
        )
    # Imported here: the module needs nothing of it when the browser is missing.
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        # launch() gives the browser a fresh temporary profile (--user-data-dir) of its own.
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail("axe-core is not installed: run `make node-packages` (make test does)")
    return AXE.read_text()


@pytest.fixture(scope="session")
def screenshots() -> Path:
    # Emptied once per run before any worker starts (tests/conftest.py): several workers
    # write here at once, so none may clear it.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    """A fresh context (no cookies) and page at desktop size."""
    context = browser.new_context(viewport=DESKTOP)
    try:
        yield Watched(context.new_page())
    finally:
        context.close()
