"""The operations console in a real browser: an admin queues a file, watches it to the end and
opens a rejected line; an admin uploads a file from their computer and does the same, and a
refused upload shows the API's reason; a run's deep link (its page of rejected lines, an
opened line) restores and the back button returns to it; the console's views are URLs;
someone without a console role is told so; the policy, the console, axe-core and
screenshots at desktop and phone widths.

A `hotelreviews worker` runs against the served platform's database, polling its inbox (the
one folder the API takes local files from), as in production.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import httpx
import pytest

from tests.browser.conftest import (
    ADMIN,
    CITY,
    HOTEL_WITH_XSS,
    INGEST_ONLY,
    MANAGER,
    PASSWORD,
    Served,
)
from tests.browser.watching import (
    DESKTOP,
    PHONE,
    Watched,
    axe_ready_page,
    check_page,
    open_page,
    sign_in,
)
from tests.support.feeds import nested_line
from tests.support.processes import die_with_parent, stop_process
from tests.support.workers import QUICK

pytestmark = pytest.mark.xdist_group("browser")  # one served platform and one browser

# Generous: the machine may be busy; never a measure of speed.
FINISH_SECONDS = 120
FINISH_MS = FINISH_SECONDS * 1000
# Feed lines a console run rejects (the API pages them 20 at a time: two pages).
MANY_REJECTED = 23


def _worker_env(served: Served) -> dict[str, str]:
    env = dict(served.env)
    env.update({f"HOTELREVIEWS_{name.upper()}": str(value) for name, value in QUICK.items()})
    # Files are queued here through the API (the console), never found by the worker's own
    # poll: a file counts as still being written for an hour after its last change.
    env["HOTELREVIEWS_WORKER_SETTLE_SECONDS"] = "3600"
    env["HOTELREVIEWS_WORKER_MAX_ATTEMPTS"] = "2"  # a missing file is a dead letter soon
    return env


class WorkerProcess:
    """The module's `hotelreviews worker`, which a test may hold back (stop) and let go
    (start) to see a run from its very start."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        if self.process is not None:
            return
        with (self.served.data_dir / "worker.log").open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "hotelreviews", "worker"],
                env=_worker_env(self.served),
                stdout=subprocess.DEVNULL,
                stderr=log,
                preexec_fn=die_with_parent,  # noqa: PLW1509 - no threads of ours to deadlock yet
            )

    def stop(self) -> None:
        if self.process is not None:
            stop_process(self.process)
            self.process = None


@pytest.fixture(scope="module")
def worker(served: Served) -> Iterator[WorkerProcess]:
    process = WorkerProcess(served)
    process.start()
    try:
        yield process
    finally:
        process.stop()


def _known_line() -> str:
    """A line the platform already holds (the shared feed's): ingested again, unchanged."""
    line = nested_line(hotel=HOTEL_WITH_XSS, review=2, rating=9.0, text="Quiet room, lovely view.")
    line["hotelCity"] = CITY
    return json.dumps(line)


def _write_feed(served: Served, name: str, rejected: int) -> Path:
    """A feed in the worker's inbox: one good line, then `rejected` lines it cannot take (every
    other one not JSON, the others missing the review's date)."""
    lines = [_known_line()]
    for n in range(rejected):
        if n % 2:
            lines.append(f"not json at all {n}")
        else:
            broken = nested_line(hotel=HOTEL_WITH_XSS, review=500 + n, rating=5.0, text="x")
            del broken["comment"]["reviewDate"]
            lines.append(json.dumps(broken))
    path = served.inbox / name
    path.write_text("\n".join(lines) + "\n")
    return path


def _queue_and_follow(served: Served, path: Path) -> dict:
    """Queue `path` through the API as the admin, and its ingestion once it has ended."""
    with httpx.Client(base_url=served.base) as client:
        login = client.post("/api/v1/auth/login", json={"username": ADMIN, "password": PASSWORD})
        headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
        queued = client.post("/api/v1/ingestions", json={"source_uri": str(path)}, headers=headers)
        assert queued.status_code == 202, queued.text
        deadline = time.monotonic() + FINISH_SECONDS
        while time.monotonic() < deadline:
            ingestion = client.get(f"/api/v1/ingestions/{queued.json()['id']}", headers=headers)
            if ingestion.json()["status"] in ("succeeded", "dead"):
                return ingestion.json()
            time.sleep(0.1)
    raise AssertionError(f"{path} was still being ingested after {FINISH_SECONDS} s")


