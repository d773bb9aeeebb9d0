"""Finding 1 (SSRF): an `ingest` identity must not make the worker fetch from inside the network.

Every attack goes through the API (POST /api/v1/ingestions with an `ingest` key) and the
worker, as an attacker's would. No test ever sends a packet outside 127.0.0.0/8: a socket
guard refuses (and records) any connect elsewhere, and names resolve through a fake
resolver, so a refusal is proved to happen before any connection is attempted.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.app.schema import ingested_files, reviews
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.worker import Worker
from tests.support.api_client import api_client, get_json
from tests.support.egress_guard import (  # noqa: F401
    FakeDNS,
    fake_dns_fixture,
    outside_connections_fixture,
)
from tests.support.feeds import nested_line
from tests.support.http_server import AnswersAnything, FileServer, LocalCA
from tests.support.s3_server import _free_port
from tests.support.workers import jobs_by_id, quick_worker_settings

URL = "/api/v1/ingestions"
FEED = "feed_2025-03-16.jl"
TLS_NAMES = ("feeds.example.com", "rebind.example.com")


@pytest.fixture
def ca(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> LocalCA:
    """The test's CA, the only one the worker trusts (SSL_CERT_FILE, as OpenSSL reads it)."""
    authority = LocalCA.create(tmp_path / "ca")
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.cert_file))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    return authority


def _www(tmp_path: Path) -> Path:
    root = tmp_path / "www"
    root.mkdir(exist_ok=True)
    lines = [nested_line(hotel=3, review=r, rating=8.0, text=f"Review {r}.") for r in range(10)]
    (root / FEED).write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    return root


@pytest.fixture
def feeds_server(tmp_path: Path, ca: LocalCA) -> Iterator[FileServer]:
    """An https feed server on 127.0.0.1 with a trusted certificate for TLS_NAMES."""
    with FileServer(_www(tmp_path), tls=ca.server_context(*TLS_NAMES)) as server:
        yield server


def policy(settings: Settings, **sources: Any) -> Settings:
    """Worker settings (one attempt per job: its error is final) with this source policy."""
    return quick_worker_settings(settings, worker_max_attempts=1, **sources)


async def post(settings: Settings, uri: str) -> httpx.Response:
    async with api_client(settings, roles=["ingest"]) as client:
        return await client.post(URL, json={"source_uri": uri})


async def queue_and_work(engine: AsyncEngine, settings: Settings, uri: str) -> Any:
    """Queue `uri` as an ingest identity, let the worker run it; the job as it ends."""
    posted = await post(settings, uri)
    assert posted.status_code == 202, posted.text
    await Worker(engine=engine, settings=settings).run(once=True)
    return (await jobs_by_id(engine))[posted.json()["id"]]


async def review_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(sa.select(sa.func.count()).select_from(reviews))).scalar()


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("https://127.0.0.1/feed.jl", "loopback"),
        ("https://[::1]/feed.jl", "loopback"),
        ("https://[::ffff:127.0.0.1]/feed.jl", "loopback"),
        ("https://169.254.169.254/latest/meta-data/iam/security-credentials/", "link-local"),
        ("https://[fe80::1]/feed.jl", "link-local"),
        ("https://10.0.0.5/feed.jl", "private"),
        ("https://172.16.8.1/feed.jl", "private"),
        ("https://192.168.1.1/feed.jl", "private"),
        ("https://[fd00::1]/feed.jl", "private"),
        ("https://0.0.0.0/feed.jl", "unspecified"),
        ("https://224.0.0.1/feed.jl", "multicast"),
        ("https://2130706433/feed.jl", "standard form"),  # 127.0.0.1 as one decimal number
        ("https://0x7f000001/feed.jl", "standard form"),  # … in hexadecimal
        ("https://0177.0.0.1/feed.jl", "standard form"),  # … with an octal first byte
        ("https://127.1/feed.jl", "standard form"),  # … in short form
    ],
)
async def test_the_api_refuses_a_source_on_a_loopback_private_or_link_local_address_in_any_spelling(
    engine: AsyncEngine, settings: Settings, outside_connections: list, uri: str, kind: str
) -> None:
    any_host = policy(settings, source_allowed_hosts=["*"])

    response = await post(any_host, uri)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "invalid_source_uri"
    assert kind in problem["detail"]
    assert await jobs_by_id(engine) == {}
    assert outside_connections == []


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("https://localhost:6379/feed.jl", "host localhost is not one sources may come from"),
        ("https://feeds.example.com.evil.net/a.jl", "is not one sources may come from"),
        ("https://evil-feeds.example.com/a.jl", "is not one sources may come from"),
        ("s3://platform-backups/db/base.tar.gz", "is not in a bucket or folder"),
        ("s3://feeds/../backups/a.jl", "a key with . or .. segments is refused"),
        ("s3://feeds-old/agoda/a.jl", "is not in a bucket or folder"),
    ],
)
async def test_the_api_refuses_hosts_and_buckets_outside_the_allow_lists(
    engine: AsyncEngine, settings: Settings, outside_connections: list, uri: str, reason: str
) -> None:
    allowed = policy(
        settings, source_allowed_hosts=["feeds.example.com"], source_allowed_s3=["feeds"]
    )

    response = await post(allowed, uri)

    assert response.status_code == 422, response.text
    assert reason in response.json()["detail"]
    assert await jobs_by_id(engine) == {}
    assert outside_connections == []


