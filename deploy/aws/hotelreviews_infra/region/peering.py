"""Inter-region VPC peering from a replica region to the primary: the replica region's apps
write to the primary's RDS writer over it. Made by the replica region's stack (requester;
CloudFormation accepts it, same account) with routes on both sides: this VPC's private
(app) subnets to the primary's CIDR, and the primary's data subnets back to this CIDR."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from hotelreviews_infra.region.network import Network
from hotelreviews_infra.region.remote_calls import remote_call
from hotelreviews_infra.topology import PRIMARY, Region


class PeeringToPrimary(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: Region,
        network: Network,
        primary_region: Region,
        primary_network: Network,
        key: kms.IKey,
    ):
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        # primary_network's attributes are the primary stack's: CDK's cross-region references
        # carry them here (see RegionStack).
        self.connection = ec2.CfnVPCPeeringConnection(
            self,
            "Connection",
            vpc_id=network.vpc.vpc_id,
            peer_vpc_id=primary_network.vpc.vpc_id,
            peer_region=PRIMARY,
            peer_owner_id=stack.account,
            tags=[cdk.CfnTag(key="Name", value=f"hotelreviews {region.name} - {PRIMARY}")],
        )
        for index, route_table in enumerate(network.private_route_table_ids()):
            ec2.CfnRoute(
                self,
                f"ToPrimary{index}",
                route_table_id=route_table,
                destination_cidr_block=primary_region.vpc_cidr,
                vpc_peering_connection_id=self.connection.ref,
            )
        peering_arns = [
            f"arn:{stack.partition}:ec2:{name}:{stack.account}:vpc-peering-connection/"
            f"{self.connection.ref}"
            for name in (stack.region, PRIMARY)
        ]
        for index, route_table in enumerate(primary_network.data_route_table_ids()):
            route = {
                "RouteTableId": route_table,
                "DestinationCidrBlock": region.vpc_cidr,
            }
            remote_call(
                self,
                f"FromPrimary{index}",
                service="EC2",
                region=PRIMARY,
                create=("createRoute", {**route, "VpcPeeringConnectionId": self.connection.ref}),
                delete=("deleteRoute", route),
                physical_id=f"{route_table}:{region.vpc_cidr}",
                key=key,
                statements=[
                    iam.PolicyStatement(
                        actions=["ec2:CreateRoute", "ec2:DeleteRoute"],
                        resources=[
                            f"arn:{stack.partition}:ec2:{PRIMARY}:{stack.account}:route-table/"
                            f"{route_table}",
                            *peering_arns,
                        ],
                    )
                ],
            )
