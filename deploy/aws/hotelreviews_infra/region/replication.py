"""What a replica region copies from the primary once it exists: the primary's secrets
(database credentials, jwt-secret, metrics-token) as Secrets Manager replicas encrypted with
this region's key, and (in BACKUP_REPLICA_REGION) the writer's automated backups.

Both are started from this stack rather than declared on the primary's resources: the primary
would otherwise need this region's key ARN before this stack exists, while this stack needs
the primary's writer and VPC first — a cycle. Here every dependency points one way, primary
then replicas (the deployment order)."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from hotelreviews_infra.region.database import BACKUP_RETENTION_DAYS, writer_arn
from hotelreviews_infra.region.remote_calls import remote_call
from hotelreviews_infra.region.secrets import GLOBAL_SECRETS
from hotelreviews_infra.region.workload_roles import secret_arn
from hotelreviews_infra.topology import PRIMARY, secret_name

REPLICATED_SECRETS = (secret_name(PRIMARY, "database"),) + tuple(
    secret_name("global", what) for what in GLOBAL_SECRETS
)


class ReplicasOfPrimary(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        key: kms.IKey,
        primary_key_arn: str,
        replicate_backups: bool,
    ):
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        for index, name in enumerate(REPLICATED_SECRETS):
            source = secret_arn(stack, name, region=PRIMARY)
            remote_call(
                self,
                f"Secret{index}",
                service="SecretsManager",
                region=PRIMARY,
                create=(
                    "replicateSecretToRegions",
                    {
                        "SecretId": name,
                        "AddReplicaRegions": [{"Region": stack.region, "KmsKeyId": key.key_arn}],
                    },
                ),
                delete=(
                    "removeRegionsFromReplication",
                    {"SecretId": name, "RemoveReplicaRegions": [stack.region]},
                ),
                physical_id=f"{name}@{stack.region}",
                key=key,
                statements=[
                    iam.PolicyStatement(
                        actions=[
                            "secretsmanager:ReplicateSecretToRegions",
                            "secretsmanager:RemoveRegionsFromReplication",
                        ],
                        resources=[source],
                    ),
                    iam.PolicyStatement(actions=["kms:Decrypt"], resources=[primary_key_arn]),
                    iam.PolicyStatement(
                        actions=["kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"],
                        resources=[key.key_arn],
                    ),
                ],
            )
        if replicate_backups:
            source = writer_arn(stack.account)
            remote_call(
                self,
                "AutomatedBackups",
                service="RDS",
                region=stack.region,  # the call is made in the destination region
                create=(
                    "startDBInstanceAutomatedBackupsReplication",
                    {
                        "SourceDBInstanceArn": source,
                        "KmsKeyId": key.key_arn,
                        "BackupRetentionPeriod": BACKUP_RETENTION_DAYS,
                    },
                ),
                delete=(
                    "stopDBInstanceAutomatedBackupsReplication",
                    {"SourceDBInstanceArn": source},
                ),
                physical_id=f"{source}@{stack.region}",
                key=key,
                statements=[
                    iam.PolicyStatement(
                        actions=[
                            "rds:StartDBInstanceAutomatedBackupsReplication",
                            "rds:StopDBInstanceAutomatedBackupsReplication",
                        ],
                        resources=[source],
                    ),
                    iam.PolicyStatement(
                        actions=["kms:CreateGrant", "kms:DescribeKey"],
                        resources=[key.key_arn],
                    ),
                ],
            )
