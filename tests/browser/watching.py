"""What the browser tests share: a page with what went wrong on it recorded, opening a page,
and the checks every page passes (policy, console, axe-core, width, screenshot)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Where the page tests leave their screenshots for a person to look at (not committed).
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = {"serious", "critical"}


class Watched:
    """A page with what went wrong on it recorded: console errors (CSP violations are
    reported there), uncaught exceptions and dialogs (an alert() would be a script run)."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console_errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.console_errors.append(f"page error: {error}"))
        page.on("dialog", self._dialog)

    def _console(self, message: Any) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} ({message.location.get('url', '')})")

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def csp_violations(self) -> list[str]:
        return [text for text in self.console_errors if "Content Security Policy" in text]


@contextmanager
def axe_ready_page(browser: Any, *, viewport: dict, axe_source: str) -> Iterator[Any]:
    """A new page of its own context at `viewport`, with axe-core added before the page's own
    scripts — through the browser's debugging protocol, so the page's strict policy (no inline
    script) does not apply to it and stays on for the page; closed after the block."""
    context = browser.new_context(viewport=viewport)
    context.add_init_script(script=axe_source)
    try:
        yield context.new_page()
    finally:
        context.close()


def open_page(watched: Watched, url: str) -> Any:
    response = watched.page.goto(url)
    assert response is not None and response.status == 200, url
    watched.page.wait_for_load_state("networkidle")
    return response


def check_page(
    watched: Watched, response: Any, *, name: str, label: str, viewport: dict, screenshots: Path
) -> None:
    """The strict policy on the page's response, no serious or critical axe-core finding, no
    sideways scrolling, no console error (so no CSP violation); a screenshot."""
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert "object-src 'none'" in policy and "frame-ancestors 'none'" in policy
    results = watched.page.evaluate("async () => await axe.run(document)")
    blocking = [
        (violation["id"], violation["impact"], len(violation["nodes"]))
        for violation in results["violations"]
        if violation["impact"] in BLOCKING_IMPACTS
    ]
    assert blocking == [], f"{name} at {label}: {blocking}"
    # Usable on a phone: nothing wider than the screen (no sideways scrolling).
    width = watched.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= viewport["width"], f"{name} at {label} is {width}px wide"
    watched.page.screenshot(path=str(screenshots / f"{name}-{label}.png"), full_page=True)
    assert watched.csp_violations() == []
    assert watched.console_errors == [], watched.console_errors


def sign_in(watched: Watched, *, user: str, password: str) -> None:
    """Sign in on the sign-in page, and wait for the page it goes to."""
    page = watched.page
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
