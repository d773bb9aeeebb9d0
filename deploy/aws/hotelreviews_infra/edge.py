"""The global entry: Global Accelerator over the regions' ALBs, CloudFront for cacheable GETs,
the WAF web ACL in front of CloudFront, Route 53 health checks.

The path of a request: api.<domain> (Route 53 alias) → CloudFront (TLS, WAF, cache) →
Global Accelerator (anycast, TCP 443) → the nearest healthy region's ALB → Istio → the API.
CloudFront sits in front of the accelerator rather than of the ALBs because the accelerator
already does what an origin group of three ALBs would do worse: it health-checks /readyz in
every region and moves traffic within seconds, keeping the client's IP (X-Forwarded-For).

The ALBs are in three regions, this stack in us-east-1: their ARNs and DNS names reach it
through CDK's cross-region references (`cross_region_references=True`, set below). CDK writes
each exported value to an SSM parameter in the ALB's region (a custom resource in the region
stack) and reads it here (a custom resource in this stack), so the region stacks must be
deployed first, and an exported value cannot change while this stack still uses it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_globalaccelerator as globalaccelerator
from aws_cdk import aws_globalaccelerator_endpoints as ga_endpoints
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_shield as shield
from aws_cdk import aws_sns as sns
from constructs import Construct

from hotelreviews_infra import cdn
from hotelreviews_infra.topology import REGIONS, Deployment
from hotelreviews_infra.waf import web_acl

if TYPE_CHECKING:
    from hotelreviews_infra.region import RegionStack

# The API's readiness probe: 200 only when the process can serve (database, cache).
READINESS_PATH = "/readyz"
HTTPS_PORT = 443
# Global Accelerator: a region is out after 3 failed checks 10 s apart.
GA_HEALTH_CHECK_INTERVAL = cdk.Duration.seconds(10)
GA_HEALTH_CHECK_THRESHOLD = 3
# Route 53 health checks (for alarms and the operators' view of each region).
R53_REQUEST_INTERVAL_SECONDS = 30
R53_FAILURE_THRESHOLD = 3

# CDK context flags (cdk.json or `-c name=value`).
SHIELD_ADVANCED_FLAG = "shieldAdvanced"  # true: AWS Shield Advanced protections (a subscription)
HOSTED_ZONE_ID_FLAG = "hostedZoneId"  # the domain's existing public zone; else one is made


def context_flag(scope: Construct, name: str) -> bool:
    value = scope.node.try_get_context(name)
    return value is True or str(value).lower() == "true"


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
        kwargs.setdefault("cross_region_references", True)
        super().__init__(scope, construct_id, **kwargs)
        self.deployment, self.regions = deployment, regions
        cdk.Validations.of(self).acknowledge(
            cdk.Acknowledgment(
                id="Annotation::@aws-cdk/core:crossStackReferencesDefaultStrong",
                reason="Strong references are the ones wanted here: a region stack may not "
                "drop or replace an ALB the accelerator and health checks still point at.",
            )
        )

        self.accelerator, self.endpoint_groups = self._accelerator()
        self.zone = self._hosted_zone()
        certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=deployment.api_host_name,
            validation=acm.CertificateValidation.from_dns(self.zone),
        )
        self.web_acl = web_acl(self, "WebAcl", waf_scope="CLOUDFRONT", metric_prefix="edge")
        self.distribution = cdn.distribution(
            self,
            origin_domain=self.accelerator.dns_name,
            host_name=deployment.api_host_name,
            certificate=certificate,
            web_acl_arn=self.web_acl.attr_arn,
        )
        record_name = deployment.api_host_name
        target = route53.RecordTarget.from_alias(
            route53_targets.CloudFrontTarget(self.distribution)
        )
        route53.ARecord(self, "ApiA", zone=self.zone, record_name=record_name, target=target)
        route53.AaaaRecord(self, "ApiAaaa", zone=self.zone, record_name=record_name, target=target)
        self.alarm_topic = self._alarm_topic()
        self.health_checks = self._regional_health_checks()
        if context_flag(self, SHIELD_ADVANCED_FLAG):
            self._shield_advanced()

    def _accelerator(
        self,
    ) -> tuple[globalaccelerator.Accelerator, list[globalaccelerator.EndpointGroup]]:
        accelerator = globalaccelerator.Accelerator(
            self, "Accelerator", accelerator_name="hotelreviews"
        )
        listener = accelerator.add_listener(
            "Https",
            port_ranges=[globalaccelerator.PortRange(from_port=HTTPS_PORT)],
            protocol=globalaccelerator.ConnectionProtocol.TCP,
            # No stickiness: the API is stateless, any healthy region may answer any request.
            client_affinity=globalaccelerator.ClientAffinity.NONE,
        )
        groups = [
            listener.add_endpoint_group(
                f"Region-{region.name}",
                region=region.name,
                endpoints=[
                    ga_endpoints.ApplicationLoadBalancerEndpoint(
                        self.regions[region.name].alb, preserve_client_ip=True
                    )
                ],
                health_check_protocol=globalaccelerator.HealthCheckProtocol.HTTPS,
                health_check_port=HTTPS_PORT,
                health_check_path=READINESS_PATH,
                health_check_interval=GA_HEALTH_CHECK_INTERVAL,
                health_check_threshold=GA_HEALTH_CHECK_THRESHOLD,
                # Every region serves its share; an unhealthy one gets none, automatically.
                traffic_dial_percentage=100,
            )
            for region in REGIONS
        ]
        return accelerator, groups

    def _hosted_zone(self) -> route53.IHostedZone:
        zone_id = self.node.try_get_context(HOSTED_ZONE_ID_FLAG)
        if zone_id:
            return route53.HostedZone.from_hosted_zone_attributes(
                self, "Zone", hosted_zone_id=str(zone_id), zone_name=self.deployment.domain_name
            )
        # A new zone: its name servers are delegated at the registrar once (stack output).
        zone = route53.PublicHostedZone(self, "Zone", zone_name=self.deployment.domain_name)
        cdk.CfnOutput(
            self, "NameServers", value=cdk.Fn.join(",", zone.hosted_zone_name_servers or [])
        )
        return zone

    def _alarm_topic(self) -> sns.Topic:
        key = kms.Key(
            self,
            "AlarmTopicKey",
            alias="alias/hotelreviews-edge-alarms",
            description="Encrypts the hotelreviews edge alarm notifications",
            enable_key_rotation=True,
        )
        # CloudWatch publishes the alarms into the encrypted topic.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchPublishesAlarms",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringEquals": {"aws:SourceAccount": self.account}},
            )
        )
        return sns.Topic(
            self,
            "Alarms",
            display_name="hotelreviews edge alarms",
            master_key=key,
            enforce_ssl=True,
        )

    def _regional_health_checks(self) -> dict[str, route53.CfnHealthCheck]:
        """One HTTPS /readyz check per region's ALB, each with an alarm when it fails. Route 53
        publishes their metrics in us-east-1 only, which is where this stack is."""
        checks = {}
        for region in REGIONS:
            check = route53.CfnHealthCheck(
                self,
                f"Readiness-{region.name}",
                health_check_config=route53.CfnHealthCheck.HealthCheckConfigProperty(
                    type="HTTPS",
                    fully_qualified_domain_name=self.regions[
                        region.name
                    ].alb.load_balancer_dns_name,
                    port=HTTPS_PORT,
                    resource_path=READINESS_PATH,
                    enable_sni=True,
                    request_interval=R53_REQUEST_INTERVAL_SECONDS,
                    failure_threshold=R53_FAILURE_THRESHOLD,
                ),
                health_check_tags=[
                    route53.CfnHealthCheck.HealthCheckTagProperty(
                        key="Name", value=f"hotelreviews-{region.name}-readyz"
                    )
                ],
            )
            alarm = cloudwatch.Alarm(
                self,
                f"Unready-{region.name}",
                alarm_description=f"hotelreviews in {region.name} fails {READINESS_PATH} "
                "from Route 53's checkers (Global Accelerator routes around it)",
                metric=cloudwatch.Metric(
                    namespace="AWS/Route53",
                    metric_name="HealthCheckStatus",
                    dimensions_map={"HealthCheckId": check.attr_health_check_id},
                    statistic="Minimum",
                    period=cdk.Duration.minutes(1),
                ),
                comparison_operator=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
                threshold=1,
                evaluation_periods=2,
                treat_missing_data=cloudwatch.TreatMissingData.BREACHING,
            )
            action = cloudwatch_actions.SnsAction(self.alarm_topic)
            alarm.add_alarm_action(action)
            alarm.add_ok_action(action)
            checks[region.name] = check
        return checks

    def _shield_advanced(self) -> None:
        """Shield Advanced protections (the account must subscribe first, a yearly
        commitment), only when the context flag asks for them."""
        shield.CfnProtection(
            self,
            "ShieldAccelerator",
            name="hotelreviews-accelerator",
            resource_arn=self.accelerator.accelerator_arn,
        )
        shield.CfnProtection(
            self,
            "ShieldDistribution",
            name="hotelreviews-distribution",
            resource_arn=self.distribution.distribution_arn,
        )
