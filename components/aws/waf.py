"""AWS web application firewall: a WAFv2 web ACL for the CloudFront distribution.

- scope CLOUDFRONT, which AWS accepts only in us-east-1 (the resource's own `region`, whatever the
  stack's region); the distribution names the ACL by its ARN (`web_acl_id`; an id would be WAF
  Classic);
- default action allow, then, in priority order: the configured blocked ranges (an IP set) and
  countries, the AWS managed Amazon IP reputation list, Core rule set (OWASP top 10 classes) and
  Known bad inputs (Log4j, ...), and a rate-based rule per client IP over a 60-second window
  (`waf.rate_limit_per_minute`). AWS managed rule groups carry no subscription fee;
- `waf.mode`: in block mode the managed groups keep their own actions and the custom rules block;
  in count mode (dev, staging) everything only counts, so a false positive is seen before it bites;
- CloudWatch metrics and sampled requests on every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.context import StackContext
from infra.config import WafMode

CLOUDFRONT_REGION = "us-east-1"
MANAGED_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
RATE_WINDOW_S = 60


@dataclass(frozen=True)
class AwsWafArgs:
    mode: WafMode
    rate_limit_per_minute: int
    blocked_cidrs: list[str] = field(default_factory=list)
    blocked_countries: list[str] = field(default_factory=list)


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


class AwsWaf(pulumi.ComponentResource):
    web_acl: aws.wafv2.WebAcl

    def __init__(
        self, name: str, args: AwsWafArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Waf", name, None, opts)
        block = args.mode is WafMode.block
        action = (
            aws.wafv2.WebAclRuleActionArgs(block=aws.wafv2.WebAclRuleActionBlockArgs())
            if block
            else aws.wafv2.WebAclRuleActionArgs(count=aws.wafv2.WebAclRuleActionCountArgs())
        )
        rules: list[aws.wafv2.WebAclRuleArgs] = []
        if args.blocked_cidrs:
            ip_set = aws.wafv2.IpSet(
                f"{name}-blocked-ips",
                name=f"{ctx.prefix}-blocked",
                scope="CLOUDFRONT",
                region=CLOUDFRONT_REGION,
                ip_address_version="IPV4",
                addresses=[c if "/" in c else f"{c}/32" for c in args.blocked_cidrs],
                tags=ctx.tags,
                opts=ctx.child(self),
            )
            rules.append(
                aws.wafv2.WebAclRuleArgs(
                    name="blocked-ips",
                    priority=0,
                    action=action,
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        ip_set_reference_statement=aws.wafv2.WebAclRuleStatementIpSetReferenceStatementArgs(
                            arn=ip_set.arn
                        )
                    ),
                    visibility_config=_visibility("blocked-ips"),
                )
            )
        if args.blocked_countries:
            rules.append(
                aws.wafv2.WebAclRuleArgs(
                    name="blocked-countries",
                    priority=1,
                    action=action,
                    statement=aws.wafv2.WebAclRuleStatementArgs(
                        geo_match_statement=aws.wafv2.WebAclRuleStatementGeoMatchStatementArgs(
                            country_codes=args.blocked_countries
                        )
                    ),
                    visibility_config=_visibility("blocked-countries"),
                )
            )
        override = (
            aws.wafv2.WebAclRuleOverrideActionArgs(none=aws.wafv2.WebAclRuleOverrideActionNoneArgs())
            if block
            else aws.wafv2.WebAclRuleOverrideActionArgs(count=aws.wafv2.WebAclRuleOverrideActionCountArgs())
        )
        rules += [
            aws.wafv2.WebAclRuleArgs(
                name=group,
                priority=10 + i,
                override_action=override,
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for i, group in enumerate(MANAGED_GROUPS)
        ]
        rules.append(
            aws.wafv2.WebAclRuleArgs(
                name="rate-limit-per-ip",
                priority=20,
                action=action,
                statement=aws.wafv2.WebAclRuleStatementArgs(
                    rate_based_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementArgs(
                        aggregate_key_type="IP",
                        limit=args.rate_limit_per_minute * RATE_WINDOW_S // 60,
                        evaluation_window_sec=RATE_WINDOW_S,
                    )
                ),
                visibility_config=_visibility("rate-limit-per-ip"),
            )
        )
        self.web_acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            name=f"{ctx.prefix}-edge",
            description=f"qmoi {ctx.environment} CloudFront ({args.mode.value})",
            scope="CLOUDFRONT",
            region=CLOUDFRONT_REGION,
            default_action=aws.wafv2.WebAclDefaultActionArgs(allow=aws.wafv2.WebAclDefaultActionAllowArgs()),
            rules=rules,
            visibility_config=aws.wafv2.WebAclVisibilityConfigArgs(
                cloudwatch_metrics_enabled=True, metric_name=f"{ctx.prefix}-edge", sampled_requests_enabled=True
            ),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        self.register_outputs({"web_acl_arn": self.web_acl.arn})
