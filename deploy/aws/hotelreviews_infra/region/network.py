"""The region's VPC: three AZs, public subnets (ALB, NAT gateways), private subnets (EKS nodes
and pods: the VPC CNI gives pods VPC addresses, hence /19s, 8k each) and isolated data subnets (RDS,
ElastiCache: no route to the internet at all); flow logs; VPC endpoints so that pulling
images, reading secrets and writing logs stay on AWS's network."""

from __future__ import annotations

from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_kms as kms
from constructs import Construct

from hotelreviews_infra.region.logs import log_group
from hotelreviews_infra.topology import Region

AZ_COUNT = 3
PUBLIC, PRIVATE, DATA = "public", "app", "data"

# Interface endpoints: everything the nodes, pods and ESO call besides S3 (a gateway endpoint).
INTERFACE_ENDPOINTS: dict[str, ec2.InterfaceVpcEndpointAwsService] = {
    "SecretsManager": ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
    "Kms": ec2.InterfaceVpcEndpointAwsService.KMS,
    "EcrApi": ec2.InterfaceVpcEndpointAwsService.ECR,
    "EcrDocker": ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
    "Logs": ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
    "Ssm": ec2.InterfaceVpcEndpointAwsService.SSM,
    "Sts": ec2.InterfaceVpcEndpointAwsService.STS,
}


def availability_zones(region: Region) -> list[str]:
    return [f"{region.name}{letter}" for letter in "abc"[:AZ_COUNT]]


class Network(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, region: Region, key: kms.IKey):
        super().__init__(scope, construct_id)
        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(region.vpc_cidr),
            # Named, not looked up: synthesis stays offline (no availability-zones context).
            availability_zones=availability_zones(region),
            # One NAT gateway per AZ: an AZ outage does not cut the others' egress.
            nat_gateways=AZ_COUNT,
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name=PUBLIC, subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=22
                ),
                ec2.SubnetConfiguration(
                    name=PRIVATE, subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=19
                ),
                ec2.SubnetConfiguration(
                    name=DATA, subnet_type=ec2.SubnetType.PRIVATE_ISOLATED, cidr_mask=24
                ),
            ],
            restrict_default_security_group=True,
            flow_logs={
                "All": ec2.FlowLogOptions(
                    destination=ec2.FlowLogDestination.to_cloud_watch_logs(
                        log_group(
                            self,
                            "FlowLogs",
                            name=f"/hotelreviews/{region.name}/vpc-flow-logs",
                            key=key,
                        )
                    ),
                    traffic_type=ec2.FlowLogTrafficType.ALL,
                )
            },
        )
        self.private_subnets = ec2.SubnetSelection(subnet_group_name=PRIVATE)
        self.data_subnets = ec2.SubnetSelection(subnet_group_name=DATA)
        self.public_subnets = ec2.SubnetSelection(subnet_group_name=PUBLIC)
        self.vpc.add_gateway_endpoint(
            "S3",
            service=ec2.GatewayVpcEndpointAwsService.S3,
            subnets=[self.private_subnets],
        )
        # One security group for the interface endpoints: HTTPS from this VPC's CIDR (named
        # literally, so that the rule is checkable before deployment).
        self.endpoints_security_group = ec2.SecurityGroup(
            self,
            "EndpointsSecurityGroup",
            vpc=self.vpc,
            description="The interface VPC endpoints: HTTPS from the VPC",
            allow_all_outbound=False,
        )
        self.endpoints_security_group.add_ingress_rule(
            ec2.Peer.ipv4(region.vpc_cidr), ec2.Port.tcp(443), "HTTPS from the VPC"
        )
        for name, service in INTERFACE_ENDPOINTS.items():
            self.vpc.add_interface_endpoint(
                name,
                service=service,
                subnets=self.private_subnets,
                private_dns_enabled=True,
                security_groups=[self.endpoints_security_group],
                open=False,
            )

    def private_route_table_ids(self) -> list[str]:
        return self._route_table_ids(PRIVATE)

    def data_route_table_ids(self) -> list[str]:
        return self._route_table_ids(DATA)

    def _route_table_ids(self, group: str) -> list[str]:
        subnets = self.vpc.select_subnets(subnet_group_name=group).subnets
        return [subnet.route_table.route_table_id for subnet in subnets]
