"""Per-region detective controls: GuardDuty, AWS Config and its managed rules, CloudTrail.

GuardDuty and Config are regional services (one detector, one configuration recorder per
account and region), so every region gets a SecurityStack; the CloudTrail trail is one
multi-region trail, built in the primary region's stack only.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_cloudtrail as cloudtrail
from aws_cdk import aws_config as config
from aws_cdk import aws_guardduty as guardduty
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from hotelreviews_infra.buckets import log_bucket
from hotelreviews_infra.topology import Deployment, Region

# GuardDuty protection plans, by the detector's `features` (the API that replaced
# DataSources). Runtime monitoring covers the EKS nodes; GuardDuty manages its EKS add-on.
GUARDDUTY_FEATURES: tuple[str, ...] = (
    "S3_DATA_EVENTS",
    "EKS_AUDIT_LOGS",
    "RUNTIME_MONITORING",
    "RDS_LOGIN_EVENTS",
)
RUNTIME_MONITORING_ADDONS: tuple[str, ...] = ("EKS_ADDON_MANAGEMENT",)

# AWS Config managed rules (source identifiers) every region evaluates: what the platform's
# own resources promise (encryption, no public access, TLS) checked continuously.
CONFIG_RULES: tuple[str, ...] = (
    "ENCRYPTED_VOLUMES",
    "RDS_STORAGE_ENCRYPTED",
    "RDS_MULTI_AZ_SUPPORT",
    "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
    "RDS_SNAPSHOTS_PUBLIC_PROHIBITED",
    "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "S3_BUCKET_SSL_REQUESTS_ONLY",
    "S3_BUCKET_SERVER_SIDE_ENCRYPTION_ENABLED",
    "INCOMING_SSH_DISABLED",
    "EKS_ENDPOINT_NO_PUBLIC_ACCESS",
    "EKS_SECRETS_ENCRYPTED",
    "CLOUD_TRAIL_ENABLED",
    "ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST",
    "ELASTICACHE_REPL_GRP_ENCRYPTED_IN_TRANSIT",
    "ELASTICACHE_REPL_GRP_REDIS_AUTH_ENABLED",
    "GUARDDUTY_ENABLED_CENTRALIZED",
    "VPC_FLOW_LOGS_ENABLED",
)
# Account-wide (IAM, the trail's own settings): evaluated once, where the trail lives.
PRIMARY_ONLY_CONFIG_RULES: tuple[str, ...] = (
    "MULTI_REGION_CLOUD_TRAIL_ENABLED",
    "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED",
    "CLOUD_TRAIL_ENCRYPTION_ENABLED",
    "IAM_ROOT_ACCESS_KEY_CHECK",
    "ROOT_ACCOUNT_MFA_ENABLED",
)

TRAIL_LOGS_RETENTION = logs.RetentionDays.ONE_YEAR


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
        self.access_logs = log_bucket(self, "AccessLogs")
        self.detector = self._guardduty()
        self.recorder = self._config_recorder()
        self.rules = self._config_rules()
        self.trail = self._cloudtrail() if region.is_primary else None

    def _guardduty(self) -> guardduty.CfnDetector:
        def feature(name: str) -> guardduty.CfnDetector.CFNFeatureConfigurationProperty:
            addons = RUNTIME_MONITORING_ADDONS if name == "RUNTIME_MONITORING" else ()
            return guardduty.CfnDetector.CFNFeatureConfigurationProperty(
                name=name,
                status="ENABLED",
                additional_configuration=[
                    guardduty.CfnDetector.CFNFeatureAdditionalConfigurationProperty(
                        name=addon, status="ENABLED"
                    )
                    for addon in addons
                ]
                or None,
            )

        return guardduty.CfnDetector(
            self,
            "Detector",
            enable=True,
            finding_publishing_frequency="FIFTEEN_MINUTES",
            features=[feature(name) for name in GUARDDUTY_FEATURES],
        )

    def _config_recorder(self) -> config.CfnConfigurationRecorder:
        bucket = log_bucket(
            self,
            "ConfigDeliveries",
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="config/",
        )
        role = iam.Role(
            self,
            "ConfigRecorderRole",
            assumed_by=iam.ServicePrincipal("config.amazonaws.com"),
            managed_policies=[
                iam.ManagedPolicy.from_aws_managed_policy_name("service-role/AWS_ConfigRole")
            ],
        )
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/"
                "service-role/AWS_ConfigRole]",
                reason="AWS_ConfigRole is the policy AWS documents for a configuration "
                "recorder: read-only Describe/List/Get over every supported type, which AWS "
                "extends as it adds types; a copy of it would fall behind.",
            )
        )
        # The recorder writes through its role (same account): AWS Config's documented
        # permissions, limited to this account's prefix of the delivery bucket.
        delivery_prefix = bucket.arn_for_objects(f"AWSLogs/{self.account}/Config/*")
        role.add_to_policy(
            iam.PolicyStatement(actions=["s3:GetBucketAcl"], resources=[bucket.bucket_arn])
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["s3:PutObject"],
                resources=[delivery_prefix],
                conditions={"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            )
        )
        cdk.Validations.of(role).acknowledge(
            cdk.Acknowledgment(
                id=f"AwsSolutions-IAM5[Resource::<{self.get_logical_id(bucket.node.default_child)}"
                f".Arn>/AWSLogs/{self.account}/Config/*]",
                reason="Config names its objects by date and id under this account's prefix "
                "of the delivery bucket; the wildcard is that prefix and nothing wider.",
            )
        )
        recorder = config.CfnConfigurationRecorder(
            self,
            "Recorder",
            role_arn=role.role_arn,
            recording_group=config.CfnConfigurationRecorder.RecordingGroupProperty(
                all_supported=True,
                # IAM and the other global types are the same in every region: record them
                # once, in the primary region.
                include_global_resource_types=self.region_spec.is_primary,
            ),
        )
        channel = config.CfnDeliveryChannel(
            self,
            "DeliveryChannel",
            s3_bucket_name=bucket.bucket_name,
            config_snapshot_delivery_properties=config.CfnDeliveryChannel.ConfigSnapshotDeliveryPropertiesProperty(
                delivery_frequency="TwentyFour_Hours"
            ),
        )
        # The channel needs the role's S3 permissions in place; the rules need the recorder.
        channel.node.add_dependency(role)
        recorder.node.add_dependency(channel)
        return recorder

    def _config_rules(self) -> list[config.ManagedRule]:
        identifiers = CONFIG_RULES + (
            PRIMARY_ONLY_CONFIG_RULES if self.region_spec.is_primary else ()
        )
        rules = []
        for identifier in identifiers:
            rule = config.ManagedRule(self, f"Rule-{identifier}", identifier=identifier)
            rule.node.add_dependency(self.recorder)
            rules.append(rule)
        return rules

    def _cloudtrail(self) -> cloudtrail.Trail:
        key = kms.Key(
            self,
            "TrailKey",
            alias="alias/hotelreviews-cloudtrail",
            description="Encrypts the account's CloudTrail log files",
            enable_key_rotation=True,
        )
        trail_arn = self.format_arn(
            service="cloudtrail", region="*", resource="trail", resource_name="*"
        )
        # CloudTrail's documented key policy: it may encrypt for this account's trails...
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudTrailEncryptsLogs",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:GenerateDataKey*"],
                resources=["*"],
                conditions={"StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_arn}},
            )
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudTrailDescribesKey",
                principals=[iam.ServicePrincipal("cloudtrail.amazonaws.com")],
                actions=["kms:DescribeKey"],
                resources=["*"],
            )
        )
        # ...and this account's principals (with IAM permission) may read what it wrote.
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="AccountDecryptsLogs",
                principals=[iam.AnyPrincipal()],
                actions=["kms:Decrypt", "kms:ReEncryptFrom"],
                resources=["*"],
                conditions={
                    "StringEquals": {"kms:CallerAccount": self.account},
                    "StringLike": {"kms:EncryptionContext:aws:cloudtrail:arn": trail_arn},
                },
            )
        )
        bucket = log_bucket(
            self,
            "TrailLogs",
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix="cloudtrail/",
        )
        return cloudtrail.Trail(
            self,
            "Trail",
            trail_name="hotelreviews",
            bucket=bucket,
            is_multi_region_trail=True,
            include_global_service_events=True,
            enable_file_validation=True,
            encryption_key=key,
            send_to_cloud_watch_logs=True,
            cloud_watch_logs_retention=TRAIL_LOGS_RETENTION,
            management_events=cloudtrail.ReadWriteType.ALL,
        )
