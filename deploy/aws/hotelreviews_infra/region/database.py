"""RDS PostgreSQL 15: the writer (Multi-AZ) in the primary region, a cross-region read replica
named the same in every other region; the writer's address in SSM for the apps."""

from __future__ import annotations

import string

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from aws_cdk import aws_rds as rds
from aws_cdk import aws_ssm as ssm
from constructs import Construct

from hotelreviews_infra.region.logs import log_group
from hotelreviews_infra.region.nag import acknowledge
from hotelreviews_infra.region.network import Network
from hotelreviews_infra.topology import (
    DATABASE_INSTANCE,
    DATABASE_NAME,
    PRIMARY,
    REGIONS,
    WRITER_ENDPOINT_PARAMETER,
    Region,
    secret_name,
)

ENGINE = rds.DatabaseInstanceEngine.postgres(version=rds.PostgresEngineVersion.VER_15_17)
PORT = 5432
USERNAME = "hotelreviews"
# Graviton, 4 vCPU / 32 GiB: the hot working set (hotels, recent reviews) fits in memory;
# reads scale out through the replicas and Redis, the writer scales up by a class change.
INSTANCE_CLASS = "db.r6g.xlarge"
ALLOCATED_STORAGE_GIB, MAX_ALLOCATED_STORAGE_GIB = 200, 2000
BACKUP_RETENTION_DAYS = 30
LOG_EXPORTS = ("postgresql", "upgrade")
# The replica region that also keeps a copy of the writer's automated backups (PITR there).
BACKUP_REPLICA_REGION = "eu-west-1"

PARAMETERS = {
    # The platform and its ExternalSecrets connect with TLS; plaintext is refused.
    "rds.force_ssl": "1",
    # wal_level: RDS sets "replica" by itself once backups are on, which is all that the
    # cross-region replicas (physical streaming) need; logical decoding (wal_level=logical)
    # is not used by the platform and only costs WAL volume, so it stays off explicitly.
    "rds.logical_replication": "0",
    # A session idle in a transaction holds locks and blocks vacuum: end it after a minute.
    "idle_in_transaction_session_timeout": "60000",
    "log_min_duration_statement": "1000",
    "log_lock_waits": "1",
    # statement_timeout is NOT set here: a global value would also cut migrations and the
    # feed imports. The platform limits its API reads itself: every connection of the
    # API's engines starts with HOTELREVIEWS_READ_STATEMENT_TIMEOUT_SECONDS (5 s) and lifts
    # it for writes (SET LOCAL at BEGIN; hotelreviews.core.database).
}


def writer_arn(account: str) -> str:
    """The writer's ARN, known before it exists: the replicas name it as their source."""
    return f"arn:aws:rds:{PRIMARY}:{account}:db:{DATABASE_INSTANCE}"


