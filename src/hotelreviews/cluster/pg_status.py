"""What every PostgreSQL server of the cluster is doing: role, timeline, lag, whom it
follows, which application processes are connected to it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_tools import PostgresError
from hotelreviews.routing.lsn import parse_lsn

# One round trip per node. The position is what a primary has flushed or a replica has
# received; connected applications are client sessions other than our own psql.
_STATUS_SQL = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
            ELSE pg_current_wal_flush_lsn() END,
       pg_last_wal_replay_lsn(),
       EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())::float8,
       (SELECT status FROM pg_stat_wal_receiver),
       (SELECT string_agg(DISTINCT application_name, ',' ORDER BY application_name)
          FROM pg_stat_activity
         WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()
           AND application_name NOT IN ('', 'psql'))
"""


@dataclass
class NodeStatus:
    region: str
    address: str
    role: str  # primary, replica, down
    fenced: bool
    timeline: int | None = None
    position: str | None = None  # primary: flushed WAL; replica: received WAL
    replayed: str | None = None  # replica: replayed WAL
    lag_bytes: int | None = None  # replica: the primary's position minus what it replayed
    lag_seconds: float | None = None  # replica: 0 when caught up, else age of its last replay
    follows: str | None = None  # replica: the region in its configuration
    receiver: str | None = None  # replica: streaming, starting, stopped… (pg_stat_wal_receiver)
    applications: list[str] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def database_status(nodes: Mapping[str, PgNode]) -> list[NodeStatus]:
    """Every node's status now; lag is measured against the primary that answers, if any."""
    statuses = [_node_status(region, node, nodes) for region, node in nodes.items()]
    primaries = [status for status in statuses if status.role == "primary"]
    head = (
        parse_lsn(primaries[0].position) if len(primaries) == 1 and primaries[0].position else None
    )
    for status in statuses:
        if status.role != "replica" or status.replayed is None:
            continue
        replayed = parse_lsn(status.replayed)
        if head is not None:
            status.lag_bytes = max(0, head - replayed)
        if status.lag_bytes == 0:
            status.lag_seconds = 0.0
    return statuses


def upstream_of(node: PgNode, nodes: Mapping[str, PgNode]) -> str | None:
    """The region `node` is configured to stream from (its node.conf), if any."""
    address = node.upstream_address()
    for region, other in nodes.items():
        if other is not node and address == node.route_to(other):
            return region
    return None


def _node_status(region: str, node: PgNode, nodes: Mapping[str, PgNode]) -> NodeStatus:
    status = NodeStatus(region=region, address=node.address, role="down", fenced=node.is_fenced())
    status.follows = upstream_of(node, nodes)
    try:
        row = node.psql(_STATUS_SQL, timeout=10).strip().split("|")
    except PostgresError as exc:
        status.error = str(exc).splitlines()[0]
        status.timeline = _quiet_timeline(node)
        return status
    in_recovery, position, replayed, replay_age, receiver, applications = row
    status.role = "replica" if in_recovery == "t" else "primary"
    status.position = position or None
    status.applications = applications.split(",") if applications else []
    status.timeline = _quiet_timeline(node)
    if status.role == "replica":
        status.replayed = replayed or None
        status.receiver = receiver or "not streaming"
        if replay_age:
            status.lag_seconds = max(0.0, float(replay_age))
    else:
        status.follows = None
    return status


def _quiet_timeline(node: PgNode) -> int | None:
    try:
        return node.timeline()
    except (PostgresError, OSError, ValueError):
        return None
