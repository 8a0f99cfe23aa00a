"""Deploy contracts that hold the same way on several clouds.

- a tier's scaling can act within its range: with a maximum above its minimum it has a policy
  that changes capacity, a tier that can scale to zero has a signal that exists at zero
  instances, and predictive scaling runs only where there is a history to forecast from;
- a bucket a CDN serves holds user content with no other copy (the CDN is a cache): it is
  versioned and, in prod, protected; and it is never moved to a colder class the CDN would
  keep reading back (retrieval fees, minimum storage durations);
- account-wide security singletons (trail, detectors, Defender plans, activity log, audit config)
  are declared by the one stack that owns them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import EnforcementLevel, Severity

from policy.rules.base import CONTRACTS_AREA as AREA
from policy.rules.base import Finding, NotEvaluated, Res, Stack, StackRule, get, is_true, items, known
from policy.rules.contracts.aws import DISTRIBUTION, ENVIRONMENT_SCHEMA, GROUP
from policy.rules.data_safety import S3_LIFECYCLE, versioned
from policy.rules.encryption import GCS_BUCKET, S3_BUCKETS
from policy.rules.exposure import BACKEND_BUCKET

SCHEDULE = "aws:autoscaling/schedule:Schedule"
SCALING_POLICY = "aws:autoscaling/policy:Policy"
GCP_AUTOSCALERS = ("gcp:compute/regionAutoscaler:RegionAutoscaler", "gcp:compute/autoscaler:Autoscaler")
AZURE_AUTOSCALE = "azure-native:monitor:AutoscaleSetting"
# Policies that change a group's capacity (a ForecastOnly predictive policy only forecasts).
DYNAMIC_POLICIES = ("TargetTrackingScaling", "StepScaling", "SimpleScaling")
NO_POLICY = "no scaling policy"
# Target tracking on a metric that is published with no instance running (the only such predefined one).
ZERO_CAPABLE_METRICS = ("ALBRequestCountPerTarget",)
COLD_CLASSES = ("STANDARD_IA", "ONEZONE_IA", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE", "NEARLINE", "COLDLINE", "ARCHIVE")


def _aws_zero_signal(stack: Stack, group: Res) -> bool:
    names = [group.get("name")]
    for schedule in stack.attached(group, SCHEDULE, "autoscalingGroupName", names):
        started = [schedule.get("desiredCapacity"), schedule.get("minSize")]
        if any(not known(v) or (isinstance(v, int | float) and v >= 1) for v in started):
            return True
    for policy in stack.attached(group, SCALING_POLICY, "autoscalingGroupName", names):
        kind = policy.get("policyType", default="SimpleScaling")
        metric = get(
            policy.props, "targetTrackingConfiguration", "predefinedMetricSpecification", "predefinedMetricType"
        )
        if kind in ("StepScaling", "SimpleScaling") or metric in ZERO_CAPABLE_METRICS:
            return True  # driven by an alarm on a metric that needs no instance (e.g. a queue depth)
    return False


def _gcp_zero_signal(autoscaler: Res) -> bool:
    policy = autoscaler.get("autoscalingPolicy", default={})
    if any(
        known(get(s, "minRequiredReplicas")) and (get(s, "minRequiredReplicas") or 0) >= 1
        for s in items(policy, "scalingSchedules")
    ):
        return True
    return any(get(m, "singleInstanceAssignment") for m in items(policy, "metrics"))


def _aws_policies_act(stack: Stack, group: Res, low: int) -> Iterator[str]:
    """What keeps an AWS group's policies from acting within its range (min `low` < max)."""
    names = [group.get("name")]
    policies = stack.attached(group, SCALING_POLICY, "autoscalingGroupName", names)
    predictive = [p for p in policies if p.get("policyType") == "PredictiveScaling"]
    scaling = [p for p in predictive if get(p.props, "predictiveScalingConfiguration", "mode") == "ForecastAndScale"]
    dynamic = [p for p in policies if p.get("policyType", default="SimpleScaling") in DYNAMIC_POLICIES]
    if not dynamic and not scaling and not stack.attached(group, SCHEDULE, "autoscalingGroupName", names):
        yield f"{NO_POLICY} or schedule: the group stays at its desired size whatever the load"
    if low == 0 and predictive:
        yield "a predictive policy on a group that can sit at zero: there is no CPU history to forecast from"
    if len(scaling) > 1:
        yield f"{len(scaling)} ForecastAndScale predictive policies: only one may scale a group"


