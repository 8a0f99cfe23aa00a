# GENERATED from infra/cost/rules/azure.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""Azure pricing rules, keyed by resource type token.

Virtual machine scale sets are priced from their SKU and capacity (spot when the VM profile's
`priority` is `Spot`; the minimum comes from the autoscale setting that targets the set).
Blob storage is priced on the storage account: each bucket class's GB at the account's
access tier, split across Cool/Cold/Archive by the lifecycle management policy of that
class's prefix. Front Door Standard has a monthly base fee plus egress. Flex Consumption
function apps are priced by executions and on-demand GB-seconds, plus the always-ready
baseline of the instances they keep warm. A Premium SSD managed disk is billed per disk at the
smallest size tier that holds it (`PREMIUM_SSD_TIERS`). A metric alert rule is billed per
time series it monitors; the NAT gateway per hour and per GB processed; a Standard public IP
per hour. A disk tier without a sourced price for the region is an explicit "not priced" row.
"""

from __future__ import annotations

from infra.config import BucketClass, TierMachine
from infra.cost.pricing import (
    Disk,
    FunctionReading,
    LineItem,
    PricingContext,
    Rule,
    TierReading,
    price_function,
    price_nat,
    price_tier,
    tiered_storage,
)
from infra.plan.records import ResourceRecord

P = "azure"
TIER_ACTIONS = {"tierToCool": "Cool", "tierToCold": "Cold", "tierToArchive": "Archive"}

# Premium SSD sizes (GiB) and the tier each is billed at: a disk is billed at the smallest tier
# that holds it. MicrosoftDocs/azure-docs, include "Premium SSD sizes" (ms.date 2023-03-16;
# https://learn.microsoft.com/azure/virtual-machines/disks-types#premium-ssd-size); "the size you
# set is billed as the next largest provisioned disk size"
# (https://learn.microsoft.com/azure/virtual-machines/disks-understand-billing).
PREMIUM_SSD_TIERS: tuple[tuple[float, str], ...] = (
    (4, "P1"),
    (8, "P2"),
    (16, "P3"),
    (32, "P4"),
    (64, "P6"),
    (128, "P10"),
    (256, "P15"),
    (512, "P20"),
    (1024, "P30"),
    (2048, "P40"),
    (4096, "P50"),
    (8192, "P60"),
    (16384, "P70"),
    (32767, "P80"),
)
DISK_TIERS = {"Premium_LRS": PREMIUM_SSD_TIERS}  # zone-redundant (ZRS) tiers: no sourced prices yet


def _capacity(record: ResourceRecord, ctx: PricingContext) -> tuple[int | None, int | None]:
    """(minimum, maximum) of the scale set's default autoscale profile (the first), or (None, None)."""
    name = str(record.inputs.get("vmScaleSetName", ""))
    for setting in ctx.find("azure-native:monitor:AutoscaleSetting"):
        if str(setting.inputs.get("targetResourceUri", "")).endswith(f"/{name}"):
            profiles = setting.inputs.get("profiles") or []
            if profiles:
                capacity = profiles[0].get("capacity") or {}
                maximum = capacity.get("maximum")
                return int(capacity.get("minimum", 0)), int(maximum) if maximum is not None else None
    return None, None


