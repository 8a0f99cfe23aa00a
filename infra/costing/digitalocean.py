"""DigitalOcean pricing rules, keyed by resource type token.

Droplet autoscale pools are priced at their minimum instance count (a pool with minimum 0
runs one droplet for the tier's busy hours); DigitalOcean bills a droplet hourly up to 672
hours a month, so a month of a droplet costs at most `hourly x 672`. There is no spot
capacity. Spaces is one subscription per account (shared by the plan's buckets) plus the GB
beyond its allowance. Spaces CDN, VPCs, firewalls, certificates, tags and monitoring alerts
have no charge of their own; App Platform functions are an explicit "not priced" row.
"""

from __future__ import annotations

from infra.config import PlatformConfig
from infra.costing import HourlyPrices, LineItem, PricingContext, Rule, bucket_gb, tier_instances
from infra.mocks import ResourceRecord

P = "digitalocean"
MONTHLY_CAP_HOURS = 672.0
SPACES_INCLUDED_GB = 250.0


def tier_size(config: PlatformConfig, tier: str) -> str:
    return config.digitalocean.droplets.sizes()[tier]  # type: ignore[index]


def _autoscale_pool(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    template = record.inputs.get("dropletTemplate") or {}
    scaling = record.inputs.get("config") or {}
    size = str(template.get("size"))
    minimum = int(scaling.get("minInstances", scaling.get("targetNumberInstances", 0)))
    desired = int(scaling.get("targetNumberInstances", minimum))
    tags = [str(t) for t in template.get("tags") or []]
    tier = next((t.split(":", 1)[1] for t in tags if t.startswith("tier:")), None)
    reference = ctx.price(P, "instance", tier_size(ctx.reference, tier)) if ctx.reference and tier else None
    prices = HourlyPrices(ctx.price(P, "instance", size), None, reference)
    hours = min(ctx.hours, MONTHLY_CAP_HOURS)
    item, _ = tier_instances(
        ctx, size, prices, tier=tier, minimum=minimum, desired=desired, spot_fraction=0.0, hours=hours
    )
    return [item]


def _spaces_bucket(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    buckets = ctx.find(record.type)

    total = sum(bucket_gb(ctx.usage, str(b.inputs.get("name", ""))) for b in buckets) or 1.0
    gb = bucket_gb(ctx.usage, str(record.inputs.get("name", "")))
    extra = max(0.0, total - SPACES_INCLUDED_GB) * gb / total
    return [
        ctx.charge(
            f"Spaces subscription, 1/{len(buckets)} of it", 1 / len(buckets), P, "storage", "spaces-subscription"
        ),
        ctx.charge(f"{extra:g} GB beyond the included {SPACES_INCLUDED_GB:g}", extra, P, "storage", "spaces-extra-gb"),
    ]


def _app(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    functions = (record.inputs.get("spec") or {}).get("functions") or []
    count = len(functions)
    return [ctx.charge(f"{count} App Platform functions", count, P, "function", "app-platform-functions")]


RULES: dict[str, Rule] = {
    "digitalocean:index/dropletAutoscale:DropletAutoscale": _autoscale_pool,
    "digitalocean:index/spacesBucket:SpacesBucket": _spaces_bucket,
    "digitalocean:index/app:App": _app,
}

FREE: dict[str, str] = {
    "digitalocean:index/vpc:Vpc": "VPCs have no charge",
    "digitalocean:index/firewall:Firewall": "cloud firewalls have no charge",
    "digitalocean:index/tag:Tag": "tags have no charge",
    "digitalocean:index/certificate:Certificate": "Let's Encrypt certificates have no charge",
    "digitalocean:index/cdn:Cdn": "the Spaces CDN is included in the Spaces subscription",
    "digitalocean:index/monitorAlert:MonitorAlert": "monitoring alerts have no charge",
    "digitalocean:index/spacesBucketPolicy:SpacesBucketPolicy": "configures its bucket (priced)",
    "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration": "configures its bucket",
}
