"""Azure web application firewall: a Front Door WAF policy on the endpoint and its custom domains.

Front Door Standard (the platform's profile) runs custom rules only: "Managed rule sets, such as the
Default Rule Set, require the Premium tier" (Premium's base fee is about ten times Standard's). The
policy's SKU must be the profile's. Custom rules, evaluated in priority order:
- the configured blocked ranges and countries (`waf.blocked_cidrs`, `waf.blocked_countries`);
- methods other than GET, HEAD and OPTIONS, which a read-only media origin never needs (uploads and
  probes of other verbs are refused at the edge);
- a rate limit per client socket address over one minute (`waf.rate_limit_per_minute`). Front Door
  groups a rate limit by socket address, geography or nothing (the API's `SocketAddr | GeoLocation |
  None`), never by the forwarded client. Behind a proxy (Cloudflare's load balancer in front of the
  endpoint, `proxy`) every client of one proxy data centre would share a counter, so the rule leaves
  the proxy's published ranges out: those clients are rate limited by the proxy itself (Cloudflare's
  rate rule, per client IP and data centre), and whoever reaches Front Door directly still is here.
  The block lists match `RemoteAddr`, the client address Front Door reads from X-Forwarded-For.
Prevention mode blocks; detection mode (`waf.mode: count`, dev and staging) only logs. Policy names
are letters and digits only. A security policy of the profile associates the WAF policy with the
endpoint and every custom domain, for all paths.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.cdn as cdn
import pulumi_azure_native.frontdoor as frontdoor

from components.context import StackContext
from infra.config import ForwardingProxy, WafMode

FRONT_DOOR_SKU = "Standard_AzureFrontDoor"
READ_METHODS = ["GET", "HEAD", "OPTIONS"]


@dataclass(frozen=True)
class AzureWafArgs:
    resource_group_name: pulumi.Input[str]
    profile_name: pulumi.Input[str]
    # The Front Door endpoint and custom domains the policy protects (their ARM ids).
    domain_ids: list[pulumi.Input[str]]
    mode: WafMode
    rate_limit_per_minute: int
    blocked_cidrs: list[str] = field(default_factory=list)
    blocked_countries: list[str] = field(default_factory=list)
    proxy: ForwardingProxy | None = None
    """The reverse proxy in front of the endpoint (its ranges), if any."""


def policy_name(prefix: str) -> str:
    """A WAF policy name: letters and digits only, starting with a letter."""
    return "".join(c for c in f"{prefix}waf" if c.isalnum())


class AzureWaf(pulumi.ComponentResource):
    policy: frontdoor.Policy
    security_policy: cdn.SecurityPolicy

    def __init__(
        self, name: str, args: AzureWafArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Waf", name, None, opts)
        rules = self._rules(args)
        self.policy = frontdoor.Policy(
            f"{name}-policy",
            policy_name=policy_name(ctx.prefix),
            resource_group_name=args.resource_group_name,
            location="Global",
            sku=frontdoor.SkuArgs(name=FRONT_DOOR_SKU),
            policy_settings=frontdoor.PolicySettingsArgs(
                enabled_state="Enabled",
                mode="Prevention" if args.mode is WafMode.block else "Detection",
                request_body_check="Enabled",
            ),
            custom_rules=frontdoor.CustomRuleListArgs(rules=rules),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        self.security_policy = cdn.SecurityPolicy(
            f"{name}-association",
            security_policy_name=f"{ctx.prefix}-waf",
            profile_name=args.profile_name,
            resource_group_name=args.resource_group_name,
            parameters=cdn.SecurityPolicyWebApplicationFirewallParametersArgs(
                type="WebApplicationFirewall",
                waf_policy=cdn.ResourceReferenceArgs(id=self.policy.id),
                associations=[
                    cdn.SecurityPolicyWebApplicationFirewallAssociationArgs(
                        domains=[cdn.ActivatedResourceReferenceArgs(id=d) for d in args.domain_ids],
                        patterns_to_match=["/*"],
                    )
                ],
            ),
            opts=ctx.child(self),
        )
        self.register_outputs({"policy_id": self.policy.id})

    @staticmethod
    def _rules(args: AzureWafArgs) -> list[frontdoor.CustomRuleArgs]:
        def block(name: str, priority: int, condition: frontdoor.MatchConditionArgs) -> frontdoor.CustomRuleArgs:
            return frontdoor.CustomRuleArgs(
                name=name,
                priority=priority,
                enabled_state="Enabled",
                rule_type="MatchRule",
                match_conditions=[condition],
                action="Block",
            )

        rules = []
        if args.blocked_cidrs:
            condition = frontdoor.MatchConditionArgs(
                match_variable="RemoteAddr", operator="IPMatch", match_value=list(args.blocked_cidrs)
            )
            rules.append(block("blockedranges", 10, condition))
        if args.blocked_countries:
            condition = frontdoor.MatchConditionArgs(
                match_variable="RemoteAddr", operator="GeoMatch", match_value=list(args.blocked_countries)
            )
            rules.append(block("blockedcountries", 20, condition))
        read_only = frontdoor.MatchConditionArgs(
            match_variable="RequestMethod", operator="Equal", negate_condition=True, match_value=READ_METHODS
        )
        rules.append(block("readonlymethods", 30, read_only))
        counted = frontdoor.MatchConditionArgs(match_variable="RequestUri", operator="Any", match_value=[])
        if args.proxy is not None:
            counted = frontdoor.MatchConditionArgs(
                match_variable="SocketAddr",
                operator="IPMatch",
                negate_condition=True,
                match_value=[*args.proxy.ipv4, *args.proxy.ipv6],
            )
        rules.append(
            frontdoor.CustomRuleArgs(
                name="ratelimitperip",
                priority=100,
                enabled_state="Enabled",
                rule_type="RateLimitRule",
                rate_limit_duration_in_minutes=1,
                rate_limit_threshold=args.rate_limit_per_minute,
                group_by=[frontdoor.GroupByVariableArgs(variable_name="SocketAddr")],
                match_conditions=[counted],
                action="Block",
            )
        )
        return rules
