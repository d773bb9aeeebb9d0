"""The log buckets of the platform's stacks (S3 server access logs, CloudFront logs, Config
and CloudTrail deliveries): one definition, so every one is equally locked down."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_s3 as s3
from constructs import Construct

# Logs answer "who did what" for a year (audits, incident reviews), then go.
LOGS_KEPT = cdk.Duration.days(365)
NONCURRENT_LOGS_KEPT = cdk.Duration.days(30)
ABORTED_UPLOADS_KEPT = cdk.Duration.days(7)


def log_bucket(
    scope: Construct,
    construct_id: str,
    *,
    object_ownership: s3.ObjectOwnership = s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    server_access_logs_bucket: s3.IBucket | None = None,
    server_access_logs_prefix: str | None = None,
) -> s3.Bucket:
    """A private, TLS-only, versioned bucket for logs, kept for LOGS_KEPT.

    SSE-S3: S3 server access logging and CloudFront's standard logs can only deliver into
    S3-managed encryption. A bucket given no `server_access_logs_bucket` is itself the end of
    the logging chain (an access-log bucket logging into itself would log its own writes).
    """
    bucket = s3.Bucket(
        scope,
        construct_id,
        encryption=s3.BucketEncryption.S3_MANAGED,
        block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
        enforce_ssl=True,
        versioned=True,
        object_ownership=object_ownership,
        server_access_logs_bucket=server_access_logs_bucket,
        server_access_logs_prefix=server_access_logs_prefix,
        lifecycle_rules=[
            s3.LifecycleRule(
                id="expire-logs",
                expiration=LOGS_KEPT,
                noncurrent_version_expiration=NONCURRENT_LOGS_KEPT,
                abort_incomplete_multipart_upload_after=ABORTED_UPLOADS_KEPT,
            )
        ],
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    if server_access_logs_bucket is None:
        cdk.Validations.of(bucket).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-S1",
                reason="This is the access-log destination itself; logging its own writes "
                "into itself would loop, and a further bucket would only move the question.",
            )
        )
    return bucket
