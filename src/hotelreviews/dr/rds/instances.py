"""The database's RDS instances, one per region: role, status, endpoint, whom a replica
follows and its replica lag (CloudWatch's ReplicaLag; None when there is no datapoint)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from hotelreviews.dr.rds.aws import RdsError, client, error_code, translate

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

# ReplicaLag is published every minute; the last datapoint in this window is "now".
LAG_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class RdsInstance:
    """One region's instance as RDS describes it."""

    region: str
    identifier: str
    arn: str
    status: str
    endpoint: str | None  # host:port; None while RDS has not given it one yet
    source: str | None  # the primary's ARN (or identifier) while it is a read replica

    @property
    def role(self) -> str:
        return "replica" if self.source else "primary"

    @property
    def source_region(self) -> str | None:
        """The region of the primary it follows, from an ARN (arn:aws:rds:REGION:…)."""
        if not self.source:
            return None
        parts = self.source.split(":")
        return parts[3] if self.source.startswith("arn:") and len(parts) > 3 else self.region

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "role": self.role, "source_region": self.source_region}


def describe(region: str, *, settings: Settings) -> RdsInstance | None:
    """The instance in `region`, or None when that region has none."""
    identifier = settings.rds_instance_identifier
    try:
        found = client("rds", region, settings=settings).describe_db_instances(
            DBInstanceIdentifier=identifier
        )["DBInstances"]
    except Exception as error:
        if error_code(error) == "DBInstanceNotFound":
            return None
        raise translate(error, doing=f"describing {identifier}", region=region) from error
    return _instance(region, found[0]) if found else None


def require(region: str, *, settings: Settings) -> RdsInstance:
    """The instance in `region`; RdsError when there is none (or the region is unknown)."""
    if region not in settings.rds_regions:
        raise RdsError(
            f"{region} is not one of the database's regions ({', '.join(settings.rds_regions)};"
            " HOTELREVIEWS_RDS_REGIONS)"
        )
    instance = describe(region, settings=settings)
    if instance is None:
        raise RdsError(
            f"no RDS instance {settings.rds_instance_identifier} in {region}"
            " (HOTELREVIEWS_RDS_INSTANCE_IDENTIFIER); `hotelreviews dr rds status` lists them"
        )
    return instance


def replica_lag_seconds(instance: RdsInstance, *, settings: Settings) -> float | None:
    """The latest ReplicaLag datapoint of the last few minutes; None when there is none
    (a primary, a replica just created, a region whose CloudWatch cannot be read)."""
    now = datetime.now(UTC)
    try:
        answer = client("cloudwatch", instance.region, settings=settings).get_metric_statistics(
            Namespace="AWS/RDS",
            MetricName="ReplicaLag",
            Dimensions=[{"Name": "DBInstanceIdentifier", "Value": instance.identifier}],
            StartTime=now - LAG_WINDOW,
            EndTime=now,
            Period=60,
            Statistics=["Maximum"],
        )
    except Exception as error:
        translated = translate(error, doing="reading ReplicaLag", region=instance.region)
        if isinstance(translated, RdsError):
            return None  # lag unknown: status still shows everything else
        raise translated from error
    points = sorted(answer.get("Datapoints", ()), key=lambda point: point["Timestamp"])
    return float(points[-1]["Maximum"]) if points else None


def _instance(region: str, described: dict[str, Any]) -> RdsInstance:
    endpoint = described.get("Endpoint") or {}
    address, port = endpoint.get("Address"), endpoint.get("Port")
    return RdsInstance(
        region=region,
        identifier=described["DBInstanceIdentifier"],
        arn=described.get("DBInstanceArn", ""),
        status=described.get("DBInstanceStatus", "unknown"),
        endpoint=f"{address}:{port}" if address and port else None,
        source=described.get("ReadReplicaSourceDBInstanceIdentifier") or None,
    )
