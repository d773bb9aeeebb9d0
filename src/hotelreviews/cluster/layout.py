"""Where everything of the one-machine cluster lives: regions, ports, directories.

`cluster up` plans a layout once (free ports, or those given) and saves it as
`<data_dir>/cluster/cluster.json`; every later command (status, dr, backup, down) loads it.
Roles are not stored: which node is the primary is asked of the servers themselves, so the
file never disagrees with them after a failover.
"""

from __future__ import annotations

import json
import os
import random
import socket
from collections.abc import Collection
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hotelreviews.cluster.pg import PgNode

REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
PRIMARY_REGION = "us-east-1"  # where the primary starts; a failover may move it
LAYOUT_FILE = "cluster.json"
LAYOUT_VERSION = 1

# Round trips between regions in milliseconds (public inter-region measurements, rounded):
# what --latency models, and the order in which a region's traffic fails over.
ROUND_TRIP_MS: dict[frozenset[str], int] = {
    frozenset({"us-east-1", "eu-west-1"}): 70,
    frozenset({"us-east-1", "ap-southeast-1"}): 220,
    frozenset({"eu-west-1", "ap-southeast-1"}): 160,
}


def slot_name(region: str) -> str:
    """The replication slot a region's replica streams through, on whichever node is primary."""
    return region.replace("-", "_")


def round_trip_ms(a: str, b: str) -> int:
    return 0 if a == b else ROUND_TRIP_MS[frozenset({a, b})]


def nearest_first(region: str) -> list[str]:
    """Every region, `region` first, then the others by round trip from it."""
    return sorted(REGIONS, key=lambda other: round_trip_ms(region, other))


class LayoutError(RuntimeError):
    """No cluster layout where one was expected, or one that cannot be used."""


@dataclass
class RegionLayout:
    name: str
    address: str  # the address every service of the region listens on
    postgres_port: int
    redis_port: int
    api_ports: list[int]
    worker_metrics_port: int
    balancer_port: int  # the region's HAProxy (TLS)

    @property
    def slot(self) -> str:
        """This region's replication slot name on whichever node is the primary."""
        return slot_name(self.name)


