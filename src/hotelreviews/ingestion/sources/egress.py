"""Where remote sources may come from: the policy, as pure decisions (no I/O here).

Whoever may queue an ingestion names a URL the worker fetches and whose lines come back as
rejected-line excerpts, so the worker must not become a way into the networks it sits in.
Three checks, each refusing with a reason a user can act on:

- the host must be allowed by name (HOTELREVIEWS_SOURCE_ALLOWED_HOSTS: exact names,
  `*.example.com` for the subdomains of one, or `*`); empty, no http(s) source is accepted;
- whatever that list says, every address the name resolves to must be public: loopback,
  private, link-local (cloud metadata), shared, multicast, reserved and unspecified addresses
  are refused, IPv4 addresses embedded in IPv6 ones (::ffff:a.b.c.d, 6to4, Teredo, NAT64)
  judged as what they embed, unless the address is in a network the operator allowed
  (HOTELREVIEWS_SOURCE_ALLOWED_NETWORKS);
- an S3 object must be in an allowed bucket or folder (HOTELREVIEWS_SOURCE_ALLOWED_S3, plus
  the s3:// sources the worker polls, which the operator named already).

Host names are compared in one canonical form, and the numeric spellings some resolvers
accept for IPv4 (2130706433, 0x7f000001, 0177.0.0.1, 127.1) are refused outright: parsers
disagree on them, and a policy must judge what the resolver will see. Resolving the name and
connecting to the address that was checked is http_fetch.py's job.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ANY = "*"
_LABELS = re.compile(r"^[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*$")
# A last label that is a number: not a DNS name (no top-level domain is numeric) but one of
# the IPv4 spellings inet_aton accepts.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")


class SourceRefused(Exception):
    """A source the policy does not allow; the message says why, in a user's terms, and
    `detail` (the address a name resolved to…) is for the server's log only."""

    def __init__(self, message: str, *, detail: str | None = None) -> None:
        super().__init__(message)
        self.detail = detail


@dataclass(frozen=True, slots=True)
class SourcePolicy:
    """The hosts, non-public networks and S3 locations sources may come from.

    The default policy allows nothing remote: that is what a server configured with nothing
    gets, and what a caller that forgets to pass one gets.
    """

    hosts: tuple[str, ...] = ()
    networks: tuple[IPNetwork, ...] = ()
    s3: tuple[str, ...] = ()

    @classmethod
    def from_settings(cls, settings: Settings) -> SourcePolicy:
        polled = [s3_entry(source) for source in settings.worker_sources]
        return cls(
            hosts=tuple(host_pattern(entry) for entry in settings.source_allowed_hosts),
            networks=tuple(
                ipaddress.ip_network(entry, strict=False)
                for entry in settings.source_allowed_networks
            ),
            s3=tuple(
                [s3_entry(entry) for entry in settings.source_allowed_s3]
                + [entry for entry in polled if entry]
            ),
        )

    def check_host(self, host: str | None) -> str:
        """The host in canonical form, if sources may come from it; SourceRefused if not.

        A host written as an IP address is judged as an address here too, so the API refuses
        https://127.0.0.1/… without resolving anything.
        """
        name = canonical_host(host)
        if not self.hosts:
            raise SourceRefused(
                "http(s) sources are not accepted by this server (no host is allowed in"
                " HOTELREVIEWS_SOURCE_ALLOWED_HOSTS)"
            )
        if not any(_host_matches(pattern, name) for pattern in self.hosts):
            raise SourceRefused(
                f"host {name} is not one sources may come from (HOTELREVIEWS_SOURCE_ALLOWED_HOSTS)"
            )
        address = _as_address(name)
        if address is not None:
            kind = self.forbidden_kind(address)
            if kind is not None:
                raise SourceRefused(
                    f"{name} is {_article(kind)} {kind} address: sources may only come from"
                    " public addresses (or networks in HOTELREVIEWS_SOURCE_ALLOWED_NETWORKS)"
                )
        return name

    def forbidden_kind(self, address: str | IPAddress) -> str | None:
        """Why a connection to `address` is refused ("loopback", "private"…), or None."""
        if isinstance(address, str):
            address = ipaddress.ip_address(address.partition("%")[0])  # no IPv6 zone
        if any(_contains(network, address) for network in self.networks):
            return None
        return address_kind(address)

    def check_s3(self, bucket: str, key: str) -> None:
        """SourceRefused unless s3://bucket/key (an object, or a prefix to list) is allowed."""
        if any(segment in (".", "..") for segment in key.split("/")):
            raise SourceRefused(
                f"s3://{bucket}/{key}: a key with . or .. segments is refused (stores and"
                " proxies may resolve them to another key)"
            )
        for entry in self.s3:
            allowed_bucket, _, folder = entry.partition("/")
            if allowed_bucket not in (ANY, bucket):
                continue
            folder = folder.rstrip("/")
            if not folder or key.rstrip("/") == folder or key.startswith(folder + "/"):
                return
        raise SourceRefused(
            f"s3://{bucket}/{key} is not in a bucket or folder sources may come from"
            " (HOTELREVIEWS_SOURCE_ALLOWED_S3, or an s3:// source in"
            " HOTELREVIEWS_WORKER_SOURCES)"
        )


