"""CloudWatch log groups of what the region creates: retention and the region's key."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

# Long enough to investigate an incident found by a monthly review; the access logs (S3)
# and CloudTrail (security stack) keep longer records.
RETENTION = logs.RetentionDays.THREE_MONTHS


def log_group(scope: Construct, construct_id: str, *, name: str, key: kms.IKey) -> logs.LogGroup:
    """A log group created before the service that writes to it (RDS, EKS and ElastiCache
    would otherwise create theirs with no retention and no key)."""
    return logs.LogGroup(
        scope,
        construct_id,
        log_group_name=name,
        retention=RETENTION,
        encryption_key=key,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
