"""Cloudflare web application firewall: managed rulesets and a rate limit on every zone the stack owns.

Per zone, two zone entry-point rulesets (one per phase and zone, so only the stack that owns the zones'
settings declares them, `cloudflare.zone_settings_owner`; the `cloudflare-zone-singleton-owner` contract
holds every other stack to it):
- `http_request_firewall_managed`, executing Cloudflare's managed rulesets as the zone plan allows
  (`cloudflare.zone_plan`): the Free Managed Ruleset on Free zones ("Available on all Cloudflare
  plans"); the Cloudflare Managed Ruleset and the OWASP Core Ruleset on Pro and above. In count mode
  (`waf.mode`), which needs the `log` action (Enterprise only), they only log; validation refuses
  count mode on other plans for the owner stack;
- `http_ratelimit`, one rule blocking a client IP (per data centre: `cf.colo.id` is mandatory) that
  exceeds `waf.rate_limit_per_minute`, within the plan's limits: Free counts over 10 seconds and blocks
  for 10 seconds on the path field; Pro and above count over a minute.
Both are included in the zone plan; Cloudflare's DDoS protection is always on and needs no resource.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

from components.cloudflare.cdn import zone_slug
from components.context import StackContext
from infra.config import CloudflareZone, WafMode

# Managed rulesets by id (developers.cloudflare.com/waf/managed-rules/).
FREE_MANAGED_RULESET = "77454fe2d30c4220b5701f6fdfb893ba"
CLOUDFLARE_MANAGED_RULESET = "efb7b8c949ac4650a09736fc376e9aee"
OWASP_CORE_RULESET = "4814384a9e5d4991b9815dcfc25d2f1f"
MANAGED_BY_PLAN = {
    "free": {"Cloudflare Free Managed Ruleset": FREE_MANAGED_RULESET},
    "pro": {
        "Cloudflare Managed Ruleset": CLOUDFLARE_MANAGED_RULESET,
        "Cloudflare OWASP Core Ruleset": OWASP_CORE_RULESET,
    },
}
# Rate limiting period (= mitigation timeout) in seconds per plan; Free allows only 10 s.
RATE_PERIOD_S = {"free": 10, "pro": 60, "business": 60, "enterprise": 60}
# Every request (Free's rate limiting rules may only match the path).
EVERY_PATH = '(http.request.uri.path contains "/")'


@dataclass(frozen=True)
class CloudflareWafArgs:
    zones: list[CloudflareZone]
    zone_plan: str
    mode: WafMode
    rate_limit_per_minute: int


def managed_rulesets(plan: str) -> dict[str, str]:
    return MANAGED_BY_PLAN["free" if plan == "free" else "pro"]


class CloudflareWaf(pulumi.ComponentResource):
    managed: dict[str, cloudflare.Ruleset]
    rate_limits: dict[str, cloudflare.Ruleset]

    def __init__(
        self, name: str, args: CloudflareWafArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:cloudflare:Waf", name, None, opts)
        log_only = args.mode is WafMode.count and args.zone_plan == "enterprise"
        overrides = cloudflare.RulesetRuleActionParametersOverridesArgs(action="log") if log_only else None
        period = RATE_PERIOD_S[args.zone_plan]
        self.managed, self.rate_limits = {}, {}
        for zone in args.zones:
            role = f"{name}-{zone_slug(zone)}"
            self.managed[zone.name] = cloudflare.Ruleset(
                f"{role}-managed",
                zone_id=zone.zone_id,
                name=f"qmoi {ctx.stack_names.stack} managed WAF",
                description="Cloudflare managed rulesets",
                kind="zone",
                phase="http_request_firewall_managed",
                rules=[
                    cloudflare.RulesetRuleArgs(
                        description=title,
                        expression="true",
                        action="execute",
                        action_parameters=cloudflare.RulesetRuleActionParametersArgs(id=ruleset, overrides=overrides),
                        enabled=True,
                    )
                    for title, ruleset in managed_rulesets(args.zone_plan).items()
                ],
                opts=ctx.child(self),
            )
            self.rate_limits[zone.name] = cloudflare.Ruleset(
                f"{role}-rate-limit",
                zone_id=zone.zone_id,
                name=f"qmoi {ctx.stack_names.stack} rate limit",
                description="Requests per client IP",
                kind="zone",
                phase="http_ratelimit",
                rules=[
                    cloudflare.RulesetRuleArgs(
                        description=f"More than {args.rate_limit_per_minute} requests a minute from one IP",
                        expression=EVERY_PATH,
                        action="log" if log_only else "block",
                        ratelimit=cloudflare.RulesetRuleRatelimitArgs(
                            characteristics=["ip.src", "cf.colo.id"],
                            period=period,
                            requests_per_period=math.ceil(args.rate_limit_per_minute * period / 60),
                            mitigation_timeout=period,
                        ),
                        enabled=True,
                    )
                ],
                opts=ctx.child(self),
            )
        self.register_outputs({"zones": [z.name for z in args.zones]})
