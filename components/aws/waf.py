"""AWS web application firewall: a WAFv2 web ACL for the CloudFront distribution.

- scope CLOUDFRONT, which AWS accepts only in us-east-1 (the resource's own `region`, whatever the
  stack's region); the distribution names the ACL by its ARN (`web_acl_id`; an id would be WAF
  Classic);
- default action allow, then, in priority order: the configured blocked ranges (an IP set) and
  countries, the AWS managed Amazon IP reputation list, Core rule set (OWASP top 10 classes) and
  Known bad inputs (Log4j, ...), and a rate-based rule per client IP over a 60-second window
  (`waf.rate_limit_per_minute`). AWS managed rule groups carry no subscription fee;
- behind a proxy (Cloudflare's load balancer in front of the distribution, `proxy`), the connecting
  address is the proxy's: "if a web request goes through one or more proxies or load balancers, the web
  request origin will contain the address of the last proxy". Two IP sets hold the proxy's published
  ranges; requests from them are judged on the client address the proxy forwards (`CF-Connecting-IP`:
  a rate rule aggregating on the forwarded IP, and the blocked ranges and countries read from it), and
  every other request on its connecting address (a second rate rule, scoped down to "not from the
  proxy"). The header is trusted only from the proxy's ranges: a client that reaches CloudFront
  directly cannot pick its own counter by sending one;
- `waf.mode`: in block mode the managed groups keep their own actions and the custom rules block;
  in count mode (dev, staging) everything only counts, so a false positive is seen before it bites;
- CloudWatch metrics and sampled requests on every rule.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from components.context import StackContext
from infra.config import ForwardingProxy, WafMode

CLOUDFRONT_REGION = "us-east-1"
MANAGED_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesCommonRuleSet",
    "AWSManagedRulesKnownBadInputsRuleSet",
)
RATE_WINDOW_S = 60
# A forwarded address that is not a valid IP (never sent by the proxy) counts as a match: blocked.
FALLBACK = "MATCH"

Statement = aws.wafv2.WebAclRuleStatementArgs
ScopeDown = aws.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementArgs


@dataclass(frozen=True)
class AwsWafArgs:
    mode: WafMode
    rate_limit_per_minute: int
    blocked_cidrs: list[str] = field(default_factory=list)
    blocked_countries: list[str] = field(default_factory=list)
    proxy: ForwardingProxy | None = None
    """The reverse proxy in front of the distribution (its ranges and client header), if any."""


def _visibility(metric: str) -> aws.wafv2.WebAclRuleVisibilityConfigArgs:
    return aws.wafv2.WebAclRuleVisibilityConfigArgs(
        cloudwatch_metrics_enabled=True, metric_name=metric, sampled_requests_enabled=True
    )


def _any_of(statements: list[Statement]) -> Statement:
    return (
        statements[0]
        if len(statements) == 1
        else Statement(or_statement=aws.wafv2.WebAclRuleStatementOrStatementArgs(statements=statements))
    )


def _split(via_proxy: Statement, direct: Statement, from_proxy: Statement) -> Statement:
    """`via_proxy` for requests from the proxy's ranges, `direct` for every other request."""
    not_proxy = Statement(not_statement=aws.wafv2.WebAclRuleStatementNotStatementArgs(statement=from_proxy))
    both = aws.wafv2.WebAclRuleStatementAndStatementArgs
    return _any_of(
        [
            Statement(and_statement=both(statements=[from_proxy, via_proxy])),
            Statement(and_statement=both(statements=[not_proxy, direct])),
        ]
    )


