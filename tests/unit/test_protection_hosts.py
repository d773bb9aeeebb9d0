"""Host names (protection/hosts.py, HOTELREVIEWS_ALLOWED_HOSTS; checked in app/edge.py): how
Host headers are read, which names match, which redirects are made relative, and what the
setting accepts.
tests/integration/test_finding_07_host_header_reflected.py drives them through the API."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError
from starlette.types import Message, Receive, Scope, Send

from hotelreviews.app.edge import EdgeMiddleware
from hotelreviews.cluster import apps, front
from hotelreviews.cluster.layout import plan
from hotelreviews.core.settings import Settings
from hotelreviews.protection.hosts import (
    AllowedHosts,
    HostVerdicts,
    host_name,
    relative_location,
)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("api.example.com", "api.example.com"),
        ("API.Example.COM:8443", "api.example.com"),
        ("api.example.com.", "api.example.com"),  # the fully qualified spelling
        ("127.0.0.1:8000", "127.0.0.1"),
        ("[::1]:8000", "[::1]"),
        ("[0:0:0:0:0:0:0:1]", "[::1]"),
        ("api.example.com:", "api.example.com"),  # an empty port is allowed (RFC 3986)
    ],
)
def test_a_host_header_is_read_as_its_normalised_host(header: str, expected: str) -> None:
    assert host_name(header) == expected


@pytest.mark.parametrize(
    "header",
    [
        "",
        "api.example.com:99999",
        "api.example.com:https",
        "user@api.example.com",
        "api.example.com/path",
        "api.example.com, evil.example",
        "[::1",
        "[not:an:address]",
        ".example.com",
        "api..example.com",
        "::1",  # an IPv6 address without its brackets is ambiguous with a port
    ],
)
def test_a_malformed_host_header_is_no_host(header: str) -> None:
    assert host_name(header) is None


def test_a_wildcard_matches_subdomains_but_neither_the_domain_nor_look_alikes() -> None:
    allowed = AllowedHosts(["*.example.com", "api.test"])

    assert allowed.allows("api.example.com")
    assert allowed.allows("a.b.example.com")
    assert allowed.allows("api.test")
    assert not allowed.allows("example.com")
    assert not allowed.allows("evilexample.com")
    assert not allowed.allows("example.com.evil.example")
    assert not allowed.allows("api.test.evil.example")


def test_a_star_allows_any_host() -> None:
    assert AllowedHosts(["*"]).allows("evil.example")


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        (b"http://api.test/api/v1/hotels?limit=5", b"/api/v1/hotels?limit=5"),
        (b"https://API.test:8443/api/v1/hotels#top", b"/api/v1/hotels#top"),
        (b"http://api.test", b"/"),
        # Relative, these would be URLs on another host (network-path references).
        (b"http://api.test//evil.example/x", b"/%2Fevil.example/x"),
        (b"http://api.test/\\evil.example/x", b"/%5Cevil.example/x"),
    ],
)
def test_a_redirect_to_the_request_s_own_host_becomes_relative(
    location: bytes, expected: bytes
) -> None:
    assert relative_location(location, "api.test") == expected


@pytest.mark.parametrize(
    "location",
    [b"https://partner.example/landing", b"/already/relative", b"mailto:someone@api.test"],
)
def test_any_other_location_is_left_alone(location: bytes) -> None:
    assert relative_location(location, "api.test") == location


async def test_a_request_without_a_host_header_as_haproxy_checks_send_is_served() -> None:
    # GET /readyz HTTP/1.0 and no header at all: URLs would come from the server's address.
    served: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        served.append(scope["path"])

    async def unused(*_: object) -> None:
        raise AssertionError("nothing to receive or send here")

    # The app checks hosts in app.edge's layer (with the other checks, here off).
    middleware = EdgeMiddleware(app, hosts=HostVerdicts(AllowedHosts(["reviews.example.com"])))
    scope = {"type": "http", "http_version": "1.0", "path": "/readyz", "headers": []}

    await middleware(scope, unused, unused)

    assert served == ["/readyz"]


async def test_each_host_header_value_keeps_its_verdict_however_often_it_is_sent() -> None:
    # Verdicts are remembered by the header's value: the second time is answered the same.
    served: list[bytes] = []
    statuses: list[int] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        served.append(dict(scope["headers"])[b"host"])

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    # The app checks hosts in app.edge's layer (with the other checks, here off).
    middleware = EdgeMiddleware(app, hosts=HostVerdicts(AllowedHosts(["reviews.example.com"])))
    for host in [b"reviews.example.com", b"evil.example", b"Reviews.Example.com:443"] * 2:
        scope = {"type": "http", "path": "/livez", "headers": [(b"host", host)]}
        await middleware(scope, receive, send)
    # An allowed name, remembered, is still refused when the header is repeated.
    twice = [(b"host", b"reviews.example.com"), (b"host", b"reviews.example.com")]
    await middleware({"type": "http", "path": "/livez", "headers": twice}, receive, send)

    assert served == [b"reviews.example.com", b"Reviews.Example.com:443"] * 2
    assert statuses == [400, 400, 400]


def test_by_default_only_loopback_names_are_allowed() -> None:
    assert Settings().allowed_hosts == ["localhost", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("api.example.com, *.Example.org", ["api.example.com", "*.example.org"]),
        ('["api.example.com", "::1"]', ["api.example.com", "[::1]"]),
        ("*", ["*"]),
    ],
)
def test_the_setting_takes_a_list_or_commas_and_normalises_each_name(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: list[str]
) -> None:
    monkeypatch.setenv("HOTELREVIEWS_ALLOWED_HOSTS", value)

    assert Settings().allowed_hosts == expected


@pytest.mark.parametrize(
    "value",
    ["https://api.example.com", "api.example.com:443", "api.example.com/v1", "*example.com"],
)
def test_a_url_a_port_or_a_bad_wildcard_in_the_setting_is_refused_with_what_to_give(
    value: str,
) -> None:
    with pytest.raises(ValidationError, match="give names only, without scheme, port or path"):
        Settings(allowed_hosts=[value])


def test_the_cluster_apps_answer_to_the_names_of_its_certificates_and_its_addresses(
    tmp_path: Path,
) -> None:
    layout = plan(tmp_path / "cluster", api_per_region=1)
    [process, *_] = apps.app_processes(layout)

    allowed = Settings(allowed_hosts=process.settings["HOTELREVIEWS_ALLOWED_HOSTS"]).allowed_hosts

    assert set(allowed) == {
        "localhost",
        "127.0.0.1",
        front.DOMAIN,
        "us-east-1.hotelreviews.internal",
        "eu-west-1.hotelreviews.internal",
        "ap-southeast-1.hotelreviews.internal",
    }


def test_the_cluster_api_accepts_queued_files_from_the_inbox_its_workers_poll(
    tmp_path: Path,
) -> None:
    """POST /api/v1/ingestions with a path in the cluster's inbox is queued (bench/load.py's
    ingestion share depends on it); a path elsewhere is still refused."""
    from hotelreviews.ingestion.queue.uris import InvalidSourceUri, local_roots, parse_source_uri

    layout = plan(tmp_path / "cluster", api_per_region=1)
    processes = apps.app_processes(layout)
    sources = {p.settings["HOTELREVIEWS_WORKER_SOURCES"] for p in processes}
    assert sources == {f'["{apps.inbox_dir(layout)}"]'}  # the APIs' and the workers' alike
    api = next(p for p in processes if p.kind == "api")
    configured = Settings(worker_sources=api.settings["HOTELREVIEWS_WORKER_SOURCES"])
    roots = local_roots(configured.worker_sources)
    inbox = apps.inbox_dir(layout)
    inbox.mkdir(parents=True)
    (inbox / "feed.jl").write_text("{}\n")
    assert parse_source_uri(str(inbox / "feed.jl"), local_roots=roots).target == str(
        (inbox / "feed.jl").resolve()
    )
    with pytest.raises(InvalidSourceUri):
        parse_source_uri(str(tmp_path / "elsewhere.jl"), local_roots=roots)
