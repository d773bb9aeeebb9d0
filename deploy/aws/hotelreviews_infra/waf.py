"""The WAF web ACL, one definition for CloudFront (scope CLOUDFRONT, us-east-1) and for every
region's ALB (scope REGIONAL): AWS's managed rule groups plus a per-IP rate limit.

The platform has its own rate limits (hotelreviews.protection); this one is the coarse outer
wall that drops floods before they cost an API process anything.
"""

from __future__ import annotations

from typing import Literal

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

# Evaluated in this order; each is AWS-maintained, so their signatures follow new attacks
# without a deployment of ours.
MANAGED_RULE_GROUPS: tuple[str, ...] = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesSQLiRuleSet",
)

# Requests per client IP per 5 minutes (WAF's window) before it blocks: far above what one
# traveller or integration sends (the platform's own limits answer 429 long before).
RATE_LIMIT_PER_5_MINUTES = 6000


def web_acl(
    scope: Construct,
    construct_id: str,
    *,
    waf_scope: Literal["CLOUDFRONT", "REGIONAL"],
    metric_prefix: str,
) -> wafv2.CfnWebACL:
    """A web ACL allowing by default, with the managed groups and the rate rule."""

    def visibility(name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
        return wafv2.CfnWebACL.VisibilityConfigProperty(
            cloud_watch_metrics_enabled=True,
            metric_name=f"{metric_prefix}-{name}",
            sampled_requests_enabled=True,
        )

    rules = [
        wafv2.CfnWebACL.RuleProperty(
            name=group,
            priority=priority,
            override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                    vendor_name="AWS", name=group
                )
            ),
            visibility_config=visibility(group),
        )
        for priority, group in enumerate(MANAGED_RULE_GROUPS)
    ]
    rules.append(
        wafv2.CfnWebACL.RuleProperty(
            name="RatePerClientIp",
            priority=len(MANAGED_RULE_GROUPS),
            action=wafv2.CfnWebACL.RuleActionProperty(block={}),
            statement=wafv2.CfnWebACL.StatementProperty(
                rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                    aggregate_key_type="IP", limit=RATE_LIMIT_PER_5_MINUTES
                )
            ),
            visibility_config=visibility("RatePerClientIp"),
        )
    )
    return wafv2.CfnWebACL(
        scope,
        construct_id,
        scope=waf_scope,
        default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
        rules=rules,
        visibility_config=visibility("WebAcl"),
    )