async def test_without_an_allow_list_no_https_source_is_accepted(
    engine: AsyncEngine, settings: Settings
) -> None:
    response = await post(policy(settings), "https://feeds.example.com/a.jl")

    assert response.status_code == 422, response.text
    assert "HOTELREVIEWS_SOURCE_ALLOWED_HOSTS" in response.json()["detail"]
    assert await jobs_by_id(engine) == {}


@pytest.mark.parametrize(
    "addresses",
    [
        ["169.254.169.254"],  # the cloud's metadata service
        ["10.0.0.5"],
        ["127.0.0.1"],  # loopback, and 127.0.0.1 is not an allowed network here
        ["::ffff:127.0.0.1"],
        ["93.184.216.34", "192.168.0.10"],  # one public answer does not excuse the other
    ],
)
async def test_an_allowed_name_resolving_to_an_internal_address_is_refused_before_connecting(
    engine: AsyncEngine,
    settings: Settings,
    fake_dns: FakeDNS,
    outside_connections: list,
    caplog: pytest.LogCaptureFixture,
    addresses: list[str],
) -> None:
    fake_dns.set("cdn.example.com", *addresses)
    allowed = policy(settings, source_allowed_hosts=["*.example.com"])

    with caplog.at_level(logging.WARNING, logger="hotelreviews"):
        job = await queue_and_work(engine, allowed, "https://cdn.example.com/feed.jl")

    assert job.status == "dead"
    assert "does not resolve to a public address" in job.last_error
    assert not any(address in job.last_error for address in addresses)  # that is for the log
    assert any(address in caplog.text for address in addresses)
    assert outside_connections == []


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("https://169.254.169.254/latest/meta-data/", "is a link-local address"),
        ("https://internal.example.com/feed.jl", "does not resolve to a public address"),
        ("https://127.0.0.2/feed.jl", "is a loopback address"),
        ("https://intranet.corp/feed.jl", "host intranet.corp is not one sources may come from"),
    ],
)
async def test_a_redirect_from_an_allowed_host_to_a_forbidden_one_is_refused(
    engine: AsyncEngine,
    settings: Settings,
    fake_dns: FakeDNS,
    outside_connections: list,
    feeds_server: FileServer,
    target: str,
    reason: str,
) -> None:
    fake_dns.set("feeds.example.com", "127.0.0.1")
    fake_dns.set("internal.example.com", "10.1.2.3")
    allowed = policy(
        settings,
        source_allowed_hosts=["feeds.example.com", "*.example.com", "169.254.169.254", "127.0.0.2"],
        source_allowed_networks=["127.0.0.1/32"],
    )
    uri = feeds_server.url(f"redirect-to/{target}", host="feeds.example.com")

    job = await queue_and_work(engine, allowed, uri)

    assert job.status == "dead"
    assert reason in job.last_error
    assert feeds_server.requests == [f"/redirect-to/{target}"]
    assert outside_connections == []
    assert await review_count(engine) == 0


async def test_a_redirect_from_https_to_plain_http_is_refused(
    engine: AsyncEngine,
    settings: Settings,
    fake_dns: FakeDNS,
    feeds_server: FileServer,
    tmp_path: Path,
) -> None:
    fake_dns.set("feeds.example.com", "127.0.0.1")
    allowed = policy(
        settings,
        source_allowed_hosts=["feeds.example.com"],
        source_allowed_networks=["127.0.0.1/32"],
    )
    with FileServer(_www(tmp_path)) as plain:
        downgrade = plain.url(FEED, host="feeds.example.com")
        uri = feeds_server.url(f"redirect-to/{downgrade}", host="feeds.example.com")

        job = await queue_and_work(engine, allowed, uri)

        assert plain.requests == []
    assert job.status == "dead"
    assert "redirected from https:// to http://" in job.last_error
    assert await review_count(engine) == 0