class Database(Construct):
    """`endpoint_address`/`endpoint_port`: this region's instance (writer or replica);
    `writer_endpoint`: the writer's "host:port" kept in SSM."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: Region,
        network: Network,
        key: kms.IKey,
        writer_endpoint: str | None = None,
    ):
        super().__init__(scope, construct_id)
        vpc = self._vpc = network.vpc
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="PostgreSQL from this VPC (and, on the writer, the peered regions)",
            allow_all_outbound=False,
        )
        # The writer admits the other regions' VPCs: their apps write over the peering.
        cidrs = [region.vpc_cidr] + (
            [r.vpc_cidr for r in REGIONS if not r.is_primary] if region.is_primary else []
        )
        for cidr in cidrs:
            self.security_group.add_ingress_rule(
                ec2.Peer.ipv4(cidr), ec2.Port.tcp(PORT), f"PostgreSQL from {cidr}"
            )
        self.parameter_group = rds.ParameterGroup(
            self,
            "Parameters",
            engine=ENGINE,
            description="hotelreviews PostgreSQL 15",
            parameters=PARAMETERS,
        )
        self.subnet_group = rds.SubnetGroup(
            self,
            "Subnets",
            vpc=vpc,
            vpc_subnets=network.data_subnets,
            description="hotelreviews database: the isolated data subnets",
        )
        self.log_groups = [
            log_group(
                self, f"Log-{kind}", name=f"/aws/rds/instance/{DATABASE_INSTANCE}/{kind}", key=key
            )
            for kind in LOG_EXPORTS
        ]
        if region.is_primary:
            self._writer(region, key)
            endpoint = cdk.Fn.join(":", [self.endpoint_address, self.endpoint_port])
        else:
            self._replica(key)
            assert writer_endpoint is not None, "a replica region needs the writer's endpoint"
            endpoint = writer_endpoint
        self.writer_endpoint = endpoint
        acknowledge(
            self,
            "AwsSolutions-RDS11",
            "5432 is the contract's port (NetworkPolicies, ESO URL templates); a moved port "
            "hides nothing from a scanner, and the security group admits only the VPCs' CIDRs.",
        )
        ssm.StringParameter(
            self,
            "WriterEndpoint",
            parameter_name=WRITER_ENDPOINT_PARAMETER,
            string_value=endpoint,
            description="The writer's host:port (hotelreviews dr rds repoint rewrites it)",
        )

    def _writer(self, region: Region, key: kms.IKey) -> None:
        self.secret = rds.DatabaseSecret(
            self,
            "Credentials",
            username=USERNAME,
            dbname=DATABASE_NAME,
            secret_name=secret_name(region.name, "database"),
            encryption_key=key,
            # Alphanumeric only: the password goes into a URL unescaped.
            exclude_characters=string.punctuation + " ",
        )
        acknowledge(
            self.secret,
            "AwsSolutions-SMG4",
            "Not rotated automatically: the API and worker pools keep connections with the "
            "password read at start (ESO refreshes the Kubernetes secret, not the pods), so a "
            "scheduled rotation would fail every new connection until a restart; it is rotated "
            "by the runbook's rollout (docs/deployment.md).",
        )
        self.instance = rds.DatabaseInstance(
            self,
            "Writer",
            instance_identifier=DATABASE_INSTANCE,
            engine=ENGINE,
            instance_type=ec2.InstanceType(INSTANCE_CLASS.removeprefix("db.")),
            vpc=self._vpc,
            subnet_group=self.subnet_group,
            security_groups=[self.security_group],
            port=PORT,
            database_name=DATABASE_NAME,
            credentials=rds.Credentials.from_secret(self.secret),
            multi_az=True,
            storage_type=rds.StorageType.GP3,
            allocated_storage=ALLOCATED_STORAGE_GIB,
            max_allocated_storage=MAX_ALLOCATED_STORAGE_GIB,
            storage_encrypted=True,
            storage_encryption_key=key,
            backup_retention=cdk.Duration.days(BACKUP_RETENTION_DAYS),
            deletion_protection=True,
            removal_policy=cdk.RemovalPolicy.SNAPSHOT,
            enable_performance_insights=True,
            performance_insight_encryption_key=key,
            performance_insight_retention=rds.PerformanceInsightRetention.DEFAULT,
            iam_authentication=True,
            cloudwatch_logs_exports=list(LOG_EXPORTS),
            parameter_group=self.parameter_group,
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            publicly_accessible=False,
            ca_certificate=rds.CaCertificate.RDS_CA_RSA2048_G1,
        )
        for group in self.log_groups:
            self.instance.node.add_dependency(group)
        self.endpoint_address = self.instance.db_instance_endpoint_address
        self.endpoint_port = self.instance.db_instance_endpoint_port

    def _replica(self, key: kms.IKey) -> None:
        stack = cdk.Stack.of(self)
        self.replica = rds.CfnDBInstance(
            self,
            "Replica",
            db_instance_identifier=DATABASE_INSTANCE,
            source_db_instance_identifier=writer_arn(stack.account),
            source_region=PRIMARY,
            db_instance_class=INSTANCE_CLASS,
            # Multi-AZ: this replica is a promotion target (`hotelreviews dr rds promote`); as
            # the new writer it must already survive an AZ loss, with no modify afterwards.
            multi_az=True,
            # Encrypted as its source is, with this region's key (a key does not cross
            # regions); StorageEncrypted is implied and must not be given with a source.
            kms_key_id=key.key_arn,
            storage_type="gp3",
            max_allocated_storage=MAX_ALLOCATED_STORAGE_GIB,
            db_subnet_group_name=self.subnet_group.subnet_group_name,
            vpc_security_groups=[self.security_group.security_group_id],
            db_parameter_group_name=self.parameter_group.bind_to_instance().parameter_group_name,
            port=str(PORT),
            # Backups on the replica too, so that a promoted replica has PITR from day one.
            backup_retention_period=BACKUP_RETENTION_DAYS,
            deletion_protection=True,
            enable_performance_insights=True,
            performance_insights_kms_key_id=key.key_arn,
            performance_insights_retention_period=7,
            enable_iam_database_authentication=True,
            enable_cloudwatch_logs_exports=list(LOG_EXPORTS),
            auto_minor_version_upgrade=True,
            copy_tags_to_snapshot=True,
            publicly_accessible=False,
            ca_certificate_identifier="rds-ca-rsa2048-g1",
        )
        self.replica.apply_removal_policy(cdk.RemovalPolicy.SNAPSHOT)
        acknowledge(
            self.replica,
            "AwsSolutions-RDS2",
            "Encrypted: a replica inherits encryption from its (encrypted) source and takes "
            "this region's KmsKeyId; CloudFormation forbids StorageEncrypted beside "
            "SourceDBInstanceIdentifier, which is all this rule looks for.",
        )
        for group in self.log_groups:
            self.replica.node.add_dependency(group)
        self.endpoint_address = self.replica.attr_endpoint_address
        self.endpoint_port = self.replica.attr_endpoint_port
