"""RegionStack: composes the region's modules in dependency order.

Cross-region values: CDK's native cross-region references (`cross_region_references=True`,
documented in aws-cdk-lib's core README). A value of the primary's stack used here (its VPC
id, its data route tables, the writer's endpoint, its key ARN) is written by the primary's
stack into SSM parameters of this region and read back by CDK's ExportsReader; the same
carries this stack's ALB to the edge stack in us-east-1. It keeps every id out of manual
steps and out of cdk.json. The references point one way only, primary -> replicas (the
deployment order); where a replica must change something of the primary's (routes back over
the peering, secret replicas, backup replication) it makes the API call itself
(remote_calls.py) instead of the primary depending on it.
"""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from hotelreviews_infra.region.cache import Cache
from hotelreviews_infra.region.cluster import Cluster
from hotelreviews_infra.region.database import BACKUP_REPLICA_REGION, Database
from hotelreviews_infra.region.ingress import Ingress
from hotelreviews_infra.region.keys import region_key
from hotelreviews_infra.region.network import Network, availability_zones
from hotelreviews_infra.region.peering import PeeringToPrimary
from hotelreviews_infra.region.replication import ReplicasOfPrimary
from hotelreviews_infra.region.secrets import endpoints_secret, global_secrets, redis_auth_secret
from hotelreviews_infra.region.workload_roles import WorkloadRoles
from hotelreviews_infra.topology import Deployment, Region


class RegionStack(cdk.Stack):
    """`alb` (the edge's endpoint), `vpc`, `key`, `database`, `cache`, `cluster`, `roles`.
    A replica region's stack takes the primary region's (`primary`), built before it."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deployment: Deployment,
        region: Region,
        primary: RegionStack | None = None,
        **kwargs,
    ) -> None:
        kwargs.setdefault("cross_region_references", True)
        self.deployment, self.region_spec = deployment, region
        super().__init__(scope, construct_id, **kwargs)
        # CDK adds DependsOn beside a Ref/GetAtt for its own providers and the EKS cluster's
        # subnets: redundant, harmless, and cfn-lint's W3005 only says so.
        self.template_options.metadata = {"cfn-lint": {"config": {"ignore_checks": ["W3005"]}}}
        if not region.is_primary and primary is None:
            raise ValueError(f"{region.name} is a replica region: pass the primary's stack")

        self.key = region_key(self, "Key")
        self.network = Network(self, "Network", region=region, key=self.key)
        self.vpc = self.network.vpc
        self.redis_auth = redis_auth_secret(self, region=region.name, key=self.key)
        self.global_secrets = global_secrets(self, key=self.key) if region.is_primary else {}
        self.database = Database(
            self,
            "Database",
            region=region,
            network=self.network,
            key=self.key,
            writer_endpoint=None if primary is None else primary.database.writer_endpoint,
        )
        self.cache = Cache(
            self, "Cache", region=region, network=self.network, key=self.key, auth=self.redis_auth
        )
        self.endpoints = endpoints_secret(
            self,
            region=region.name,
            key=self.key,
            reader_host=self.database.endpoint_address,
            reader_port=self.database.endpoint_port,
            redis_host=self.cache.host,
            redis_port=self.cache.port,
        )
        self.cluster = Cluster(self, "Cluster", region=region, network=self.network, key=self.key)
        self.ingress = Ingress(
            self,
            "Ingress",
            region=region,
            network=self.network,
            api_host_name=deployment.api_host_name,
            node_security_group_id=self.cluster.node_security_group_id,
        )
        self.alb = self.ingress.alb
        self.roles = WorkloadRoles(
            self,
            "WorkloadRoles",
            cluster=self.cluster,
            key=self.key,
            target_group_arn=self.ingress.target_group.target_group_arn,
        )
        if primary is not None:
            self.peering = PeeringToPrimary(
                self,
                "PeeringToPrimary",
                region=region,
                network=self.network,
                primary_region=primary.region_spec,
                primary_network=primary.network,
                key=self.key,
            )
            ReplicasOfPrimary(
                self,
                "ReplicasOfPrimary",
                key=self.key,
                primary_key_arn=primary.key.key_arn,
                replicate_backups=region.name == BACKUP_REPLICA_REGION,
            )

    @property
    def availability_zones(self) -> list[str]:
        """The region's first three AZs, named: CDK would otherwise look them up in the
        account (a context lookup, which `cdk synth` offline cannot make)."""
        return availability_zones(self.region_spec)