async def test_a_dns_answer_that_changes_after_the_check_is_never_connected_to(
    engine: AsyncEngine,
    settings: Settings,
    fake_dns: FakeDNS,
    outside_connections: list,
    feeds_server: FileServer,
) -> None:
    # Checked once as 127.0.0.1 (allowed), then the name points at the metadata service.
    fake_dns.rebinding("rebind.example.com", first="127.0.0.1", then="169.254.169.254")
    allowed = policy(
        settings,
        source_allowed_hosts=["rebind.example.com"],
        source_allowed_networks=["127.0.0.1/32"],
    )

    job = await queue_and_work(engine, allowed, feeds_server.url(FEED, host="rebind.example.com"))

    assert (job.status, job.last_error) == ("succeeded", None)
    assert await review_count(engine) == 10
    assert fake_dns.asked["rebind.example.com"] == 1
    assert feeds_server.requests == [f"/{FEED}"]
    assert outside_connections == []


async def test_a_closed_port_an_open_port_and_an_untrusted_tls_port_look_the_same_to_the_user(
    engine: AsyncEngine,
    settings: Settings,
    ca: LocalCA,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    loopback = policy(
        settings, source_allowed_hosts=["127.0.0.1"], source_allowed_networks=["127.0.0.1/32"]
    )
    stranger = LocalCA.create(tmp_path / "other-ca")  # not the CA the worker trusts
    closed = _free_port()
    with (
        AnswersAnything() as open_port,
        FileServer(_www(tmp_path), tls=stranger.server_context("localhost")) as untrusted,
        caplog.at_level(logging.WARNING, logger="hotelreviews"),
    ):
        ports = {"closed": closed, "open": open_port.port, "untrusted": untrusted.port}
        errors = {}
        for name, port in ports.items():
            uri = f"https://127.0.0.1:{port}/{FEED}"
            job = await queue_and_work(engine, loopback, uri)
            errors[name] = job.last_error.removeprefix(uri)
        async with api_client(loopback, roles=["analyst"]) as client:
            shown = {item["error"] for item in (await get_json(client, URL))["items"]}

    assert len(set(errors.values())) == 1, errors
    assert "could not connect to the source host" in errors["closed"]
    assert {error.partition(": ")[2] for error in shown} == {errors["closed"].lstrip(": ")}
    # The detail is in the server's log, for the operator.
    assert "Connection refused" in caplog.text or "ECONNREFUSED" in caplog.text
    assert "CERTIFICATE_VERIFY_FAILED" in caplog.text
    for port in ports.values():
        assert f"127.0.0.1:{port}" in caplog.text


async def test_signing_and_session_parameters_are_never_shown(
    engine: AsyncEngine,
    settings: Settings,
    fake_dns: FakeDNS,
    feeds_server: FileServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_dns.set("feeds.example.com", "127.0.0.1")
    allowed = policy(
        settings,
        source_allowed_hosts=["feeds.example.com"],
        source_allowed_networks=["127.0.0.1/32"],
    )
    secrets = ["c0de-5ecret", "a0th-5ecret", "5e55ion-5ecret", "51gnature"]
    query = f"code={secrets[0]}&auth={secrets[1]}&session={secrets[2]}&X-Sig={secrets[3]}&day=16"
    uri = feeds_server.url(f"{FEED}?{query}", host="feeds.example.com")

    with caplog.at_level(logging.INFO, logger="hotelreviews"):
        posted = await post(allowed, uri)
        await Worker(engine=engine, settings=allowed).run(once=True)
    async with api_client(allowed, roles=["analyst"]) as analyst:
        shown = await get_json(analyst, posted.headers["location"])
        listed = await get_json(analyst, URL)
    async with engine.connect() as connection:
        stored = (await connection.execute(sa.select(ingested_files))).all()

    assert shown["status"] == "succeeded"
    assert shown["source_uri"] == feeds_server.url(f"{FEED}?day=16", host="feeds.example.com")
    visible = [posted.text, orjson.dumps(shown), orjson.dumps(listed), caplog.text, str(stored)]
    for text in visible:
        for name in ("code=", "auth=", "session=", "X-Sig=", *secrets):
            assert name not in str(text)


async def test_a_job_queued_before_the_policy_was_narrowed_is_refused_by_the_worker(
    engine: AsyncEngine, settings: Settings, fake_dns: FakeDNS, feeds_server: FileServer
) -> None:
    fake_dns.set("feeds.example.com", "127.0.0.1")
    then = policy(
        settings,
        source_allowed_hosts=["feeds.example.com"],
        source_allowed_networks=["127.0.0.1/32"],
    )
    now = policy(settings, source_allowed_hosts=["cdn.example.net"])
    posted = await post(then, feeds_server.url(FEED, host="feeds.example.com"))
    assert posted.status_code == 202, posted.text

    await Worker(engine=engine, settings=now).run(once=True)

    job = (await jobs_by_id(engine))[posted.json()["id"]]
    assert job.status == "dead"
    assert "host feeds.example.com is not one sources may come from" in job.last_error
    assert feeds_server.requests == []