@pytest.fixture(scope="module")
def finished_run(served: Served, worker: WorkerProcess) -> int:
    """An ingestion with two pages of rejected lines, queued through the API and finished."""
    ingestion = _queue_and_follow(served, _write_feed(served, "many_rejected.jl", MANY_REJECTED))
    assert ingestion["status"] == "succeeded", ingestion
    assert ingestion["counts"]["rejected"] == MANY_REJECTED
    return ingestion["id"]


@pytest.fixture(scope="module")
def dead_letter(served: Served, worker: WorkerProcess) -> int:
    """An ingestion the worker gave up on: a file of the inbox that is not there."""
    ingestion = _queue_and_follow(served, served.inbox / "gone.jl")
    assert ingestion["status"] == "dead", ingestion
    return ingestion["id"]


def _sign_in(watched: Watched, user: str = ADMIN) -> None:
    sign_in(watched, user=user, password=PASSWORD)


def _rejected(page: Any) -> Any:
    return page.get_by_role("list", name="Rejected lines").locator(":scope > li")


# Keeps every text the page's status line (aria-live) shows from now on in window.announced.
RECORD_ANNOUNCEMENTS = """() => {
  window.announced = [];
  const status = document.getElementById("status");
  // Each text set is a new text node: its data is that text, however quickly the next comes.
  new MutationObserver((records) => records.forEach((record) =>
    record.addedNodes.forEach((node) => window.announced.push(node.textContent))))
    .observe(status, { childList: true });
}"""


def _responses_to(page: Any, path: re.Pattern[str]) -> list[Any]:
    """The responses to the page's GETs of a path `path` matches from now on, as they come."""
    responses: list[Any] = []

    def seen(response: Any) -> None:
        request = response.request
        if request.method == "GET" and path.fullmatch(urlparse(request.url).path):
            responses.append(response)

    page.on("response", seen)
    return responses


def _requests_to(page: Any, path: str) -> list[Any]:
    """The page's requests of `path` from now on, as they are sent."""
    requests: list[Any] = []
    page.on(
        "request", lambda request: urlparse(request.url).path == path and requests.append(request)
    )
    return requests


def _run_path(ingestion_id: int) -> str:
    return f"/operations/ingestions/{ingestion_id}"


