"""Finding 8: HAProxy's TLS 1.2 accepted legacy suites without forward secrecy (AES128-SHA).

Real HAProxy instances on 127.0.0.1, configured as `hotelreviews cluster up` configures them:
a regional balancer with the cluster's own ECDSA certificate, one with an RSA certificate
(static-RSA suites such as AES128-SHA need one, and an operator's public certificate often is
one), and the global entry. Clients offer exactly one protocol version and, in TLS 1.2, one
suite; a refusal must come from the server (its alert), not from the client's own library.
Mozilla's "intermediate" profile: TLS 1.2 with ECDHE and an AEAD cipher only, TLS 1.3, no
session tickets — on what clients reach and on what the global entry reaches.
"""

from __future__ import annotations

import ssl
import threading
import time
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from hotelreviews.cluster import haproxy, tls
from tests.support.haproxy import (
    LOCAL,
    client_context,
    handshake,
    needs_haproxy,
    regional_balancer,
    rsa_certificate,
    scratch_directory,
)
from tests.support.pg_server import free_port

pytestmark = needs_haproxy

DEADLINE = 60.0  # seconds: only how long a test may wait before failing
LEGACY_REGION = "us-east-1"
TLS13_SUITES = {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}


@dataclass(frozen=True)
class Front:
    """Where each kind of listener is, and which key its certificate has ("RSA", "ECDSA")."""

    ca: tls.CertificateAuthority
    listeners: dict[str, tuple[haproxy.Endpoint, str]]
    entry: haproxy.HAProxy


class _ReadyHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - overridden name
        pass


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        pass  # refused handshakes are the point here