def _gcp_policy_acts(policy: Any, low: int) -> Iterator[str]:
    mode = get(policy, "mode", default="ON")
    signals = [get(policy, "cpuUtilization", "target"), get(policy, "loadBalancingUtilization", "target")]
    if mode in ("OFF", "ONLY_SCALE_IN") or not (
        any(s for s in signals if known(s)) or items(policy, "metrics") or items(policy, "scalingSchedules")
    ):
        yield f"{NO_POLICY} that scales out (mode {mode}): the group stays at its size whatever the load"
    if low == 0 and get(policy, "cpuUtilization", "predictiveMethod") == "OPTIMIZE_AVAILABILITY":
        yield "predictive autoscaling on a group that can sit at zero: there is no CPU history to forecast from"


def _azure_setting_acts(setting: Res) -> Iterator[str]:
    profiles = items(setting.props, "profiles")
    for profile in profiles:
        low, high = get(profile, "capacity", "minimum"), get(profile, "capacity", "maximum")
        try:
            can_grow = known(low) and known(high) and int(high) > int(low)
        except (TypeError, ValueError):
            can_grow = False
        rules = items(profile, "rules")
        if can_grow and not any(get(r, "scaleAction", "direction") == "Increase" for r in rules):
            yield f"profile {get(profile, 'name')} may grow to {high} but has no scale-out rule"
    mode = get(setting.props, "predictiveAutoscalePolicy", "scaleMode", default="Disabled")
    if mode in ("Enabled", "ForecastOnly"):
        if any(str(get(p, "capacity", "minimum")) == "0" for p in profiles):
            yield f"predictive autoscale ({mode}) on a tier that can sit at zero: no CPU history to forecast from"
        cpu_out = [
            r
            for p in profiles
            for r in items(p, "rules")
            if get(r, "scaleAction", "direction") == "Increase"
            and get(r, "metricTrigger", "metricName") == "Percentage CPU"
        ]
        if not cpu_out:
            yield f"predictive autoscale ({mode}) without a 'Percentage CPU' scale-out rule, which Azure requires"


