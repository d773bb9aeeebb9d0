"""ElastiCache Redis 7 (cluster mode disabled): one primary and its replicas across the AZs,
automatic failover, TLS in transit, the region's key at rest, AUTH from the redis-auth
secret."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticache as elasticache
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from hotelreviews_infra.region.logs import log_group
from hotelreviews_infra.region.nag import acknowledge
from hotelreviews_infra.region.network import Network
from hotelreviews_infra.topology import Region

PORT = 6379
ENGINE_VERSION = "7.1"
# Graviton, 2 vCPU / 13 GiB: the response cache and rate-limit counters; scale by node
# type or by replicas (reads) when the hit rate or CPU says so.
NODE_TYPE = "cache.r7g.large"
SNAPSHOT_RETENTION_DAYS = 7


class Cache(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: Region,
        network: Network,
        key: kms.IKey,
        auth: secretsmanager.ISecret,
    ):
        super().__init__(scope, construct_id)
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=network.vpc,
            description="Redis from this VPC only",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(
            ec2.Peer.ipv4(region.vpc_cidr), ec2.Port.tcp(PORT), "Redis from the VPC"
        )
        subnets = elasticache.CfnSubnetGroup(
            self,
            "Subnets",
            description="hotelreviews Redis: the isolated data subnets",
            subnet_ids=network.vpc.select_subnets(
                subnet_group_name=network.data_subnets.subnet_group_name
            ).subnet_ids,
        )
        slow_log = log_group(
            self, "SlowLog", name=f"/hotelreviews/{region.name}/redis/slow-log", key=key
        )
        self.replication_group = elasticache.CfnReplicationGroup(
            self,
            "ReplicationGroup",
            replication_group_id="hotelreviews",
            replication_group_description=f"hotelreviews {region.name} cache",
            engine="redis",
            engine_version=ENGINE_VERSION,
            cache_node_type=NODE_TYPE,
            num_cache_clusters=region.redis_nodes,
            automatic_failover_enabled=True,
            multi_az_enabled=True,
            port=PORT,
            cache_subnet_group_name=subnets.ref,
            security_group_ids=[self.security_group.security_group_id],
            transit_encryption_enabled=True,
            transit_encryption_mode="required",
            at_rest_encryption_enabled=True,
            kms_key_id=key.key_arn,
            # A CloudFormation dynamic reference: the token never appears in the template.
            auth_token=auth.secret_value_from_json("token").unsafe_unwrap(),
            snapshot_retention_limit=SNAPSHOT_RETENTION_DAYS,
            auto_minor_version_upgrade=True,
            log_delivery_configurations=[
                elasticache.CfnReplicationGroup.LogDeliveryConfigurationRequestProperty(
                    destination_type="cloudwatch-logs",
                    destination_details=elasticache.CfnReplicationGroup.DestinationDetailsProperty(
                        cloud_watch_logs_details=elasticache.CfnReplicationGroup.CloudWatchLogsDestinationDetailsProperty(
                            log_group=slow_log.log_group_name
                        )
                    ),
                    log_format="json",
                    log_type="slow-log",
                )
            ],
        )
        acknowledge(
            self.replication_group,
            "AwsSolutions-AEC5",
            "6379 is the contract's port (NetworkPolicies, the redis-url template); a moved "
            "port hides nothing, AUTH + TLS are required and only the VPC's CIDR is admitted.",
        )
        self.host = self.replication_group.attr_primary_end_point_address
        self.port = self.replication_group.attr_primary_end_point_port
