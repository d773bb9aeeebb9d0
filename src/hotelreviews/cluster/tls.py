"""The cluster's own certificate authority and the server certificates it signs.

`cluster up` creates the CA once (ca.crt, and ca.key readable by its owner only) and loads
it on every later run, so certificates issued earlier stay valid and clients keep trusting
the same ca.crt. Server certificates are written as one PEM holding the certificate and then
its key — the file HAProxy's `bind ... ssl crt <pem>` reads. A certificate is reissued when
the names it must carry change, when it expires within 30 days, or when it was signed by
another CA (the CA directory was recreated); otherwise it is left alone.

Keys are ECDSA P-256: fast to generate and to handshake with, and accepted by HAProxy,
OpenSSL and Python's ssl module alike.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_CERT_NAME = "ca.crt"
CA_KEY_NAME = "ca.key"
CA_COMMON_NAME = "hotelreviews cluster CA"
CA_VALIDITY = dt.timedelta(days=3650)
SERVER_VALIDITY = dt.timedelta(days=397)
# A certificate this close to its end is replaced by the next `cluster up`.
RENEW_BEFORE = dt.timedelta(days=30)
# Certificates are valid from a little before now: clocks of clients may lag behind.
BACKDATE = dt.timedelta(minutes=5)

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ClusterTLSError(RuntimeError):
    """The cluster's CA or a certificate could not be loaded or written."""


@dataclass(frozen=True)
class CertificateAuthority:
    """The cluster CA: where its files are, and the loaded certificate and key."""

    cert_path: Path
    key_path: Path
    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


@dataclass(frozen=True)
class ServerCertificate:
    """A server certificate + key PEM, and whether this call (re)issued it."""

    pem_path: Path
    certificate: x509.Certificate
    issued: bool


def ensure_ca(directory: Path, *, now: dt.datetime | None = None) -> CertificateAuthority:
    """Load the CA from `directory`, creating it (and the directory, 0700) the first time."""
    cert_path, key_path = directory / CA_CERT_NAME, directory / CA_KEY_NAME
    if cert_path.exists() and key_path.exists():
        return _load_ca(cert_path, key_path)
    if cert_path.exists() or key_path.exists():
        present, absent = (cert_path, key_path) if cert_path.exists() else (key_path, cert_path)
        raise ClusterTLSError(
            f"{present} exists but {absent} does not: restore {absent.name}, or delete "
            f"{directory} to create a new CA (every certificate is then reissued, and clients "
            f"must trust the new {CA_CERT_NAME})"
        )
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    now = now or _utcnow()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, CA_COMMON_NAME)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + CA_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    # The key first: a crash between the two writes leaves a key without a certificate,
    # which the check above reports, never a certificate nobody can sign with.
    _write_private(key_path, _key_pem(key))
    _write_public(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return CertificateAuthority(cert_path, key_path, certificate, key)


def ensure_server_certificate(
    ca: CertificateAuthority,
    pem_path: Path,
    *,
    dns_names: Iterable[str],
    ip_addresses: Iterable[str | IPAddress] = (),
    now: dt.datetime | None = None,
) -> ServerCertificate:
    """Issue a certificate for these names into `pem_path` (cert + key, 0600) unless the one
    there already carries exactly them, is signed by `ca` and stays valid for 30 days more."""
    dns = sorted(set(dns_names))
    ips = sorted({ipaddress.ip_address(ip) for ip in ip_addresses}, key=_ip_sort_key)
    if not dns and not ips:
        raise ClusterTLSError(f"a server certificate needs at least one name ({pem_path})")
    now = now or _utcnow()
    existing = _load_certificate(pem_path)
    if existing is not None and not needs_reissue(existing, ca, dns, ips, now=now):
        return ServerCertificate(pem_path, existing, issued=False)
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, dns[0] if dns else str(ips[0]))])
    alternative_names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns]
    alternative_names += [x509.IPAddress(ip) for ip in ips]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + SERVER_VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alternative_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=False,
                crl_sign=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.private_key.public_key()),
            critical=False,
        )
        .sign(ca.private_key, hashes.SHA256())
    )
    pem_path.parent.mkdir(parents=True, exist_ok=True)
    _write_private(pem_path, certificate.public_bytes(serialization.Encoding.PEM) + _key_pem(key))
    return ServerCertificate(pem_path, certificate, issued=True)


def needs_reissue(
    certificate: x509.Certificate,
    ca: CertificateAuthority,
    dns_names: Iterable[str],
    ip_addresses: Iterable[IPAddress],
    *,
    now: dt.datetime,
) -> bool:
    """Whether `certificate` no longer fits: other names, close to expiry, or another CA."""
    if certificate.not_valid_after_utc - now < RENEW_BEFORE:
        return True
    if certificate.issuer != ca.certificate.subject:
        return True
    try:
        certificate.verify_directly_issued_by(ca.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return True
    dns, ips = subject_alternative_names(certificate)
    return dns != set(dns_names) or ips != set(ip_addresses)


def subject_alternative_names(certificate: x509.Certificate) -> tuple[set[str], set[IPAddress]]:
    """The DNS names and IP addresses a certificate is valid for."""
    try:
        extension = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return set(), set()
    names = extension.value
    return set(names.get_values_for_type(x509.DNSName)), set(
        names.get_values_for_type(x509.IPAddress)
    )


def _load_ca(cert_path: Path, key_path: Path) -> CertificateAuthority:
    try:
        certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError) as error:
        raise ClusterTLSError(
            f"cannot load the cluster CA from {cert_path.parent}: {error}; delete that "
            f"directory to create a new CA (every certificate is then reissued)"
        ) from error
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ClusterTLSError(f"{key_path} is not an ECDSA key; this CA was not made by us")
    return CertificateAuthority(cert_path, key_path, certificate, key)


def _load_certificate(pem_path: Path) -> x509.Certificate | None:
    """The first certificate in the PEM, or None when missing or unreadable (then reissued)."""
    try:
        return x509.load_pem_x509_certificate(pem_path.read_bytes())
    except (OSError, ValueError):
        return None


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, data: bytes) -> None:
    _write_atomically(path, data, mode=0o600)


def _write_public(path: Path, data: bytes) -> None:
    _write_atomically(path, data, mode=0o644)


def _write_atomically(path: Path, data: bytes, *, mode: int) -> None:
    """Write through a temporary file created with `mode` (a key is never readable by others,
    not even for a moment) and renamed over `path` (readers see the old or the new file)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, mode)  # the umask may have taken bits away from a public file
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise


def _ip_sort_key(ip: IPAddress) -> tuple[int, int]:
    return (ip.version, int(ip))


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
