"""One region's platform: network, keys, EKS, the database (primary or replica), Redis, the
ALB and its regional WAF web ACL, the workloads' IAM roles and secrets.

STAND-IN (branch awsglobal): the real RegionStack comes from the "awsregion" work (package
region/); this file only gives the edge stack something to point at — a VPC and an
internet-facing ALB as the public `alb` attribute. The integrator drops this file.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from hotelreviews_infra.topology import Deployment, Region


class RegionStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deployment: Deployment,
        region: Region,
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.deployment, self.region_spec = deployment, region
        vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(region.vpc_cidr),
            max_azs=2,
            nat_gateways=0,
            subnet_configuration=[
                ec2.SubnetConfiguration(name="public", subnet_type=ec2.SubnetType.PUBLIC)
            ],
        )
        self.alb = elbv2.ApplicationLoadBalancer(self, "Alb", vpc=vpc, internet_facing=True)
        stand_in = "stand-in of the awsregion work, replaced at integration"
        for rule in ("AwsSolutions-VPC7", "AwsSolutions-ELB2", "AwsSolutions-EC23"):
            cdk.Validations.of(self).acknowledge(cdk.Acknowledgment(id=rule, reason=stand_in))

    @property
    def availability_zones(self) -> list[str]:
        # Named zones: the default would look the account's zones up (a call to AWS).
        return [f"{self.region_spec.name}a", f"{self.region_spec.name}b"]
