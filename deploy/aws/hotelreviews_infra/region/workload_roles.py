"""IRSA roles of the workloads (names per the contract: hotelreviews-<region>-api | -worker |
-migrate) and of the AWS Load Balancer Controller. Every statement names its resources; the
only "*" resources are the read-only Describe calls that AWS does not scope."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from hotelreviews_infra.region.cluster import Cluster
from hotelreviews_infra.region.nag import acknowledge
from hotelreviews_infra.region.secrets import GLOBAL_SECRETS
from hotelreviews_infra.topology import (
    FEEDS_BUCKET_PREFIX,
    NAMESPACE,
    PRIMARY,
    WRITER_ENDPOINT_PARAMETER,
    role_name,
    secret_name,
)

FEEDS_PREFIX = "incoming/"
LB_CONTROLLER = ("kube-system", "aws-load-balancer-controller")


def secret_arn(stack: cdk.Stack, name: str, region: str | None = None) -> str:
    """A secret's ARN in this (or the given) region: Secrets Manager appends "-" and six
    random characters, matched by six "?" (not "*": no secret with a longer name matches)."""
    where = region or stack.region
    return f"arn:{stack.partition}:secretsmanager:{where}:{stack.account}:secret:{name}-??????"


def feeds_bucket_arn(account: str) -> str:
    return f"arn:aws:s3:::{FEEDS_BUCKET_PREFIX}-{account}"


class WorkloadRoles(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        cluster: Cluster,
        key: kms.IKey,
        target_group_arn: str,
    ):
        super().__init__(scope, construct_id)
        stack = cdk.Stack.of(self)
        region = stack.region
        database = secret_arn(stack, secret_name(PRIMARY, "database"))  # a replica elsewhere
        app_secrets = [
            database,
            secret_arn(stack, secret_name(region, "endpoints")),
            secret_arn(stack, secret_name(region, "redis-auth")),
            *(secret_arn(stack, secret_name("global", what)) for what in GLOBAL_SECRETS),
        ]
        parameter = (
            f"arn:{stack.partition}:ssm:{region}:{stack.account}:parameter"
            f"{WRITER_ENDPOINT_PARAMETER}"
        )

        def role(workload: str, statements: list[iam.PolicyStatement]) -> iam.Role:
            name = role_name(region, workload)
            created = iam.Role(
                self,
                workload.capitalize(),
                role_name=name,
                description=f"IRSA: {NAMESPACE}/{name.removeprefix(f'hotelreviews-{region}-')}",
                assumed_by=cluster.service_account_principal(NAMESPACE, f"hotelreviews-{workload}"),
                max_session_duration=cdk.Duration.hours(1),
            )
            created.attach_inline_policy(
                iam.Policy(self, f"{workload.capitalize()}Policy", statements=statements)
            )
            return created

        def read_secrets(arns: list[str]) -> list[iam.PolicyStatement]:
            return [
                iam.PolicyStatement(
                    actions=["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
                    resources=arns,
                ),
                # The secrets are encrypted with the region's key: decrypt only through
                # Secrets Manager (and SSM), never directly.
                iam.PolicyStatement(
                    actions=["kms:Decrypt"],
                    resources=[key.key_arn],
                    conditions={
                        "StringEquals": {
                            "kms:ViaService": [
                                f"secretsmanager.{region}.amazonaws.com",
                                f"ssm.{region}.amazonaws.com",
                            ]
                        }
                    },
                ),
            ]

        read_parameter = iam.PolicyStatement(actions=["ssm:GetParameter"], resources=[parameter])
        bucket = feeds_bucket_arn(stack.account)
        read_feeds = [
            iam.PolicyStatement(
                actions=["s3:ListBucket"],
                resources=[bucket],
                conditions={"StringLike": {"s3:prefix": [f"{FEEDS_PREFIX}*"]}},
            ),
            iam.PolicyStatement(actions=["s3:GetObject"], resources=[f"{bucket}/{FEEDS_PREFIX}*"]),
        ]
        self.api = role("api", [*read_secrets(app_secrets), read_parameter])
        self.worker = role("worker", [*read_secrets(app_secrets), read_parameter, *read_feeds])
        acknowledge(
            self.node.find_child("WorkerPolicy"),
            f"AwsSolutions-IAM5[Resource::{bucket}/{FEEDS_PREFIX}*]",
            "Providers name their delivery files; the worker reads (GetObject only) whatever "
            "lands under incoming/ of the one feeds bucket, and nothing else of it.",
        )
        self.migrate = role("migrate", read_secrets([database]))
        self.load_balancer_controller = self._load_balancer_controller(cluster, target_group_arn)

    def _load_balancer_controller(self, cluster: Cluster, target_group_arn: str) -> iam.Role:
        """Only what a TargetGroupBinding needs (the controller runs with Ingress/Service
        reconciliation of ALBs unused: --enable-waf=false --enable-wafv2=false
        --enable-shield=false, no `networking` in the binding): register and deregister pod
        IPs in the one target group CDK made, and the Describe calls to find them."""
        stack = cdk.Stack.of(self)
        name = f"hotelreviews-{stack.region}-aws-load-balancer-controller"
        role = iam.Role(
            self,
            "LoadBalancerController",
            role_name=name,
            description="IRSA: kube-system/aws-load-balancer-controller (TargetGroupBinding)",
            assumed_by=cluster.service_account_principal(*LB_CONTROLLER),
            max_session_duration=cdk.Duration.hours(1),
        )
        role.attach_inline_policy(
            iam.Policy(
                self,
                "LoadBalancerControllerPolicy",
                statements=[
                    iam.PolicyStatement(
                        actions=[
                            "elasticloadbalancing:RegisterTargets",
                            "elasticloadbalancing:DeregisterTargets",
                        ],
                        resources=[target_group_arn],
                    ),
                    iam.PolicyStatement(
                        # Describe* calls take no resource ARN: AWS requires "*" for them.
                        actions=[
                            "elasticloadbalancing:DescribeTargetGroups",
                            "elasticloadbalancing:DescribeTargetHealth",
                            "elasticloadbalancing:DescribeLoadBalancers",
                            "elasticloadbalancing:DescribeListeners",
                            "elasticloadbalancing:DescribeTags",
                            "elasticloadbalancing:DescribeTargetGroupAttributes",
                            "ec2:DescribeAvailabilityZones",
                            "ec2:DescribeInstances",
                            "ec2:DescribeNetworkInterfaces",
                            "ec2:DescribeSecurityGroups",
                            "ec2:DescribeSubnets",
                            "ec2:DescribeVpcs",
                        ],
                        resources=["*"],
                    ),
                ],
            )
        )
        acknowledge(
            self.node.find_child("LoadBalancerControllerPolicy"),
            "AwsSolutions-IAM5[Resource::*]",
            "Only Describe* calls, which IAM cannot scope to a resource; the two writes "
            "(Register/DeregisterTargets) name the one target group.",
        )
        cdk.CfnOutput(self, "LoadBalancerControllerRoleArn", value=role.role_arn)
        return role
