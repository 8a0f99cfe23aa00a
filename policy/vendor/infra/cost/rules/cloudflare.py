# GENERATED from infra/cost/rules/cloudflare.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""Cloudflare pricing rules, keyed by resource type token.

R2 buckets are priced by stored GB per storage class, with the tier split read from the
bucket's lifecycle rules; Workers by requests and CPU time plus the Workers Paid plan fee
(one per account, shared across the plan's scripts); a load balancer by the Load Balancing
add-on's monthly fee (pools and monitors are part of it). Zone configuration (settings,
rulesets, DNS records, tiered cache) has no charge of its own: the zones' plans exist outside
this stack. CDN bandwidth on Cloudflare is not metered.
"""

from __future__ import annotations

from dataclasses import replace

from infra.cost.pricing import (
    LineItem,
    PricingContext,
    Rule,
    bucket_gb,
    function_requests_millions,
    per_unit,
    tiered_storage,
)
from infra.plan.records import ResourceRecord

P = "cloudflare"
DAY_SECONDS = 86_400
STORAGE_CLASSES = {"Standard": "standard", "InfrequentAccess": "infrequent-access"}


def _r2_bucket(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    name = str(record.inputs.get("name", ""))
    gb = bucket_gb(ctx.usage, name)
    first = STORAGE_CLASSES.get(str(record.inputs.get("storageClass", "Standard")), "standard")
    transitions: list[tuple[int, str]] = []
    expire: int | None = None
    for lifecycle in ctx.find("cloudflare:index/r2BucketLifecycle:R2BucketLifecycle", bucketName=name):
        for rule in lifecycle.inputs.get("rules") or []:
            if not rule.get("enabled", True):
                continue
            for step in rule.get("storageClassTransitions") or []:
                age = (step.get("condition") or {}).get("maxAge")
                if age:
                    transitions.append((int(age) // DAY_SECONDS, STORAGE_CLASSES[step["storageClass"]]))
            age = ((rule.get("deleteObjectsTransition") or {}).get("condition") or {}).get("maxAge")
            expire = int(age) // DAY_SECONDS if age else expire
    return [tiered_storage(ctx, P, gb, first, transitions, expire)]


def _workers_script(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    scripts = len(ctx.find(record.type)) or 1
    millions = function_requests_millions(ctx.usage, record.name.removesuffix("-script"), record.name)
    cpu_ms_millions = millions * ctx.usage.function_avg_duration_ms
    requests, duration = "usage.function_requests_millions", "usage.function_avg_duration_ms"
    return [
        per_unit(f"Workers Paid plan, 1/{scripts} of it", 1 / scripts, ctx.price(P, "platform", "workers-paid-plan")),
        replace(per_unit(f"{millions:g} M requests", millions, ctx.price(P, "function", "requests")), usage=requests),
        replace(
            per_unit(f"{cpu_ms_millions:g} M CPU-ms", cpu_ms_millions, ctx.price(P, "function", "cpu-ms")),
            usage=f"{requests}, {duration}",
        ),
    ]


def _load_balancer(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [per_unit("Load Balancing add-on", 1, ctx.price(P, "lb", "load-balancer-month"))]


RULES: dict[str, Rule] = {
    "cloudflare:index/r2Bucket:R2Bucket": _r2_bucket,
    "cloudflare:index/workersScript:WorkersScript": _workers_script,
    "cloudflare:index/loadBalancer:LoadBalancer": _load_balancer,
}

_LB_PART = "part of the Load Balancing add-on priced on the load balancer"
_ZONE = "zone configuration has no charge of its own (the zone's plan is outside this stack)"

FREE: dict[str, str] = {
    "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle": "configures its bucket; storage is priced on the bucket",
    "cloudflare:index/r2BucketLock:R2BucketLock": "configures its bucket; storage is priced on the bucket",
    "cloudflare:index/r2BucketCors:R2BucketCors": "configures its bucket; storage is priced on the bucket",
    "cloudflare:index/loadBalancerPool:LoadBalancerPool": _LB_PART,
    "cloudflare:index/loadBalancerMonitor:LoadBalancerMonitor": _LB_PART,
    "cloudflare:index/workersRoute:WorkersRoute": "routes have no charge; requests are priced on the script",
    "cloudflare:index/zoneSetting:ZoneSetting": _ZONE,
    "cloudflare:index/ruleset:Ruleset": _ZONE,
    "cloudflare:index/dnsRecord:DnsRecord": _ZONE,
    "cloudflare:index/tieredCache:TieredCache": "Tiered Cache is included in every plan",
    "cloudflare:index/argoTieredCaching:ArgoTieredCaching": "Tiered Cache is included in every plan",
    "cloudflare:index/notificationPolicy:NotificationPolicy": "notifications are included in every Cloudflare plan",
}
