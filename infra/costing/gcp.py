"""Google Cloud pricing rules, keyed by resource type token.

Instances are priced on the regional managed instance group: machine type, attached GPUs
and boot disk come from its instance template, spot from the template's `provisioningModel`,
and the capacity from the group's autoscaler (`minReplicas`; a group with minimum 0 runs
one instance for the tier's busy hours). Buckets are priced by stored GB with the tier split
read from their own lifecycle rules (`SetStorageClass` actions). Cloud NAT and global
forwarding rules are hourly; Cloud CDN egress, functions and alerting are explicit
"not priced" catalog rows until a source is found.
"""

from __future__ import annotations

from infra.config import PlatformConfig
from infra.costing import (
    HourlyPrices,
    LineItem,
    PricingContext,
    Rule,
    bucket_gb,
    function_requests_millions,
    per_instance_disk,
    tier_instances,
    tiered_storage,
)
from infra.mocks import ResourceRecord

P = "gcp"


def tier_size(config: PlatformConfig, tier: str) -> str:
    return config.gcp.compute_instances.machines()[tier].machine_type  # type: ignore[index]


def _template(group: ResourceRecord, ctx: PricingContext) -> ResourceRecord | None:
    versions = group.inputs.get("versions") or []
    url = str(versions[0].get("instanceTemplate", "")) if versions else ""
    name = url.rsplit("/", 1)[-1].split("?", 1)[0]
    templates = ctx.find("gcp:compute/instanceTemplate:InstanceTemplate")
    for template in templates:
        prefix = template.inputs.get("namePrefix")
        if name and (template.inputs.get("name") == name or (prefix and name.startswith(str(prefix)))):
            return template
    # In a preview the template's URL is not known yet: its name prefix is the group's name.
    group_prefix = f"{group.inputs.get('name')}-"
    return next((t for t in templates if t.inputs.get("namePrefix") == group_prefix), None)


def _autoscaler(group: ResourceRecord, ctx: PricingContext) -> dict[str, object]:
    name = group.inputs.get("name")
    for scaler in ctx.find("gcp:compute/regionAutoscaler:RegionAutoscaler"):
        if str(scaler.inputs.get("target", "")).rsplit("/", 1)[-1] == name:
            return dict(scaler.inputs.get("autoscalingPolicy") or {})
    return {}


