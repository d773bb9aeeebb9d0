"""HAProxy configurations of the cluster (hotelreviews.cluster.haproxy), as text: which
servers, in which order, with which checks. tests/integration/test_cluster_haproxy.py runs
them in a real HAProxy."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from hotelreviews.cluster import haproxy
from hotelreviews.cluster.haproxy import Endpoint, RegionRoute
from hotelreviews.cluster.layout import REGIONS

CA = Path("/srv/cluster/tls/ca.crt")
PEM = Path("/srv/cluster/global/haproxy.pem")
SOCKET = Path("/srv/cluster/global/haproxy.sock")
ROUTES = {
    region: RegionRoute(Endpoint(f"10.77.{n}.1", 8443), f"{region}.hotelreviews.internal")
    for n, region in enumerate(REGIONS, 1)
}


def _global(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "bind": Endpoint("127.0.0.1", 443),
        "certificate": PEM,
        "ca_file": CA,
        "regions": ROUTES,
        "stats_socket": SOCKET,
    }
    return haproxy.render_global_config(**(arguments | overrides))  # type: ignore[arg-type]


def _servers_of(config: str, backend: str) -> list[str]:
    """The server lines of `backend`, each as "<name>[ backup]"."""
    section = config.split(f"\nbackend {backend}\n", 1)[1].split("\nbackend ", 1)[0]
    return [
        match.group(1) + (" backup" if match.group(2) else "")
        for match in re.finditer(r"^\s+server (\S+) .*?( backup)?$", section, re.MULTILINE)
    ]


@pytest.mark.parametrize(
    ("region", "expected"),
    [
        ("us-east-1", ["us-east-1", "eu-west-1 backup", "ap-southeast-1 backup"]),
        ("eu-west-1", ["eu-west-1", "us-east-1 backup", "ap-southeast-1 backup"]),
        ("ap-southeast-1", ["ap-southeast-1", "eu-west-1 backup", "us-east-1 backup"]),
    ],
)
def test_each_region_backend_serves_from_its_region_then_the_others_nearest_first(
    region: str, expected: list[str]
) -> None:
    assert _servers_of(_global(), f"region-{region}") == expected


def test_the_global_entry_checks_balancers_over_verified_tls() -> None:
    config = _global()

    assert f"default-server check check-ssl ssl verify required ca-file {CA}" in config
    assert (
        "server eu-west-1 10.77.2.1:8443 sni str(eu-west-1.hotelreviews.internal) "
        "check-sni eu-west-1.hotelreviews.internal verifyhost eu-west-1.hotelreviews.internal"
        in config
    )
    assert "option httpchk GET /readyz" in config
    assert "option allbackups" not in config  # the first healthy backup only: the nearest


def test_the_region_header_routes_and_the_default_region_takes_the_rest() -> None:
    config = _global(default_region="eu-west-1")

    for region in REGIONS:
        assert f"use_backend region-{region} if {{ req.hdr(X-Region) -m str {region} }}" in config
    assert "default_backend region-eu-west-1" in config


def test_a_default_region_outside_the_cluster_is_refused() -> None:
    with pytest.raises(ValueError, match="default region 'mars-north-1'"):
        _global(default_region="mars-north-1")


def test_a_regional_balancer_checks_each_api_server_and_names_its_region() -> None:
    config = haproxy.render_regional_config(
        "eu-west-1",
        bind=Endpoint("10.77.2.1", 8443),
        certificate=PEM,
        api_servers=[Endpoint("10.77.2.1", 8001), Endpoint("10.77.2.1", 8002)],
        stats_socket=SOCKET,
    )

    assert f"bind 10.77.2.1:8443 ssl crt {PEM}" in config
    assert _servers_of(config, "api") == ["api-1", "api-2"]
    assert "server api-2 10.77.2.1:8002 check" in config
    assert "http-after-response set-header X-Hotelreviews-Region eu-west-1" in config
    assert "http-request set-header X-Forwarded-Proto https" in config
    assert "option forwardfor" in config
    assert "http-check expect status 200" in config
    assert "inter 1s fastinter 500ms downinter 1s fall 2 rise 2" in config
    assert f"stats socket {SOCKET} mode 600 level admin" in config


def test_a_stats_socket_path_too_long_for_unix_sockets_is_refused() -> None:
    with pytest.raises(ValueError, match="shorter cluster directory"):
        _global(stats_socket=Path("/" + "x" * 120) / "haproxy.sock")


def _regional() -> str:
    return haproxy.render_regional_config(
        "eu-west-1",
        bind=Endpoint("10.77.2.1", 8443),
        certificate=PEM,
        api_servers=[Endpoint("10.77.2.1", 8001)],
        stats_socket=SOCKET,
    )


def _global_setting(config: str, name: str) -> list[str]:
    """The values of a global-section keyword, split on spaces."""
    section = config.split("\ndefaults\n", 1)[0]
    [line] = [line for line in section.splitlines() if line.strip().startswith(f"{name} ")]
    return line.split()[1:]


@pytest.mark.parametrize("render", [_regional, _global], ids=["regional", "global"])
@pytest.mark.parametrize("side", ["bind", "server"])
def test_tls_1_2_offers_only_forward_secret_aead_suites_on_both_sides(
    render: Callable[[], str], side: str
) -> None:
    config = render()

    [ciphers] = _global_setting(config, f"ssl-default-{side}-ciphers")
    suites = ciphers.split(":")
    # Mozilla intermediate (guideline 5.8): ECDHE key exchange, GCM or ChaCha20-Poly1305.
    assert suites and all(
        re.fullmatch(r"ECDHE-(ECDSA|RSA)-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)", s) for s in suites
    )
    assert "ECDHE-ECDSA-AES128-GCM-SHA256" in suites  # the cluster's certificates are ECDSA
    assert _global_setting(config, f"ssl-default-{side}-ciphersuites") == [
        "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256"
    ]
    options = _global_setting(config, f"ssl-default-{side}-options")
    assert options[options.index("ssl-min-ver") + 1] == "TLSv1.2"
    assert "no-tls-tickets" in options


def test_clients_choose_among_the_suites_and_curves_follow_the_profile() -> None:
    config = _regional()

    assert "prefer-client-ciphers" in _global_setting(config, "ssl-default-bind-options")
    assert _global_setting(config, "ssl-default-bind-curves") == ["X25519:prime256v1:secp384r1"]