def _scaling_can_act(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for group in stack.of(GROUP):
        low, high = group.get("minSize"), group.get("maxSize")
        if not known(low) or not known(high) or low is None or high is None:
            continue
        stuck_at_zero = low == 0 and high > 0 and not _aws_zero_signal(stack, group)
        if stuck_at_zero:
            yield (
                f"{group.name}: min 0 with nothing that exists at zero instances (CPU target tracking has no "
                "datapoints then): the group never scales out; add a schedule or a step policy on a queue metric",
                group.urn,
            )
        if high > low:
            for problem in _aws_policies_act(stack, group, low):
                if not (stuck_at_zero and problem.startswith(NO_POLICY)):
                    yield f"{group.name}: {problem}", group.urn
    for autoscaler in stack.of(*GCP_AUTOSCALERS):
        policy = autoscaler.get("autoscalingPolicy", default={})
        low, high = get(policy, "minReplicas"), get(policy, "maxReplicas")
        if not known(low) or not known(high) or low is None or high is None:
            continue
        stuck_at_zero = low == 0 and high > 0 and not _gcp_zero_signal(autoscaler)
        if stuck_at_zero:
            yield (
                f"{autoscaler.name}: minReplicas 0 with only per-instance signals (CPU has no data at zero "
                "instances): the group never scales out; add a scaling schedule or a per-group metric",
                autoscaler.urn,
            )
        if high > low:
            for problem in _gcp_policy_acts(policy, low):
                if not (stuck_at_zero and problem.startswith(NO_POLICY)):
                    yield f"{autoscaler.name}: {problem}", autoscaler.urn
    for setting in stack.of(AZURE_AUTOSCALE):
        for problem in _azure_setting_acts(setting):
            yield f"{setting.name}: {problem}", setting.urn


def cdn_origins(stack: Stack) -> list[Res]:
    """Buckets a CDN serves: S3 origins of CloudFront distributions, buckets of Cloud CDN backend buckets."""
    origins = [b for d in stack.of(DISTRIBUTION) for b in stack.of(*S3_BUCKETS) if d.depends_on("origins", b.urn)]
    for backend in stack.of(BACKEND_BUCKET):
        if is_true(backend.get("enableCdn")):
            origins += stack.attached_to(backend, GCS_BUCKET, "bucketName", "name")
    return list({o.urn: o for o in origins}.values())


def _origin_stateful(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in cdn_origins(stack):
        if versioned(stack, bucket) is False:
            yield f"{bucket.name}: a CDN origin (user content, no other copy) is not versioned", bucket.urn
        if config.get("environment") == "prod" and not bucket.protect:
            yield f"{bucket.name}: a CDN origin in prod is not protected (and retained on delete)", bucket.urn


def _transitions(stack: Stack, bucket: Res) -> list[str]:
    if bucket.type == GCS_BUCKET:
        return [
            str(get(r, "action", "storageClass"))
            for r in items(bucket.props, "lifecycleRules")
            if get(r, "action", "type") == "SetStorageClass"
        ]
    configs = [c for t in S3_LIFECYCLE for c in stack.attached(bucket, t, "bucket", [bucket.get("bucket")])]
    return [
        str(get(t, "storageClass"))
        for c in configs
        for rule in items(c.props, "rules")
        if get(rule, "status", default="Enabled") == "Enabled"
        for t in items(rule, "transitions")
    ]


def _origin_not_cold(stack: Stack, _config: Mapping[str, Any]) -> Iterator[Finding]:
    for bucket in cdn_origins(stack):
        cold = [c for c in _transitions(stack, bucket) if c in COLD_CLASSES]
        if cold:
            yield (
                f"{bucket.name}: a CDN origin moves objects to {', '.join(cold)}, which the CDN keeps reading back "
                "on cache misses (retrieval fees, minimum storage durations)",
                bucket.urn,
            )


# --- account singletons (security operations) ---------------------------------------------------

# Objects an account, subscription or project has once: type -> (the pack config key naming the owner
# stack, what it is). A second stack declaring one fails (a detector already exists), or silently
# takes it over and deletes it on destroy; a second trail bills every management event again.
ACCOUNT_SINGLETONS = {
    "aws:cloudtrail/trail:Trail": ("auditOwner", "the account's trail (the free copy of management events)"),
    "gcp:projects/iAMAuditConfig:IAMAuditConfig": ("auditProjectOwner", "the project's audit configuration"),
    "azure-native:monitor:SubscriptionDiagnosticSetting": ("auditOwner", "the subscription's activity-log setting"),
    "aws:guardduty/detector:Detector": ("threatOwner", "the account's GuardDuty detector"),
    "aws:securityhub/account:Account": ("threatOwner", "the account's Security Hub"),
    "aws:cfg/recorder:Recorder": ("threatOwner", "the account's AWS Config recorder"),
    "azure-native:security:Pricing": ("threatOwner", "a Defender plan of the subscription"),
    "azure-native:security:SecurityContact": ("threatOwner", "the subscription's security contact"),
    "azure-native:costmanagement:ScheduledActionByScope": ("anomalyOwner", "the subscription's cost anomaly alert"),
}
OWNER_KEYS = {
    "auditOwner": "audit.account_owner",
    "threatOwner": "threat_detection.account_owner",
    "auditProjectOwner": "audit.project_owner, by default the environment's stack",
    "anomalyOwner": "alerts.cost_anomaly_owner",
}


def account_singletons(stack: Stack) -> list[tuple[str, str, Res]]:
    """(owner key, what, resource) for every account-wide singleton; `what` names the one object."""
    found = []
    for res in stack.of(*ACCOUNT_SINGLETONS):
        key, what = ACCOUNT_SINGLETONS[res.type]
        if res.type == "gcp:projects/iAMAuditConfig:IAMAuditConfig":
            what = f"project {res.get('project')} audit configuration of {res.get('service')}"
        elif res.type == "azure-native:security:Pricing":
            what = f"{res.get('scopeId')} Defender plan {res.get('pricingName')}"
        elif res.type == "azure-native:costmanagement:ScheduledActionByScope":
            what = f"{res.get('scope')} cost anomaly alert"
        found.append((key, what, res))
    return found


def _singleton_owner(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    declared = account_singletons(stack)
    counts = Counter(what for _, what, _ in declared)
    for _, what, res in declared:
        if counts[what] > 1:
            yield f"{res.name}: {what} is declared {counts[what]} times in this stack; the account has one", res.urn
    for key, what, res in declared:
        if key not in config:
            raise NotEvaluated(f"the pack config names no {key} ({OWNER_KEYS[key]}; policy/config/<stack>.json)")
        owner = config.get(key)
        if owner not in ("*", res.stack):
            yield (
                f"{res.name}: {what} belongs to the stack {owner} ({OWNER_KEYS[key]}), not to {res.stack}: two stacks "
                "would fight over it, and destroying this one would delete what the owner relies on",
                res.urn,
            )


RULES: list[StackRule] = [
    StackRule(
        name="tier-scaling-can-act",
        area=AREA,
        description="A tier's autoscaling (AWS group, GCP autoscaler, Azure autoscale setting) can act within its "
        "range: with a maximum above its minimum it has a policy that changes capacity; with a minimum of 0 a "
        "signal that exists at zero instances (CPU target tracking has no datapoints with no instance); "
        "predictive scaling only where there is CPU history to forecast from, one scaling predictive policy per "
        "group, and on Azure beside a 'Percentage CPU' scale-out rule.",
        severity=Severity.HIGH,
        types=(GROUP, SCHEDULE, SCALING_POLICY, *GCP_AUTOSCALERS, AZURE_AUTOSCALE),
        check=_scaling_can_act,
        cannot_see="alarms that drive a step policy from another stack",
        remediation="autoscaling.<tier> (components/<provider>/compute.py declare a CPU target, a schedule for "
        "min 0, and predictive scaling only on tiers with min >= 1, which validation enforces).",
        docs=(
            "https://docs.aws.amazon.com/autoscaling/ec2/userguide/as-scaling-target-tracking.html",
            "https://cloud.google.com/compute/docs/autoscaler/scaling-schedules",
            "https://docs.aws.amazon.com/autoscaling/ec2/userguide/predictive-scaling-create-policy.html",
            "https://cloud.google.com/compute/docs/autoscaler/predictive-autoscaling",
            "https://learn.microsoft.com/azure/azure-monitor/autoscale/autoscale-predictive",
        ),
    ),
    StackRule(
        name="cdn-origin-is-stateful",
        area=AREA,
        description="A bucket a CDN serves (CloudFront origin, Cloud CDN backend bucket) is versioned, and "
        "protected in prod: it holds user content the CDN only caches.",
        severity=Severity.HIGH,
        types=(DISTRIBUTION, BACKEND_BUCKET, *S3_BUCKETS, GCS_BUCKET),
        check=_origin_stateful,
        config=ENVIRONMENT_SCHEMA,
        cannot_see="retain_on_delete (the Analyzer protocol carries protect only)",
        remediation="Media is a stateful class (components/specs.py STATEFUL_CLASSES).",
        docs=(
            "https://docs.aws.amazon.com/AmazonS3/latest/userguide/Versioning.html",
            "https://cloud.google.com/storage/docs/object-versioning",
            "https://www.pulumi.com/docs/iac/concepts/options/protect/",
        ),
    ),
    StackRule(
        name="cdn-origin-not-cold",
        area=AREA,
        description="A bucket a CDN serves is not moved to an infrequent-access or archive class, which the CDN "
        "would read back on every cache miss (retrieval fees, minimum storage durations).",
        severity=Severity.LOW,
        enforcement=EnforcementLevel.ADVISORY,
        types=(DISTRIBUTION, BACKEND_BUCKET, *S3_BUCKETS, GCS_BUCKET, *S3_LIFECYCLE),
        check=_origin_not_cold,
        cannot_see="access patterns (a rarely read archive behind a CDN can still be cheaper)",
        remediation="storage.media.infrequent_after_days / archive_after_days unset (the default).",
        docs=(
            "https://cloud.google.com/storage/docs/storage-classes",
            "https://aws.amazon.com/s3/storage-classes/",
        ),
    ),
    StackRule(
        name="account-singleton-owner",
        area=AREA,
        description="Account-wide security singletons (CloudTrail trail, GuardDuty detector, Security Hub, AWS "
        "Config recorder, Defender plans, the activity-log setting, a project's audit configuration, the Azure "
        "subscription's cost anomaly alert) are declared "
        "once, by the stack that owns them.",
        severity=Severity.HIGH,
        types=tuple(ACCOUNT_SINGLETONS),
        check=_singleton_owner,
        config={
            "auditOwner": {"type": "string", "description": "audit.account_owner"},
            "threatOwner": {"type": "string", "description": "threat_detection.account_owner"},
            "auditProjectOwner": {
                "type": "string",
                "description": "the owner of the GCP project's audit configuration",
            },
            "anomalyOwner": {"type": "string", "description": "alerts.cost_anomaly_owner"},
        },
        cannot_see="singletons created outside the stack or by an organisation (import them once into the owner)",
        remediation="audit.account_owner / threat_detection.account_owner name the one stack of the shared AWS "
        "account and Azure subscription (prod by default), *.project_owner that of a GCP project (the environment's "
        "stack by default); '*' "
        "when every stack has an account of its own.",
        docs=(
            "https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-trail-manage-costs.html",
            "https://docs.aws.amazon.com/guardduty/latest/APIReference/API_CreateDetector.html",
            "https://learn.microsoft.com/rest/api/defenderforcloud/pricings/update",
            "https://cloud.google.com/logging/docs/audit/configure-data-access",
        ),
    ),
]
