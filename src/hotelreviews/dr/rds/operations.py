"""`dr rds` operations: where every region stands, promoting a region's read replica, and
pointing the writer endpoint store (writer_store) at a region's primary."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from hotelreviews.dr.rds import writer_store
from hotelreviews.dr.rds.aws import RdsError, check_endpoint, client, translate
from hotelreviews.dr.rds.instances import RdsInstance, describe, replica_lag_seconds, require

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

Say = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class RegionStatus:
    region: str
    instance: RdsInstance | None
    lag_seconds: float | None
    writer_endpoint: str | None  # this region's copy in the store; None when it is missing
    error: str | None = None  # why the region could not be described

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "instance": self.instance.as_dict() if self.instance else None,
            "lag_seconds": self.lag_seconds,
            "writer_endpoint": self.writer_endpoint,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Promoted:
    region: str
    endpoint: str
    promote_seconds: float  # from the API call to "available" and no longer a replica
    repointed: dict[str, str | None]  # by region: None when written, else why not


@dataclass(frozen=True, slots=True)
class Repointed:
    region: str
    endpoint: str
    repointed: dict[str, str | None]


def status(*, settings: Settings) -> list[RegionStatus]:
    """Every region's instance, lag and copy of the writer's address; a region that cannot
    be asked (lost) is reported with its error rather than ending the report."""
    check_endpoint(settings)
    found = []
    for region in settings.rds_regions:
        try:
            instance = describe(region, settings=settings)
            lag = (
                replica_lag_seconds(instance, settings=settings)
                if instance and instance.role == "replica"
                else None
            )
            writer = writer_store.read(region, settings=settings)
        except RdsError as error:
            found.append(RegionStatus(region, None, None, None, error=str(error)))
            continue
        found.append(RegionStatus(region, instance, lag, writer))
    return found


def healthy(statuses: list[RegionStatus]) -> bool:
    """One primary, every other region a replica of it, and every region's copy of the
    writer's address naming the primary's endpoint."""
    instances = [found.instance for found in statuses]
    primaries = [instance for instance in instances if instance and instance.role == "primary"]
    if len(primaries) != 1 or any(instance is None for instance in instances):
        return False
    primary = primaries[0]
    return all(
        found.writer_endpoint == primary.endpoint
        and (found.instance is primary or _follows(found.instance, primary))
        for found in statuses
    )


def promote(
    region: str,
    *,
    settings: Settings,
    say: Say,
    timeout: float = 3600.0,
    poll_seconds: float = 15.0,
) -> Promoted:
    """Promote `region`'s read replica to a standalone primary, wait until RDS reports it
    available and no longer a replica, then point every region's copy of the writer's
    address at it."""
    instance = require(region, settings=settings)
    if instance.role == "primary":
        raise RdsError(
            f"{instance.identifier} in {region} is already a primary (not a read replica);"
            f" `hotelreviews dr rds repoint {region}` points the writer at it"
        )
    say(f"promoting {instance.identifier} in {region} (a replica of {instance.source})")
    started = time.monotonic()
    try:
        client("rds", region, settings=settings).promote_read_replica(
            DBInstanceIdentifier=instance.identifier
        )
    except Exception as error:
        raise translate(error, doing=f"promoting {instance.identifier}", region=region) from error
    promoted = _wait_until_primary(region, settings, timeout, poll_seconds, say)
    seconds = time.monotonic() - started
    say(f"{region} is a primary after {seconds:.1f} s; its endpoint: {promoted.endpoint}")
    assert promoted.endpoint is not None  # _wait_until_primary waits for one
    return Promoted(region, promoted.endpoint, seconds, _repoint(promoted, settings, say))


def repoint(region: str, *, settings: Settings, say: Say) -> Repointed:
    """Point every region's copy of the writer's address at `region`'s instance, which must be a
    primary with an endpoint (a replica refuses writes)."""
    instance = require(region, settings=settings)
    if instance.role == "replica":
        raise RdsError(
            f"{instance.identifier} in {region} is a read replica (of {instance.source}) and"
            f" refuses writes; promote it first: `hotelreviews dr rds promote {region}`"
        )
    if instance.endpoint is None:
        raise RdsError(
            f"{instance.identifier} in {region} has no endpoint yet (status:"
            f" {instance.status}); wait until RDS reports it available, then run again"
        )
    return Repointed(region, instance.endpoint, _repoint(instance, settings, say))


def _repoint(instance: RdsInstance, settings: Settings, say: Say) -> dict[str, str | None]:
    assert instance.endpoint is not None
    outcome = writer_store.write_everywhere(instance.endpoint, settings=settings)
    store = writer_store.describe(settings)
    for region, failure in outcome.items():
        say(
            f"{region}: {store} = {instance.endpoint}"
            if failure is None
            else f"{region}: NOT re-pointed: {failure}"
        )
    if all(failure is not None for failure in outcome.values()):
        raise RdsError(
            f"the {store} could not be written in any region; the apps still write"
            f" to the old writer. Run `hotelreviews dr rds repoint {instance.region}` again"
        )
    return outcome


def _wait_until_primary(
    region: str, settings: Settings, timeout: float, poll_seconds: float, say: Say
) -> RdsInstance:
    deadline = time.monotonic() + timeout
    last_status = None
    while True:
        try:
            instance = require(region, settings=settings)
        except RdsError as error:
            raise RdsError(
                f"{error}; the promotion goes on in RDS: watch `hotelreviews dr rds status`,"
                f" then run `hotelreviews dr rds repoint {region}`"
            ) from None
        if instance.role == "primary" and instance.status == "available" and instance.endpoint:
            return instance
        if instance.status != last_status:
            say(f"{region}: {instance.status}")
            last_status = instance.status
        if time.monotonic() >= deadline:
            raise RdsError(
                f"{instance.identifier} in {region} is still {instance.status}"
                f"{' and a replica' if instance.role == 'replica' else ''} after {timeout:g} s;"
                f" the promotion goes on in RDS: watch `hotelreviews dr rds status`, then run"
                f" `hotelreviews dr rds repoint {region}`"
            )
        time.sleep(poll_seconds)


def _follows(instance: RdsInstance | None, primary: RdsInstance) -> bool:
    return instance is not None and instance.source in (primary.arn, primary.identifier)
