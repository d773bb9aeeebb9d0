"""The disaster-recovery part of `/health/deep`: what the primary says of its timeline, the
standbys it streams to and its WAL archive, judged as ok, degraded or failing.

Degraded means the platform would lose more than it should if the primary were lost now: the
WAL archive is off or failing (no point-in-time restore past the last segment archived), a
standby is not streaming, or replicas are configured and none streams (nothing to fail over
to). Like every probe it never raises: a primary that does not answer is reported failing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hotelreviews.app.health_probes import Status, timed
from hotelreviews.core.database import read_transaction
from hotelreviews.dr.repository import PrimaryRecovery, Standby, WalArchive, primary_recovery_state
from hotelreviews.routing import DatabaseRouter
from hotelreviews.routing.replicas import describe_error

ArchiveStatus = Literal["ok", "off", "failing"]


@dataclass(frozen=True, slots=True)
class RecoveryProbe:
    status: Status
    problems: list[str] = field(default_factory=list)  # why not ok, one sentence each
    timeline: int | None = None
    archive_status: ArchiveStatus | None = None
    archive: WalArchive | None = None
    standbys: list[Standby] = field(default_factory=list)


async def probe_recovery(router: DatabaseRouter) -> RecoveryProbe | None:
    """The primary's disaster-recovery state now (None on SQLite: one file, no standby)."""
    engine = router.primary.engine
    if engine.dialect.name != "postgresql":
        return None

    async def query() -> PrimaryRecovery:
        async with read_transaction(engine) as connection:
            return await primary_recovery_state(connection)

    try:
        state, _ = await timed(query)
    except Exception as exc:  # unreachable, refused, timed out: reported, never raised
        return RecoveryProbe(status="failing", problems=[describe_error(exc)])
    problems = recovery_problems(state, replicas_configured=bool(router.replicas))
    return RecoveryProbe(
        status="degraded" if problems else "ok",
        problems=problems,
        timeline=state.timeline,
        archive_status=archive_status(state.archive),
        archive=state.archive,
        standbys=state.standbys,
    )


def archive_status(archive: WalArchive) -> ArchiveStatus:
    if archive.mode == "off":
        return "off"
    return "failing" if archive.failing else "ok"


def recovery_problems(state: PrimaryRecovery, *, replicas_configured: bool) -> list[str]:
    """Why recovery is degraded, one sentence each (none: ok)."""
    problems = []
    archive = state.archive
    if archive.mode == "off":
        problems.append("WAL archiving is off: no point-in-time restore")
    elif archive.failing:
        problems.append(
            f"WAL archiving fails: {archive.last_failed_wal} not archived "
            f"({archive.failed_count} failed attempts)"
        )
    for standby in state.standbys:
        if standby.state is not None and standby.state != "streaming":
            problems.append(f"standby {standby.name} is {standby.state}, not streaming")
    if replicas_configured and not state.standbys:
        problems.append("no standby streams from the primary: nothing to fail over to")
    return problems
