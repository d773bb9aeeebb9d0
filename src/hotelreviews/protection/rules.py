"""Which rate applies to a request: a few exact routes have their own, the rest the default.

Rates are written in the `limits` notation ("600/minute", "10/second", "1000/hour") and
counted in fixed windows of that length. Each request counts against one rule only, the
first that matches: (method, path) exactly, else the default. Health checks are exempt (the
load balancer polls them from a few addresses).
"""

from __future__ import annotations

from dataclasses import dataclass

import limits

from hotelreviews.core.settings import Settings

# Health checks and metrics: polled by load balancers, orchestrators and Prometheus, never
# limited.
EXEMPT_PATHS = frozenset({"/livez", "/readyz", "/health/primary", "/metrics"})
# The web pages' login route (security.web_session.SESSION_PATH; security sits above us).
WEB_LOGIN_PATH = "/web/session"
# A claim takes this share of a limit from the shared counter at once (budgets.py): fewer
# round trips, at the price of up to a claim's worth unused per instance and window.
CLAIM_SHARE = 10


@dataclass(frozen=True, slots=True)
class Rate:
    name: str  # in keys and logs: "default", "search", "login", "identity"
    limit: int
    window_seconds: int
    claim: int  # how much of the limit one claim takes from the shared counter

    @classmethod
    def parse(cls, name: str, spec: str) -> Rate:
        item = limits.parse(spec)
        return cls(
            name=name,
            limit=item.amount,
            window_seconds=item.get_expiry(),
            claim=max(1, item.amount // CLAIM_SHARE),
        )

    def describe(self) -> str:
        return f"{self.limit} per {self.window_seconds} s"


class RateRules:
    def __init__(self, *, default: Rate, routes: dict[tuple[str, str], Rate]) -> None:
        self.default = default
        self._routes = dict(routes)
        for (method, path), rate in routes.items():
            # /path/ is routed as /path (a redirect): it counts the same.
            self._routes[method, path.rstrip("/") + "/"] = rate
            if method == "GET":
                self._routes["HEAD", path] = rate

    @classmethod
    def from_settings(cls, settings: Settings, *, api_prefix: str) -> RateRules:
        search = Rate.parse("search", settings.rate_limit_search)
        login = Rate.parse("login", settings.rate_limit_login)
        return cls(
            default=Rate.parse("default", settings.rate_limit_default),
            routes={
                ("GET", f"{api_prefix}/reviews/search"): search,
                ("POST", f"{api_prefix}/auth/login"): login,
                # The web pages' login (security.web_session): one budget with the API's.
                ("POST", WEB_LOGIN_PATH): login,
            },
        )

    def match(self, method: str, path: str) -> Rate | None:
        if path in EXEMPT_PATHS:
            return None
        return self._routes.get((method, path), self.default)
