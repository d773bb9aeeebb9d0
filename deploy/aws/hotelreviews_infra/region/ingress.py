"""The region's public entry: an internet-facing ALB, HTTPS only (no listener on 80), with the
regional WAF web ACL and access logs; it forwards to the Istio ingress gateway pods, which a
TargetGroupBinding (AWS Load Balancer Controller) registers by IP in the target group here.

The ALB re-encrypts to the gateway (HTTPS 8443, the gateway's container port behind its 443)
because the gateway terminates TLS itself (deploy/istio/gateway.yaml) and the mesh is mTLS
STRICT. Target health is the API's own /readyz, end to end through the gateway: Global
Accelerator judges an ALB endpoint by its targets' health, so this check is what moves
traffic to the next region when the API cannot serve (its database or Redis gone). An ALB
health check sends no SNI and the target's IP as Host, so the gateway's HTTPS server accepts
any host and the VirtualService `hotelreviews-health` answers /readyz and /livez for any
host (deploy/istio).
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from hotelreviews_infra.region.nag import acknowledge
from hotelreviews_infra.region.network import Network
from hotelreviews_infra.topology import Region
from hotelreviews_infra.waf import web_acl

HTTPS = 443
GATEWAY_HTTPS_PORT = 8443
READINESS_PATH = "/readyz"
ACCESS_LOG_DAYS = 365
TARGET_GROUP_NAME = "hotelreviews-istio-gateway"


class Ingress(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        region: Region,
        network: Network,
        api_host_name: str,
        node_security_group_id: str,
    ):
        super().__init__(scope, construct_id)
        vpc = network.vpc
        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="The public ALB: HTTPS from anywhere; out only to the gateway pods",
            allow_all_outbound=False,
        )
        self.security_group.add_ingress_rule(ec2.Peer.any_ipv4(), ec2.Port.tcp(HTTPS), "HTTPS")
        acknowledge(
            self.security_group,
            "AwsSolutions-EC23",
            "The public API's entry: HTTPS (443 only) from anywhere is its purpose; the WAF web "
            "ACL below filters what reaches it.",
        )
        # Traffic and health checks both go to the gateway's HTTPS port, and nothing else.
        self.security_group.add_egress_rule(
            ec2.Peer.ipv4(region.vpc_cidr),
            ec2.Port.tcp(GATEWAY_HTTPS_PORT),
            "To the gateway pods",
        )
        ec2.CfnSecurityGroupIngress(
            self,
            f"NodesFromAlb{GATEWAY_HTTPS_PORT}",
            group_id=node_security_group_id,
            source_security_group_id=self.security_group.security_group_id,
            ip_protocol="tcp",
            from_port=GATEWAY_HTTPS_PORT,
            to_port=GATEWAY_HTTPS_PORT,
            description="The ALB to the Istio ingress gateway pods",
        )
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            # ALB access logs support SSE-S3 only (not SSE-KMS).
            encryption=s3.BucketEncryption.S3_MANAGED,
            enforce_ssl=True,
            versioned=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[
                s3.LifecycleRule(
                    expiration=cdk.Duration.days(ACCESS_LOG_DAYS),
                    noncurrent_version_expiration=cdk.Duration.days(30),
                )
            ],
            removal_policy=cdk.RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This bucket is itself a log sink (the ALB's access logs); logging its accesses "
            "would need another bucket with the same finding, without end.",
        )
        self.alb = elbv2.ApplicationLoadBalancer(
            self,
            "Alb",
            vpc=vpc,
            internet_facing=True,
            vpc_subnets=network.public_subnets,
            security_group=self.security_group,
            drop_invalid_header_fields=True,
            deletion_protection=True,
            http2_enabled=True,
        )
        self.alb.log_access_logs(self.access_logs, prefix="alb")
        self.certificate = acm.Certificate(
            self,
            "Certificate",
            domain_name=api_host_name,
            # DNS validation with no hosted zone here: the CNAME ACM asks for is added where
            # the domain's DNS is kept (docs/deployment.md); the stack waits for it.
            validation=acm.CertificateValidation.from_dns(),
        )
        self.target_group = elbv2.ApplicationTargetGroup(
            self,
            "Gateway",
            vpc=vpc,
            # Named (the ARN has a random part): a TargetGroupBinding may name it instead.
            target_group_name=TARGET_GROUP_NAME,
            target_type=elbv2.TargetType.IP,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            port=GATEWAY_HTTPS_PORT,
            deregistration_delay=cdk.Duration.seconds(30),
            health_check=elbv2.HealthCheck(
                protocol=elbv2.Protocol.HTTPS,  # on the traffic port, through the gateway
                path=READINESS_PATH,
                healthy_http_codes="200",
                interval=cdk.Duration.seconds(10),
                healthy_threshold_count=2,
                unhealthy_threshold_count=2,
            ),
        )
        self.listener = self.alb.add_listener(
            "Https",
            port=HTTPS,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[self.certificate],
            # TLS 1.3 and 1.2 with forward-secret AEAD ciphers only.
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            default_target_groups=[self.target_group],
            open=False,  # the security group above already admits 443 from anywhere
        )
        self.web_acl = web_acl(
            self, "WebAcl", waf_scope="REGIONAL", metric_prefix=f"hotelreviews-{region.name}"
        )
        wafv2.CfnWebACLAssociation(
            self,
            "WebAclAssociation",
            resource_arn=self.alb.load_balancer_arn,
            web_acl_arn=self.web_acl.attr_arn,
        )
        # What the Kubernetes side's TargetGroupBinding and the DNS need after deployment.
        cdk.CfnOutput(self, "TargetGroupArn", value=self.target_group.target_group_arn)
        cdk.CfnOutput(self, "AlbDnsName", value=self.alb.load_balancer_dns_name)
