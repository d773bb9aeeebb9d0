"""Planned switchover: the primary moves to another region with no acknowledged write lost.

The old primary is shut down cleanly (sessions end, new ones are refused: writes get 503
from the API from here on); a clean shutdown sends every WAL record, its final checkpoint
included, to the connected replicas before the server exits. Once the target has received
that checkpoint it holds every committed transaction and is promoted; the other replica and
the old primary then follow it. If the target does not receive it in time, the old primary
starts again as the primary and nothing has changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hotelreviews.cluster.layout import slot_name
from hotelreviews.cluster.pg import PgNode
from hotelreviews.dr.topology import DrError, roles, the_primary
from hotelreviews.dr.waiting import (
    drop_idle_slots,
    rewind_and_follow,
    wait_for,
    wait_until_streaming,
)
from hotelreviews.routing.lsn import format_lsn, parse_lsn

# Before the primary stops, the target must be this close (bytes of WAL not yet received):
# the time writes are refused is then the time to send a few kilobytes, not a backlog.
CAUGHT_UP_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Switchover:
    old_primary: str
    new_primary: str
    timeline: int | None
    writes_refused_seconds: float  # from the old primary's shutdown to the promotion
    total_seconds: float


def switchover(
    nodes: Mapping[str, PgNode],
    *,
    to: str,
    timeout: float = 60.0,
    say: Callable[[str], None] = lambda _: None,
) -> Switchover:
    started = time.monotonic()
    old = the_primary(nodes)
    if to not in nodes:
        raise DrError(f"no region {to!r} (regions: {', '.join(nodes)})")
    if to == old:
        raise DrError(f"{to} is the primary already")
    primary, target = nodes[old], nodes[to]
    if target.role() != "replica":
        raise DrError(f"{to} is not a running replica: `hotelreviews dr rejoin {to}` first")

    say(f"waiting until {to} has received all but {CAUGHT_UP_BYTES // 1024} kB of {old}'s WAL")
    wait_for(
        lambda: parse_lsn(primary.wal_lsn()) - parse_lsn(target.wal_lsn()) <= CAUGHT_UP_BYTES,
        timeout=timeout,
        what=f"{to} catches up with {old}",
    )

    say(f"stopping the primary in {old}: from now on writes are refused")
    refused_from = time.monotonic()
    primary.stop(mode="fast", timeout=timeout)
    final = primary.last_checkpoint_lsn()
    try:
        wait_for(
            lambda: parse_lsn(target.wal_lsn()) > final,
            timeout=timeout,
            what=f"{to} has received {old}'s final WAL (up to {format_lsn(final)})",
        )
    except DrError:
        say(f"{to} did not catch up: starting {old} again as the primary")
        primary.start()
        raise

    say(f"promoting {to}")
    target.promote()
    refused_seconds = time.monotonic() - refused_from
    target.psql("CHECKPOINT")  # pg_control then names the new timeline (pg_rewind reads it)

    for region, node in nodes.items():
        if region in (old, to) or node.role() != "replica":
            continue
        say(f"{region} now streams from {to}")
        target.ensure_slot(slot_name(region))
        node.follow(target, slot=slot_name(region))

    say(f"{old} becomes a replica of {to}")
    rewind_and_follow(primary, target, slot=slot_name(old))
    drop_idle_slots(primary)

    replicas = [region for region, role in roles(nodes).items() if role == "replica"]
    wait_until_streaming(target, to, replicas, timeout=timeout)
    return Switchover(
        old_primary=old,
        new_primary=to,
        timeline=target.timeline(),
        writes_refused_seconds=refused_seconds,
        total_seconds=time.monotonic() - started,
    )
