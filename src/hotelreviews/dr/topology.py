"""Who is the primary: asked of the servers themselves (whom each follows is
cluster.pg_status.upstream_of, read from its node.conf)."""

from __future__ import annotations

from collections.abc import Mapping

from hotelreviews.cluster.pg import PgNode


class DrError(RuntimeError):
    """A disaster-recovery step cannot be taken; the message says why and what to run."""


def roles(nodes: Mapping[str, PgNode]) -> dict[str, str]:
    """primary, replica or down, by region."""
    return {region: node.role() for region, node in nodes.items()}


def the_primary(nodes: Mapping[str, PgNode]) -> str:
    """The one running primary's region; DrError when there is none or more than one."""
    found = [region for region, role in roles(nodes).items() if role == "primary"]
    if not found:
        raise DrError(
            "no primary answers: if it is lost, run `hotelreviews dr failover` "
            "(optionally --to REGION)"
        )
    if len(found) > 1:
        raise DrError(
            f"more than one primary answers ({', '.join(found)}): fence all but one with "
            "`hotelreviews dr failover --to REGION --force`"
        )
    return found[0]
