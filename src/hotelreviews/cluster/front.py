"""The cluster's TLS front, derived from its layout: the CA and certificates, each region's
load balancer over its API servers, and the global entry over the balancers.

Directories: `<root>/tls/` (ca.crt, ca.key), `<root>/<region>/haproxy/` and
`<root>/global/` (haproxy.cfg, haproxy.pem, haproxy.sock, haproxy.log, the pid file).
"""

from __future__ import annotations

import ssl
from pathlib import Path

from hotelreviews.cluster import tls
from hotelreviews.cluster.haproxy import (
    Endpoint,
    HAProxy,
    RegionRoute,
    render_global_config,
    render_regional_config,
)
from hotelreviews.cluster.layout import ClusterLayout

DOMAIN = "hotelreviews.internal"
DRAINED = "drained"  # layout.extra key: regions taken out of the global entry
PEM_NAME = "haproxy.pem"


def region_server_name(region: str) -> str:
    """The DNS name in a regional balancer's certificate (what the global entry verifies)."""
    return f"{region}.{DOMAIN}"


def host_names(layout: ClusterLayout) -> list[str]:
    """Every name a client may reach the cluster's APIs by (their HOTELREVIEWS_ALLOWED_HOSTS):
    the names the certificates carry and the addresses the entry, balancers and APIs listen
    on. Each region's APIs answer to all of them: a failover sends them other regions' clients,
    whose Host passes through both HAProxy hops unchanged."""
    names = {"localhost", "127.0.0.1", DOMAIN, layout.global_address}
    for region, spec in layout.regions.items():
        names |= {region_server_name(region), spec.address}
    return sorted(names)


def balancer(layout: ClusterLayout, region: str) -> HAProxy:
    return HAProxy(region, layout.region_dir(region) / "haproxy")


def global_entry(layout: ClusterLayout) -> HAProxy:
    return HAProxy("global", layout.global_dir)


def balancer_endpoint(layout: ClusterLayout, region: str) -> Endpoint:
    spec = layout.regions[region]
    return Endpoint(spec.address, spec.balancer_port)


def global_endpoint(layout: ClusterLayout) -> Endpoint:
    return Endpoint(layout.global_address, layout.global_port)


def api_endpoints(layout: ClusterLayout, region: str) -> list[Endpoint]:
    spec = layout.regions[region]
    return [Endpoint(spec.address, port) for port in spec.api_ports]


def ensure_certificates(layout: ClusterLayout) -> tuple[tls.CertificateAuthority, list[str]]:
    """The CA (created the first time) and a certificate per balancer and for the global
    entry, each valid for localhost, 127.0.0.1 and its own address. Returns the CA and the
    names of the certificates (re)issued now."""
    ca = tls.ensure_ca(layout.tls_dir)
    issued = []
    for region, spec in layout.regions.items():
        result = tls.ensure_server_certificate(
            ca,
            balancer(layout, region).directory / PEM_NAME,
            dns_names=["localhost", region_server_name(region)],
            ip_addresses={"127.0.0.1", spec.address},
        )
        if result.issued:
            issued.append(region)
    result = tls.ensure_server_certificate(
        ca,
        global_entry(layout).directory / PEM_NAME,
        dns_names=["localhost", DOMAIN],
        ip_addresses={"127.0.0.1", layout.global_address},
    )
    if result.issued:
        issued.append("global")
    return ca, issued


def balancer_config(layout: ClusterLayout, region: str) -> str:
    instance = balancer(layout, region)
    return render_regional_config(
        region,
        bind=balancer_endpoint(layout, region),
        certificate=instance.directory / PEM_NAME,
        api_servers=api_endpoints(layout, region),
        stats_socket=instance.stats_socket,
    )


def global_config(layout: ClusterLayout) -> str:
    instance = global_entry(layout)
    return render_global_config(
        bind=global_endpoint(layout),
        certificate=instance.directory / PEM_NAME,
        ca_file=ca_path(layout),
        regions={
            region: RegionRoute(balancer_endpoint(layout, region), region_server_name(region))
            for region in layout.regions
        },
        stats_socket=instance.stats_socket,
        default_region=layout.default_region,
        drained=drained_regions(layout),
        via=balancer_relays(layout),
    )


def balancer_relays(layout: ClusterLayout) -> dict[tuple[str, str], Endpoint]:
    """With --latency, where each region's backend reaches another region's balancer: its
    relay (a client of one region served by another pays the round trip between them)."""
    if not layout.latency:
        return {}
    return {
        (region, other): Endpoint(*layout.reach(region, other, "balancer"))
        for region in layout.regions
        for other in layout.regions
        if other != region
    }


def drained_regions(layout: ClusterLayout) -> frozenset[str]:
    """Regions taken out of the global entry (`hotelreviews cluster drain`)."""
    return frozenset(layout.extra.get(DRAINED, []))


def ca_path(layout: ClusterLayout) -> Path:
    """The CA certificate clients verify the cluster's TLS with (curl --cacert)."""
    return layout.tls_dir / tls.CA_CERT_NAME


def client_tls(layout: ClusterLayout) -> ssl.SSLContext:
    """What a client trusting the cluster CA (and nothing else) uses."""
    return ssl.create_default_context(cafile=str(ca_path(layout)))
