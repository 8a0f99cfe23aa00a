# GENERATED from infra/cost/rules/digitalocean.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""DigitalOcean pricing rules, keyed by resource type token.

Droplet autoscale pools are priced at their minimum instance count (a pool with minimum 0
runs one droplet for the tier's busy hours); DigitalOcean bills a droplet hourly up to 672
hours a month, so a month of a droplet costs at most `hourly x 672`. There is no spot
capacity. Spaces is one subscription per account (shared by the plan's buckets) plus the GB
beyond its allowance. Spaces CDN, VPCs, firewalls, certificates, tags and monitoring alerts
have no charge of their own; App Platform functions are an explicit "not priced" row.
"""

from __future__ import annotations

from infra.config import TierMachine
from infra.cost.pricing import LineItem, PricingContext, Rule, TierReading, bucket_gb, price_tier
from infra.plan.records import ResourceRecord

P = "digitalocean"
MONTHLY_CAP_HOURS = 672.0
SPACES_INCLUDED_GB = 250.0


def _autoscale_pool(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    template = record.inputs.get("dropletTemplate") or {}
    scaling = record.inputs.get("config") or {}
    minimum = int(scaling.get("minInstances", scaling.get("targetNumberInstances", 0)))
    tags = [str(t) for t in template.get("tags") or []]
    reading = TierReading(
        machine=TierMachine(str(template.get("size"))),
        tier=next((t.split(":", 1)[1] for t in tags if t.startswith("tier:")), None),
        minimum=minimum,
        desired=int(scaling.get("targetNumberInstances", minimum)),
        hour_cap=MONTHLY_CAP_HOURS,
        maximum=int(scaling["maxInstances"]) if scaling.get("maxInstances") is not None else None,
    )
    return price_tier(ctx, P, reading)


def _spaces_bucket(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    buckets = ctx.find(record.type)

    total = sum(bucket_gb(ctx.usage, str(b.inputs.get("name", ""))) for b in buckets) or 1.0
    gb = bucket_gb(ctx.usage, str(record.inputs.get("name", "")))
    extra = max(0.0, total - SPACES_INCLUDED_GB) * gb / total
    return [
        ctx.charge(
            f"Spaces subscription, 1/{len(buckets)} of it", 1 / len(buckets), P, "storage", "spaces-subscription"
        ),
        ctx.charge(
            f"{extra:g} GB beyond the included {SPACES_INCLUDED_GB:g}",
            extra,
            P,
            "storage",
            "spaces-extra-gb",
            usage="usage.storage_gb",
        ),
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
    "digitalocean:index/spacesBucketObject:SpacesBucketObject": "a few bytes inside a priced bucket",
    "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration": "configures its bucket",
}
