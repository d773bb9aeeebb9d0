"""cdk-nag 3 acknowledgments: CDK's native Validations API, each with its reason, called
beside the resource it concerns."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import IConstruct


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """`rule` is a finding's exact id (e.g. "AwsSolutions-IAM5[Resource::*]"); it covers the
    construct and its children only."""
    cdk.Validations.of(construct).acknowledge(cdk.Acknowledgment(id=rule, reason=reason))