def test_an_admin_queues_a_file_watches_it_to_the_end_and_opens_a_rejected_line(
    served: Served, watched: Watched, worker: WorkerProcess
) -> None:
    from playwright.sync_api import expect

    page = watched.page
    feed = _write_feed(served, "console_feed.jl", rejected=2)
    # Not signed in: sent to sign in, and back to the console after.
    open_page(watched, served.base + "/operations")
    assert urlparse(page.url).path == "/login"
    assert parse_qs(urlparse(page.url).query)["next"] == ["/operations"]
    _sign_in(watched)
    assert page.url == served.base + "/operations"

    # The worker waits until the run's page follows it: the page sees the run from its start.
    worker.stop()
    reads = _responses_to(page, re.compile(r"/api/v1/ingestions/\d+"))
    streams = _requests_to(page, "/api/v1/events")
    page.get_by_label("Source URI").fill(str(feed))
    with page.expect_navigation():
        page.get_by_role("button", name="Queue").click()
    path = urlparse(page.url).path
    assert path.startswith("/operations/ingestions/")
    expect(page.locator("#status")).to_have_text(
        re.compile(r"queued\. Following it live\.$"), timeout=FINISH_MS
    )
    page.evaluate(RECORD_ANNOUNCEMENTS)
    worker.start()
    # Followed while it moves (queued, running), to the end, from the event stream.
    expect(page.locator("#run-status")).to_have_text("succeeded", timeout=FINISH_MS)
    assert "console_feed.jl" in page.get_by_role("heading", level=1).inner_text()
    figures = page.locator("#run-figures").inner_text()
    assert "unchanged 1, rejected 2" in figures
    assert "Attempts" in figures and "1 of" in figures

    lines = _rejected(page)
    expect(lines).to_have_count(2)  # listed after the final read
    # The stream's doing, not a poll's: the page said "running" with the lines it had read,
    # which no read of the ingestion ever answered — there were two, one before the worker
    # started and one for the final figures after the end — over one stream, as signed in.
    announced = page.evaluate("window.announced")
    assert any(re.search(r" running\. \d+ lines? read", text) for text in announced), announced
    assert [read.json()["status"] for read in reads] == ["queued", "succeeded"]
    assert {urlparse(read.url).path for read in reads} == {
        "/api/v1" + path.removeprefix("/operations")
    }
    (stream,) = streams
    sent = stream.all_headers()
    assert sent["accept"] == "text/event-stream" and sent["authorization"].startswith("Bearer ")
    assert parse_qs(urlparse(stream.url).query) == {"kind": ["ingestion"]}
    assert lines.locator("summary").all_inner_texts() == [
        "Line 2: missing_field",
        "Line 3: invalid_json",
    ]
    message = lines.nth(0).locator("p.text")
    assert not message.is_visible()
    lines.nth(0).locator("summary").click()
    expect(message).to_be_visible()
    assert "reviewDate" in message.inner_text()
    # An admin sees the line itself, as text.
    assert '"hotelReviewId": 500' in lines.nth(0).locator("pre").inner_text()

    # The console lists it, newest first, finished.
    page.get_by_role("link", name="Operations", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    first = page.get_by_role("list", name="Ingestions").locator(":scope > li").first
    assert first.locator("h3 a").get_attribute("href") == path
    assert "succeeded" in first.inner_text()
    assert watched.console_errors == []


def test_an_admin_uploads_a_file_follows_its_run_to_the_end_and_opens_its_rejected_line(
    served: Served, watched: Watched, worker: subprocess.Popen, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = watched.page
    # A file on the admin's computer (not in the inbox): one known line, one broken line.
    feed = tmp_path / "uploaded_feed_2025-03-21.jl"
    feed.write_text(_known_line() + "\nnot json at all\n")
    open_page(watched, f"{served.base}/login?next=/operations")
    _sign_in(watched)

    page.get_by_label("File to upload").set_input_files(str(feed))
    page.get_by_role("button", name="Upload", exact=True).click()
    status = page.locator("#upload-status")
    expect(status).to_contain_text("queued it", timeout=FINISH_MS)
    assert "Uploaded uploaded_feed_2025-03-21.jl" in status.inner_text()
    assert page.locator("#upload-problem").is_hidden()
    with page.expect_navigation():
        status.get_by_role("link").click()
    assert urlparse(page.url).path.startswith("/operations/ingestions/")
    # Followed while it moves (queued, running), to the end.
    expect(page.locator("#run-status")).to_have_text("succeeded", timeout=FINISH_MS)
    assert "uploaded_feed_2025-03-21.jl" in page.get_by_role("heading", level=1).inner_text()
    assert "unchanged 1, rejected 1" in page.locator("#run-figures").inner_text()
    [line] = _rejected(page).all()
    assert line.locator("summary").inner_text() == "Line 2: invalid_json"
    line.locator("summary").click()
    assert "not json at all" in line.locator("pre").inner_text()
    assert watched.console_errors == []


def test_a_refused_upload_shows_the_apis_reason(
    served: Served, watched: Watched, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = watched.page
    notes = tmp_path / "notes.txt"
    notes.write_text("not a feed\n")
    open_page(watched, f"{served.base}/login?next=/operations")
    _sign_in(watched, INGEST_ONLY)
    page.get_by_label("File to upload").set_input_files(str(notes))
    page.get_by_role("button", name="Upload", exact=True).click()
    refusal = page.locator("#upload-problem")
    expect(refusal).to_be_visible()
    assert "must end with .jl" in refusal.inner_text()
    assert "was refused" in page.locator("#upload-status").inner_text()
    assert [error for error in watched.console_errors if "422" not in error] == []


def test_a_runs_deep_link_restores_its_page_and_line_and_back_returns(
    served: Served, watched: Watched, finished_run: int
) -> None:
    page = watched.page
    run = _run_path(finished_run)
    open_page(watched, f"{served.base}/login?next={quote(run)}")
    _sign_in(watched)
    assert page.url == served.base + run
    assert _rejected(page).count() == 20
    with page.expect_navigation():
        page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state("networkidle")
    second = page.url
    assert "cursor" in parse_qs(urlparse(second).query)
    numbers = _rejected(page).locator("summary").all_inner_texts()
    assert [text.split(":")[0] for text in numbers] == ["Line 22", "Line 23", "Line 24"]

    # Away and back: the same page of lines.
    page.get_by_role("link", name="Operations", exact=True).first.click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == "/operations"
    page.go_back(wait_until="networkidle")
    assert page.url == second
    assert _rejected(page).locator("summary").all_inner_texts() == numbers

    # A deep link to one line of that page, opened in a new tab: that page, that line open.
    tab = Watched(page.context.new_page())
    open_page(tab, second + "#line-23")
    opened = tab.page.locator("details[open]")
    assert opened.count() == 1
    assert opened.locator("summary").inner_text().startswith("Line 23: ")
    assert opened.locator("p.text").is_visible()
    assert _rejected(tab.page).locator("summary").all_inner_texts() == numbers
    assert watched.console_errors == [] and tab.console_errors == []


def test_the_console_views_are_urls_and_back_returns(
    served: Served, watched: Watched, finished_run: int, dead_letter: int
) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/login?next={quote('/operations?view=queue')}")
    _sign_in(watched)
    views = page.get_by_role("navigation", name="Console views")
    assert views.locator("[aria-current=page]").inner_text() == "Queue and dead letters"
    assert page.locator("#status").inner_text() == (
        "0 ingestions waiting or running, 1 dead letter."
    )
    [dead] = page.get_by_role("list", name="Queue and dead letters").locator(":scope > li").all()
    assert dead.locator("h3 a").get_attribute("href") == _run_path(dead_letter)
    assert "gone.jl" in dead.inner_text() and "Gave up: " in dead.inner_text()

    with page.expect_navigation():
        views.get_by_role("link", name="Cluster").click()
    page.wait_for_load_state("networkidle")
    assert parse_qs(urlparse(page.url).query)["view"] == ["cluster"]
    assert "Region" in page.locator("#cluster-figures").inner_text()
    # One embedded database: no replica, no disaster recovery to report (the replicated
    # case: test_cluster_panel.py).
    assert page.locator("#status").inner_text() == "Cluster ok."
    assert page.locator("#recovery").inner_text().startswith("Not applicable: ")
    assert page.get_by_role("list", name="Dependencies").get_by_role(
        "heading"
    ).first.inner_text() == ("primary")
    page.go_back(wait_until="networkidle")
    assert parse_qs(urlparse(page.url).query)["view"] == ["queue"]
    assert views.locator("[aria-current=page]").inner_text() == "Queue and dead letters"
    assert watched.console_errors == []


def test_someone_without_a_console_role_is_told_so(served: Served, watched: Watched) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/login?next=/operations")
    _sign_in(watched, MANAGER)
    alert = page.get_by_role("alert").filter(has_text="operations console")
    assert "for admins, analysts and ingest users" in alert.inner_text()
    assert "manager" in alert.inner_text()
    assert page.locator("#queue-panel").is_hidden()
    assert page.get_by_role("list", name="Ingestions").locator(":scope > li").count() == 0
    assert watched.console_errors == []


def test_an_ingest_user_may_queue_sees_the_apis_refusal_and_not_the_cluster(
    served: Served, watched: Watched
) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/login?next=/operations")
    _sign_in(watched, INGEST_ONLY)
    # Their own ingestions only: none yet.
    assert page.locator("#status").inner_text() == "No ingestions yet."
    page.get_by_label("Source URI").fill("/etc/passwd")
    page.get_by_role("button", name="Queue").click()
    refusal = page.locator("#queue-problem")
    refusal.wait_for()
    assert "not under a folder the worker polls" in refusal.inner_text()
    assert urlparse(page.url).path == "/operations"
    with page.expect_navigation():
        page.get_by_role("link", name="Cluster").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#status").inner_text() == "The cluster's health is for admins."
    assert page.locator("#cluster").is_hidden()
    # The refusal is the API's answer (422), which the browser logs; nothing else.
    assert [error for error in watched.console_errors if "422" not in error] == []


PAGES = {
    "operations": "/operations",
    "operations-queue": "/operations?view=queue",
    "operations-cluster": "/operations?view=cluster",
    "ingestion": "/operations/ingestions/{run}",
}


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_each_console_page_has_the_policy_no_violation_no_serious_axe_finding_and_screenshots(
    served: Served,
    browser: Any,
    axe_source: str,
    screenshots: Path,
    finished_run: int,
    dead_letter: int,
    label: str,
    viewport: dict,
) -> None:
    with axe_ready_page(browser, viewport=viewport, axe_source=axe_source) as page:
        open_page(Watched(page), f"{served.base}/login?next=/operations")
        _sign_in(Watched(page))
        for name, path in PAGES.items():
            # One page, signed in once; a fresh record of what goes wrong for each.
            watched = Watched(page)
            response = open_page(watched, served.base + path.format(run=finished_run))
            check_page(
                watched,
                response,
                name=name,
                label=label,
                viewport=viewport,
                screenshots=screenshots,
            )
