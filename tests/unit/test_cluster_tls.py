"""The cluster CA and its server certificates (hotelreviews.cluster.tls), verified with
cryptography's own path validation (the one browsers' rules are modelled on)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import stat
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.verification import DNSName, IPAddress, PolicyBuilder, Store

from hotelreviews.cluster import tls

REGION_NAME = "eu-west-1.hotelreviews.internal"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _verify(ca: tls.CertificateAuthority, pem: Path, subject: DNSName | IPAddress) -> None:
    leaf = x509.load_pem_x509_certificate(pem.read_bytes())
    verifier = PolicyBuilder().store(Store([ca.certificate])).build_server_verifier(subject)
    verifier.verify(leaf, [])


def test_the_ca_is_created_once_with_its_key_readable_by_the_owner_only(tmp_path: Path) -> None:
    ca_dir = tmp_path / "tls"

    first = tls.ensure_ca(ca_dir)
    second = tls.ensure_ca(ca_dir)

    assert _mode(first.key_path) == 0o600
    assert _mode(first.cert_path) == 0o644
    assert _mode(ca_dir) == 0o700
    assert second.certificate == first.certificate
    assert second.certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca


def test_a_ca_missing_its_key_is_reported_not_replaced(tmp_path: Path) -> None:
    ca = tls.ensure_ca(tmp_path)
    ca.key_path.unlink()

    with pytest.raises(tls.ClusterTLSError, match="ca.key"):
        tls.ensure_ca(tmp_path)


def test_a_server_certificate_verifies_against_the_ca_for_each_of_its_names(
    tmp_path: Path,
) -> None:
    ca = tls.ensure_ca(tmp_path / "tls")
    pem = tmp_path / "eu-west-1" / "haproxy.pem"

    issued = tls.ensure_server_certificate(
        ca, pem, dns_names=["localhost", REGION_NAME], ip_addresses=["127.0.0.1", "10.77.2.1"]
    )

    assert issued.issued
    assert _mode(pem) == 0o600
    _verify(ca, pem, DNSName(REGION_NAME))
    _verify(ca, pem, DNSName("localhost"))
    _verify(ca, pem, IPAddress(ipaddress.ip_address("10.77.2.1")))
    _verify(ca, pem, IPAddress(ipaddress.ip_address("127.0.0.1")))
    with pytest.raises(x509.verification.VerificationError):
        _verify(ca, pem, DNSName("us-east-1.hotelreviews.internal"))


def test_the_pem_holds_the_certificate_then_its_key(tmp_path: Path) -> None:
    ca = tls.ensure_ca(tmp_path / "tls")
    pem = tmp_path / "server.pem"
    tls.ensure_server_certificate(ca, pem, dns_names=["localhost"])

    text = pem.read_text()

    assert text.index("BEGIN CERTIFICATE") < text.index("BEGIN PRIVATE KEY")
    dns, ips = tls.subject_alternative_names(x509.load_pem_x509_certificate(pem.read_bytes()))
    assert (dns, ips) == ({"localhost"}, set())


def test_a_certificate_with_the_same_names_is_kept(tmp_path: Path) -> None:
    ca = tls.ensure_ca(tmp_path / "tls")
    pem = tmp_path / "server.pem"
    first = tls.ensure_server_certificate(
        ca, pem, dns_names=["localhost", REGION_NAME], ip_addresses=["127.0.0.1"]
    )

    again = tls.ensure_server_certificate(
        ca, pem, dns_names=[REGION_NAME, "localhost"], ip_addresses=["127.0.0.1"]
    )

    assert not again.issued
    assert again.certificate.serial_number == first.certificate.serial_number


def test_a_certificate_is_reissued_when_its_names_change(tmp_path: Path) -> None:
    ca = tls.ensure_ca(tmp_path / "tls")
    pem = tmp_path / "server.pem"
    tls.ensure_server_certificate(ca, pem, dns_names=["localhost"], ip_addresses=["127.0.0.1"])

    again = tls.ensure_server_certificate(
        ca, pem, dns_names=["localhost"], ip_addresses=["127.0.0.1", "10.77.1.1"]
    )

    assert again.issued
    _verify(ca, pem, IPAddress(ipaddress.ip_address("10.77.1.1")))


def test_a_certificate_is_reissued_within_thirty_days_of_its_end(tmp_path: Path) -> None:
    ca = tls.ensure_ca(tmp_path / "tls")
    pem = tmp_path / "server.pem"
    first = tls.ensure_server_certificate(ca, pem, dns_names=["localhost"])
    ends = first.certificate.not_valid_after_utc

    just_before = tls.ensure_server_certificate(
        ca, pem, dns_names=["localhost"], now=ends - dt.timedelta(days=31)
    )
    within = tls.ensure_server_certificate(
        ca, pem, dns_names=["localhost"], now=ends - dt.timedelta(days=29)
    )

    assert not just_before.issued
    assert within.issued


def test_a_certificate_of_another_ca_is_reissued(tmp_path: Path) -> None:
    old_ca = tls.ensure_ca(tmp_path / "old")
    new_ca = tls.ensure_ca(tmp_path / "new")
    pem = tmp_path / "server.pem"
    tls.ensure_server_certificate(old_ca, pem, dns_names=["localhost"])

    again = tls.ensure_server_certificate(new_ca, pem, dns_names=["localhost"])

    assert again.issued
    _verify(new_ca, pem, DNSName("localhost"))
