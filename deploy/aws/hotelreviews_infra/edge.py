"""The global entry: Global Accelerator over the regions' ALBs, CloudFront for cacheable GETs,
the WAF web ACL in front of CloudFront, Route 53 health checks."""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from constructs import Construct

from hotelreviews_infra.topology import Deployment

if TYPE_CHECKING:
    from hotelreviews_infra.region import RegionStack


class EdgeStack(cdk.Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        deployment: Deployment,
        regions: dict[str, RegionStack],
        **kwargs,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.deployment, self.regions = deployment, regions
