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
# in the usage table). A type the templates use that is in none of PROVISIONED (the types
# PRICERS below price), USAGE_PRICED or FREE fails the cost test, so a new kind of resource
# is priced or consciously left out.
FREE = frozenset(
    {
        "AWS::CDK::Metadata",
        "AWS::CloudFormation::CustomResource",
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
    price: str = ""  # its prices.toml name ("ec2.m7i.xlarge"): what kind of thing it is

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


@dataclass(frozen=True)
class Priced:
    """What a resource costs, before rates: `quantity` of price `price` (a prices.toml
    name), and the quantity at the node groups' maximum size where that differs."""

    item: str
    price: str
    quantity: float
    ceiling: float | None = None


HOURS = HOURS_PER_MONTH


def _node_group(props: Mapping) -> Iterable[Priced]:
    instance = props["InstanceTypes"][0]
    scaling = props["ScalingConfig"]
    nodes, most = scaling["DesiredSize"], scaling.get("MaxSize", scaling["DesiredSize"])
    spot = " (spot, priced on demand: a ceiling)" if props.get("CapacityType") == "SPOT" else ""
    item = f"EKS nodes {nodes} (up to {most}) × {instance}{spot}"
    yield Priced(item, f"ec2.{instance}", nodes * HOURS, most * HOURS)


def _endpoint(props: Mapping) -> Iterable[Priced]:
    if props.get("VpcEndpointType") != "Interface":
        return  # gateway endpoints (S3) are free
    zones = len(props.get("SubnetIds", [])) or 1
    name = _endpoint_service(props.get("ServiceName"))
    yield Priced(f"interface endpoint {name} × {zones} AZ", "interface_endpoint", zones * HOURS)


def _database(props: Mapping) -> Iterable[Priced]:
    klass = props["DBInstanceClass"]
    copies = 2 if props.get("MultiAZ") else 1
    role = "read replica" if "SourceDBInstanceIdentifier" in props else "primary"
    az = "Multi-AZ" if copies == 2 else "Single-AZ"
    yield Priced(f"RDS {role} {klass} {az}", f"rds.{klass}", copies * HOURS)
    storage = int(props.get("AllocatedStorage", 0) or 0)
    if storage:
        item = f"RDS gp3 storage {storage} GB × {copies}"
        yield Priced(item, "rds_gp3_storage", storage * copies)


def _cache(props: Mapping) -> Iterable[Priced]:
    node = props["CacheNodeType"]
    count = props.get("NumCacheClusters") or (
        props.get("NumNodeGroups", 1) * (props.get("ReplicasPerNodeGroup", 0) + 1)
    )
    yield Priced(f"ElastiCache {count} × {node}", f"elasticache.{node}", count * HOURS)


def _web_acl(props: Mapping) -> Iterable[Priced]:
    rules = len(props.get("Rules", []))
    yield Priced("WAF web ACL", "waf_web_acl", 1)
    yield Priced(f"WAF rules × {rules}", "waf_rule", rules)


def _secret(props: Mapping) -> Iterable[Priced]:
    copies = 1 + len(props.get("ReplicaRegions", []))
    item = "secret" + (f" + {copies - 1} replicas" if copies > 1 else "")
    yield Priced(item, "secret", copies)


def _aws_call(props: Mapping) -> Iterable[Priced]:
    # A replica region's stack asks Secrets Manager in the primary region to replicate one of
    # its secrets here: a replica is billed as a secret. Other API calls cost nothing.
    if aws_call_action(props) == "replicateSecretToRegions":
        yield Priced("secret replica", "secret", 1)


def _each(item: str, price: str, quantity: float):
    """A resource priced the same every time: `quantity` of `price`."""
    return lambda props: [Priced(item, price, quantity)]


# How each provisioned resource type is priced, from its template properties.
PRICERS = {
    "AWS::CloudWatch::Alarm": _each("CloudWatch alarm", "cloudwatch_alarm", 1),
    "AWS::EC2::EIP": _each("public IPv4 address", "public_ipv4", HOURS),
    "AWS::EC2::NatGateway": _each("NAT gateway", "nat_gateway", HOURS),
    "AWS::EC2::VPCEndpoint": _endpoint,
    "AWS::EKS::Cluster": _each("EKS control plane", "eks_cluster", HOURS),
    "AWS::EKS::Nodegroup": _node_group,
    "AWS::ElastiCache::ReplicationGroup": _cache,
    "AWS::ElasticLoadBalancingV2::LoadBalancer": _each("ALB (hours; LCUs in usage)", "alb", HOURS),
    "AWS::GlobalAccelerator::Accelerator": _each("Global Accelerator", "global_accelerator", HOURS),
    "AWS::KMS::Key": _each("KMS key", "kms_key", 1),
    "AWS::RDS::DBInstance": _database,
    "AWS::Route53::HealthCheck": _each("Route 53 health check", "route53_health_check", 1),
    "AWS::Route53::HostedZone": _each("Route 53 hosted zone", "route53_hosted_zone", 1),
    "AWS::SecretsManager::Secret": _secret,
    "AWS::WAFv2::WebACL": _web_acl,
    "Custom::AWS": _aws_call,
}
PROVISIONED = frozenset(PRICERS)


def provisioned_lines(
    stack: str, region: str, template: Mapping, book: PriceBook
) -> Iterable[Line]:
    """The lines of one synthesized template."""
    for resource in template.get("Resources", {}).values():
        pricer = PRICERS.get(resource["Type"])
        if pricer is None:
            continue
        for priced in pricer(resource.get("Properties", {})):
            rate, unit, source, regional = book.rate(priced.price, region)
            yield Line(
                stack,
                region,
                priced.item,
                priced.quantity,
                unit,
                rate,
                source,
                regional,
                book.confirmed(priced.price),
                priced.ceiling,
                priced.price,
            )


def aws_call_text(props: Mapping) -> str | None:
    """The JSON of the AWS API call a CDK AwsCustomResource makes on create (its `Create`
    property, often an Fn::Join with tokens: only the literal parts are kept)."""
    create = props.get("Create")
    if isinstance(create, dict) and "Fn::Join" in create:
        create = "".join(part for part in create["Fn::Join"][1] if isinstance(part, str))
    return create if isinstance(create, str) else None


def aws_call_field(props: Mapping, field: str) -> str | None:
    """A literal string field of that call's JSON ("action", "SecretId"…), else None."""
    text = aws_call_text(props)
    marker = f'"{field}":"'
    start = -1 if text is None else text.find(marker)
    if text is None or start < 0:
        return None
    start += len(marker)
    return text[start : text.index('"', start)]


def aws_call_action(props: Mapping) -> str | None:
    return aws_call_field(props, "action")


def _endpoint_service(name) -> str:
    """'com.amazonaws.<region>.secretsmanager' (or an Fn::Join of it) → 'secretsmanager'."""
    if isinstance(name, str):
        return name.rsplit(".", 1)[-1]
    if isinstance(name, dict) and "Fn::Join" in name:
        parts = name["Fn::Join"][1]
        last = parts[-1] if parts else ""
        return last.rsplit(".", 1)[-1] if isinstance(last, str) else "service"
    return "service"


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
