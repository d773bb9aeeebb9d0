"""The feeds bucket (us-east-1): where review providers deliver their JSON Lines files."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from hotelreviews_infra.topology import Deployment


class FeedsStack(cdk.Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, deployment: Deployment, **kwargs
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.deployment = deployment
