"""Cloudflare CDN: security and caching settings of every configured zone.

Per zone:
- zone settings: SSL mode Full (strict) so the edge verifies origin certificates; always use
  HTTPS; minimum TLS 1.2 and TLS 1.3 on; HSTS (one year, subdomains included, nosniff; not
  preloaded, because preloading cannot be undone quickly); automatic HTTPS rewrites; Brotli;
- a cache-rules ruleset (phase `http_request_cache_settings`): static assets by extension are
  cached at the edge for a day whatever the origin says, with browser TTLs left to the origin;
  `/api/` is never cached;
- tiered caching on, with the Smart topology, so upper-tier data centres shield the origins.
Zone settings and rulesets take no tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_cloudflare as cloudflare

from components.context import StackContext
from infra.config import CloudflareZone

MIN_TLS_VERSION = "1.2"
HSTS_MAX_AGE = 31_536_000
STATIC_EXTENSIONS = (
    *("css", "js", "mjs", "map"),
    *("png", "jpg", "jpeg", "gif", "svg", "webp", "avif", "ico"),
    *("woff", "woff2"),
)
STATIC_EDGE_TTL = 86_400

ZONE_SETTINGS: dict[str, Any] = {
    "ssl": "strict",
    "always_use_https": "on",
    "min_tls_version": MIN_TLS_VERSION,
    "tls_1_3": "on",
    "automatic_https_rewrites": "on",
    "brotli": "on",
    # snake_case keys: the API's shape (camelCase keys never converge, pulumi-cloudflare#1579).
    "security_header": {
        "strict_transport_security": {
            "enabled": True,
            "max_age": HSTS_MAX_AGE,
            "include_subdomains": True,
            "preload": False,
            "nosniff": True,
        }
    },
}


def zone_slug(zone: CloudflareZone) -> str:
    return zone.name.replace(".", "-")


@dataclass(frozen=True)
class CloudflareCdnArgs:
    zones: list[CloudflareZone]


class CloudflareCdn(pulumi.ComponentResource):
    settings: dict[str, dict[str, cloudflare.ZoneSetting]]
    cache_rules: dict[str, cloudflare.Ruleset]

    def __init__(
        self,
        name: str,
        args: CloudflareCdnArgs,
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:cloudflare:Cdn", name, None, opts)
        self.settings, self.cache_rules = {}, {}
        for zone in args.zones:
            role = f"{name}-{zone_slug(zone)}"
            self.settings[zone.name] = {
                setting: cloudflare.ZoneSetting(
                    f"{role}-{setting.replace('_', '-')}",
                    zone_id=zone.zone_id,
                    setting_id=setting,
                    value=value,
                    opts=ctx.child(self),
                )
                for setting, value in ZONE_SETTINGS.items()
            }
            self.cache_rules[zone.name] = cloudflare.Ruleset(
                f"{role}-cache-rules",
                zone_id=zone.zone_id,
                name=f"qmoi {ctx.stack_names.stack} cache rules",
                description="Static assets cached at the edge; API never cached",
                kind="zone",
                phase="http_request_cache_settings",
                rules=cache_rules(),
                opts=ctx.child(self),
            )
            cloudflare.ArgoTieredCaching(
                f"{role}-tiered-caching", zone_id=zone.zone_id, value="on", opts=ctx.child(self)
            )
            cloudflare.TieredCache(f"{role}-tiered-cache", zone_id=zone.zone_id, value="on", opts=ctx.child(self))
        self.register_outputs({"zones": [z.name for z in args.zones]})


def cache_rules() -> list[cloudflare.RulesetRuleArgs]:
    extensions = " ".join(f'"{e}"' for e in STATIC_EXTENSIONS)
    return [
        cloudflare.RulesetRuleArgs(
            description="Cache static assets at the edge",
            expression=f"(http.request.uri.path.extension in {{{extensions}}})",
            action="set_cache_settings",
            action_parameters=cloudflare.RulesetRuleActionParametersArgs(
                cache=True,
                edge_ttl=cloudflare.RulesetRuleActionParametersEdgeTtlArgs(
                    mode="override_origin", default=STATIC_EDGE_TTL
                ),
                browser_ttl=cloudflare.RulesetRuleActionParametersBrowserTtlArgs(mode="respect_origin"),
            ),
            enabled=True,
        ),
        cloudflare.RulesetRuleArgs(
            description="Never cache the API",
            expression='(starts_with(http.request.uri.path, "/api/"))',
            action="set_cache_settings",
            action_parameters=cloudflare.RulesetRuleActionParametersArgs(cache=False),
            enabled=True,
        ),
    ]