def _instance_group(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    template = _template(record, ctx)
    if template is None:
        raise LookupError("no instance template found for the group")
    inputs = template.inputs
    machine = str(inputs.get("machineType"))
    spot = (inputs.get("scheduling") or {}).get("provisioningModel") == "SPOT"
    policy = _autoscaler(record, ctx)
    target = record.inputs.get("targetSize")
    minimum = int(policy.get("minReplicas", target or 0))  # type: ignore[call-overload]
    desired = int(target if target is not None else minimum)
    tier = (inputs.get("labels") or {}).get("tier")
    on_demand = ctx.price(P, "instance", machine)
    spot_price = ctx.price(P, "instance", machine, spot=True) if spot else None
    gpus = []
    for accelerator in inputs.get("guestAccelerators") or []:
        count, kind = int(accelerator.get("count", 1)), str(accelerator.get("type"))
        on_demand += count * ctx.price(P, "accelerator", kind)
        if spot_price is not None:
            spot_price += count * ctx.price(P, "accelerator", kind, spot=True)
        gpus.append(f"{count}x {kind}")
    reference = None
    if ctx.reference and tier:
        ref = ctx.reference.gcp.compute_instances.machines()[tier]
        reference = ctx.price(P, "instance", ref.machine_type)
        if ref.accelerator:
            reference += ref.accelerator_count * ctx.price(P, "accelerator", ref.accelerator)
    what = f"{machine}{' + ' + ', '.join(gpus) if gpus else ''}"
    prices = HourlyPrices(on_demand, spot_price, reference)
    spot_fraction = 1.0 if spot else 0.0
    item, instance_hours = tier_instances(
        ctx, what, prices, tier=tier, minimum=minimum, desired=desired, spot_fraction=spot_fraction
    )
    items = [item]
    for disk in inputs.get("disks") or []:
        gb = float(disk.get("diskSizeGb", 0) or 0)
        if gb:
            items.append(per_instance_disk(ctx, P, gb, str(disk.get("diskType", "pd-balanced")), instance_hours))
    return items


def _bucket(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    gb = bucket_gb(ctx.usage, str(record.inputs.get("name", "")))
    transitions: list[tuple[int, str]] = []
    expire: int | None = None
    for rule in record.inputs.get("lifecycleRules") or []:
        action, condition = rule.get("action") or {}, rule.get("condition") or {}
        age = condition.get("age")
        if age is None or condition.get("withState") == "ARCHIVED" or condition.get("daysSinceNoncurrentTime"):
            continue
        if action.get("type") == "SetStorageClass":
            transitions.append((int(age), str(action["storageClass"])))
        elif action.get("type") == "Delete":
            expire = int(age)
    first = str(record.inputs.get("storageClass", "STANDARD"))
    return [tiered_storage(ctx, P, gb, first, transitions, expire)]


def _function(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    service = record.inputs.get("serviceConfig") or {}
    memory = str(service.get("availableMemory", "256M"))
    number = memory.removesuffix("i").removesuffix("M").removesuffix("G")
    gb = float(number) / (1 if memory.endswith(("G", "Gi")) else 1024)
    label = (record.inputs.get("labels") or {}).get("function", "")
    millions = function_requests_millions(ctx.usage, label, record.name)
    gb_seconds = millions * 1e6 * ctx.usage.function_avg_duration_ms / 1000 * gb
    return [
        ctx.charge(f"{millions:g} M requests", millions, P, "function", "requests"),
        ctx.charge(f"{gb_seconds:,.0f} GB-s", gb_seconds, P, "function", "gb-second"),
    ]


def _router_nat(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    gb = ctx.usage.nat_processed_gb
    return [
        ctx.charge(f"{ctx.hours:g} gateway-hours", ctx.hours, P, "nat", "gateway-hour"),
        ctx.charge(f"{gb:g} GB processed", gb, P, "nat", "data-processed"),
    ]


def _forwarding_rule(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge(f"{ctx.hours:g} forwarding-rule hours", ctx.hours, P, "lb", "forwarding-rule-hour")]


def _backend_bucket(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    if not record.inputs.get("enableCdn"):
        return []
    gb = ctx.usage.cdn_egress_gb
    return [ctx.charge(f"{gb:g} GB Cloud CDN egress", gb, P, "cdn", "egress-gb")]


def _alert_policy(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    conditions = len(record.inputs.get("conditions") or []) or 1
    return [ctx.charge(f"{conditions} alert condition(s)", conditions, P, "monitoring", "alert-condition")]


def _crypto_key(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge("active key version", 1, P, "kms", "key-version-month")]


RULES: dict[str, Rule] = {
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": _instance_group,
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:cloudfunctionsv2/function:Function": _function,
    "gcp:compute/routerNat:RouterNat": _router_nat,
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": _forwarding_rule,
    "gcp:compute/backendBucket:BackendBucket": _backend_bucket,
    "gcp:monitoring/alertPolicy:AlertPolicy": _alert_policy,
}

_NETWORK = "VPC networking objects have no charge"
_IAM = "IAM has no charge"
_LB_PART = "part of the load balancer; priced on its forwarding rules"

FREE: dict[str, str] = {
    "gcp:compute/instanceTemplate:InstanceTemplate": "priced on the instance group that uses it",
    "gcp:compute/regionAutoscaler:RegionAutoscaler": "autoscalers have no charge",
    "gcp:compute/healthCheck:HealthCheck": "health checks have no charge",
    "gcp:compute/network:Network": _NETWORK,
    "gcp:compute/subnetwork:Subnetwork": _NETWORK,
    "gcp:compute/firewall:Firewall": _NETWORK,
    "gcp:compute/router:Router": "Cloud Router without BGP sessions has no charge; NAT is priced on RouterNat",
    "gcp:compute/globalAddress:GlobalAddress": "an address in use by a forwarding rule has no separate charge",
    "gcp:compute/targetHttpProxy:TargetHttpProxy": _LB_PART,
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": _LB_PART,
    "gcp:compute/uRLMap:URLMap": _LB_PART,
    "gcp:compute/sSLPolicy:SSLPolicy": _LB_PART,
    "gcp:compute/managedSslCertificate:ManagedSslCertificate": "Google-managed certificates have no charge",
    "gcp:storage/bucketIAMMember:BucketIAMMember": _IAM,
    "gcp:storage/bucketObject:BucketObject": "a function package: a few MB inside a priced bucket",
    "gcp:projects/iAMMember:IAMMember": _IAM,
    "gcp:serviceaccount/account:Account": _IAM,
    "gcp:billing/budget:Budget": "budgets have no charge",
    "gcp:monitoring/notificationChannel:NotificationChannel": "notification channels have no charge",
    "gcp:kms/keyRing:KeyRing": "key rings have no charge",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _IAM,
    "gcp:projects/serviceIdentity:ServiceIdentity": _IAM,
}