def address_kind(address: IPAddress) -> str | None:
    """What makes an address non-public ("loopback", "link-local"…), None if it is public.

    An IPv6 address carrying an IPv4 one is judged by both: ::ffff:127.0.0.1 is loopback.
    """
    for candidate in (*_embedded_ipv4(address), address):
        for kind, test in _KINDS:
            if test(candidate):
                return kind
        if not candidate.is_global:
            return "non-public"
    return None


_KINDS: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("unspecified", lambda a: a.is_unspecified),
    ("loopback", lambda a: a.is_loopback),
    ("link-local", lambda a: a.is_link_local),
    ("multicast", lambda a: a.is_multicast),
    ("private", lambda a: a.is_private and not a.is_reserved),
    ("reserved", lambda a: a.is_reserved),
)


def _embedded_ipv4(address: IPAddress) -> list[ipaddress.IPv4Address]:
    if not isinstance(address, ipaddress.IPv6Address):
        return []
    embedded = [address.ipv4_mapped, address.sixtofour]
    embedded += list(address.teredo or ())
    # ::a.b.c.d (deprecated IPv4-compatible form) but not :: or ::1, which are IPv6's own.
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        embedded.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return [found for found in embedded if found is not None]


def canonical_host(host: str | None) -> str:
    """A host as the policy compares it: lower case, no trailing dot, an IP address in its
    standard form; SourceRefused for what is neither a DNS name nor an IP address."""
    if not host:
        raise SourceRefused("the URL has no host name")
    name = host.lower().removesuffix(".")
    address = _as_address(name)
    if address is not None:
        return str(address)
    if not name.isascii():
        raise SourceRefused(f"{host!r}: write an international host name in its ASCII (xn--) form")
    if not _LABELS.match(name):
        raise SourceRefused(f"{host!r} is not a valid host name")
    if _NUMERIC_LABEL.match(name.rpartition(".")[2]):
        raise SourceRefused(
            f"{host!r} is neither a host name nor an IP address in standard form (write IPv4"
            " addresses as four decimal numbers, a.b.c.d)"
        )
    return name


def host_pattern(entry: str) -> str:
    """An allow-list entry in canonical form: *, *.example.com, a name or an IP address."""
    entry = entry.strip().lower()
    if entry == ANY:
        return ANY
    if entry.startswith("*."):
        return "*." + canonical_host(entry[2:])
    return canonical_host(entry.removeprefix("[").removesuffix("]"))


def s3_entry(entry: str) -> str:
    """An S3 allow-list entry as bucket or bucket/folder/; "" for what is not s3 (a polled
    local folder)."""
    entry = entry.strip()
    if "://" in entry:
        if not entry.lower().startswith("s3://"):
            return ""
        entry = entry[len("s3://") :]
    return entry


def _host_matches(pattern: str, host: str) -> bool:
    if pattern == ANY:
        return True
    if pattern.startswith("*."):
        return host.endswith(pattern[1:]) and _as_address(host) is None
    return host == pattern


def _as_address(name: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None


def _contains(network: IPNetwork, address: IPAddress) -> bool:
    if address.version == network.version:
        return address in network
    mapped = getattr(address, "ipv4_mapped", None)  # ::ffff:127.0.0.1 is 127.0.0.1
    return mapped is not None and mapped in network


def _article(kind: str) -> str:
    return "an" if kind[0] in "aeiou" else "a"