@dataclass
class ClusterLayout:
    root: Path  # <data_dir>/cluster
    regions: dict[str, RegionLayout]
    global_address: str
    global_port: int  # the global entry (TLS)
    default_region: str = PRIMARY_REGION
    # --latency: traffic between regions goes through relays that delay it by the round trip
    # between them (cluster/relay.py); `relays` maps "<from>><to>:<service>" to a relay port.
    latency: bool = False
    relays: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    # ---- places ----------------------------------------------------------------------

    def region_dir(self, region: str) -> Path:
        return self.root / region

    @property
    def archive_dir(self) -> Path:
        """WAL archive shared by every node (point-in-time restore, pg_rewind, catch-up)."""
        return self.root / "wal-archive"

    @property
    def backups_dir(self) -> Path:
        return self.root / "backups"

    @property
    def tls_dir(self) -> Path:
        return self.root / "tls"

    @property
    def global_dir(self) -> Path:
        return self.root / "global"

    def reach(self, source: str, target: str, service: str) -> tuple[str, int]:
        """The address at which `source` region's processes reach `target` region's
        `service` ("postgres" or "balancer"): the service itself, or with --latency and
        another region, the relay that delays traffic by the round trip between the two."""
        spec = self._region(target)
        direct = (
            spec.address,
            spec.postgres_port if service == "postgres" else spec.balancer_port,
        )
        if source == target or not self.latency:
            return direct
        port = self.relays.get(relay_key(source, target, service))
        if port is None:
            raise LayoutError(f"no relay from {source} to {target}'s {service} in this layout")
        return (RELAY_ADDRESS, port)

    def node(self, region: str) -> PgNode:
        """The PostgreSQL server of `region` (whatever its role now), with the addresses at
        which it reaches the other regions' servers (for streaming from them)."""
        spec = self._region(region)
        return PgNode(
            name=region,
            root=self.region_dir(region) / "postgres",
            port=spec.postgres_port,
            host=spec.address,
            routes={
                other: self.reach(region, other, "postgres")
                for other in self.regions
                if other != region
            },
        )

    def nodes(self) -> dict[str, PgNode]:
        return {region: self.node(region) for region in self.regions}

    def _region(self, region: str) -> RegionLayout:
        try:
            return self.regions[region]
        except KeyError:
            raise LayoutError(
                f"no region {region!r} in this cluster (regions: {', '.join(self.regions)})"
            ) from None

    # ---- the apps' view of the databases ---------------------------------------------------

    def database_url(self, region: str, dbname: str = "hotelreviews") -> str:
        """The primary, wherever it is: every node, nearest first, and the driver connects to
        the one that accepts writes (`target_session_attrs=read-write`). After a failover new
        connections find the new primary with no change of configuration."""
        hosts = "&".join(
            "host={}:{}".format(*self.reach(region, other, "postgres"))
            for other in nearest_first(region)
            if other in self.regions
        )
        return f"postgresql+asyncpg://postgres@/{dbname}?{hosts}&target_session_attrs=read-write"

    def replica_urls(self, region: str, dbname: str = "hotelreviews") -> list[str]:
        """Read targets: the region's own node first, then the others nearest first (used
        only while the nearer ones cannot serve)."""
        return [
            "postgresql+asyncpg://postgres@{}:{}/{}".format(
                *self.reach(region, other, "postgres"), dbname
            )
            for other in nearest_first(region)
            if other in self.regions
        ]

    # ---- persistence ---------------------------------------------------------------------

    def save(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        data = {
            "version": LAYOUT_VERSION,
            **{key: value for key, value in asdict(self).items() if key != "root"},
        }
        tmp = self.root / (LAYOUT_FILE + ".tmp")
        tmp.write_text(json.dumps(data, indent=2) + "\n")
        os.replace(tmp, self.root / LAYOUT_FILE)

    @classmethod
    def load(cls, root: Path) -> ClusterLayout:
        path = Path(root) / LAYOUT_FILE
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise LayoutError(
                f"no cluster in {root} ({LAYOUT_FILE} not found): run `hotelreviews cluster up`"
            ) from None
        except (OSError, ValueError) as exc:
            raise LayoutError(f"cannot read {path}: {exc}") from None
        if data.pop("version", None) != LAYOUT_VERSION:
            raise LayoutError(f"{path} was written by another version; run `cluster down` first")
        regions = {name: RegionLayout(**spec) for name, spec in data.pop("regions").items()}
        return cls(root=Path(root).resolve(), regions=regions, **data)

    @classmethod
    def exists(cls, root: Path) -> bool:
        return (Path(root) / LAYOUT_FILE).exists()


RELAY_ADDRESS = "127.0.0.1"
RELAYED_SERVICES = ("postgres", "balancer")


def relay_key(source: str, target: str, service: str) -> str:
    return f"{source}>{target}:{service}"


def plan(
    root: Path,
    *,
    api_per_region: int = 2,
    global_port: int | None = None,
    addresses: dict[str, str] | None = None,
    global_address: str = "127.0.0.1",
    latency: bool = False,
) -> ClusterLayout:
    """A new layout: every port free now (the global entry's may be given); with `latency`,
    a relay port for each region's way to every other region's PostgreSQL and balancer."""
    addresses = addresses or {}
    taken: set[int] = {global_port} if global_port else set()

    def port() -> int:
        # Each draw is free on its own; without remembering earlier draws, two services of
        # one plan could be given the same port (seen once in CI: a region's Redis and worker).
        chosen = free_port(exclude=taken)
        taken.add(chosen)
        return chosen

    regions = {}
    for region in REGIONS:
        address = addresses.get(region, "127.0.0.1")
        regions[region] = RegionLayout(
            name=region,
            address=address,
            postgres_port=port(),
            redis_port=port(),
            api_ports=[port() for _ in range(api_per_region)],
            worker_metrics_port=port(),
            balancer_port=port(),
        )
    return ClusterLayout(
        root=Path(root).resolve(),
        regions=regions,
        global_address=global_address,
        global_port=global_port or port(),
        latency=latency,
        relays={
            relay_key(source, target, service): port()
            for source in REGIONS
            for target in REGIONS
            if source != target
            for service in RELAYED_SERVICES
        }
        if latency
        else {},
    )


def free_port(host: str = "127.0.0.1", *, exclude: Collection[int] = ()) -> int:
    """A TCP port free right now, outside the kernel's ephemeral range.

    A planned port is bound only later, when its service starts (up to a minute on).
    Inside the ephemeral range the kernel may meanwhile hand it to any outgoing connection
    or `bind(0)` on the machine; outside it, only a program asking for that very port can
    take it."""
    low, high = _ephemeral_range()
    below = range(_LOWEST_PLANNED_PORT, low)
    candidates = below if len(below) >= 1000 else range(high + 1, 65536)
    for _ in range(200):
        port = random.choice(candidates)
        if port in exclude:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind((host, port))
            except OSError:
                continue
            return port
    for _ in range(200):  # crowded: any free one
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            port = int(sock.getsockname()[1])
        if port not in exclude:
            return port
    raise LayoutError(f"no free TCP port on {host}")


_LOWEST_PLANNED_PORT = 20000


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default
