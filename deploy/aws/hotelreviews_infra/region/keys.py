"""The region's customer-managed KMS key: RDS storage and Performance Insights, ElastiCache,
Secrets Manager, EKS secrets envelope encryption and CloudWatch Logs all use it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

KEY_ALIAS = "alias/hotelreviews"


def region_key(scope: Construct, construct_id: str) -> kms.Key:
    """A symmetric key with yearly automatic rotation, kept (RETAIN) when the stack goes:
    backups and snapshots encrypted with it outlive the stack."""
    stack = cdk.Stack.of(scope)
    key = kms.Key(
        scope,
        construct_id,
        alias=KEY_ALIAS,
        description=f"hotelreviews {stack.region}: RDS, ElastiCache, secrets, EKS, logs",
        enable_key_rotation=True,
        removal_policy=cdk.RemovalPolicy.RETAIN,
    )
    # CloudWatch Logs encrypts the log groups of this region (flow logs, RDS, EKS control
    # plane, Redis) with it: only for log groups of this account and region.
    key.add_to_resource_policy(
        iam.PolicyStatement(
            principals=[iam.ServicePrincipal(f"logs.{stack.region}.amazonaws.com")],
            actions=[
                "kms:Encrypt*",
                "kms:Decrypt*",
                "kms:ReEncrypt*",
                "kms:GenerateDataKey*",
                "kms:Describe*",
            ],
            resources=["*"],  # in a key policy "*" means this key
            conditions={
                "ArnLike": {
                    "kms:EncryptionContext:aws:logs:arn": (
                        f"arn:{stack.partition}:logs:{stack.region}:{stack.account}:log-group:*"
                    )
                }
            },
        )
    )
    return key
