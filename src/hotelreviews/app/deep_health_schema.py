"""What `/health/deep` answers: every dependency as probed (app/health_probes.py) and the
disaster-recovery state the primary reports (app/recovery_probe.py), as the API's schema
states them."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from hotelreviews.app.recovery_probe import RecoveryProbe


class DependencyHealth(BaseModel):
    name: str = Field(description="primary, replica-1, replica-2…, redis", examples=["replica-1"])
    role: Literal["primary", "replica", "cache"]
    status: Literal["ok", "degraded", "failing"]
    latency_ms: float | None = Field(description="Time to answer the probe; null if it did not.")
    detail: str | None = Field(
        description="Why it is not ok, or what it is (server version).",
        examples=["PostgreSQL 16.4"],
    )
    in_use: bool | None = Field(
        default=None, description="Replicas: whether reads go there right now."
    )
    lag_seconds: float | None = Field(default=None, description="Replicas: replay lag.")
    lag_bytes: int | None = Field(default=None, description="Replicas: WAL received, not replayed.")
    region: str | None = Field(
        default=None,
        description="Databases: the server's region (its cluster_name), when it has one.",
        examples=["eu-west-1"],
    )
    lag_budget_seconds: float | None = Field(
        default=None, description="Replicas: the replay lag past which reads skip it."
    )
    within_lag_budget: bool | None = Field(
        default=None, description="Replicas: the lag is within the budget; null when unknown."
    )
    is_primary: bool | None = Field(
        default=None,
        description="Replicas: the read target is not in recovery: the primary itself (in a "
        "cluster, the primary's region reads from its own server). Null when it did not answer.",
    )


class StandbyHealth(BaseModel):
    name: str = Field(description="The standby's cluster_name (its region).", examples=["eu"])
    state: str | None = Field(
        description="streaming, catchup, startup, backup; null if the database user may not "
        "see it (grant pg_monitor).",
        examples=["streaming"],
    )
    sync_state: str | None = Field(examples=["async"])
    lag_bytes: int | None = Field(description="WAL the primary wrote that it has not replayed.")
    lag_seconds: float | None = Field(
        description="Replay lag as the primary measures it; null once caught up and idle."
    )


class WalArchiveHealth(BaseModel):
    status: Literal["ok", "off", "failing"] = Field(
        description="off: archive_mode is off; failing: the last attempt failed."
    )
    archived_count: int
    last_archived_wal: str | None = Field(examples=["000000010000000000000003"])
    last_archived_at: datetime | None
    failed_count: int
    last_failed_wal: str | None
    last_failed_at: datetime | None


class RecoveryHealth(BaseModel):
    status: Literal["ok", "degraded", "failing"] = Field(
        description="degraded when archiving is off or failing, a standby is not streaming, or "
        "replicas are configured and none streams; failing when the primary did not answer."
    )
    problems: list[str] = Field(description="Why it is not ok, one sentence each.")
    timeline: int | None = Field(
        description="The primary's timeline: each promotion (switchover, failover) adds one.",
        examples=[1],
    )
    standbys: list[StandbyHealth] = Field(description="What the primary streams to now.")
    wal_archive: WalArchiveHealth | None


class DeepHealth(BaseModel):
    status: Literal["ok", "degraded", "failing"] = Field(
        description="failing (503) when the primary is; degraded when a replica or Redis is."
    )
    version: str = Field(examples=["0.1.0"])
    region: str = Field(examples=["eu-west-1"])
    primary_here: bool = Field(
        description="This region's own database server is the primary (as /health/primary)."
    )
    dependencies: list[DependencyHealth]
    disaster_recovery: RecoveryHealth | None = Field(
        description="The primary's timeline, standbys and WAL archive; null on SQLite."
    )


def recovery_health(probe: RecoveryProbe | None) -> RecoveryHealth | None:
    """The probe as the API answers it (None on SQLite)."""
    if probe is None:
        return None
    archive = probe.archive
    return RecoveryHealth(
        status=probe.status,
        problems=probe.problems,
        timeline=probe.timeline,
        standbys=[
            StandbyHealth.model_validate(standby, from_attributes=True)
            for standby in probe.standbys
        ],
        wal_archive=None
        if archive is None or probe.archive_status is None
        else WalArchiveHealth(
            status=probe.archive_status,
            archived_count=archive.archived_count,
            last_archived_wal=archive.last_archived_wal,
            last_archived_at=archive.last_archived_at,
            failed_count=archive.failed_count,
            last_failed_wal=archive.last_failed_wal,
            last_failed_at=archive.last_failed_at,
        ),
    )
