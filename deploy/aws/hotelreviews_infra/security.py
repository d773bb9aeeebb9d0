"""Per-region detective controls: GuardDuty, AWS Config and its managed rules, CloudTrail."""

from __future__ import annotations

import aws_cdk as cdk
from constructs import Construct

from hotelreviews_infra.topology import Deployment, Region


class SecurityStack(cdk.Stack):
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
