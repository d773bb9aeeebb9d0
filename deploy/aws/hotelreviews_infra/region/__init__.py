"""One region's platform: network, key, EKS, the database (writer or replica), Redis, the ALB
and its regional WAF web ACL, the workloads' IAM roles and secrets (one module each)."""

from hotelreviews_infra.region.stack import RegionStack

__all__ = ["RegionStack"]
