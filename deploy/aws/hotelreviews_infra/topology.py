"""Where the platform runs: the account, the three regions and what each one holds.

One source for every stack: the primary region holds the writer (RDS Multi-AZ), the others a
cross-region read replica each; every region has its own VPC, EKS cluster, Redis and ALB. The
order of `REGIONS` is the failover order (Global Accelerator's, the Istio locality failover's,
`HOTELREVIEWS_RDS_REGIONS`').
"""

from __future__ import annotations

from dataclasses import dataclass

PRIMARY = "us-east-1"


@dataclass(frozen=True)
class Region:
    name: str
    vpc_cidr: str
    # ElastiCache nodes (primary + replicas): three where the writes and most reads are.
    redis_nodes: int

    @property
    def is_primary(self) -> bool:
        return self.name == PRIMARY


REGIONS: tuple[Region, ...] = (
    Region("us-east-1", "10.0.0.0/16", redis_nodes=3),
    Region("eu-west-1", "10.1.0.0/16", redis_nodes=2),
    Region("ap-southeast-1", "10.2.0.0/16", redis_nodes=2),
)

# Names shared with the platform and its Kubernetes manifests (deploy/k8s): change them
# together.
DATABASE_INSTANCE = "hotelreviews"  # HOTELREVIEWS_RDS_INSTANCE_IDENTIFIER, in every region
DATABASE_NAME = "hotelreviews"
# HOTELREVIEWS_WRITER_ENDPOINT_PARAMETER: the writer's host:port, one copy per region
WRITER_ENDPOINT_PARAMETER = "/hotelreviews/writer-endpoint"
FEEDS_BUCKET_PREFIX = "hotelreviews-feeds"  # + "-<account>": the providers' deliveries
NAMESPACE = "hotelreviews"  # the Kubernetes namespace of every workload


def secret_name(region: str, what: str) -> str:
    """Secrets Manager names, as the ExternalSecrets in deploy/k8s/base/secrets.yaml read
    them: hotelreviews/<region or "global">/<what>."""
    return f"hotelreviews/{region}/{what}"


def role_name(region: str, workload: str) -> str:
    """The IAM role of a workload's ServiceAccount (IRSA) in a region; IAM names are global,
    so the region is part of it."""
    return f"hotelreviews-{region}-{workload}"


@dataclass(frozen=True)
class Deployment:
    """What differs between one deployment of the platform and another: read from the CDK
    context (cdk.json, or `cdk synth -c account=…`)."""

    account: str
    domain_name: str
    api_host_name: str

    @classmethod
    def from_context(cls, node) -> Deployment:  # node: constructs.Node
        def required(key: str) -> str:
            value = node.try_get_context(key)
            if not value:
                raise ValueError(f"CDK context {key!r} is not set (cdk.json or -c {key}=…)")
            return str(value)

        return cls(
            account=required("account"),
            domain_name=required("domainName"),
            api_host_name=required("apiHostName"),
        )