class AwsWaf(pulumi.ComponentResource):
    web_acl: aws.wafv2.WebAcl
    proxy_ranges: list[aws.wafv2.IpSet]
    """The proxy's published ranges (IPv4, IPv6), when a proxy is in front."""

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
        proxy = args.proxy
        self.proxy_ranges = []
        if proxy is not None:
            self.proxy_ranges = [
                self._ip_set(
                    f"{name}-proxy-{version.lower()}",
                    f"{ctx.prefix}-{proxy.name}-{version.lower()}",
                    version,
                    list(ranges),
                    ctx,
                )
                for version, ranges in (("IPV4", proxy.ipv4), ("IPV6", proxy.ipv6))
                if ranges
            ]
        rules = self._block_lists(name, args, action, ctx)
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
                statement=Statement(
                    managed_rule_group_statement=aws.wafv2.WebAclRuleStatementManagedRuleGroupStatementArgs(
                        vendor_name="AWS", name=group
                    )
                ),
                visibility_config=_visibility(group),
            )
            for i, group in enumerate(MANAGED_GROUPS)
        ]
        rules += self._rate_rules(args, action)
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

    def _ip_set(
        self, name: str, set_name: str, version: str, addresses: list[str], ctx: StackContext
    ) -> aws.wafv2.IpSet:
        return aws.wafv2.IpSet(
            name,
            name=set_name,
            scope="CLOUDFRONT",
            region=CLOUDFRONT_REGION,
            ip_address_version=version,
            addresses=addresses,
            tags=ctx.tags,
            opts=ctx.child(self),
        )

    def _from_proxy(self) -> Statement:
        """Requests whose connecting address is one of the proxy's."""
        return _any_of(
            [
                Statement(
                    ip_set_reference_statement=aws.wafv2.WebAclRuleStatementIpSetReferenceStatementArgs(arn=s.arn)
                )
                for s in self.proxy_ranges
            ]
        )

    def _block_lists(
        self, name: str, args: AwsWafArgs, action: aws.wafv2.WebAclRuleActionArgs, ctx: StackContext
    ) -> list[aws.wafv2.WebAclRuleArgs]:
        """The configured blocked ranges and countries; behind a proxy, judged on the forwarded client."""
        proxy = args.proxy
        # (rule name, priority, the statement on the connecting address, the one on the forwarded address)
        found: list[tuple[str, int, Statement, Statement | None]] = []
        if args.blocked_cidrs:
            addresses = [c if "/" in c else f"{c}/32" for c in args.blocked_cidrs]
            ip_set = self._ip_set(f"{name}-blocked-ips", f"{ctx.prefix}-blocked", "IPV4", addresses, ctx)
            reference = aws.wafv2.WebAclRuleStatementIpSetReferenceStatementArgs
            forwarded = aws.wafv2.WebAclRuleStatementIpSetReferenceStatementIpSetForwardedIpConfigArgs
            via_proxy = None
            if proxy is not None:
                config = forwarded(header_name=proxy.client_header, fallback_behavior=FALLBACK, position="FIRST")
                via_proxy = Statement(
                    ip_set_reference_statement=reference(arn=ip_set.arn, ip_set_forwarded_ip_config=config)
                )
            found.append(("blocked-ips", 0, Statement(ip_set_reference_statement=reference(arn=ip_set.arn)), via_proxy))
        if args.blocked_countries:
            geo = aws.wafv2.WebAclRuleStatementGeoMatchStatementArgs
            forwarded_geo = aws.wafv2.WebAclRuleStatementGeoMatchStatementForwardedIpConfigArgs
            countries = args.blocked_countries
            via_proxy = None
            if proxy is not None:
                config_geo = forwarded_geo(header_name=proxy.client_header, fallback_behavior=FALLBACK)
                via_proxy = Statement(geo_match_statement=geo(country_codes=countries, forwarded_ip_config=config_geo))
            found.append(
                ("blocked-countries", 1, Statement(geo_match_statement=geo(country_codes=countries)), via_proxy)
            )
        return [
            aws.wafv2.WebAclRuleArgs(
                name=rule_name,
                priority=priority,
                action=action,
                statement=direct if via_proxy is None else _split(via_proxy, direct, self._from_proxy()),
                visibility_config=_visibility(rule_name),
            )
            for rule_name, priority, direct, via_proxy in found
        ]

    def _rate_rules(self, args: AwsWafArgs, action: aws.wafv2.WebAclRuleActionArgs) -> list[aws.wafv2.WebAclRuleArgs]:
        """A rate limit per client: behind a proxy, on the forwarded address of the proxy's requests and on the
        connecting address of the others; else on the connecting address."""
        rate = aws.wafv2.WebAclRuleStatementRateBasedStatementArgs
        limit = args.rate_limit_per_minute * RATE_WINDOW_S // 60

        def rule(
            rule_name: str, priority: int, statement: aws.wafv2.WebAclRuleStatementRateBasedStatementArgs
        ) -> aws.wafv2.WebAclRuleArgs:
            return aws.wafv2.WebAclRuleArgs(
                name=rule_name,
                priority=priority,
                action=action,
                statement=Statement(rate_based_statement=statement),
                visibility_config=_visibility(rule_name),
            )

        if args.proxy is None:
            return [
                rule(
                    "rate-limit-per-ip",
                    20,
                    rate(aggregate_key_type="IP", limit=limit, evaluation_window_sec=RATE_WINDOW_S),
                )
            ]
        scope = aws.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementOrStatementArgs
        reference = aws.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementIpSetReferenceStatementArgs
        sets = [ScopeDown(ip_set_reference_statement=reference(arn=s.arn)) for s in self.proxy_ranges]
        from_proxy = sets[0] if len(sets) == 1 else ScopeDown(or_statement=scope(statements=sets))
        not_proxy = ScopeDown(
            not_statement=aws.wafv2.WebAclRuleStatementRateBasedStatementScopeDownStatementNotStatementArgs(
                statement=from_proxy
            )
        )
        forwarded = aws.wafv2.WebAclRuleStatementRateBasedStatementForwardedIpConfigArgs(
            header_name=args.proxy.client_header, fallback_behavior=FALLBACK
        )
        return [
            rule(
                "rate-limit-per-client",
                20,
                rate(
                    aggregate_key_type="FORWARDED_IP",
                    forwarded_ip_config=forwarded,
                    limit=limit,
                    evaluation_window_sec=RATE_WINDOW_S,
                    scope_down_statement=from_proxy,
                ),
            ),
            rule(
                "rate-limit-per-ip",
                21,
                rate(
                    aggregate_key_type="IP",
                    limit=limit,
                    evaluation_window_sec=RATE_WINDOW_S,
                    scope_down_statement=not_proxy,
                ),
            ),
        ]