def _scale_set(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    sku = record.inputs.get("sku") or {}
    desired = int(sku.get("capacity", 0))
    profile = record.inputs.get("virtualMachineProfile") or {}
    minimum, maximum = _capacity(record, ctx)
    os_disk = (profile.get("storageProfile") or {}).get("osDisk") or {}
    kind = str((os_disk.get("managedDisk") or {}).get("storageAccountType", "Premium_LRS"))
    reading = TierReading(
        machine=TierMachine(str(sku.get("name"))),
        tier=(record.inputs.get("tags") or {}).get("tier"),
        minimum=desired if minimum is None else minimum,
        desired=desired,
        spot_fraction=1.0 if profile.get("priority") == "Spot" else 0.0,
        disks=(Disk(float(os_disk.get("diskSizeGB", 0) or 0), kind, "OS disk", DISK_TIERS.get(kind, ())),),
        maximum=maximum,
    )
    return price_tier(ctx, P, reading)


def _classes_in(account: object, ctx: PricingContext) -> list[BucketClass]:
    """The bucket classes whose containers live in `account` (their `bucket_class` metadata)."""
    found = {
        str((c.inputs.get("metadata") or {}).get("bucket_class", ""))
        for c in ctx.find("azure-native:storage:BlobContainer", accountName=account)
    }
    return [c for c in BucketClass if c.value in found]


def _storage_account(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    account = record.inputs.get("accountName")
    first = str(record.inputs.get("accessTier", "Hot"))
    classes = _classes_in(account, ctx)
    if not classes:
        # The functions' host account: leases, keys and packages, a few MB (not modelled).
        return [ctx.charge("function host state and packages (a few MB)", 0.0, P, "storage", first)]
    rules = [
        rule
        for policy in ctx.find("azure-native:storage:ManagementPolicy", accountName=account)
        for rule in (policy.inputs.get("policy") or {}).get("rules") or []
        if rule.get("enabled", True)
    ]
    items = []
    for bucket_class in classes:
        gb = ctx.usage.storage_gb.get(bucket_class, 0.0)
        transitions: list[tuple[int, str]] = []
        expire: int | None = None
        for rule in rules:
            prefixes = ((rule.get("definition") or {}).get("filters") or {}).get("prefixMatch") or []
            if not any(p.split("/", 1)[0].endswith(bucket_class.value) for p in prefixes):
                continue
            base = ((rule.get("definition") or {}).get("actions") or {}).get("baseBlob") or {}
            for action, tier in TIER_ACTIONS.items():
                if action in base:
                    transitions.append((int(base[action]["daysAfterModificationGreaterThan"]), tier))
            if "delete" in base:
                expire = int(base["delete"]["daysAfterModificationGreaterThan"])
        items.append(tiered_storage(ctx, P, gb, first, transitions, expire, prefix=f"{bucket_class.value}: "))
    return items


def _front_door(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    sku = str((record.inputs.get("sku") or {}).get("name", ""))
    if sku != "Standard_AzureFrontDoor":
        raise LookupError(f"no pricing rule for Front Door / CDN SKU {sku!r}")
    gb = ctx.usage.cdn_egress_gb
    return [
        ctx.charge("Front Door Standard base fee", 1, P, "cdn", "frontdoor-standard-month"),
        ctx.charge(f"{gb:g} GB egress", gb, P, "cdn", "egress-gb", usage="usage.cdn_egress_gb"),
    ]


def _function_app(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    scale = (record.inputs.get("functionAppConfig") or {}).get("scaleAndConcurrency") or {}
    memory_gb = float(scale.get("instanceMemoryMB", 2048)) / 1024
    always_ready = sum(int(entry.get("instanceCount", 0) or 0) for entry in scale.get("alwaysReady") or [])
    name = (record.inputs.get("tags") or {}).get("function", "")
    reading = FunctionReading((name, record.name), memory_gb, request_noun="executions", warm_instances=always_ready)
    return price_function(ctx, P, reading)


def _app_service_plan(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    tier = str((record.inputs.get("sku") or {}).get("tier", ""))
    if tier != "FlexConsumption":
        raise LookupError(f"no pricing rule for App Service plan tier {tier!r}")
    return []  # Flex Consumption bills per execution, on the function app


def _metric_alert(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    """Billed per monitored time series: one per target resource, condition and dimension value
    (https://learn.microsoft.com/azure/azure-monitor/alerts/alerts-metric-multiple-time-series-single-rule);
    a `*` dimension follows every value it finds, counted here as one (a lower bound, said so)."""
    per_resource, wildcard = 0, False
    for criterion in (record.inputs.get("criteria") or {}).get("allOf") or [{}]:
        series = 1
        for dimension in criterion.get("dimensions") or []:
            values = [str(v) for v in dimension.get("values") or []]
            wildcard = wildcard or "*" in values
            series *= max(1, len([v for v in values if v != "*"]))
        per_resource += series
    count = max(1, len(record.inputs.get("scopes") or [])) * per_resource
    label = f"metric alert rule, {count} time series" + (
        " (at least: a '*' dimension counted once)" if wildcard else ""
    )
    return [ctx.charge(label, count, P, "monitoring", "metric-alert")]


def _nat_gateway(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return price_nat(ctx, P)


def _public_ip(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge(f"static public IP, {ctx.hours:g} h", ctx.hours, P, "network", "public-ip-hour")]


def _defender_plan(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    """Defender plans bill every resource of their type in the subscription; this stack's are named."""
    plan = str(record.inputs.get("pricingName", ""))
    if record.inputs.get("pricingTier") != "Standard":
        return []
    if plan == "VirtualMachines":
        vms = sum(int((s.inputs.get("sku") or {}).get("capacity", 0)) for s in ctx.find(SCALE_SET))
        label = f"Defender for Servers {record.inputs.get('subPlan', 'P1')} on this stack's {vms} VM(s)"
        return [
            ctx.charge(f"{label} (and every other VM of the subscription)", vms, P, "security", "defender-servers-p1")
        ]
    if plan == "StorageAccounts":
        accounts = len(ctx.find("azure-native:storage:StorageAccount"))
        label = f"Defender for Storage on this stack's {accounts} account(s) (and every other of the subscription)"
        found = [ctx.charge(label, accounts, P, "security", "defender-storage")]
        for extension in record.inputs.get("extensions") or []:
            if extension.get("name") == "OnUploadMalwareScanning" and extension.get("isEnabled") == "True":
                cap = (extension.get("additionalExtensionProperties") or {}).get("CapGBPerMonthPerStorageAccount")
                capped = cap is not None and str(cap) != "-1"  # -1: no cap
                scanned = f"up to {cap} GB a month" if capped else "every uploaded GB (no cap)"
                found.append(
                    ctx.charge(
                        f"malware scanning on upload: {scanned} on each of this stack's {accounts} account(s) (and "
                        "every other of the subscription)",
                        accounts * float(str(cap)) if capped else 0,
                        P,
                        "security",
                        "defender-storage-malware-scan-gb",
                    )
                )
        return found
    raise LookupError(f"{record.name}: Defender plan {plan!r} has no pricing rule")


def _waf_policy(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    rules = len((record.inputs.get("customRules") or {}).get("rules") or [])
    label = f"WAF policy, {rules} custom rules, {ctx.usage.waf_requests_millions:g} M requests"
    return [ctx.charge(label, 1, P, "security", "frontdoor-waf-policy")]


def _backup_instance(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    return [ctx.charge("protected storage account (blobs) and its vaulted copies", 1, P, "backup", "blob-backup")]


def _activity_log(record: ResourceRecord, ctx: PricingContext) -> list[LineItem]:
    categories = len(record.inputs.get("logs") or [])
    label = f"activity log ({categories} categories) ingested into Log Analytics and kept there"
    return [ctx.charge(label, 1, P, "logging", "log-analytics-gb")]


SCALE_SET = "azure-native:compute:VirtualMachineScaleSet"

RULES: dict[str, Rule] = {
    "azure-native:compute:VirtualMachineScaleSet": _scale_set,
    "azure-native:storage:StorageAccount": _storage_account,
    "azure-native:cdn:Profile": _front_door,
    "azure-native:web:WebApp": _function_app,
    "azure-native:web:AppServicePlan": _app_service_plan,
    "azure-native:monitor:MetricAlert": _metric_alert,
    "azure-native:network:NatGateway": _nat_gateway,
    "azure-native:network:PublicIPAddress": _public_ip,
    "azure-native:security:Pricing": _defender_plan,
    "azure-native:frontdoor:Policy": _waf_policy,
    "azure-native:dataprotection:BackupInstance": _backup_instance,
    "azure-native:monitor:SubscriptionDiagnosticSetting": _activity_log,
}

_ACCOUNT_PART = "part of the storage account; storage is priced on the account"
_AFD_PART = "part of the Front Door profile priced on the profile"
_NETWORK = "virtual network objects have no charge"

FREE: dict[str, str] = {
    "azure-native:resources:ResourceGroup": "resource groups have no charge",
    "azure-native:authorization:RoleAssignment": "role assignments have no charge",
    "azure-native:network:VirtualNetwork": _NETWORK,
    "azure-native:network:Subnet": _NETWORK,
    "azure-native:network:NetworkSecurityGroup": _NETWORK,
    "azure-native:monitor:AutoscaleSetting": "autoscale settings (predictive autoscale included) have no charge; the "
    "instances are priced on the scale set",
    "azure-native:applicationinsights:Workbook": "workbooks have no charge; the metrics they read are Azure's platform "
    "metrics (free)",
    "azure-native:costmanagement:ScheduledActionByScope": "Cost Management's anomaly alerts have no charge",
    "azure-native:monitor:ActionGroup": "e-mail notifications are within the free allowance (not modelled)",
    "azure-native:consumption:Budget": "budgets have no charge",
    "azure-native:storage:BlobServiceProperties": _ACCOUNT_PART,
    "azure-native:storage:ManagementPolicy": _ACCOUNT_PART,
    "azure-native:storage:BlobContainer": _ACCOUNT_PART,
    "azure-native:storage:Blob": "a function package: a few MB inside a priced account",
    "azure-native:cdn:AFDEndpoint": _AFD_PART,
    "azure-native:cdn:AFDOriginGroup": _AFD_PART,
    "azure-native:cdn:AFDOrigin": _AFD_PART,
    "azure-native:cdn:AFDCustomDomain": _AFD_PART,
    "azure-native:cdn:Route": _AFD_PART,
    "azure-native:cdn:RuleSet": _AFD_PART,
    "azure-native:cdn:Rule": _AFD_PART + " (Standard includes rule sets)",
    "azure-native:managedidentity:UserAssignedIdentity": "managed identities have no charge",
    "azure-native:web:WebAppFtpAllowed": "a site setting",
    "azure-native:web:WebAppScmAllowed": "a site setting",
    "azure-native:operationalinsights:Workspace": "no charge per workspace; log ingestion per GB is not modelled",
    "azure-native:applicationinsights:Component": "telemetry ingestion is billed on the workspace (not modelled)",
    "azure-native:operationalinsights:Table": "retention of a table; the activity log GB are on the diagnostic setting",
    "azure-native:security:SecurityContact": "security contacts have no charge",
    "azure-native:cdn:SecurityPolicy": "associates the WAF policy, which is priced",
    "azure-native:dataprotection:BackupVault": "no charge per vault; protected instances are priced",
    "azure-native:dataprotection:BackupPolicy": "no charge per policy; protected instances are priced",
}
