"""Finding 1 (SSRF), the pure half: which hosts, addresses, buckets and query parameters the
source policy lets through, and the queueing check built on it (no network here at all)."""

from __future__ import annotations

import ipaddress

import pytest
from pydantic import ValidationError

from hotelreviews.core.errors import InvalidSourceUri
from hotelreviews.core.settings import Settings
from hotelreviews.ingestion.queue.uris import parse_source_uri
from hotelreviews.ingestion.sources.egress import SourcePolicy, SourceRefused, address_kind
from hotelreviews.ingestion.sources.remote import redact_url

ANY_HOST = SourcePolicy(hosts=("*",))


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("127.255.255.254", "loopback"),
        ("::1", "loopback"),
        ("::ffff:127.0.0.1", "loopback"),  # IPv4-mapped
        ("::ffff:169.254.169.254", "link-local"),
        ("169.254.169.254", "link-local"),  # the cloud's metadata service
        ("fe80::1", "link-local"),
        ("10.0.0.5", "private"),
        ("172.31.255.1", "private"),
        ("192.168.0.1", "private"),
        ("fd12:3456::1", "private"),
        ("2002:a00:5::1", "private"),  # 6to4 around 10.0.0.5
        ("64:ff9b::a9fe:a9fe", "link-local"),  # NAT64 around 169.254.169.254
        ("::127.0.0.1", "loopback"),  # IPv4-compatible
        ("2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"),  # Teredo around 10.0.0.1
        ("100.64.0.1", "non-public"),  # shared address space (carrier-grade NAT)
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("224.0.0.251", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
    ],
)
def test_every_non_public_address_is_refused_whatever_its_spelling(address, kind):
    assert address_kind(ipaddress.ip_address(address)) == kind
    assert ANY_HOST.forbidden_kind(address) == kind


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700::6810:85e5"])
def test_public_addresses_are_allowed(address):
    assert ANY_HOST.forbidden_kind(address) is None


def test_an_allowed_network_lets_exactly_its_addresses_through():
    policy = SourcePolicy(hosts=("*",), networks=(ipaddress.ip_network("127.0.0.1/32"),))

    assert policy.forbidden_kind("127.0.0.1") is None
    assert policy.forbidden_kind("::ffff:127.0.0.1") is None  # the same address, mapped
    assert policy.forbidden_kind("127.0.0.2") == "loopback"
    assert policy.forbidden_kind("::1") == "loopback"
    assert policy.forbidden_kind("169.254.169.254") == "link-local"


@pytest.mark.parametrize(
    "host",
    ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1", "017700000001", "1.2.3.0x4"],
)
def test_numeric_ipv4_spellings_other_than_dotted_decimal_are_refused(host):
    with pytest.raises(SourceRefused, match="standard form"):
        ANY_HOST.check_host(host)


@pytest.mark.parametrize(
    ("host", "canonical"),
    [
        ("Feeds.Example.COM.", "feeds.example.com"),
        ("[2606:4700:0:0:0:0:6810:85E5]", "2606:4700::6810:85e5"),
        ("93.184.216.34", "93.184.216.34"),
    ],
)
def test_hosts_are_compared_in_one_canonical_form(host, canonical):
    assert SourcePolicy(hosts=(canonical,)).check_host(host) == canonical


@pytest.mark.parametrize(
    ("host", "allowed"),
    [
        ("feeds.example.com", True),
        ("cdn.feeds.example.com", True),
        ("example.com", False),
        ("evilexample.com", False),
        ("feeds.example.com.evil.net", False),
        ("partner.net", True),
        ("www.partner.net", False),
    ],
)
def test_the_host_allow_list_takes_names_and_subdomain_wildcards(host, allowed):
    policy = SourcePolicy(hosts=("*.example.com", "partner.net"))

    if allowed:
        assert policy.check_host(host) == host
    else:
        with pytest.raises(SourceRefused, match="HOTELREVIEWS_SOURCE_ALLOWED_HOSTS"):
            policy.check_host(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "169.254.169.254", "::1", "10.1.1.1"])
def test_listing_a_non_public_address_as_a_host_is_not_enough(host):
    with pytest.raises(SourceRefused, match="sources may only come from public addresses"):
        SourcePolicy(hosts=(host,)).check_host(host)


def test_an_empty_policy_allows_no_remote_source_at_all():
    with pytest.raises(SourceRefused, match="not accepted by this server"):
        SourcePolicy().check_host("feeds.example.com")
    with pytest.raises(SourceRefused, match="HOTELREVIEWS_SOURCE_ALLOWED_S3"):
        SourcePolicy().check_s3("feeds", "a.jl")


