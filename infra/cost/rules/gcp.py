"""Google Cloud pricing rules, keyed by resource type token.

Instances are priced on the regional managed instance group: machine type, attached GPUs
and boot disk come from its instance template, spot from the template's `provisioningModel`,
and the capacity from the group's autoscaler (`minReplicas`; a group with minimum 0 runs
one instance for the tier's busy hours). Buckets are priced by stored GB with the tier split
read from their own lifecycle rules (`SetStorageClass` actions). Cloud NAT and global
forwarding rules are hourly. Cloud Run functions (2nd gen) are billed as Cloud Run services
with request-based billing: requests, GiB-seconds of memory and vCPU-seconds of the CPU the
function is given (`FUNCTION_VCPU`, unless it sets `availableCpu`), plus its minimum
instances kept warm. Cloud CDN cache egress is per GiB; subnetwork flow logs are stored in
Cloud Logging (vended network logs, per GiB) and also billed as network telemetry. Charges
without a sourced price (alerting, network telemetry, idle minimum instances) are explicit
"not priced" catalog rows.
"""

from __future__ import annotations

from infra.config import TierMachine
from infra.cost.pricing import (
    Disk,
    FunctionReading,
    LineItem,
    PricingContext,
    Rule,
    TierReading,
    bucket_gb,
    price_function,
    price_nat,
    price_tier,
    step_up,
    tiered_storage,
)
from infra.plan.records import ResourceRecord

P = "gcp"

# vCPUs a Cloud Run function is given for its memory (GiB) when `availableCpu` is not set:
# https://cloud.google.com/functions/docs/configuring/memory ("Configure memory and vCPU limits").
FUNCTION_VCPU: tuple[tuple[float, float], ...] = (
    (0.125, 0.083),
    (0.25, 0.167),
    (0.5, 0.333),
    (1, 0.583),
    (2, 1),
    (4, 2),
    (8, 2),
    (16, 4),
    (32, 8),
)


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
    spot = (inputs.get("scheduling") or {}).get("provisioningModel") == "SPOT"
    policy = _autoscaler(record, ctx)
    target = record.inputs.get("targetSize")
    minimum = int(policy.get("minReplicas", target or 0))  # type: ignore[call-overload]
    accelerators = tuple((str(a.get("type")), int(a.get("count", 1))) for a in inputs.get("guestAccelerators") or [])
    disks = tuple(
        Disk(float(d.get("diskSizeGb", 0) or 0), str(d.get("diskType", "pd-balanced")))
        for d in inputs.get("disks") or []
    )
    reading = TierReading(
        machine=TierMachine(str(inputs.get("machineType")), accelerators),
        tier=(inputs.get("labels") or {}).get("tier"),
        minimum=minimum,
        desired=int(target if target is not None else minimum),
        spot_fraction=1.0 if spot else 0.0,
        disks=disks,
        maximum=int(policy["maxReplicas"]) if policy.get("maxReplicas") is not None else None,  # type: ignore[call-overload]
    )
    return price_tier(ctx, P, reading)


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
    labels = record.inputs.get("labels") or {}
    usage = "usage.storage_gb" if labels.get("bucket-class") else "usage.log_storage_gb"
    return [tiered_storage(ctx, P, gb, first, transitions, expire, usage=usage)]