@pytest.fixture(scope="module")
def legacy_balancer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, int]]:
    """Stands in for a balancer that speaks TLS 1.2 with AES128-SHA only (answers /readyz 200):
    yields the CA directory it trusts and its port."""
    directory = tmp_path_factory.mktemp("legacy")
    ca = tls.ensure_ca(directory / "tls")
    pem = rsa_certificate(ca, directory / "legacy.pem", [f"{LEGACY_REGION}.hotelreviews.internal"])
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pem)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers("AES128-SHA")
    server = _QuietServer((LOCAL, 0), _ReadyHandler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield directory / "tls", server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def front(legacy_balancer: tuple[Path, int]) -> Iterator[Front]:
    ca_directory, legacy_port = legacy_balancer
    ca = tls.ensure_ca(ca_directory)
    with scratch_directory() as root:
        ecdsa = tls.ensure_server_certificate(ca, root / "ecdsa.pem", dns_names=["localhost"])
        rsa_pem = rsa_certificate(ca, root / "rsa.pem", ["localhost"])
        entry = haproxy.HAProxy("global", root / "global")
        entry_endpoint = haproxy.Endpoint(LOCAL, free_port())
        with (
            regional_balancer(root / "ecdsa", ecdsa.pem_path) as ecdsa_balancer,
            regional_balancer(root / "rsa", rsa_pem) as rsa_balancer,
        ):
            config = haproxy.render_global_config(
                bind=entry_endpoint,
                certificate=ecdsa.pem_path,
                ca_file=ca.cert_path,
                regions={
                    LEGACY_REGION: haproxy.RegionRoute(
                        haproxy.Endpoint(LOCAL, legacy_port),
                        f"{LEGACY_REGION}.hotelreviews.internal",
                    )
                },
                stats_socket=entry.stats_socket,
                default_region=LEGACY_REGION,
            )
            try:
                entry.apply(config, listen=entry_endpoint)
                yield Front(
                    ca,
                    {
                        "regional balancer (RSA)": (rsa_balancer.endpoint, "RSA"),
                        "regional balancer (ECDSA)": (ecdsa_balancer.endpoint, "ECDSA"),
                        "global entry (ECDSA)": (entry_endpoint, "ECDSA"),
                    },
                    entry,
                )
            finally:
                entry.stop()


LISTENERS = ["regional balancer (RSA)", "regional balancer (ECDSA)", "global entry (ECDSA)"]


def _refusal(front: Front, listener: str, context: ssl.SSLContext) -> ssl.SSLError:
    endpoint, _ = front.listeners[listener]
    with pytest.raises(ssl.SSLError) as refused:
        handshake(endpoint, context).close()
    return refused.value


def test_a_tls_1_2_client_offering_only_aes128_sha_fails_the_handshake(front: Front) -> None:
    context = client_context(front.ca, version=ssl.TLSVersion.TLSv1_2, ciphers="AES128-SHA")

    refusal = _refusal(front, "regional balancer (RSA)", context)

    # The balancer's alert: no suite in common. Not the client refusing to offer it.
    assert refusal.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE", refusal


@pytest.mark.parametrize("listener", LISTENERS)
def test_a_tls_1_2_client_offering_only_cbc_suites_fails_even_with_forward_secrecy(
    front: Front, listener: str
) -> None:
    key = front.listeners[listener][1]
    context = client_context(
        front.ca, version=ssl.TLSVersion.TLSv1_2, ciphers=f"ECDHE-{key}-AES128-SHA"
    )

    refusal = _refusal(front, listener, context)

    assert refusal.reason == "SSLV3_ALERT_HANDSHAKE_FAILURE", refusal


@pytest.mark.parametrize("listener", LISTENERS)
@pytest.mark.parametrize("cipher", ["AES128-GCM-SHA256", "AES256-GCM-SHA384", "CHACHA20-POLY1305"])
def test_ecdhe_with_an_aead_cipher_completes_a_tls_1_2_handshake(
    front: Front, listener: str, cipher: str
) -> None:
    endpoint, key = front.listeners[listener]
    suite = f"ECDHE-{key}-{cipher}"
    context = client_context(front.ca, version=ssl.TLSVersion.TLSv1_2, ciphers=suite)

    with handshake(endpoint, context) as connection:
        assert connection.version() == "TLSv1.2"
        assert connection.cipher()[0] == suite


@pytest.mark.parametrize("listener", LISTENERS)
def test_tls_1_1_is_refused(front: Front, listener: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1_1 is, rightly
        context = client_context(front.ca, version=ssl.TLSVersion.TLSv1_1)
    # OpenSSL's own floor would otherwise keep the client from offering TLS 1.1 at all.
    context.set_ciphers("DEFAULT:@SECLEVEL=0")

    refusal = _refusal(front, listener, context)

    assert refusal.reason == "TLSV1_ALERT_PROTOCOL_VERSION", refusal


@pytest.mark.parametrize("listener", LISTENERS)
def test_tls_1_3_completes_with_one_of_its_aead_suites(front: Front, listener: str) -> None:
    endpoint, _ = front.listeners[listener]
    context = client_context(front.ca, version=ssl.TLSVersion.TLSv1_3)

    with handshake(endpoint, context) as connection:
        assert connection.version() == "TLSv1.3"
        assert connection.cipher()[0] in TLS13_SUITES


@pytest.mark.parametrize("listener", LISTENERS)
def test_a_tls_1_2_session_gets_no_session_ticket(front: Front, listener: str) -> None:
    # A ticket is sealed with a key that lives as long as the process: whoever gets that key
    # decrypts every recorded session resumed with its tickets (no forward secrecy).
    endpoint, _ = front.listeners[listener]
    context = client_context(front.ca, version=ssl.TLSVersion.TLSv1_2)

    with handshake(endpoint, context) as connection:
        session = connection.session
        assert session is not None
        assert not session.has_ticket


def test_the_global_entry_does_not_reach_a_balancer_offering_only_legacy_suites(
    front: Front,
) -> None:
    def check() -> haproxy.ServerState:
        [state] = [
            state
            for state in haproxy.read_server_states(front.entry.stats_socket)
            if (state.backend, state.server) == (f"region-{LEGACY_REGION}", LEGACY_REGION)
        ]
        return state

    # Health checks run every second: wait for the first one's verdict, whatever it is.
    deadline = time.monotonic() + DEADLINE
    while not check().check_status.startswith(("L6", "L7")):
        assert time.monotonic() < deadline, f"no health check verdict: {check()}"
        time.sleep(0.1)

    state = check()
    assert state.check_status.startswith("L6"), state  # the TLS handshake failed (layer 6)
