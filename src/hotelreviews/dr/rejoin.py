"""Bringing a former primary (fenced by a failover, or demoted some other way) or a broken
replica back as a replica of the current primary: rewind it onto the primary's timeline,
point it at the primary, start it, wait until it streams."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hotelreviews.cluster.layout import slot_name
from hotelreviews.cluster.pg import PgNode
from hotelreviews.dr.topology import DrError, the_primary
from hotelreviews.dr.waiting import drop_idle_slots, rewind_and_follow, wait_until_streaming


@dataclass(frozen=True)
class Rejoin:
    region: str
    primary: str
    timeline: int | None
    seconds: float


def rejoin(
    nodes: Mapping[str, PgNode],
    region: str,
    *,
    timeout: float = 120.0,
    say: Callable[[str], None] = lambda _: None,
) -> Rejoin:
    started = time.monotonic()
    if region not in nodes:
        raise DrError(f"no region {region!r} (regions: {', '.join(nodes)})")
    primary_region = the_primary(nodes)
    if region == primary_region:
        raise DrError(f"{region} is the primary: nothing to rejoin")
    node, primary = nodes[region], nodes[primary_region]
    if not node.data_dir.exists():
        raise DrError(f"{region} has no data directory ({node.data_dir}): clone it again")
    say(f"rewinding {region} onto {primary_region}'s timeline, then starting it as a replica")
    rewind_and_follow(node, primary, slot=slot_name(region))
    node.unfence()
    drop_idle_slots(node)
    wait_until_streaming(primary, primary_region, [region], timeout=timeout)
    return Rejoin(
        region=region,
        primary=primary_region,
        timeline=node.timeline(),
        seconds=time.monotonic() - started,
    )
