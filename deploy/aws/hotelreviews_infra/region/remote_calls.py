"""One AWS API call made by CloudFormation on create and undone on delete, possibly in another
region (custom_resources.AwsCustomResource, its documented `region`): how a replica region's
stack changes what belongs to the primary region (routes back over the peering, secret
replicas) without the primary's stack depending on it."""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from aws_cdk import custom_resources as cr
from constructs import Construct

from hotelreviews_infra.region.logs import log_group
from hotelreviews_infra.region.nag import acknowledge


def remote_call(
    scope: Construct,
    construct_id: str,
    *,
    service: str,
    region: str,
    create: tuple[str, dict],
    delete: tuple[str, dict],
    physical_id: str,
    statements: list[iam.PolicyStatement],
    key: kms.IKey,
) -> cr.AwsCustomResource:
    def call(action_and_parameters: tuple[str, dict]) -> cr.AwsSdkCall:
        action, parameters = action_and_parameters
        return cr.AwsSdkCall(
            service=service,
            action=action,
            region=region,
            parameters=parameters,
            physical_resource_id=cr.PhysicalResourceId.of(physical_id),
        )

    resource = cr.AwsCustomResource(
        scope,
        construct_id,
        on_create=call(create),
        on_delete=call(delete),
        policy=cr.AwsCustomResourcePolicy.from_statements(statements),
        # The Lambda runtime's SDK: no download from npm at deployment.
        install_latest_aws_sdk=False,
        log_group=_handler_log_group(scope, key),
    )
    # The one Lambda behind every AwsCustomResource of the stack (CDK's singleton id).
    acknowledge(
        cdk.Stack.of(scope).node.find_child(SINGLETON_ID),
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
        "AWSLambdaBasicExecutionRole]",
        "CDK's AwsCustomResource handler: the basic execution policy only lets it write its "
        "own CloudWatch logs; its API permissions are the per-call statements.",
    )
    return resource


SINGLETON_ID = "AWS679f53fac002430cb0da5b7982bd2287"
LOG_GROUP_ID = "RemoteCallsLogs"


def _handler_log_group(scope: Construct, key: kms.IKey) -> logs.ILogGroup:
    """One log group (retention, the region's key) for the stack's one handler."""
    stack = cdk.Stack.of(scope)
    existing = stack.node.try_find_child(LOG_GROUP_ID)
    if existing is not None:
        return existing
    return log_group(
        stack, LOG_GROUP_ID, name=f"/hotelreviews/{stack.region}/remote-calls", key=key
    )
