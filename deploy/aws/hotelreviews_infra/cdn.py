"""The CloudFront distribution in front of Global Accelerator: what it caches, and what it
never does.

Caching follows the platform's own rules (hotelreviews.cache): a response is stored only when
the origin says so (`Cache-Control: public, max-age=…`, which the cacheable routes send on a
200; everything else is `no-store` or unlabelled), and ETags revalidate it. Paths that write,
authenticate or report health are never cached.

Authenticated reads: the default behaviour's cache key holds the credential headers
(Authorization, X-API-Key) and the consistency token, so a response fetched with one
credential is only ever served to a request carrying the very same one; anonymous requests
share entries as they should. (CloudFront only forwards Authorization on GET/HEAD when it is
part of the cache key, so this is also how the API sees it.)
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from hotelreviews_infra.buckets import log_bucket

API_PREFIX = "/api/v1"  # hotelreviews.app.factory.API_PREFIX

# Paths CloudFront passes straight through (every method, nothing cached): writes and run
# state of ingestions, credentials, the audit log, metrics and health (each check must reach
# a live process, not a copy).
UNCACHED_PATHS: tuple[str, ...] = (
    f"{API_PREFIX}/ingestions*",
    f"{API_PREFIX}/auth/*",
    f"{API_PREFIX}/audit-events*",
    "/metrics",
    "/health*",
    "/readyz",
    "/livez",
)

# Request headers that select whose response it is (hotelreviews.cache.middleware bypasses
# its own cache on exactly these).
CREDENTIAL_HEADERS: tuple[str, ...] = ("Authorization", "X-API-Key", "X-Consistency-Token")

# Origin-driven TTLs: minimum 0 so `no-store`/`private` are honoured, default 0 so a response
# the origin did not label cacheable is not stored, maximum bounding any max-age.
MAX_TTL = cdk.Duration.days(1)

HSTS_MAX_AGE = cdk.Duration.days(730)


def api_reads_cache_policy(scope: Construct) -> cloudfront.CachePolicy:
    return cloudfront.CachePolicy(
        scope,
        "ApiReads",
        comment="hotelreviews API reads: full query string and credentials in the key",
        min_ttl=cdk.Duration.seconds(0),
        default_ttl=cdk.Duration.seconds(0),
        max_ttl=MAX_TTL,
        query_string_behavior=cloudfront.CacheQueryStringBehavior.all(),
        header_behavior=cloudfront.CacheHeaderBehavior.allow_list(*CREDENTIAL_HEADERS),
        cookie_behavior=cloudfront.CacheCookieBehavior.none(),
        enable_accept_encoding_gzip=True,
        enable_accept_encoding_brotli=True,
    )


def security_headers(scope: Construct) -> cloudfront.ResponseHeadersPolicy:
    return cloudfront.ResponseHeadersPolicy(
        scope,
        "SecurityHeaders",
        comment="hotelreviews: HSTS and the usual hardening headers on every response",
        security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
            strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
            ),
            content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
            frame_options=cloudfront.ResponseHeadersFrameOptions(
                frame_option=cloudfront.HeadersFrameOption.DENY, override=True
            ),
            referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                referrer_policy=cloudfront.HeadersReferrerPolicy.NO_REFERRER, override=True
            ),
        ),
        remove_headers=["Server"],
    )


def distribution(
    scope: Construct,
    *,
    origin_domain: str,
    host_name: str,
    certificate: acm.ICertificate,
    web_acl_arn: str,
) -> cloudfront.Distribution:
    """The distribution answering `host_name`, with the accelerator as its only origin.

    The viewer's Host header goes to the origin (AllViewer origin request policy): the Istio
    Gateway routes on it and the ALB's certificate for `host_name` is validated against it.
    """
    origin = origins.HttpOrigin(
        origin_domain,
        protocol_policy=cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
        origin_ssl_protocols=[cloudfront.OriginSslPolicy.TLS_V1_2],
    )
    headers = security_headers(scope)
    all_viewer = cloudfront.OriginRequestPolicy.ALL_VIEWER

    def never_cached() -> cloudfront.BehaviorOptions:
        # CachingDisabled with AllViewer: every header, Authorization included, reaches the
        # origin and nothing is stored.
        return cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
            origin_request_policy=all_viewer,
            response_headers_policy=headers,
            compress=True,
        )

    logs = log_bucket(
        scope,
        "CloudFrontLogs",
        # CloudFront's standard logs are written with an ACL grant to its log-delivery
        # account: the bucket must accept ACLs (owner preferred keeps the objects ours).
        object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    )
    dist = cloudfront.Distribution(
        scope,
        "Distribution",
        comment=f"hotelreviews API ({host_name})",
        domain_names=[host_name],
        certificate=certificate,
        minimum_protocol_version=cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        ssl_support_method=cloudfront.SSLMethod.SNI,
        http_version=cloudfront.HttpVersion.HTTP2_AND_3,
        enable_ipv6=True,
        # Travellers are everywhere, and so are the regions (us, eu, ap): every edge.
        price_class=cloudfront.PriceClass.PRICE_CLASS_ALL,
        web_acl_id=web_acl_arn,
        enable_logging=True,
        log_bucket=logs,
        log_file_prefix="cloudfront/",
        default_behavior=cloudfront.BehaviorOptions(
            origin=origin,
            viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
            # Writes pass through (POST /api/v1/reviews…); only GET and HEAD are stored.
            allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
            cached_methods=cloudfront.CachedMethods.CACHE_GET_HEAD,
            cache_policy=api_reads_cache_policy(scope),
            origin_request_policy=all_viewer,
            response_headers_policy=headers,
            compress=True,
        ),
        additional_behaviors={path: never_cached() for path in UNCACHED_PATHS},
    )
    cdk.Validations.of(dist).acknowledge(
        cdk.Acknowledgment(
            id="AwsSolutions-CFR1",
            reason="A public review API for travellers of every country: no geo restriction "
            "is intended; abuse is handled by the WAF web ACL and the API's own limits.",
        )
    )
    return dist
