"""GCP web application firewall: a Cloud Armor edge security policy on the CDN's backend bucket.

A backend bucket takes only an edge security policy (`edge_security_policy`; type `CLOUD_ARMOR_EDGE`,
fixed at creation): it filters requests at Google's edge, before the cache. Edge policies match on
source addresses and geography; preconfigured WAF rules (OWASP) and rate limiting need a backend
security policy on a backend service, which the platform's public entry point (a backend bucket of
media) does not have, and advanced options are refused on edge policies. Always-on volumetric DDoS
protection comes with the global load balancer itself (Cloud Armor Standard).

Rules: the configured blocked ranges and countries, denied with 403 (edge policies answer 403, 404
or 502), in preview (logged, not enforced) in count mode; and the default rule (lowest priority,
allow everything else), declared so that it does not drift.

Behind a proxy (Cloudflare's load balancer in front of the CDN, `proxy`) the connecting address is
the proxy's, and an edge policy has no forwarded-IP option (`advanced_options_config`, which carries
`user_ip_request_headers`, is refused on edge policies). The proxy's published ranges are then allowed
before the country rule, which would otherwise judge a Cloudflare data centre's country: countries
are judged on direct clients only, blocked ranges on everyone who connects. Clients who come through
the proxy are rate limited by the proxy itself (edge policies cannot rate limit anyway), and blocked
ranges and countries are not applied to them here (docs/cloudflare.md, Origin firewalls behind
Cloudflare).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext
from infra.config import ForwardingProxy, WafMode

DEFAULT_RULE_PRIORITY = 2147483647
# A basic match condition takes at most 10 ranges per rule.
RANGES_PER_RULE = 10
BLOCKED_RANGES_PRIORITY = 1000
PROXY_PRIORITY = 1500
COUNTRIES_PRIORITY = 2000


@dataclass(frozen=True)
class GcpWafArgs:
    mode: WafMode
    blocked_cidrs: list[str] = field(default_factory=list)
    blocked_countries: list[str] = field(default_factory=list)
    proxy: ForwardingProxy | None = None
    """The reverse proxy in front of the CDN (its ranges), if any."""


def _chunks(ranges: list[str]) -> list[list[str]]:
    return [ranges[start : start + RANGES_PER_RULE] for start in range(0, len(ranges), RANGES_PER_RULE)]


def _src_ips(ranges: list[str]) -> gcp.compute.SecurityPolicyRuleMatchArgs:
    return gcp.compute.SecurityPolicyRuleMatchArgs(
        versioned_expr="SRC_IPS_V1", config=gcp.compute.SecurityPolicyRuleMatchConfigArgs(src_ip_ranges=ranges)
    )


class GcpWaf(pulumi.ComponentResource):
    policy: gcp.compute.SecurityPolicy

    def __init__(
        self, name: str, args: GcpWafArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Waf", name, None, opts)
        preview = args.mode is WafMode.count
        rules = [
            gcp.compute.SecurityPolicyRuleArgs(
                priority=BLOCKED_RANGES_PRIORITY + i,
                action="deny(403)",
                preview=preview,
                description="blocked client ranges",
                match=_src_ips(chunk),
            )
            for i, chunk in enumerate(_chunks(args.blocked_cidrs))
        ]
        if args.blocked_countries and args.proxy is not None:
            rules += [
                gcp.compute.SecurityPolicyRuleArgs(
                    priority=PROXY_PRIORITY + i,
                    action="allow",
                    description=f"{args.proxy.name}: countries are judged on direct clients only",
                    match=_src_ips(chunk),
                )
                for i, chunk in enumerate(_chunks([*args.proxy.ipv4, *args.proxy.ipv6]))
            ]
        if args.blocked_countries:
            codes = " || ".join(f"origin.region_code == '{c}'" for c in args.blocked_countries)
            rules.append(
                gcp.compute.SecurityPolicyRuleArgs(
                    priority=COUNTRIES_PRIORITY,
                    action="deny(403)",
                    preview=preview,
                    description="blocked countries",
                    match=gcp.compute.SecurityPolicyRuleMatchArgs(
                        expr=gcp.compute.SecurityPolicyRuleMatchExprArgs(expression=codes)
                    ),
                )
            )
        rules.append(
            gcp.compute.SecurityPolicyRuleArgs(
                priority=DEFAULT_RULE_PRIORITY, action="allow", description="default rule", match=_src_ips(["*"])
            )
        )
        self.policy = gcp.compute.SecurityPolicy(
            f"{name}-edge-policy",
            name=f"{ctx.prefix}-edge",
            description=f"qmoi {ctx.environment} edge policy of the CDN backend ({args.mode.value})",
            type="CLOUD_ARMOR_EDGE",
            rules=rules,
            opts=ctx.child(self),
        )
        self.register_outputs({"policy": self.policy.self_link})