@pytest.mark.parametrize(
    ("bucket", "key", "allowed"),
    [
        ("feeds", "agoda/a.jl", True),
        ("feeds", "", True),
        ("drops", "partner/x/a.jl", True),
        ("drops", "partner/", True),
        ("drops", "partner", True),
        ("drops", "partners/a.jl", False),
        ("drops", "other/a.jl", False),
        ("drops", "partner/../other/a.jl", False),
        ("feeds-old", "a.jl", False),
        ("polled", "in/a.jl", True),  # named by HOTELREVIEWS_WORKER_SOURCES
        ("polled", "out/a.jl", False),
    ],
)
def test_the_s3_allow_list_takes_buckets_and_folders_and_the_polled_prefixes(bucket, key, allowed):
    settings = Settings(
        source_allowed_s3=["feeds", "s3://drops/partner/"],
        worker_sources=["s3://polled/in/", "/srv/feeds"],
    )
    policy = SourcePolicy.from_settings(settings)

    if allowed:
        policy.check_s3(bucket, key)
    else:
        with pytest.raises(SourceRefused):
            policy.check_s3(bucket, key)


def test_the_lists_come_from_the_environment_as_commas_or_json(monkeypatch):
    monkeypatch.setenv("HOTELREVIEWS_SOURCE_ALLOWED_HOSTS", "feeds.example.com, *.cdn.example.net")
    monkeypatch.setenv("HOTELREVIEWS_SOURCE_ALLOWED_NETWORKS", '["10.20.0.0/16", "127.0.0.1"]')
    monkeypatch.setenv("HOTELREVIEWS_SOURCE_ALLOWED_S3", "feeds,drops/partner/")

    policy = SourcePolicy.from_settings(Settings())

    assert policy.hosts == ("feeds.example.com", "*.cdn.example.net")
    assert [str(network) for network in policy.networks] == ["10.20.0.0/16", "127.0.0.1/32"]
    assert policy.s3 == ("feeds", "drops/partner/")


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("source_allowed_hosts", ["https://feeds.example.com"]),
        ("source_allowed_hosts", ["feeds.example.com:8443"]),
        ("source_allowed_hosts", ["feeds..example.com"]),
        ("source_allowed_hosts", ["127.1"]),
        ("source_allowed_networks", ["10.0.0.0/33"]),
        ("source_allowed_s3", ["Bad_Bucket"]),
    ],
)
def test_a_malformed_entry_stops_the_server_at_start_up(name, value):
    with pytest.raises(ValidationError, match=f"HOTELREVIEWS_{name.upper()}"):
        Settings(**{name: value})


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("https://127.0.0.1/feed.jl", "127.0.0.1 is a loopback address"),
        ("https://2130706433/feed.jl", "standard form"),
        ("https://0x7f000001/feed.jl", "standard form"),
        ("https://[::1]/feed.jl", "::1 is a loopback address"),
        ("https://[::ffff:127.0.0.1]/feed.jl", "is a loopback address"),
        ("https://169.254.169.254/latest/meta-data/", "is a link-local address"),
        ("https://192.168.1.20/feed.jl", "is a private address"),
    ],
)
def test_queueing_refuses_an_address_literal_outside_the_policy_without_resolving(uri, reason):
    with pytest.raises(InvalidSourceUri, match=reason):
        parse_source_uri(uri, local_roots=[], remote=ANY_HOST)


def test_queueing_refuses_a_host_missing_from_the_allow_list():
    allowed = SourcePolicy(hosts=("feeds.example.com",))

    with pytest.raises(InvalidSourceUri, match="host localhost is not one sources may come"):
        parse_source_uri("https://localhost/feed.jl", local_roots=[], remote=allowed)
    queued = parse_source_uri("https://feeds.example.com/feed.jl", local_roots=[], remote=allowed)
    assert queued.shown_uri == "https://feeds.example.com/feed.jl"


@pytest.mark.parametrize("name", ["code", "auth", "session", "sid", "jwt", "X-Goog-Signature"])
def test_a_parameter_not_known_to_be_harmless_is_never_shown(name):
    shown = redact_url(f"https://feeds.example.com/a.jl?{name}=s3cr3t&date=2025-03-16")

    assert shown == "https://feeds.example.com/a.jl?date=2025-03-16"
