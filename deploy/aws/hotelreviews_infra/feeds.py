"""The feeds bucket (us-east-1): where review providers deliver their JSON Lines files.

Every region's workers read it (s3:GetObject, s3:ListBucket in their IRSA role, built with the
region stacks); this stack owns the bucket, its KMS key and its access-log bucket.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from hotelreviews_infra.buckets import log_bucket
from hotelreviews_infra.topology import FEEDS_BUCKET_PREFIX, PRIMARY, REGIONS, Deployment, role_name

# Providers deliver under this prefix (HOTELREVIEWS_WORKER_SOURCES .../incoming/).
INCOMING_PREFIX = "incoming/"
# A delivered file is read by a worker within minutes; after a month it is only kept for
# re-ingestion, so Standard-IA (cheaper storage, per-GB retrieval) fits it.
INCOMING_TO_INFREQUENT_ACCESS = cdk.Duration.days(30)
# Overwritten or deleted files stay recoverable for this long (versioning), then go.
NONCURRENT_VERSIONS_KEPT = cdk.Duration.days(90)
ABORTED_UPLOADS_KEPT = cdk.Duration.days(7)


def feeds_bucket_name(account: str) -> str:
    return f"{FEEDS_BUCKET_PREFIX}-{account}"


class FeedsStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, deployment: Deployment, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.deployment = deployment

        self.key = kms.Key(
            self,
            "FeedsKey",
            alias="alias/hotelreviews-feeds",
            description="Encrypts the review providers' feed files (hotelreviews-feeds bucket)",
            enable_key_rotation=True,
        )
        self._let_workers_decrypt(deployment.account)

        access_logs = log_bucket(self, "AccessLogs")
        self.bucket = s3.Bucket(
            self,
            "Feeds",
            bucket_name=feeds_bucket_name(deployment.account),
            versioned=True,
            encryption=s3.BucketEncryption.KMS,
            encryption_key=self.key,
            # One data key per bucket instead of one KMS call per object: fewer KMS requests.
            bucket_key_enabled=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            server_access_logs_bucket=access_logs,
            server_access_logs_prefix="feeds/",
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="incoming-to-infrequent-access",
                    prefix=INCOMING_PREFIX,
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=INCOMING_TO_INFREQUENT_ACCESS,
                        )
                    ],
                ),
                s3.LifecycleRule(
                    id="expire-noncurrent-and-aborted-uploads",
                    noncurrent_version_expiration=NONCURRENT_VERSIONS_KEPT,
                    abort_incomplete_multipart_upload_after=ABORTED_UPLOADS_KEPT,
                ),
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )

    def _let_workers_decrypt(self, account: str) -> None:
        """The workers of every region read the bucket with s3:GetObject only (the contract of
        deploy/k8s); decrypting its objects is granted here, by the key, and only through S3
        in this region. The roles are named by a condition, not as principals: KMS refuses a
        policy naming a role that does not exist yet, and the region stacks come later."""
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="WorkersDecryptThroughS3",
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt"],
                resources=["*"],  # in a key policy "*" is this key
                conditions={
                    "StringEquals": {
                        "kms:CallerAccount": account,
                        "kms:ViaService": f"s3.{PRIMARY}.amazonaws.com",
                    },
                    "ArnEquals": {
                        "aws:PrincipalArn": [
                            self.format_arn(
                                service="iam",
                                region="",
                                resource="role",
                                resource_name=role_name(region.name, "worker"),
                            )
                            for region in REGIONS
                        ]
                    },
                },
            )
        )
