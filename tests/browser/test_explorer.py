"""The Explorer in a real browser (Debian's Chromium through Playwright): the flows a person
follows (search → hotel → filter and page reviews → search text), deep links and the back
button, review markup shown as text, the Content-Security-Policy on every page with no
violation in the console, axe-core's accessibility rules, and a screenshot of each page at
desktop and phone widths (var/screenshots/, git-ignored)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from tests.browser.conftest import BUSY_HOTEL, HOTEL_WITH_XSS, XSS_TITLE, Served
from tests.browser.watching import DESKTOP, PHONE, Watched, axe_ready_page, check_page, open_page

pytestmark = pytest.mark.xdist_group("browser")  # one served platform and one browser


def _query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def test_search_a_hotel_open_it_filter_and_page_its_reviews_then_search_text(
    served: Served, watched: Watched
) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/")
    page.get_by_label("Hotel name").fill(f"Hotel {BUSY_HOTEL}")
    page.get_by_role("button", name="Show hotels").click()
    page.wait_for_load_state("networkidle")
    assert _query(page.url)["q"] == [f"Hotel {BUSY_HOTEL}"]
    page.get_by_role("link", name=f"Hotel {BUSY_HOTEL}").click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == served.hotel_path(BUSY_HOTEL)
    assert page.get_by_role("heading", level=1).inner_text() == f"Hotel {BUSY_HOTEL}"
    reviews = page.get_by_role("list", name="Reviews").locator(":scope > li")
    assert reviews.count() == 20
    # The hotel's other sections: scored by `intelligence catch-up`, the trend and the
    # aspects by month drawn by uPlot (and given as tables), the similar hotels of its city.
    assert "Reputation index" in page.locator("#reputation").inner_text()
    assert page.locator("#reputation table.aspects tbody tr").count() > 0
    # Under each aspect's score, what guests said: the reviews' own sentences, marked in words.
    food = page.locator("#reputation tr[data-aspect='food'] .samples li").all_inner_texts()
    assert any(s.startswith("Praised: Breakfast number") and "was excellent." in s for s in food)
    assert any(s.startswith("Criticised: Breakfast number") and "was cold." in s for s in food)
    assert all(" — 2025-" in s for s in food)  # each with its review's date and provider
    assert page.locator("#trend-chart canvas").count() == 1
    assert page.locator("#trend-table tbody tr").count() > 0
    assert page.locator("#aspect-chart canvas").count() == 1
    aspects = page.locator("#aspect-table tbody tr th").all_text_contents()
    assert aspects and all(month == "2025-03" for month in aspects)
    assert page.locator("#histogram tbody tr").count() == 10
    similar = page.get_by_role("region", name="Similar hotels").get_by_role("link")
    assert similar.count() > 0
    assert f"Hotel {BUSY_HOTEL}" not in similar.all_inner_texts()
    # Each provider's own published figures, on its own scale (the feed's overallByProviders).
    standings = page.get_by_role("list", name="Providers' figures").locator(":scope > li")
    assert standings.count() == 1
    assert standings.get_by_role("heading").inner_text() == "Agoda"
    assert standings.locator("dd").all_inner_texts()[:3] == [
        "8.1",
        f"{100 + BUSY_HOTEL:,}",
        "Cleanliness 8, Location 9",
    ]

    # Page on: the cursor goes into the page's URL; the rest of the 26 reviews follow.
    page.get_by_role("link", name="Next page").click()
    page.wait_for_load_state("networkidle")
    assert "cursor" in _query(page.url)
    assert reviews.count() == 6

    # Filter: the form's state becomes the URL's query, and the list follows it.
    page.goto(served.base + served.hotel_path(BUSY_HOTEL))
    page.get_by_label("Rating from").fill("9")
    page.get_by_label("Sort by").select_option("lowest")
    page.get_by_role("button", name="Show reviews").click()
    page.wait_for_load_state("networkidle")
    query = _query(page.url)
    assert query["min_rating"] == ["9"] and query["sort"] == ["lowest"]
    shown = page.locator(".review .meta").all_inner_texts()
    ratings = [float(text.split(" / ")[0]) for text in shown]
    assert ratings and min(ratings) >= 9 and ratings == sorted(ratings)

    # The back button returns to the unfiltered list, the form as it was.
    page.go_back()
    page.wait_for_load_state("networkidle")
    assert "min_rating" not in _query(page.url)
    assert reviews.count() == 20
    assert page.get_by_label("Rating from").input_value() == ""

    # Full-text search from the header, with the matched words highlighted.
    page.get_by_role("searchbox", name="Search reviews").fill("excellent breakfast")
    page.get_by_role("button", name="Search", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert urlparse(page.url).path == "/search"
    hits = page.get_by_role("list", name="Matching reviews").locator(":scope > li")
    assert hits.count() > 0
    marked = {text.lower() for text in page.locator(".snippet mark").all_inner_texts()}
    assert marked & {"excellent", "breakfast"}
    assert watched.console_errors == []


def test_a_deep_link_restores_the_filters_and_the_list(served: Served, watched: Watched) -> None:
    page = watched.page
    query = "traveller_type=solo&max_rating=6&sort=oldest"
    url = f"{served.base}{served.hotel_path(BUSY_HOTEL)}?{query}"
    open_page(watched, url)
    assert page.get_by_label("Traveller").input_value() == "solo"
    assert page.get_by_label("Rating up to").input_value() == "6"
    assert page.get_by_label("Sort by").input_value() == "oldest"
    metas = page.locator(".review .meta").all_inner_texts()
    assert metas and all("solo" in text for text in metas)
    assert all(float(text.split(" / ")[0]) <= 6 for text in metas)

    open_page(watched, f"{served.base}/?min_rating=7&sort=name")
    assert page.get_by_label("Minimum rating (0–10)").input_value() == "7"
    names = page.get_by_role("list", name="Hotels").locator("h3").all_inner_texts()
    # Rated 7 each; the two other hotels average 5.5.
    assert names == ["Hotel 9003", "Hotel 9004", "Hotel 9005"]


def test_the_keyboard_reaches_the_skip_link_first_and_every_field(
    served: Served, watched: Watched
) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"
    reached = set()
    for _ in range(12):
        page.keyboard.press("Tab")
        reached.add(page.evaluate("() => document.activeElement.id || document.activeElement.name"))
    assert {"f-q", "f-city", "f-min_rating", "f-sort"} <= reached


def test_a_bad_filter_shows_the_apis_problem(served: Served, watched: Watched) -> None:
    open_page(watched, f"{served.base}{served.hotel_path(BUSY_HOTEL)}?language=not a language")
    alert = watched.page.get_by_role("alert")
    assert "language" in alert.inner_text()


def test_review_markup_is_shown_as_text_and_runs_nothing(served: Served, watched: Watched) -> None:
    page = watched.page
    open_page(watched, f"{served.base}{served.hotel_path(HOTEL_WITH_XSS)}?sort=lowest")
    review = page.locator(".review").first
    assert review.locator("h3").inner_text() == XSS_TITLE
    text = review.locator(".text").inner_text()
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text
    assert 'href="javascript:alert(1)"' in text
    # The same text quoted as an aspect's sample sentence: text there too.
    quoted = page.locator("#reputation .samples q").all_inner_texts()
    assert any("<img src=x onerror=alert(1)>" in q for q in quoted)
    assert page.locator("main img, main script, main a[href^='javascript']").count() == 0

    open_page(watched, f"{served.base}/search?q=plumbing")
    snippet = page.locator(".snippet").first
    assert "<img src=x onerror=alert(1)>" in snippet.inner_text()
    assert snippet.locator("img, script, a").count() == 0
    assert watched.dialogs == []
    assert watched.console_errors == []


PAGES = {
    "explorer": "/",
    "hotel": "/hotels/{busy}",
    "search": "/search?q=breakfast",
    "login": "/login?next=/manage",
}


@pytest.mark.parametrize("name", PAGES)
def test_each_page_has_the_policy_no_violation_no_serious_axe_finding_and_screenshots(
    served: Served, browser: Any, axe_source: str, screenshots: Path, name: str
) -> None:
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        with axe_ready_page(browser, viewport=viewport, axe_source=axe_source) as page:
            watched = Watched(page)
            path = PAGES[name].format(busy=served.hotel_ids[BUSY_HOTEL])
            response = open_page(watched, served.base + path)
            check_page(
                watched,
                response,
                name=name,
                label=label,
                viewport=viewport,
                screenshots=screenshots,
            )


def test_the_explorers_first_page_transfers_under_200_kb(served: Served, browser: Any) -> None:
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        sizes: list[int] = []
        page.on("requestfinished", lambda done: sizes.append(done.sizes()["responseBodySize"]))
        page.goto(f"{served.base}/")
        page.wait_for_load_state("networkidle")
        assert len(sizes) >= 4  # the page, its style sheet, its scripts, the hotels' JSON
        assert sum(sizes) < 200 * 1024
    finally:
        context.close()