def _function(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    service = record.inputs.get("serviceConfig") or {}
    memory = str(service.get("availableMemory", "256M"))
    number = memory.removesuffix("i").removesuffix("M").removesuffix("G")
    memory_gb = float(number) / (1 if memory.endswith(("G", "Gi")) else 1024)
    cpu = service.get("availableCpu")
    vcpu = float(cpu) if cpu else step_up(memory_gb, FUNCTION_VCPU)
    if vcpu is None:
        raise LookupError(f"no vCPU allotment known for {memory} of memory; set serviceConfig.availableCpu")
    label = (record.inputs.get("labels") or {}).get("function", "")
    warm = int(service.get("minInstanceCount", 0) or 0)
    return price_function(ctx, P, FunctionReading((label, record.name), memory_gb, vcpu=vcpu, warm_instances=warm))


def _router_nat(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return price_nat(ctx, P)


def _forwarding_rule(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge(f"{ctx.hours:g} forwarding-rule hours", ctx.hours, P, "lb", "forwarding-rule-hour")]


def _backend_bucket(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    if not record.inputs.get("enableCdn"):
        return []
    gb = ctx.usage.cdn_egress_gb
    return [ctx.charge(f"{gb:g} GB Cloud CDN egress", gb, P, "cdn", "egress-gb", usage="usage.cdn_egress_gb")]


def _alert_policy(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    conditions = len(record.inputs.get("conditions") or []) or 1
    return [ctx.charge(f"{conditions} alert condition(s)", conditions, P, "monitoring", "alert-condition")]


def _subnetwork(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    if not record.inputs.get("logConfig"):
        return []
    gb = ctx.usage.flow_log_gb
    return [
        ctx.charge(
            f"{gb:g} GB of VPC flow logs generated (network telemetry)",
            gb,
            P,
            "network",
            "flow-log-gb",
            usage="usage.flow_log_gb",
        ),
        ctx.charge(
            f"{gb:g} GB of VPC flow logs stored in Cloud Logging",
            gb,
            P,
            "network",
            "flow-log-storage-gb",
            usage="usage.flow_log_gb",
        ),
    ]


def _crypto_key(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge("active key version", 1, P, "kms", "key-version-month")]


def _security_policy(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    rules = len(record.inputs.get("rules") or [])
    millions = ctx.usage.waf_requests_millions
    label = f"Cloud Armor policy, {rules} rules, {millions:g} M requests"
    return [ctx.charge(label, 1, P, "security", "cloud-armor-policy")]


def _audit_config(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    """Admin Activity logs are free; the Data Access logs this turns on are billed as log ingestion."""
    types = [c.get("logType") for c in record.inputs.get("auditLogConfigs") or []]
    data = [t for t in types if t in ("DATA_READ", "DATA_WRITE")]
    if not data:
        return []
    return [ctx.charge(f"{' and '.join(data)} audit logs ingested", 1, P, "logging", "data-access-audit-logs")]


RULES: dict[str, Rule] = {
    "gcp:kms/cryptoKey:CryptoKey": _crypto_key,
    "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager": _instance_group,
    "gcp:storage/bucket:Bucket": _bucket,
    "gcp:cloudfunctionsv2/function:Function": _function,
    "gcp:compute/routerNat:RouterNat": _router_nat,
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": _forwarding_rule,
    "gcp:compute/backendBucket:BackendBucket": _backend_bucket,
    "gcp:monitoring/alertPolicy:AlertPolicy": _alert_policy,
    "gcp:compute/subnetwork:Subnetwork": _subnetwork,
    "gcp:compute/securityPolicy:SecurityPolicy": _security_policy,
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": _audit_config,
}

_NETWORK = "VPC networking objects have no charge"
_IAM = "IAM has no charge"
_LB_PART = "part of the load balancer; priced on its forwarding rules"

FREE: dict[str, str] = {
    "gcp:compute/instanceTemplate:InstanceTemplate": "priced on the instance group that uses it",
    "gcp:compute/regionAutoscaler:RegionAutoscaler": "autoscalers have no charge ('Predictive autoscaling is free of "
    "charge', cloud.google.com/compute/docs/autoscaler/predictive-autoscaling); the instances are priced on the group",
    "gcp:compute/healthCheck:HealthCheck": "health checks have no charge",
    "gcp:compute/network:Network": _NETWORK,
    "gcp:compute/firewall:Firewall": _NETWORK,
    "gcp:compute/router:Router": "Cloud Router without BGP sessions has no charge; NAT is priced on RouterNat",
    "gcp:compute/globalAddress:GlobalAddress": "an address in use by a forwarding rule has no separate charge",
    "gcp:compute/targetHttpProxy:TargetHttpProxy": _LB_PART,
    "gcp:compute/targetHttpsProxy:TargetHttpsProxy": _LB_PART,
    "gcp:compute/uRLMap:URLMap": _LB_PART,
    "gcp:compute/sSLPolicy:SSLPolicy": _LB_PART,
    "gcp:compute/managedSslCertificate:ManagedSslCertificate": "Google-managed certificates have no charge",
    "gcp:storage/bucketIAMMember:BucketIAMMember": _IAM,
    "gcp:storage/bucketObject:BucketObject": "a function package or the health object: bytes inside a priced bucket",
    "gcp:projects/iAMMember:IAMMember": _IAM,
    "gcp:serviceaccount/account:Account": _IAM,
    "gcp:billing/budget:Budget": "budgets have no charge",
    "gcp:monitoring/notificationChannel:NotificationChannel": "notification channels have no charge",
    "gcp:monitoring/dashboard:Dashboard": "Cloud Monitoring bills metric ingestion, API reads, alerting and uptime "
    "checks, not dashboards; the dashboard reads Google Cloud's own metrics, which are free",
    "gcp:kms/keyRing:KeyRing": "key rings have no charge",
    "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": _IAM,
    "gcp:projects/serviceIdentity:ServiceIdentity": _IAM,
    "gcp:logging/projectSink:ProjectSink": "routing logs has no Cloud Logging charge; the audit bucket is priced",
}
