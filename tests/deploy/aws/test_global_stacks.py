"""The global and security stacks of deploy/aws, as synthesized: the feeds bucket, GuardDuty,
AWS Config, CloudTrail, and the edge (WAF, CloudFront, Global Accelerator, Route 53)."""

from __future__ import annotations

import pytest

REGION_NAMES = ("us-east-1", "eu-west-1", "ap-southeast-1")
ACCOUNT = "111122223333"
# The managed CloudFront cache policy "CachingDisabled" (a fixed id in every account).
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# The managed origin request policy "AllViewer".
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"


def only(resources: dict) -> tuple[str, dict]:
    assert len(resources) == 1, sorted(resources)
    return next(iter(resources.items()))


def props(resource: dict) -> dict:
    return resource.get("Properties", {})


# --- feeds ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def feeds(template):
    return template("HotelReviews-Feeds")


def feeds_bucket(feeds) -> tuple[str, dict]:
    return only(
        feeds.find_resources(
            "AWS::S3::Bucket", {"Properties": {"BucketName": f"hotelreviews-feeds-{ACCOUNT}"}}
        )
    )


def test_feeds_bucket_is_versioned_private_and_encrypted_with_its_stacks_rotating_key(feeds):
    _, bucket = feeds_bucket(feeds)
    key_id, key = only(feeds.find_resources("AWS::KMS::Key"))
    assert props(key)["EnableKeyRotation"] is True
    assert props(bucket)["VersioningConfiguration"] == {"Status": "Enabled"}
    (rule,) = props(bucket)["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": {"Fn::GetAtt": [key_id, "Arn"]},
    }
    assert props(bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True,
        "BlockPublicPolicy": True,
        "IgnorePublicAcls": True,
        "RestrictPublicBuckets": True,
    }
    assert props(bucket)["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }


def deny_insecure_transport(template, bucket_id: str) -> bool:
    for policy in template.find_resources("AWS::S3::BucketPolicy").values():
        if props(policy)["Bucket"] != {"Ref": bucket_id}:
            continue
        for statement in props(policy)["PolicyDocument"]["Statement"]:
            if statement["Effect"] == "Deny" and statement.get("Condition") == {
                "Bool": {"aws:SecureTransport": "false"}
            }:
                return True
    return False


def test_every_feeds_stack_bucket_refuses_plain_http(feeds):
    bucket_ids = list(feeds.find_resources("AWS::S3::Bucket"))
    assert len(bucket_ids) == 2  # the feeds and their access logs
    for bucket_id in bucket_ids:
        assert deny_insecure_transport(feeds, bucket_id), bucket_id


def test_feeds_bucket_logs_its_access_to_a_separate_locked_down_bucket(feeds):
    feeds_id, bucket = feeds_bucket(feeds)
    logging = props(bucket)["LoggingConfiguration"]
    logs_id = logging["DestinationBucketName"]["Ref"]
    assert logs_id != feeds_id
    logs = props(feeds.to_json()["Resources"][logs_id])
    (rule,) = logs["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert logs["VersioningConfiguration"] == {"Status": "Enabled"}
    assert all(logs["PublicAccessBlockConfiguration"].values())
    assert any("ExpirationInDays" in rule for rule in logs["LifecycleConfiguration"]["Rules"])


def test_feeds_lifecycle_moves_incoming_to_ia_and_expires_old_versions_and_uploads(feeds):
    _, bucket = feeds_bucket(feeds)
    rules = props(bucket)["LifecycleConfiguration"]["Rules"]
    incoming = [rule for rule in rules if rule.get("Prefix") == "incoming/"]
    assert incoming and incoming[0]["Transitions"] == [
        {"StorageClass": "STANDARD_IA", "TransitionInDays": 30}
    ]
    assert any(rule.get("NoncurrentVersionExpiration") == {"NoncurrentDays": 90} for rule in rules)
    assert any(
        rule.get("AbortIncompleteMultipartUpload") == {"DaysAfterInitiation": 7} for rule in rules
    )


def test_feeds_key_lets_only_the_workers_decrypt_and_only_through_s3(feeds):
    _, key = only(feeds.find_resources("AWS::KMS::Key"))
    (statement,) = [
        s for s in props(key)["KeyPolicy"]["Statement"] if s.get("Sid") == "WorkersDecryptThroughS3"
    ]
    assert statement["Action"] == "kms:Decrypt"
    assert statement["Condition"]["StringEquals"]["kms:ViaService"] == "s3.us-east-1.amazonaws.com"
    assert statement["Condition"]["ArnEquals"]["aws:PrincipalArn"] == [
        f"arn:aws:iam::{ACCOUNT}:role/hotelreviews-{region}-worker" for region in REGION_NAMES
    ]


# --- security (every region) ----------------------------------------------------------


@pytest.mark.parametrize("region", REGION_NAMES)
def test_guardduty_watches_eks_rds_and_s3_by_its_features(template, region):
    _, detector = only(
        template(f"HotelReviews-Security-{region}").find_resources("AWS::GuardDuty::Detector")
    )
    assert props(detector)["Enable"] is True
    assert "DataSources" not in props(detector)  # the deprecated API is not mixed in
    features = {feature["Name"]: feature for feature in props(detector)["Features"]}
    for name in ("EKS_AUDIT_LOGS", "RUNTIME_MONITORING", "RDS_LOGIN_EVENTS", "S3_DATA_EVENTS"):
        assert features[name]["Status"] == "ENABLED", name
    assert {"Name": "EKS_ADDON_MANAGEMENT", "Status": "ENABLED"} in features["RUNTIME_MONITORING"][
        "AdditionalConfiguration"
    ]


@pytest.mark.parametrize("region", REGION_NAMES)
def test_config_records_everything_and_global_types_only_in_the_primary(template, region):
    security = template(f"HotelReviews-Security-{region}")
    _, recorder = only(security.find_resources("AWS::Config::ConfigurationRecorder"))
    assert props(recorder)["RecordingGroup"] == {
        "AllSupported": True,
        "IncludeGlobalResourceTypes": region == "us-east-1",
    }
    _, channel = only(security.find_resources("AWS::Config::DeliveryChannel"))
    bucket_id = props(channel)["S3BucketName"]["Ref"]
    bucket = props(security.to_json()["Resources"][bucket_id])
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert deny_insecure_transport(security, bucket_id)


REQUIRED_CONFIG_RULES = {
    "ENCRYPTED_VOLUMES",
    "RDS_STORAGE_ENCRYPTED",
    "RDS_MULTI_AZ_SUPPORT",
    "RDS_INSTANCE_PUBLIC_ACCESS_CHECK",
    "S3_BUCKET_PUBLIC_READ_PROHIBITED",
    "S3_BUCKET_PUBLIC_WRITE_PROHIBITED",
    "S3_BUCKET_SSL_REQUESTS_ONLY",
    "INCOMING_SSH_DISABLED",
    "EKS_ENDPOINT_NO_PUBLIC_ACCESS",
    "EKS_SECRETS_ENCRYPTED",
    "CLOUD_TRAIL_ENABLED",
    "ELASTICACHE_REPL_GRP_ENCRYPTED_AT_REST",
    "ELASTICACHE_REPL_GRP_ENCRYPTED_IN_TRANSIT",
}


@pytest.mark.parametrize("region", REGION_NAMES)
def test_config_managed_rules_by_source_identifier(template, region):
    security = template(f"HotelReviews-Security-{region}")
    recorder_id, _ = only(security.find_resources("AWS::Config::ConfigurationRecorder"))
    rules = security.find_resources("AWS::Config::ConfigRule")
    identifiers = {props(rule)["Source"]["SourceIdentifier"] for rule in rules.values()}
    assert identifiers >= REQUIRED_CONFIG_RULES
    assert ("MULTI_REGION_CLOUD_TRAIL_ENABLED" in identifiers) == (region == "us-east-1")
    for rule in rules.values():
        assert props(rule)["Source"]["Owner"] == "AWS"
        # A rule created before the recorder exists fails to deploy.
        assert recorder_id in rule["DependsOn"]


@pytest.mark.parametrize("region", REGION_NAMES)
def test_one_multi_region_validated_encrypted_trail_in_us_east_1_only(template, region):
    security = template(f"HotelReviews-Security-{region}")
    trails = security.find_resources("AWS::CloudTrail::Trail")
    if region != "us-east-1":
        assert trails == {}
        return
    _, trail = only(trails)
    trail = props(trail)
    assert trail["IsMultiRegionTrail"] is True
    assert trail["IncludeGlobalServiceEvents"] is True
    assert trail["EnableLogFileValidation"] is True
    key_id, key = only(security.find_resources("AWS::KMS::Key"))
    assert trail["KMSKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}
    assert props(key)["EnableKeyRotation"] is True
    log_group_id = trail["CloudWatchLogsLogGroupArn"]["Fn::GetAtt"][0]
    assert props(security.to_json()["Resources"][log_group_id])["RetentionInDays"] == 365


# --- edge -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def edge(template):
    return template("HotelReviews-Edge")


def distribution_config(edge) -> dict:
    _, distribution = only(edge.find_resources("AWS::CloudFront::Distribution"))
    return props(distribution)["DistributionConfig"]


def test_cloudfront_web_acl_has_the_managed_groups_and_the_rate_rule_and_is_attached(edge):
    acl_id, acl = only(edge.find_resources("AWS::WAFv2::WebACL"))
    assert props(acl)["Scope"] == "CLOUDFRONT"
    rules = props(acl)["Rules"]
    managed = {
        rule["Statement"]["ManagedRuleGroupStatement"]["Name"]
        for rule in rules
        if "ManagedRuleGroupStatement" in rule["Statement"]
    }
    assert managed == {
        "AWSManagedRulesAmazonIpReputationList",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesSQLiRuleSet",
    }
    (rate,) = [rule for rule in rules if "RateBasedStatement" in rule["Statement"]]
    assert rate["Statement"]["RateBasedStatement"]["AggregateKeyType"] == "IP"
    assert rate["Action"] == {"Block": {}}
    assert distribution_config(edge)["WebACLId"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_the_platform_paths_cloudfront_must_not_cache_are_the_apps_real_ones():
    from hotelreviews.app.factory import API_PREFIX
    from hotelreviews.ingestion.runs.routes import router as ingestions
    from hotelreviews.security.routes import router as auth
    from hotelreviews_infra import cdn

    assert cdn.API_PREFIX == API_PREFIX
    assert f"{API_PREFIX}{ingestions.prefix}*" in cdn.UNCACHED_PATHS
    assert f"{API_PREFIX}{auth.prefix}/*" in cdn.UNCACHED_PATHS


@pytest.mark.parametrize(
    "path", ["/api/v1/ingestions*", "/api/v1/auth/*", "/metrics", "/health*", "/readyz"]
)
def test_write_auth_and_health_paths_are_never_cached(edge, path):
    behaviours = {b["PathPattern"]: b for b in distribution_config(edge)["CacheBehaviors"]}
    behaviour = behaviours[path]
    assert behaviour["CachePolicyId"] == CACHING_DISABLED
    assert behaviour["OriginRequestPolicyId"] == ALL_VIEWER  # Authorization, Host included
    assert set(behaviour["AllowedMethods"]) == {
        "GET",
        "HEAD",
        "OPTIONS",
        "PUT",
        "PATCH",
        "POST",
        "DELETE",
    }


def test_default_behaviour_caches_gets_keyed_on_query_and_credentials(edge):
    default = distribution_config(edge)["DefaultCacheBehavior"]
    assert default["CachedMethods"] == ["GET", "HEAD"]
    assert default["Compress"] is True
    policy_id = default["CachePolicyId"]["Ref"]
    config = props(edge.to_json()["Resources"][policy_id])["CachePolicyConfig"]
    assert config["MinTTL"] == 0
    assert config["DefaultTTL"] == 0  # only what the origin labels cacheable is stored
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "all"}
    assert {"Authorization", "X-API-Key"} <= set(key["HeadersConfig"]["Headers"])
    assert key["EnableAcceptEncodingGzip"] and key["EnableAcceptEncodingBrotli"]
    # The viewer's Host reaches the origin: the Istio Gateway routes on it and the ALB's
    # certificate is checked against it.
    assert default["OriginRequestPolicyId"] == ALL_VIEWER


def test_api_host_has_a_dns_validated_certificate_and_alias_records_to_cloudfront(edge):
    _, certificate = only(edge.find_resources("AWS::CertificateManager::Certificate"))
    assert props(certificate)["DomainName"] == "api.hotelreviews.example"
    assert props(certificate)["ValidationMethod"] == "DNS"
    distribution_id, _ = only(edge.find_resources("AWS::CloudFront::Distribution"))
    records = edge.find_resources("AWS::Route53::RecordSet").values()
    assert sorted(props(r)["Type"] for r in records) == ["A", "AAAA"]
    for record in records:
        assert props(record)["Name"] == "api.hotelreviews.example."
        assert props(record)["AliasTarget"]["DNSName"] == {
            "Fn::GetAtt": [distribution_id, "DomainName"]
        }


def test_origin_is_https_only_tls12_and_viewers_get_tls12_and_hsts(edge):
    config = distribution_config(edge)
    (origin,) = config["Origins"]
    custom = origin["CustomOriginConfig"]
    assert custom["OriginProtocolPolicy"] == "https-only"
    assert custom["OriginSSLProtocols"] == ["TLSv1.2"]
    accelerator_id, _ = only(edge.find_resources("AWS::GlobalAccelerator::Accelerator"))
    assert origin["DomainName"] == {"Fn::GetAtt": [accelerator_id, "DnsName"]}
    assert config["ViewerCertificate"]["MinimumProtocolVersion"] == "TLSv1.2_2021"
    assert config["Aliases"] == ["api.hotelreviews.example"]
    assert config["Logging"]["Bucket"]
    _, headers = only(edge.find_resources("AWS::CloudFront::ResponseHeadersPolicy"))
    hsts = props(headers)["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "StrictTransportSecurity"
    ]
    assert hsts["AccessControlMaxAgeSec"] >= 31536000


def test_accelerator_listens_on_tcp_443_without_affinity(edge):
    _, listener = only(edge.find_resources("AWS::GlobalAccelerator::Listener"))
    assert props(listener)["Protocol"] == "TCP"
    assert props(listener)["ClientAffinity"] == "NONE"
    assert props(listener)["PortRanges"] == [{"FromPort": 443, "ToPort": 443}]


def test_one_accelerator_endpoint_group_per_region_checking_readyz(edge):
    groups = edge.find_resources("AWS::GlobalAccelerator::EndpointGroup").values()
    assert sorted(props(g)["EndpointGroupRegion"] for g in groups) == sorted(REGION_NAMES)
    for group in groups:
        group = props(group)
        assert group["HealthCheckPath"] == "/readyz"
        assert group["HealthCheckProtocol"] == "HTTPS"
        assert group["HealthCheckPort"] == 443
        assert group["TrafficDialPercentage"] == 100
        (endpoint,) = group["EndpointConfigurations"]
        assert endpoint["ClientIPPreservationEnabled"] is True


def test_route53_checks_each_regions_readiness_and_alarms_on_it(edge):
    checks = edge.find_resources("AWS::Route53::HealthCheck")
    assert len(checks) == len(REGION_NAMES)
    for check in checks.values():
        config = props(check)["HealthCheckConfig"]
        assert (config["Type"], config["Port"], config["ResourcePath"]) == ("HTTPS", 443, "/readyz")
    alarmed = {
        props(alarm)["Dimensions"][0]["Value"]["Fn::GetAtt"][0]
        for alarm in edge.find_resources(
            "AWS::CloudWatch::Alarm", {"Properties": {"MetricName": "HealthCheckStatus"}}
        ).values()
    }
    assert alarmed == set(checks)


def test_shield_advanced_is_off_unless_the_context_flag_asks(edge):
    assert edge.find_resources("AWS::Shield::Protection") == {}


def test_shield_advanced_flag_protects_the_accelerator_and_the_distribution(tmp_path):
    import aws_cdk as cdk
    from aws_cdk.assertions import Template

    from hotelreviews_infra.platform import build

    from .conftest import cdk_context

    app = cdk.App(context={**cdk_context(), "shieldAdvanced": True}, outdir=str(tmp_path))
    edge = Template.from_stack(build(app)["HotelReviews-Edge"])
    protected = {
        str(props(p)["ResourceArn"])
        for p in edge.find_resources("AWS::Shield::Protection").values()
    }
    accelerator_id, _ = only(edge.find_resources("AWS::GlobalAccelerator::Accelerator"))
    assert len(protected) == 2
    assert any(accelerator_id in arn for arn in protected)
    assert any("distribution/" in arn for arn in protected)
