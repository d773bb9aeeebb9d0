"""A real HAProxy regional balancer on 127.0.0.1 (hotelreviews.cluster.haproxy), certificates
from a cluster CA, and TLS clients that offer exactly what a test says."""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import ssl
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from hotelreviews.cluster import haproxy, tls
from tests.support.pg_server import free_port

LOCAL = "127.0.0.1"
needs_haproxy = pytest.mark.skipif(
    shutil.which("haproxy") is None and not Path("/usr/sbin/haproxy").exists(),
    reason=haproxy.INSTALL_HINT,
)


@dataclass(frozen=True)
class Balancer:
    instance: haproxy.HAProxy
    endpoint: haproxy.Endpoint


@contextmanager
def scratch_directory() -> Iterator[Path]:
    """A short directory (HAProxy's stats socket path must fit in a Unix socket address)."""
    root = Path(tempfile.mkdtemp(prefix="hr-haproxy-"))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def regional_balancer(
    directory: Path,
    certificate: Path,
    api_servers: Sequence[haproxy.Endpoint] = (),
    region: str = "eu-west-1",
) -> Iterator[Balancer]:
    """`region`'s balancer as the cluster configures it, serving `certificate`."""
    balancer = Balancer(haproxy.HAProxy(region, directory), haproxy.Endpoint(LOCAL, free_port()))
    config = haproxy.render_regional_config(
        region,
        bind=balancer.endpoint,
        certificate=certificate,
        api_servers=list(api_servers),
        stats_socket=balancer.instance.stats_socket,
    )
    try:
        balancer.instance.apply(config, listen=balancer.endpoint)
        yield balancer
    finally:
        balancer.instance.stop()


def rsa_certificate(ca: tls.CertificateAuthority, pem_path: Path, dns_names: list[str]) -> Path:
    """An RSA server certificate signed by `ca`, certificate then key in one PEM (as HAProxy's
    `crt` reads it): what an operator's public certificate often is (the cluster's are ECDSA),
    and the only kind static-RSA suites such as AES128-SHA can be negotiated with."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns_names[0])]))
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName(name) for name in dns_names]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(ca.private_key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    pem_path.parent.mkdir(parents=True, exist_ok=True)
    pem_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM) + key_pem)
    return pem_path


def client_context(
    ca: tls.CertificateAuthority,
    *,
    version: ssl.TLSVersion,
    ciphers: str | None = None,
) -> ssl.SSLContext:
    """A client trusting `ca` that speaks only TLS `version` and, when given, offers only
    `ciphers` (TLS 1.2 and older suites; OpenSSL names)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=str(ca.cert_path))
    context.minimum_version = context.maximum_version = version
    if ciphers is not None:
        context.set_ciphers(ciphers)
    return context


def handshake(
    endpoint: haproxy.Endpoint, context: ssl.SSLContext, server_name: str = "localhost"
) -> ssl.SSLSocket:
    """A TLS connection to `endpoint`, handshake done (ssl.SSLError when refused)."""
    raw = socket.create_connection((endpoint.address, endpoint.port), timeout=10)
    try:
        return context.wrap_socket(raw, server_hostname=server_name)
    except BaseException:
        raw.close()
        raise
