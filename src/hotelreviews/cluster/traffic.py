"""Taking a region out of the global entry and putting it back (`cluster drain|undrain`).

A drained region's balancer is in maintenance in every backend of the global entry: clients
of that region are served by the nearest other region, and no region's traffic fails over to
it. The region keeps running (its servers, replica and worker), so it can be maintained,
tested directly through its own balancer, or drained ahead of a switchover away from it. The
drain is kept in cluster.json, so a restarted global entry (`cluster up`) keeps it.
"""

from __future__ import annotations

from hotelreviews.cluster import front
from hotelreviews.cluster.haproxy import Applied
from hotelreviews.cluster.layout import ClusterLayout, LayoutError


def drain(layout: ClusterLayout, region: str) -> Applied | None:
    """Take `region` out; the global entry reloads (None: it is not running, the drain takes
    effect when it starts)."""
    _check(layout, region)
    others = set(layout.regions) - front.drained_regions(layout) - {region}
    if not others:
        raise LayoutError(
            f"{region} is the last region in service: nothing could serve its traffic"
        )
    return _set_drained(layout, front.drained_regions(layout) | {region})


def undrain(layout: ClusterLayout, region: str) -> Applied | None:
    """Put `region` back into the global entry."""
    _check(layout, region)
    return _set_drained(layout, front.drained_regions(layout) - {region})


def _check(layout: ClusterLayout, region: str) -> None:
    if region not in layout.regions:
        raise LayoutError(f"no region {region!r} (regions: {', '.join(layout.regions)})")


def _set_drained(layout: ClusterLayout, drained: frozenset[str]) -> Applied | None:
    layout.extra[front.DRAINED] = sorted(drained)
    layout.save()
    entry = front.global_entry(layout)
    if not entry.daemon.is_running():
        return None
    return entry.apply(front.global_config(layout), listen=front.global_endpoint(layout))
