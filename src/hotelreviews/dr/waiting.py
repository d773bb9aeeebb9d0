"""Waiting for servers to reach a state, with a deadline and a message that says what did
not happen."""

from __future__ import annotations

import time
from collections.abc import Callable

from hotelreviews.cluster.pg import PgNode
from hotelreviews.cluster.pg_tools import PostgresError
from hotelreviews.dr.topology import DrError

POLL_SECONDS = 0.05


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> float:
    """Poll `condition` until true; the seconds it took. DrError naming `what` at the deadline.
    A server error while polling counts as "not yet" (a server may be restarting)."""
    started = time.monotonic()
    deadline = started + timeout
    while True:
        try:
            if condition():
                return time.monotonic() - started
        except PostgresError:
            pass
        if time.monotonic() > deadline:
            raise DrError(f"timed out after {timeout:g} s waiting until {what}")
        time.sleep(POLL_SECONDS)


def streaming_to(primary: PgNode, replica_name: str) -> bool:
    """`replica_name` streams from `primary` now (its walsender is in the streaming state)."""
    count = primary.psql(
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming' "
        f"AND application_name = '{replica_name}'"
    ).strip()
    return count == "1"


def drop_idle_slots(node: PgNode) -> None:
    """Slots nobody streams through (those a former primary kept for its replicas)."""
    node.psql(
        "SELECT count(pg_drop_replication_slot(slot_name)) FROM pg_replication_slots "
        "WHERE NOT active"
    )


def wait_until_streaming(
    primary: PgNode, primary_region: str, regions: list[str], *, timeout: float
) -> None:
    """Every region in `regions` streams from `primary`; DrError naming the first that
    does not within `timeout`."""
    for region in regions:
        wait_for(
            lambda region=region: streaming_to(primary, region),
            timeout=timeout,
            what=f"{region} streams from {primary_region}",
        )


def rewind_and_follow(node: PgNode, primary: PgNode, *, slot: str) -> None:
    """Make a server that ran past (or beside) `primary`'s history its replica: a slot for it
    on `primary`, pg_rewind onto its timeline (stopping it first), follow it, start."""
    primary.ensure_slot(slot)
    node.rewind(primary)
    node.follow(primary, slot=slot)
    node.start()
