"""Price the synthesized templates: every resource with an hourly or monthly list price,
counted as the templates declare it, times the rates in prices.toml.

Two kinds of cost are kept apart. Provisioned cost follows from the templates alone (instance
hours, NAT gateways, endpoints, keys, secrets, web ACLs…). Usage cost depends on traffic
(requests through WAF and CloudFront, LCUs, data transfer, log volume, GuardDuty events,
Config evaluations): it is priced from a stated reference month, each assumption in
prices.toml beside its rate, so that a reader can redo it for their own traffic.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from hotelreviews_infra.topology import REGIONS

PRICES = Path(__file__).with_name("prices.toml")
HOURS_PER_MONTH = 730  # AWS's own convention in its pricing examples

# Resource types that cost nothing by themselves (their traffic or contents may: that is
# in the usage table). A type the templates use that is in none of PROVISIONED, USAGE_PRICED
# or FREE fails the cost test, so a new kind of resource is priced or consciously left out.
FREE = frozenset(
    {
        "AWS::CDK::Metadata",
        "AWS::CloudFormation::CustomResource",
        "AWS::EC2::EIP",  # the NAT gateways' addresses: see public_ipv4 in prices.toml
        "AWS::EC2::FlowLog",
        "AWS::EC2::InternetGateway",
        "AWS::EC2::Route",
        "AWS::EC2::RouteTable",
        "AWS::EC2::SecurityGroup",
        "AWS::EC2::SecurityGroupEgress",
        "AWS::EC2::SecurityGroupIngress",
        "AWS::EC2::Subnet",
        "AWS::EC2::SubnetRouteTableAssociation",
        "AWS::EC2::VPC",
        "AWS::EC2::VPCGatewayAttachment",
        "AWS::EC2::VPCPeeringConnection",
        "AWS::EC2::LaunchTemplate",
        "AWS::EKS::AccessEntry",
        "AWS::EKS::Addon",
        "AWS::ElastiCache::SubnetGroup",
        "AWS::ElastiCache::ParameterGroup",
        "AWS::ElasticLoadBalancingV2::Listener",
        "AWS::ElasticLoadBalancingV2::ListenerRule",
        "AWS::ElasticLoadBalancingV2::TargetGroup",
        "AWS::CertificateManager::Certificate",  # public ACM certificates are free
        "AWS::CloudFront::CachePolicy",
        "AWS::CloudFront::OriginRequestPolicy",
        "AWS::CloudFront::ResponseHeadersPolicy",
        "AWS::CloudFront::OriginAccessControl",
        "AWS::GlobalAccelerator::Listener",
        "AWS::GlobalAccelerator::EndpointGroup",
        "AWS::IAM::ManagedPolicy",
        "AWS::IAM::OIDCProvider",
        "AWS::IAM::Policy",
        "AWS::IAM::Role",
        "AWS::IAM::InstanceProfile",
        "AWS::IAM::ServiceLinkedRole",
        "AWS::KMS::Alias",
        "AWS::Lambda::Function",  # CDK's own custom-resource handlers: a few calls per deploy
        "AWS::Lambda::Permission",
        "AWS::Logs::ResourcePolicy",
        "AWS::RDS::DBParameterGroup",
        "AWS::RDS::DBSubnetGroup",
        "AWS::Route53::RecordSet",
        "AWS::S3::BucketPolicy",
        "AWS::SecretsManager::SecretTargetAttachment",
        "AWS::SecretsManager::ResourcePolicy",
        "AWS::Shield::Protection",  # within the Shield Advanced subscription, when enabled
        "AWS::SNS::Topic",
        "AWS::SNS::TopicPolicy",
        "AWS::SSM::Parameter",  # standard parameters
        "AWS::WAFv2::WebACLAssociation",
        "AWS::Config::ConfigurationRecorder",
        "AWS::Config::DeliveryChannel",
    }
)
# Priced per resource by provisioned_lines.
PROVISIONED = frozenset(
    {
        "AWS::CloudWatch::Alarm",
        "AWS::EC2::NatGateway",
        "AWS::EC2::VPCEndpoint",  # interface endpoints; gateway ones (S3) are free
        "AWS::EKS::Cluster",
        "AWS::EKS::Nodegroup",
        "AWS::ElastiCache::ReplicationGroup",
        "AWS::ElasticLoadBalancingV2::LoadBalancer",
        "AWS::GlobalAccelerator::Accelerator",
        "AWS::KMS::Key",
        "AWS::RDS::DBInstance",
        "AWS::Route53::HealthCheck",
        "AWS::Route53::HostedZone",
        "AWS::SecretsManager::Secret",
        "AWS::WAFv2::WebACL",
    }
)
# Priced per use in the usage table, not per resource.
USAGE_PRICED = frozenset(
    {
        "AWS::CloudFront::Distribution",
        "AWS::CloudTrail::Trail",
        "AWS::Config::ConfigRule",
        "AWS::GuardDuty::Detector",
        "AWS::Logs::LogGroup",
        "AWS::S3::Bucket",
    }
)


@dataclass(frozen=True)
class Line:
    """One priced item of one stack: `quantity` × `rate` ($ per `unit`) a month."""

    stack: str
    region: str
    item: str
    quantity: float
    unit: str
    rate: float
    source: str
    regional: bool  # False: the region's own rate was not found; us-east-1's is used
    confirmed: bool = True  # False: the rate was not read on a page here (prices.toml says why)
    # The quantity when every node group runs at its maximum size (others: the same).
    ceiling: float | None = None

    @property
    def monthly_at_ceiling(self) -> float:
        return (self.quantity if self.ceiling is None else self.ceiling) * self.rate

    @property
    def monthly(self) -> float:
        return self.quantity * self.rate


class PriceBook:
    """prices.toml: `[name]` tables with `unit`, `source` and `rates` by region (or one
    `rate` for a global price)."""

    def __init__(self, path: Path = PRICES) -> None:
        self.data = tomllib.loads(path.read_text())

    def table(self, name: str) -> Mapping:
        """A table by dotted name ("ec2.m7i.large" is [ec2."m7i.large"])."""
        family, _, kind = name.partition(".")
        table = self.data.get(family)
        if table is not None and kind:
            table = table.get(kind)
        if table is None:
            raise KeyError(f"prices.toml has no [{name}]: add its rate and source")
        return table

    def rate(self, name: str, region: str) -> tuple[float, str, str, bool]:
        """(rate, unit, source, regional)."""
        entry = self.table(name)
        if "rate" in entry:
            return float(entry["rate"]), entry["unit"], entry["source"], True
        rates = entry["rates"]
        if region in rates:
            return float(rates[region]), entry["unit"], entry["source"], True
        return float(rates["us-east-1"]), entry["unit"], entry["source"], False

    def confirmed(self, name: str) -> bool:
        """False when prices.toml marks the rate `confirmed = false`: not read on its source
        page for this estimate (that page could not be fetched), so to be checked there."""
        return bool(self.table(name).get("confirmed", True))


def _line(
    book: PriceBook,
    stack: str,
    region: str,
    item: str,
    price: str,
    quantity: float,
    ceiling: float | None = None,
) -> Line:
    rate, unit, source, regional = book.rate(price, region)
    confirmed = book.confirmed(price)
    return Line(stack, region, item, quantity, unit, rate, source, regional, confirmed, ceiling)


def provisioned_lines(
    stack: str, region: str, template: Mapping, book: PriceBook
) -> Iterable[Line]:
    """The lines of one synthesized template."""
    resources = template.get("Resources", {})
    hours = HOURS_PER_MONTH
    for resource in resources.values():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::EKS::Cluster":
            yield _line(book, stack, region, "EKS control plane", "eks_cluster", hours)
        elif kind == "AWS::EKS::Nodegroup":
            instance = props["InstanceTypes"][0]
            scaling = props["ScalingConfig"]
            nodes, most = scaling["DesiredSize"], scaling.get("MaxSize", scaling["DesiredSize"])
            spot = props.get("CapacityType") == "SPOT"
            item = f"EKS nodes {nodes} (up to {most}) × {instance}" + (
                " (spot, priced on demand: a ceiling)" if spot else ""
            )
            price = f"ec2.{instance}"
            yield _line(book, stack, region, item, price, nodes * hours, most * hours)
        elif kind == "AWS::EC2::NatGateway":
            yield _line(book, stack, region, "NAT gateway", "nat_gateway", hours)
        elif kind == "AWS::EC2::VPCEndpoint" and props.get("VpcEndpointType") == "Interface":
            zones = len(props.get("SubnetIds", [])) or 1
            name = _endpoint_service(props.get("ServiceName"))
            item = f"interface endpoint {name} × {zones} AZ"
            yield _line(book, stack, region, item, "interface_endpoint", zones * hours)
        elif kind == "AWS::RDS::DBInstance":
            yield from _database(book, stack, region, props, resources)
        elif kind == "AWS::ElastiCache::ReplicationGroup":
            node = props["CacheNodeType"]
            count = props.get("NumCacheClusters") or (
                props.get("NumNodeGroups", 1) * (props.get("ReplicasPerNodeGroup", 0) + 1)
            )
            item = f"ElastiCache {count} × {node}"
            yield _line(book, stack, region, item, f"elasticache.{node}", count * hours)
        elif kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            yield _line(book, stack, region, "ALB (hours; LCUs in usage)", "alb", hours)
        elif kind == "AWS::GlobalAccelerator::Accelerator":
            yield _line(book, stack, region, "Global Accelerator", "global_accelerator", hours)
        elif kind == "AWS::WAFv2::WebACL":
            rules = len(props.get("Rules", []))
            yield _line(book, stack, region, "WAF web ACL", "waf_web_acl", 1)
            yield _line(book, stack, region, f"WAF rules × {rules}", "waf_rule", rules)
        elif kind == "AWS::KMS::Key":
            yield _line(book, stack, region, "KMS key", "kms_key", 1)
        elif kind == "AWS::SecretsManager::Secret":
            copies = 1 + len(props.get("ReplicaRegions", []))
            item = "secret" + (f" + {copies - 1} replicas" if copies > 1 else "")
            yield _line(book, stack, region, item, "secret", copies)
        elif kind == "AWS::Route53::HealthCheck":
            yield _line(book, stack, region, "Route 53 health check", "route53_health_check", 1)
        elif kind == "Custom::AWS" and _api_action(props) == "replicateSecretToRegions":
            # A replica region's stack asks Secrets Manager in the primary region to replicate
            # one of its secrets here: a replica is billed as a secret.
            yield _line(book, stack, region, "secret replica", "secret", 1)
        elif kind == "AWS::Route53::HostedZone":
            yield _line(book, stack, region, "Route 53 hosted zone", "route53_hosted_zone", 1)
        elif kind == "AWS::CloudWatch::Alarm":
            yield _line(book, stack, region, "CloudWatch alarm", "cloudwatch_alarm", 1)


def _api_action(props: Mapping) -> str | None:
    """The AWS API action a CDK AwsCustomResource calls on create (its `Create` property is
    JSON, often inside an Fn::Join with tokens: only the literal parts are read)."""
    create = props.get("Create")
    if isinstance(create, dict) and "Fn::Join" in create:
        create = "".join(part for part in create["Fn::Join"][1] if isinstance(part, str))
    if not isinstance(create, str):
        return None
    marker = '"action":"'
    start = create.find(marker)
    if start < 0:
        return None
    start += len(marker)
    return create[start : create.index('"', start)]


def _endpoint_service(name) -> str:
    """'com.amazonaws.<region>.secretsmanager' (or an Fn::Join of it) → 'secretsmanager'."""
    if isinstance(name, str):
        return name.rsplit(".", 1)[-1]
    if isinstance(name, dict) and "Fn::Join" in name:
        parts = name["Fn::Join"][1]
        last = parts[-1] if parts else ""
        return last.rsplit(".", 1)[-1] if isinstance(last, str) else "service"
    return "service"


def _database(
    book: PriceBook, stack: str, region: str, props: Mapping, resources: Mapping
) -> Iterable[Line]:
    klass = props["DBInstanceClass"]
    copies = 2 if props.get("MultiAZ") else 1
    replica = "SourceDBInstanceIdentifier" in props
    role = "read replica" if replica else "primary"
    az = "Multi-AZ" if copies == 2 else "Single-AZ"
    hours = HOURS_PER_MONTH
    yield _line(book, stack, region, f"RDS {role} {klass} {az}", f"rds.{klass}", copies * hours)
    storage = int(props.get("AllocatedStorage", 0) or 0)
    if storage:
        item = f"RDS gp3 storage {storage} GB × {copies}"
        yield _line(book, stack, region, item, "rds_gp3_storage", storage * copies)


def estimate(assembly: Iterable[tuple[str, str, Mapping]], book: PriceBook) -> list[Line]:
    """Lines for (stack name, region, template) triples, ordered by region (in the failover
    order) and stack name, whatever order the stacks come in (`cdk synth` sorts them by
    dependency, the app builds them in another)."""
    order = {region.name: index for index, region in enumerate(REGIONS)}
    lines: list[Line] = []
    for stack, region, template in sorted(
        assembly, key=lambda triple: (order.get(triple[1], len(order)), triple[0])
    ):
        lines.extend(provisioned_lines(stack, region, template, book))
    return lines


def unclassified_types(templates: Iterable[Mapping]) -> set[str]:
    """Resource types priced nowhere and not declared free: a decision is missing."""
    known = FREE | USAGE_PRICED | PROVISIONED
    seen = {
        resource["Type"]
        for template in templates
        for resource in template.get("Resources", {}).values()
    }
    # Custom::… are the CDK's own custom resources (cross-region references, AWS API calls,
    # the default security group's lockdown): a Lambda invocation or two per deployment.
    return {kind for kind in seen - known if not kind.startswith("Custom::")}


@dataclass(frozen=True)
class UsageLine:
    item: str
    assumption: str
    monthly: float
    source: str


def usage_lines(book: PriceBook) -> list[UsageLine]:
    """The reference month's traffic-driven costs, from prices.toml's [usage] assumptions."""
    usage = book.table("usage")
    lines = []
    for spec in usage.values():
        lines.append(
            UsageLine(
                item=spec["item"],
                assumption=spec["assumption"],
                monthly=float(spec["quantity"]) * float(spec["rate"]),
                source=spec["source"],
            )
        )
    return lines
