"""Unplanned failover: the primary is lost; the most advanced replica (or the one named)
takes over, and the old primary is fenced so that it can never come back as a second primary.

Replication is asynchronous: writes the old primary acknowledged but no replica had received
are lost (the data-loss window, bounded by how far the replicas lag — about a second). Every
write a replica had received survives when that replica is promoted; choosing the most
advanced one loses the least. A replica that had received more than the one promoted has
history the new primary does not; it is rewound (pg_rewind) before it follows.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from hotelreviews.cluster.layout import slot_name
from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_status import upstream_of
from hotelreviews.dr.topology import DrError, roles
from hotelreviews.dr.waiting import rewind_and_follow, wait_until_streaming
from hotelreviews.routing.lsn import format_lsn, parse_lsn


@dataclass(frozen=True)
class Failover:
    old_primary: str | None
    new_primary: str
    timeline: int | None
    promoted_at: str  # the WAL position the new primary had received: its history ends there
    fenced: list[str] = field(default_factory=list)
    rewound: list[str] = field(default_factory=list)
    seconds_to_promote: float = 0.0  # from the start of the command until writes are possible
    total_seconds: float = 0.0


def failover(
    nodes: Mapping[str, PgNode],
    *,
    to: str | None = None,
    force: bool = False,
    timeout: float = 60.0,
    say: Callable[[str], None] = lambda _: None,
) -> Failover:
    started = time.monotonic()
    states = roles(nodes)
    primaries = [region for region, role in states.items() if role == "primary"]
    if primaries and not force:
        raise DrError(
            f"the primary in {primaries[0]} answers: a failover would throw away writes. Use "
            "`hotelreviews dr switchover --to REGION`, or --force to fence it anyway"
        )
    replicas = [region for region, role in states.items() if role == "replica"]
    if not replicas:
        raise DrError(
            "no replica answers, so there is nothing to promote: restore the primary from a "
            'backup (docs/operations.md, "Restore")'
        )
    received = {region: parse_lsn(nodes[region].wal_lsn()) for region in replicas}
    chosen = to or max(replicas, key=lambda region: received[region])
    if chosen not in replicas:
        raise DrError(
            f"{chosen} is not a running replica ("
            + ", ".join(f"{region}: {role}" for region, role in states.items())
            + ")"
        )
    most = max(received.values())
    if received[chosen] < most:
        say(
            f"{chosen} has received less WAL than another replica: writes only that one had "
            "received are lost; it will be rewound"
        )
    old = upstream_of(nodes[chosen], nodes)

    # Fence first: whatever happens next, the old primary must never take writes again.
    fenced = sorted({*primaries, *([old] if old and old not in replicas else [])})
    for region in fenced:
        say(f"fencing {region}: stopped, and marked so it can only start as a replica")
        nodes[region].fence()

    target = nodes[chosen]
    say(f"promoting {chosen} (received up to {format_lsn(received[chosen])})")
    target.promote()
    promoted_seconds = time.monotonic() - started
    target.psql("CHECKPOINT")  # pg_control then names the new timeline (pg_rewind reads it)

    rewound = []
    for region in replicas:
        if region == chosen:
            continue
        node = nodes[region]
        if received[region] > received[chosen]:
            say(f"{region} had received past {chosen}'s history: rewinding it")
            rewind_and_follow(node, target, slot=slot_name(region))
            rewound.append(region)
        else:
            say(f"{region} now streams from {chosen}")
            target.ensure_slot(slot_name(region))
            node.follow(target, slot=slot_name(region))
    others = [region for region in replicas if region != chosen]
    wait_until_streaming(target, chosen, others, timeout=timeout)
    return Failover(
        old_primary=old,
        new_primary=chosen,
        timeline=target.timeline(),
        promoted_at=format_lsn(received[chosen]),
        fenced=fenced,
        rewound=rewound,
        seconds_to_promote=promoted_seconds,
        total_seconds=time.monotonic() - started,
    )
