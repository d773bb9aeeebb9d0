"""Finding 7: the Host header was reflected in the trailing-slash redirect
(`Location: http://evil.example/...`), also through the regional HAProxy.

In process first (the test client names a host the default settings allow), then
`hotelreviews serve` as deployed behind a real regional balancer: HAProxy passes the client's
Host on, and its own health checks send none (HTTP/1.0), which the API must still answer.
The served API uses the embedded database: nothing here depends on the storage.
"""

from __future__ import annotations

import http.client
import os
import ssl
import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from hotelreviews.cluster import haproxy, tls
from hotelreviews.core.settings import Settings
from tests.support.api_client import api_client
from tests.support.haproxy import LOCAL, needs_haproxy, regional_balancer, scratch_directory
from tests.support.pg_server import free_port
from tests.support.processes import start_serve, stop_process

DEADLINE = 120.0  # seconds: only how long a test may wait before failing
SLASHED = "/api/v1/hotels/?limit=5"  # the route is /api/v1/hotels: the router redirects
ATTACKER = "evil.example"


def _assert_refused_as_invalid_host(status: int, headers: httpx.Headers, body: bytes) -> None:
    assert status == 400, (status, headers.get("location"))
    assert headers["content-type"] == "application/problem+json"
    assert "location" not in headers
    assert b'"code":"invalid_host"' in body
    assert ATTACKER.encode() not in body  # not even in the explanation


async def test_a_trailing_slash_redirect_asked_for_host_evil_example_is_refused(
    settings: Settings,
) -> None:
    async with api_client(settings) as client:
        response = await client.get(SLASHED, headers={"Host": ATTACKER})

    _assert_refused_as_invalid_host(response.status_code, response.headers, response.content)


@pytest.mark.parametrize(
    "host",
    # {allowed}: the test client's own host, which the settings allow.
    [
        f"{ATTACKER}:443",
        f"{{allowed}}.{ATTACKER}",
        f"{{allowed}}@{ATTACKER}",
        f"{ATTACKER}/{{allowed}}",
        f"{{allowed}}, {ATTACKER}",
        "",
    ],
)
async def test_an_attacker_s_host_dressed_up_as_an_allowed_one_is_refused(
    settings: Settings, host: str
) -> None:
    async with api_client(settings) as client:
        host = host.format(allowed=client.base_url.host)
        response = await client.get(SLASHED, headers={"Host": host})

    assert response.status_code == 400, response.headers.get("location")
    assert response.json()["code"] == "invalid_host"


async def test_a_second_host_header_naming_evil_example_is_refused(settings: Settings) -> None:
    async with api_client(settings) as client:
        request = client.build_request("GET", SLASHED)
        request.headers = httpx.Headers([("host", client.base_url.host), ("host", ATTACKER)])
        response = await client.send(request)

    _assert_refused_as_invalid_host(response.status_code, response.headers, response.content)


async def test_a_trailing_slash_redirect_for_an_allowed_host_is_relative(
    settings: Settings,
) -> None:
    async with api_client(settings) as client:
        response = await client.get(SLASHED, headers={"Host": f"{client.base_url.host}:8443"})

    assert response.status_code == 307
    assert response.headers["location"] == "/api/v1/hotels?limit=5"


async def test_with_every_host_allowed_a_redirect_still_names_no_host(
    settings: Settings,
) -> None:
    async with api_client(settings.model_copy(update={"allowed_hosts": ["*"]})) as client:
        response = await client.get(SLASHED, headers={"Host": ATTACKER})

    assert response.status_code == 307
    assert response.headers["location"] == "/api/v1/hotels?limit=5"


# ---- behind a real regional balancer ---------------------------------------------------


@dataclass(frozen=True)
class Balanced:
    balancer: haproxy.HAProxy
    endpoint: haproxy.Endpoint
    client_tls: ssl.SSLContext

    def get(self, path: str, host: str) -> tuple[int, httpx.Headers, bytes]:
        """One request with this Host, redirects not followed."""
        connection = http.client.HTTPSConnection(
            self.endpoint.address, self.endpoint.port, context=self.client_tls, timeout=30
        )
        try:
            connection.request("GET", path, headers={"Host": host})
            response = connection.getresponse()
            return response.status, httpx.Headers(response.getheaders()), response.read()
        finally:
            connection.close()


def _eventually(condition: object, what: str) -> None:
    give_up = time.monotonic() + DEADLINE
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < give_up, f"gave up waiting for {what}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def balanced(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Balanced]:
    """`hotelreviews serve` on 127.0.0.1 behind eu-west-1's balancer, which it trusts."""
    directory = tmp_path_factory.mktemp("served")
    port = free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("HOTELREVIEWS_")}
    env.update(
        HOTELREVIEWS_DATA_DIR=str(directory / "data"),
        HOTELREVIEWS_ENVIRONMENT="test",
        HOTELREVIEWS_ALLOWED_HOSTS="localhost, 127.0.0.1",
        HOTELREVIEWS_TRUSTED_PROXIES=LOCAL,
    )
    log_path = directory / "serve.log"
    with log_path.open("wb") as log, scratch_directory() as root:
        process = start_serve(port=port, env=env, log=log)
        try:
            ca = tls.ensure_ca(root / "tls")
            pem = tls.ensure_server_certificate(
                ca, root / "haproxy.pem", dns_names=["localhost"], ip_addresses=[LOCAL]
            ).pem_path
            with regional_balancer(
                root / "eu-west-1", pem, [haproxy.Endpoint(LOCAL, port)]
            ) as balancer:

                def checked() -> haproxy.ServerState:
                    assert process.poll() is None, log_path.read_text()
                    [state] = haproxy.read_server_states(balancer.instance.stats_socket)
                    return state

                # HAProxy's own checks (GET /readyz HTTP/1.0, no Host) must pass: a server
                # starts UP, so it is the check's own verdict that is waited for.
                _eventually(
                    lambda: checked().check_status == "L7OK" and checked().status == "UP",
                    "the API passing the balancer's health checks",
                )
                yield Balanced(
                    balancer.instance,
                    balancer.endpoint,
                    ssl.create_default_context(cafile=str(ca.cert_path)),
                )
        finally:
            stop_process(process)


@needs_haproxy
def test_through_the_regional_balancer_a_redirect_asked_for_host_evil_example_is_refused(
    balanced: Balanced,
) -> None:
    status, headers, body = balanced.get(SLASHED, ATTACKER)

    _assert_refused_as_invalid_host(status, headers, body)
    assert headers["x-hotelreviews-region"] == "eu-west-1"  # it did go through HAProxy


@needs_haproxy
def test_through_the_regional_balancer_a_redirect_for_an_allowed_host_is_relative(
    balanced: Balanced,
) -> None:
    status, headers, _ = balanced.get(SLASHED, f"localhost:{balanced.endpoint.port}")

    assert status == 307
    assert headers["location"] == "/api/v1/hotels?limit=5"
