"""Signing in and the manager's dashboard in a real browser: manager login → dashboard (the
index against its competitive set, aspects by month, alerts, negative reviews without a
response), the manager's own hotel offered and chosen, an alert acknowledged with a note and
reopened from the keyboard, a reload that stays signed in (the session cookie), sign-out that
stays signed out, deep links and the back button, a person without the role told so; the
policy, the console, axe-core and screenshots at desktop and phone widths."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

import pytest

from tests.browser.conftest import (
    ANSWERED_TITLE,
    BURST_TITLES,
    CITY,
    INGEST_ONLY,
    MANAGED_HOTEL,
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

pytestmark = pytest.mark.xdist_group("browser")  # one served platform and one browser

COOKIE = "hr_session"


def _dashboard(served: Served, query: str = "") -> str:
    return f"/manage?hotel={served.hotel_ids[MANAGED_HOTEL]}" + query


def _sign_in(watched: Watched, user: str = MANAGER) -> None:
    sign_in(watched, user=user, password=PASSWORD)


def _session_cookies(page: Any) -> list[dict]:
    return [cookie for cookie in page.context.cookies() if cookie["name"] == COOKIE]


def _signed_in_as(page: Any) -> str | None:
    name = page.locator("#signed-in-name")
    return name.inner_text() if name.is_visible() else None


def _shows_the_dashboard(page: Any, served: Served) -> None:
    assert page.get_by_role("heading", level=1).inner_text() == (
        f"Dashboard: Hotel {MANAGED_HOTEL}"
    )
    standing = page.locator("#standing").inner_text()
    assert "Reputation index" in standing and "Rank" in standing
    # The competitive set as the server ranked it (GET /hotels/{id}/competitive-set): the
    # city's scored hotels of its star band, best first, this one among them at its rank.
    own = page.locator("table.compset tr.own")
    assert own.count() == 1
    ranks = page.locator("table.compset tbody tr td:first-child").all_inner_texts()
    assert len(ranks) > 1 and [int(r) for r in ranks] == sorted(int(r) for r in ranks)
    rank_figure = standing.split("Rank")[1].split()[0]
    assert own.locator("td").first.inner_text() == rank_figure
    alerts = page.get_by_role("list", name="Open alerts").locator(":scope > li")
    assert alerts.count() >= 1
    assert "near-identical" in " ".join(alerts.all_inner_texts())
    assert page.locator("#aspect-chart canvas").count() == 1
    unanswered = page.get_by_role("list", name="Negative reviews without a response")
    titles = unanswered.locator("h3").all_inner_texts()
    # Newest first; the answered one and the good ones left out.
    assert titles == list(reversed(BURST_TITLES))
    assert ANSWERED_TITLE not in titles


def test_a_manager_signs_in_sees_the_dashboard_stays_signed_in_and_signs_out(
    served: Served, watched: Watched
) -> None:
    page = watched.page
    dashboard = _dashboard(served)
    # Not signed in: sent to sign in, and back to the dashboard after.
    open_page(watched, served.base + dashboard)
    assert urlparse(page.url).path == "/login"
    assert parse_qs(urlparse(page.url).query)["next"] == [dashboard]
    _sign_in(watched)
    assert page.url == served.base + dashboard
    _shows_the_dashboard(page, served)
    assert _signed_in_as(page) == MANAGER

    # The refresh token: in a cookie no script can read, sent to the session routes only.
    [cookie] = _session_cookies(page)
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/web/session"
    assert COOKIE not in page.evaluate("() => document.cookie")

    # A reload keeps the session (the cookie refreshes it); the cookie rotates.
    page.reload()
    page.wait_for_load_state("networkidle")
    _shows_the_dashboard(page, served)
    [rotated] = _session_cookies(page)
    assert rotated["value"] != cookie["value"]

    # Other pages show who is signed in too; sign out from one of them.
    open_page(watched, served.base + "/")
    assert _signed_in_as(page) == MANAGER
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("link", name="Sign in").wait_for()
    assert _signed_in_as(page) is None
    assert _session_cookies(page) == []
    page.reload()
    page.wait_for_load_state("networkidle")
    assert _signed_in_as(page) is None
    # Signed out, the dashboard sends to sign in again.
    open_page(watched, served.base + dashboard)
    assert urlparse(page.url).path == "/login"
    assert watched.console_errors == []


def test_signing_out_on_the_dashboard_goes_to_sign_in(served: Served, watched: Watched) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/login?next={quote(_dashboard(served))}")
    _sign_in(watched)
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login?next=*")
    page.wait_for_load_state("networkidle")
    assert _signed_in_as(page) is None
    page.reload()
    page.wait_for_load_state("networkidle")
    assert _signed_in_as(page) is None and urlparse(page.url).path == "/login"


def test_a_deep_link_restores_the_dashboard_and_the_back_button_returns(
    served: Served, watched: Watched
) -> None:
    page = watched.page
    deep = _dashboard(served, "&aspect=staff")
    open_page(watched, f"{served.base}/login?next={quote(deep)}")
    _sign_in(watched)
    assert page.url == served.base + deep
    hotel_id = str(served.hotel_ids[MANAGED_HOTEL])
    assert page.get_by_label("Hotel", exact=True).input_value() == hotel_id
    assert page.get_by_label("Aspect in the trend").input_value() == "staff"
    shown = set(page.locator("#aspect-table tbody tr td:nth-child(2)").all_text_contents())
    assert shown == {"staff"}

    # Another aspect: a new URL, a history entry; back restores the first, form and all.
    page.get_by_label("Aspect in the trend").select_option("")
    with page.expect_navigation():
        page.get_by_role("button", name="Show").click()
    page.wait_for_load_state("networkidle")
    assert "aspect" not in parse_qs(urlparse(page.url).query)
    every = set(page.locator("#aspect-table tbody tr td:nth-child(2)").all_text_contents())
    assert len(every) > 1
    page.go_back(wait_until="networkidle")
    assert page.url == served.base + deep
    assert page.get_by_label("Aspect in the trend").input_value() == "staff"
    shown = set(page.locator("#aspect-table tbody tr td:nth-child(2)").all_text_contents())
    assert shown == {"staff"}
    _shows_the_dashboard(page, served)
    assert watched.console_errors == []


def test_someone_without_a_dashboard_role_is_told_so(served: Served, watched: Watched) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/login?next={quote(_dashboard(served))}")
    _sign_in(watched, INGEST_ONLY)
    alert = page.get_by_role("alert")
    assert "for managers, analysts and admins" in alert.inner_text()
    assert "ingest" in alert.inner_text()
    assert page.locator("#dashboard").is_hidden()
    assert watched.console_errors == []


def test_a_wrong_password_is_said_and_signs_nobody_in(served: Served, watched: Watched) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/login")
    page.get_by_label("User name").fill(MANAGER)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("alert").wait_for()
    assert page.get_by_role("alert").inner_text() == "Wrong user name or password."
    assert urlparse(page.url).path == "/login"
    assert _session_cookies(page) == []


def test_a_sign_in_link_never_leads_off_the_site(served: Served, watched: Watched) -> None:
    page = watched.page
    open_page(watched, f"{served.base}/login?next=//evil.example/")
    _sign_in(watched)
    assert urlparse(page.url).netloc == urlparse(served.base).netloc
    assert urlparse(page.url).path == "/manage"


@pytest.mark.parametrize(("label", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_the_dashboard_has_the_policy_no_violation_no_serious_axe_finding_and_screenshots(
    served: Served, browser: Any, axe_source: str, screenshots: Path, label: str, viewport: dict
) -> None:
    with axe_ready_page(browser, viewport=viewport, axe_source=axe_source) as page:
        watched = Watched(page)
        open_page(watched, f"{served.base}/login?next={quote(_dashboard(served))}")
        _sign_in(watched)
        response = open_page(watched, served.base + _dashboard(served))
        _shows_the_dashboard(watched.page, served)
        check_page(
            watched,
            response,
            name="dashboard",
            label=label,
            viewport=viewport,
            screenshots=screenshots,
        )


def test_a_manager_is_offered_their_hotel_and_acknowledges_an_alert_with_a_note(
    served: Served, watched: Watched
) -> None:
    page = watched.page
    # No hotel in the URL: the manager's own, the only one offered.
    open_page(watched, f"{served.base}/login?next=/manage")
    _sign_in(watched)
    page.get_by_role("heading", level=1).filter(has_text="Dashboard: Hotel").wait_for()
    chooser = page.get_by_label("Hotel", exact=True)
    assert chooser.locator("option").all_inner_texts() == [
        "Choose a hotel",
        f"Hotel {MANAGED_HOTEL} ({CITY})",
    ]
    assert chooser.input_value() == str(served.hotel_ids[MANAGED_HOTEL])
    _shows_the_dashboard(page, served)
    open_alerts = page.get_by_role("list", name="Open alerts").locator(":scope > li")
    before = open_alerts.count()
    first = open_alerts.first
    title = first.locator(".alert-kind").inner_text()

    first.get_by_label("Note (optional)").fill("Housekeeping briefed")
    first.get_by_role("button", name="Acknowledge").click()
    status = page.locator("#alerts-status")
    status.filter(has_text="Alert acknowledged").wait_for()

    assert status.get_attribute("aria-live") == "polite"
    assert open_alerts.count() == before - 1
    page.get_by_label("Alerts to show").select_option("acknowledged")
    acknowledged = page.get_by_role("list", name="Acknowledged alerts").locator(":scope > li")
    acknowledged.first.wait_for()
    assert title in acknowledged.first.inner_text()
    assert "Housekeeping briefed" in acknowledged.first.inner_text()

    # Reopen it from the keyboard (and leave the platform as the other tests expect it).
    reopen = acknowledged.first.get_by_role("button", name="Reopen")
    reopen.focus()
    page.keyboard.press("Enter")
    status.filter(has_text="Alert opened again").wait_for()
    page.get_by_label("Alerts to show").select_option("open")
    page.get_by_role("list", name="Open alerts").locator(":scope > li").nth(before - 1).wait_for()
    assert open_alerts.count() == before
    assert watched.console_errors == []
