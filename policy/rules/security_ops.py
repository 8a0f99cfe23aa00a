"""Security operations: audit trails, threat detection, web application firewalls and locked backups are
present and not weakened, and retention meets the compliance profile.

Two kinds of finding, on purpose:
- weakened: a trail without log file validation, a disabled detector or firewall, a locked vault
  whose soft delete is off. Reported in every environment: nobody turns these off by accident (dev's
  unlocked vault keeps soft delete off on purpose, so that it can be destroyed);
- absent: the capability is missing where it belongs. Reported in prod only (`audit.enabled: false` is
  allowed in dev), and for account-wide singletons (trail, detectors, Defender plans, activity log,
  project audit configuration) only in the stack that owns them (`auditOwner`, `threatOwner` in the
  pack config: the stacks' `audit.account_owner` and `threat_detection.account_owner`, for the AWS
  account and the Azure subscription; `auditProjectOwner`, `threatProjectOwner` for the GCP project,
  by default the environment's stack; `*` = every stack). The firewall runs in count mode outside
  prod; in prod it must block.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from infra.config import Provider
from policy.rules.base import (
    STATEFUL_BUCKET_CLASSES,
    Finding,
    NotEvaluated,
    Res,
    Stack,
    StackRule,
    as_json,
    bucket_class,
    get,
    is_false,
    is_true,
    items,
    known,
    stack_configuration,
)
from policy.rules.data_safety import ENVIRONMENT_SCHEMA, environment_of, versioned
from policy.rules.encryption import S3_BUCKETS
from policy.rules.exposure import AZURE_CONTAINER, BACKEND_BUCKET

AREA = "security operations"

TRAIL = "aws:cloudtrail/trail:Trail"
DETECTOR = "aws:guardduty/detector:Detector"
DETECTOR_FEATURE = "aws:guardduty/detectorFeature:DetectorFeature"
SECURITY_HUB = "aws:securityhub/account:Account"
STANDARDS = "aws:securityhub/standardsSubscription:StandardsSubscription"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
EVENT_TARGET = "aws:cloudwatch/eventTarget:EventTarget"
TOPIC = "aws:sns/topic:Topic"
WEB_ACL = "aws:wafv2/webAcl:WebAcl"
DISTRIBUTION = "aws:cloudfront/distribution:Distribution"
VAULT = "aws:backup/vault:Vault"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
S3_LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
AUDIT_CONFIG = "gcp:projects/iAMAuditConfig:IAMAuditConfig"
SINK = "gcp:logging/projectSink:ProjectSink"
ALERT_POLICY = "gcp:monitoring/alertPolicy:AlertPolicy"
BACKEND_SERVICE = "gcp:compute/backendService:BackendService"
ARMOR_POLICY = "gcp:compute/securityPolicy:SecurityPolicy"
GCS_BUCKET = "gcp:storage/bucket:Bucket"
ACTIVITY_LOG = "azure-native:monitor:SubscriptionDiagnosticSetting"
ACTIVITY_TABLE = "azure-native:operationalinsights:Table"
DEFENDER = "azure-native:security:Pricing"
AFD_ENDPOINT = "azure-native:cdn:AFDEndpoint"
AFD_DOMAIN = "azure-native:cdn:AFDCustomDomain"
AFD_SECURITY_POLICY = "azure-native:cdn:SecurityPolicy"
WAF_POLICY = "azure-native:frontdoor:Policy"
AZURE_VAULT = "azure-native:dataprotection:BackupVault"
AZURE_BACKUP_POLICY = "azure-native:dataprotection:BackupPolicy"
AZURE_BACKUP_INSTANCE = "azure-native:dataprotection:BackupInstance"
AZURE_ACCOUNT = "azure-native:storage:StorageAccount"
RULESET = "cloudflare:index/ruleset:Ruleset"
ZONE_SETTING = "cloudflare:index/zoneSetting:ZoneSetting"

# Activity-log categories CIS Azure 5.1.2 asks for at least.
REQUIRED_ACTIVITY = ("Administrative", "Alert", "Policy", "Security")
DEFENDER_PLANS = ("VirtualMachines", "StorageAccounts")
S3_PROTECTION = ("S3_DATA_EVENTS", "ENABLED")
ENTRY_POINTS = (DISTRIBUTION, BACKEND_BUCKET, BACKEND_SERVICE, AFD_ENDPOINT, AFD_DOMAIN, ZONE_SETTING)
FSBP = "aws-foundational-security-best-practices"

OWNER_SCHEMA: dict[str, dict[str, Any]] = {
    **ENVIRONMENT_SCHEMA,
    "auditOwner": {"type": "string", "description": "audit.account_owner: the stack that owns the audit trail"},
    "threatOwner": {"type": "string", "description": "threat_detection.account_owner"},
    "auditProjectOwner": {"type": "string", "description": "the owner of the GCP project's audit configuration"},
    "threatProjectOwner": {"type": "string", "description": "the owner of the GCP project's detectors"},
}
# Pack config key -> (configuration block, scope): the shared account (the AWS account, the Azure
# subscription: `account_owner`) or the GCP project (`project_owner`).
OWNER_OF = {
    "auditOwner": ("audit", "account"),
    "threatOwner": ("threat_detection", "account"),
    "auditProjectOwner": ("audit", "project"),
    "threatProjectOwner": ("threat_detection", "project"),
}
COMPLIANCE_SCHEMA: dict[str, dict[str, Any]] = {
    "compliance": {"type": "string", "enum": ["none", "soc2", "hipaa", "gdpr"]},
    "auditRetentionDays": {"type": ["integer", "null"]},
    "backupRetentionDays": {"type": ["integer", "null"]},
}


# --- what a stack is and owns -------------------------------------------------------


def _stack_name(stack: Stack) -> str:
    return stack.resources[0].stack if stack.resources else ""


def owns(stack: Stack, config: Mapping[str, Any], key: str) -> bool:
    """Whether the stack declares the account singletons of `key` (OWNER_OF: auditOwner, auditProjectOwner, ...)."""
    if key in config:
        owner = config.get(key)
    else:
        try:
            settings = stack_configuration()
        except NotEvaluated as exc:
            raise NotEvaluated(f"the pack config names no {key} and {exc.reason}") from None
        block, scope = OWNER_OF[key]
        owner = settings.singleton_owner(getattr(settings, block), Provider.gcp if scope == "project" else Provider.aws)
    return owner in ("*", _stack_name(stack))


def _prod(stack: Stack, config: Mapping[str, Any]) -> bool:
    return environment_of(stack, config) == "prod"


def _refers(res: Res, prop: str, target: Res, *values: Any) -> bool:
    """Whether `res.prop` refers to `target`: by dependency, else by one of its id/ARN/name values."""
    if res.depends_on(prop, target.urn):
        return True
    value = res.get(prop)
    return known(value) and any(isinstance(v, str) and v and v == value for v in values)


# --- audit-trail-enabled --------------------------------------------------------------


def _trail_weakened(trail: Res) -> Iterator[str]:
    if not is_true(trail.get("isMultiRegionTrail")):
        yield "records one region only (isMultiRegionTrail): activity in the others goes unrecorded"
    if not is_true(trail.get("enableLogFileValidation")):
        yield "has no log file validation: a changed or deleted log file cannot be detected"
    if is_false(trail.get("enableLogging")):
        yield "is not logging"
    if is_false(trail.get("includeGlobalServiceEvents")):
        yield "leaves out global service events (IAM, STS)"
    key = trail.get("kmsKeyId")
    if known(key) and not key:
        yield "is not encrypted with a customer key (kmsKeyId)"


def _audit_log_types(config: Res) -> set[str]:
    return {str(get(c, "logType")) for c in items(config.props, "auditLogConfigs")}


def _activity_categories(setting: Res) -> set[str]:
    return {str(get(log, "category")) for log in items(setting.props, "logs") if is_true(get(log, "enabled"))}


def _audit_trail(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    for trail in stack.of(TRAIL):
        for problem in _trail_weakened(trail):
            yield f"{trail.name}: the trail {problem}", trail.urn
    for audit in stack.of(AUDIT_CONFIG):
        missing = {"ADMIN_READ", "DATA_WRITE"} - _audit_log_types(audit)
        if audit.get("service") == "allServices" and missing:
            yield f"{audit.name}: Data Access audit logs without {', '.join(sorted(missing))}", audit.urn
    for sink in stack.of(SINK):
        if is_true(sink.get("disabled")):
            yield f"{sink.name}: the audit sink is disabled: nothing reaches the audit bucket", sink.urn
    for setting in stack.of(ACTIVITY_LOG):
        missing = set(REQUIRED_ACTIVITY) - _activity_categories(setting)
        if missing:
            yield f"{setting.name}: the activity log leaves out {', '.join(sorted(missing))}", setting.urn
        if not any(setting.get(p) for p in ("workspaceId", "storageAccountId", "eventHubAuthorizationRuleId")):
            yield f"{setting.name}: the activity log has no destination", setting.urn
    providers = stack.providers()
    if not providers & {"aws", "gcp", "azure"} or not _prod(stack, config):
        return
    missing_trails = {
        "aws": "aws" in providers and not stack.of(TRAIL),
        "gcp": "gcp" in providers
        and not (
            [a for a in stack.of(AUDIT_CONFIG) if a.get("service") == "allServices"]
            and [s for s in stack.of(SINK) if "cloudaudit.googleapis.com" in str(s.get("filter", default=""))]
        ),
        "azure": "azure" in providers and not stack.of(ACTIVITY_LOG),
    }
    what = {
        "aws": "no CloudTrail trail",
        "gcp": "no Data Access audit configuration with a sink of the audit logs",
        "azure": "no activity-log diagnostic setting",
    }
    for provider, absent in missing_trails.items():
        if absent and owns(stack, config, _owner_key("audit", provider)):
            yield (
                f"{provider}: {what[provider]} in the stack that owns the account's audit trail "
                f"({_owner_setting('audit', provider)}); keep audit.enabled: true",
                None,
            )


def _scope(provider: str) -> str:
    return "project" if provider == "gcp" else "account"


def _owner_key(block: str, provider: str) -> str:
    """The pack config key naming the owner of `block`'s singletons in `provider`'s account."""
    return next(k for k, owner in OWNER_OF.items() if owner == (block, _scope(provider)))


def _owner_setting(block: str, provider: str) -> str:
    return f"{block}.{_scope(provider)}_owner"


# --- threat-detection-enabled -----------------------------------------------------------


def _pattern_sources(rule: Res) -> set[str]:
    pattern = as_json(rule.get("eventPattern"))
    return {str(s) for s in (pattern or {}).get("source", [])} if isinstance(pattern, Mapping) else set()


def _routes_to_topic(stack: Stack, rule: Res) -> bool:
    """Whether an EventBridge rule has a target on an SNS topic (by dependency or by its ARN)."""
    for target in stack.of(EVENT_TARGET):
        if not _refers(target, "rule", rule, rule.get("name")):
            continue
        arn = target.get("arn")
        if any(target.depends_on("arn", t.urn) for t in stack.of(TOPIC)) or (known(arn) and ":sns:" in str(arn)):
            return True
    return False


def _threat_detection(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    for detector in stack.of(DETECTOR):
        if is_false(detector.get("enable")):
            yield f"{detector.name}: the GuardDuty detector is suspended", detector.urn
    for feature in stack.of(DETECTOR_FEATURE):
        if (feature.get("name"), feature.get("status")) == (S3_PROTECTION[0], "DISABLED"):
            yield f"{feature.name}: GuardDuty {feature.get('name')} is disabled", feature.urn
    for rule in stack.of(EVENT_RULE):
        if _pattern_sources(rule) and (is_false(rule.get("isEnabled")) or rule.get("state") == "DISABLED"):
            yield f"{rule.name}: the findings rule is disabled: findings reach nobody", rule.urn
    for plan in stack.of(DEFENDER):
        if plan.get("pricingTier") == "Free":
            yield f"{plan.name}: Defender plan {plan.get('pricingName')} is on the Free tier (no protection)", plan.urn
    providers = stack.providers()
    if not providers & {"aws", "gcp", "azure"} or not _prod(stack, config):
        return

    def owner(provider: str) -> bool:
        return provider in providers and owns(stack, config, _owner_key("threat_detection", provider))

    if owner("aws"):
        yield from _aws_detectors_missing(stack)
    if owner("azure"):
        standard = {p.get("pricingName") for p in stack.of(DEFENDER) if p.get("pricingTier") == "Standard"}
        for plan_name in DEFENDER_PLANS:
            if plan_name not in standard:
                yield f"azure: no Defender plan {plan_name} on the Standard tier in the stack that owns them", None
    if owner("gcp") and not [a for a in stack.of(ALERT_POLICY) if _matches_logs(a)]:
        yield "gcp: no log-match alert on security-relevant audit events (nor Security Command Center)", None


def _matches_logs(policy: Res) -> bool:
    return any(get(c, "conditionMatchedLog", "filter") for c in items(policy.props, "conditions"))


def _aws_detectors_missing(stack: Stack) -> Iterator[Finding]:
    if not stack.of(DETECTOR):
        yield "aws: no GuardDuty detector in the stack that owns the account's detectors", None
    elif not [f for f in stack.of(DETECTOR_FEATURE) if (f.get("name"), f.get("status")) == S3_PROTECTION]:
        yield "aws: GuardDuty runs without S3 Protection (S3_DATA_EVENTS)", None
    if not stack.of(SECURITY_HUB):
        yield "aws: Security Hub is not enabled in the stack that owns the account's detectors", None
    elif not [s for s in stack.of(STANDARDS) if FSBP in str(s.get("standardsArn", default=FSBP))]:
        yield "aws: Security Hub has no Foundational Security Best Practices subscription", None
    routed = [r for r in stack.of(EVENT_RULE) if "aws.guardduty" in _pattern_sources(r) and _routes_to_topic(stack, r)]
    if not routed:
        yield "aws: GuardDuty findings are routed to no alert topic (an EventBridge rule with an SNS target)", None


# --- waf-on-public-entry-points ---------------------------------------------------------


def _web_acl_counts(acl: Res) -> bool:
    for rule in items(acl.props, "rules"):
        if get(rule, "overrideAction", "count") is not None or get(rule, "action", "count") is not None:
            return True
    return False


def _afd_protected(stack: Stack, target: Res) -> bool:
    for policy in stack.of(AFD_SECURITY_POLICY):
        if policy.depends_on("parameters", target.urn):
            return True
        domains = [get(d, "id") for a in items(policy.props, "parameters", "associations") for d in items(a, "domains")]
        if known(target.get("id")) and target.get("id") in domains:
            return True
    return False


def _waf(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    for policy in stack.of(WAF_POLICY):
        if get(policy.props, "policySettings", "enabledState") == "Disabled":
            yield f"{policy.name}: the Front Door WAF policy is disabled", policy.urn
    for ruleset in stack.of(RULESET):
        if ruleset.get("phase") == "http_request_firewall_managed":
            for rule in items(ruleset.props, "rules"):
                if is_false(get(rule, "enabled")):
                    yield f"{ruleset.name}: managed ruleset {get(rule, 'description')} is disabled", ruleset.urn
    if not stack.of(*ENTRY_POINTS):
        return
    if not _prod(stack, config):
        return
    yield from _unprotected(stack)
    for acl in stack.of(WEB_ACL):
        if _web_acl_counts(acl):
            yield f"{acl.name}: the web ACL counts instead of blocking in prod (waf.mode: block)", acl.urn
    for policy in stack.of(WAF_POLICY):
        if get(policy.props, "policySettings", "mode") == "Detection":
            yield f"{policy.name}: the Front Door WAF policy detects instead of preventing in prod", policy.urn
    for armor in stack.of(ARMOR_POLICY):
        if any(is_true(get(r, "preview")) for r in items(armor.props, "rules")):
            yield f"{armor.name}: Cloud Armor rules in preview (not enforced) in prod", armor.urn
    for ruleset in stack.of(RULESET):
        overrides = [get(r, "actionParameters", "overrides", "action") for r in items(ruleset.props, "rules")]
        if ruleset.get("phase") == "http_request_firewall_managed" and "log" in overrides:
            yield f"{ruleset.name}: managed rules only log in prod", ruleset.urn


def _unprotected(stack: Stack) -> Iterator[Finding]:
    acls = stack.of(WEB_ACL)
    for distribution in stack.of(DISTRIBUTION):
        acl_id = distribution.get("webAclId")
        attached = any(_refers(distribution, "webAclId", a, a.get("arn")) for a in acls)
        if not acl_id or (known(acl_id) and acls and not attached):
            yield f"{distribution.name}: the CloudFront distribution has no web ACL (webAclId)", distribution.urn
    for backend in stack.of(BACKEND_BUCKET):
        if not backend.get("edgeSecurityPolicy"):
            yield f"{backend.name}: the backend bucket has no Cloud Armor edge policy", backend.urn
    for backend in stack.of(BACKEND_SERVICE):
        scheme = str(backend.get("loadBalancingScheme", default="EXTERNAL"))
        if scheme.startswith("EXTERNAL") and not (backend.get("securityPolicy") or backend.get("edgeSecurityPolicy")):
            yield f"{backend.name}: the public backend service has no Cloud Armor policy", backend.urn
    for target in stack.of(AFD_ENDPOINT, AFD_DOMAIN):
        if not _afd_protected(stack, target):
            yield f"{target.name}: no Front Door security policy associates a WAF policy with it", target.urn
    owned = {str(s.get("zoneId")) for s in stack.of(ZONE_SETTING) if known(s.get("zoneId"))}
    firewalled = {str(r.get("zoneId")) for r in stack.of(RULESET) if r.get("phase") == "http_request_firewall_managed"}
    for zone in sorted(owned - firewalled):
        yield f"cloudflare zone {zone}: the stack owns its settings but declares no managed WAF ruleset", None


# --- backup-vault-locked ------------------------------------------------------------------


def _locks(stack: Stack, vault: Res) -> list[Res]:
    return [lock for lock in stack.of(VAULT_LOCK) if _refers(lock, "backupVaultName", vault, vault.get("name"))]


def _backed_up_buckets(stack: Stack) -> set[str]:
    """URNs (and names) of the buckets some backup selection names."""
    found: set[str] = set()
    for selection in stack.of(SELECTION):
        found |= set(selection.property_dependencies.get("resources", []))
        found |= {str(r).rsplit(":", 1)[-1] for r in items(selection.props, "resources")}
    return found


def _backups(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    for vault in stack.of(AZURE_VAULT):
        settings = get(vault.props, "properties", "securitySettings", default={})
        soft_delete, immutability = (
            get(settings, "softDeleteSettings", "state"),
            get(settings, "immutabilitySettings", "state"),
        )
        # An unlocked vault outside prod (dev, destroyed and recreated) may keep no soft-deleted backups.
        if soft_delete == "Off" and (immutability not in (None, "Disabled") or _prod(stack, config)):
            yield f"{vault.name}: soft delete is off: a deleted backup is gone at once", vault.urn
    if not stack.of(VAULT, AZURE_VAULT, *S3_BUCKETS, AZURE_CONTAINER) or not _prod(stack, config):
        return
    for vault in stack.of(VAULT):
        locks = _locks(stack, vault)
        if not locks:
            yield f"{vault.name}: the backup vault has no vault lock in prod", vault.urn
        elif not any(lock.get("changeableForDays") for lock in locks):
            yield f"{vault.name}: the vault lock is in governance mode (no lock date); prod needs compliance", vault.urn
    for vault in stack.of(AZURE_VAULT):
        state = get(vault.props, "properties", "securitySettings", "immutabilitySettings", "state")
        if known(state) and state != "Locked":
            yield f"{vault.name}: vault immutability is {state or 'not set'}; prod needs Locked", vault.urn
    covered = _backed_up_buckets(stack)
    for bucket in stack.of(*S3_BUCKETS):
        name = bucket.get("bucket")
        stateful = bucket_class(bucket) in STATEFUL_BUCKET_CLASSES and versioned(stack, bucket)
        if stateful and bucket.urn not in covered and not (known(name) and name in covered):
            yield f"{bucket.name}: the {bucket_class(bucket)} bucket is in no backup plan's selection", bucket.urn
    yield from _azure_unprotected(stack)


def _azure_unprotected(stack: Stack) -> Iterator[Finding]:
    stateful_accounts = {
        str(c.get("accountName"))
        for c in stack.of(AZURE_CONTAINER)
        if known(c.get("accountName")) and get(c.props, "metadata", "bucket_class") in STATEFUL_BUCKET_CLASSES
    }
    for account in stack.of(AZURE_ACCOUNT):
        if str(account.get("accountName")) not in stateful_accounts:
            continue
        protected = any(
            instance.depends_on("properties", account.urn)
            or get(instance.props, "properties", "dataSourceInfo", "resourceId") == account.get("id")
            for instance in stack.of(AZURE_BACKUP_INSTANCE)
        )
        if not protected:
            yield f"{account.name}: the account holds stateful containers but has no backup instance", account.urn


# --- retention-meets-compliance ---------------------------------------------------------------


def _iso_days(value: Any) -> int | None:
    match = re.fullmatch(r"P(\d+)D", str(value))
    return int(match.group(1)) if match else None


def _audit_retentions(stack: Stack) -> Iterator[tuple[Res, int | None]]:
    """(resource, days) for every audit-log store the stack declares."""
    buckets = {t.get("s3BucketName") for t in stack.of(TRAIL)}
    trail_buckets = [
        b
        for b in stack.of(*S3_BUCKETS)
        if b.get("bucket") in buckets or any(t.depends_on("s3BucketName", b.urn) for t in stack.of(TRAIL))
    ]
    for bucket in trail_buckets:
        days = [
            get(r, "expiration", "days")
            for c in stack.attached(bucket, S3_LIFECYCLE, "bucket", [bucket.get("bucket")])
            for r in items(c.props, "rules")
            if get(r, "status", default="Enabled") == "Enabled"
        ]
        yield bucket, min((int(d) for d in days if isinstance(d, int | float)), default=None)
    for bucket in stack.of(GCS_BUCKET):
        period = bucket.get("retentionPolicy", "retentionPeriod")
        if period is not None and known(period):
            yield bucket, int(period) // 86400
    for table in stack.of(ACTIVITY_TABLE):
        total = table.get("totalRetentionInDays")
        if known(total):
            yield table, int(total) if total is not None else None


def _backup_retentions(stack: Stack) -> Iterator[tuple[Res, int | None]]:
    for plan in stack.of(PLAN):
        for rule in items(plan.props, "rules"):
            days = get(rule, "lifecycle", "deleteAfter")
            yield plan, int(days) if isinstance(days, int | float) else None
    for policy in stack.of(AZURE_BACKUP_POLICY):
        for rule in items(policy.props, "properties", "policyRules"):
            for lifecycle in items(rule, "lifecycles"):
                yield policy, _iso_days(get(lifecycle, "deleteAfter", "duration"))


def _retention(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    profile = config.get("compliance", "none")
    if profile in (None, "none"):
        return
    checks = (
        ("audit logs", config.get("auditRetentionDays"), _audit_retentions(stack), "audit.retention_days"),
        ("backups", config.get("backupRetentionDays"), _backup_retentions(stack), "backup.retention_days"),
    )
    for what, minimum, found, key in checks:
        if not minimum:
            continue
        minimum = int(minimum)
        for res, days in found:
            if days is None or days < minimum:
                kept = "no expiry found" if days is None else f"{days} days"
                yield (
                    f"{res.name}: {what} kept {kept}, below the {profile} minimum of {minimum} days ({key})",
                    res.urn,
                )


RULES = [
    StackRule(
        name="audit-trail-enabled",
        area=AREA,
        description="An audit trail on every cloud account the stack owns (CloudTrail multi-region with log file "
        "validation and a customer key; GCP Data Access logs and a sink; the Azure activity log), not weakened.",
        severity=Severity.HIGH,
        types=(TRAIL, AUDIT_CONFIG, SINK, ACTIVITY_LOG),
        check=_audit_trail,
        config=OWNER_SCHEMA,
        cannot_see="trails of an AWS Organization or another stack (the owner, audit.account_owner, is judged)",
        remediation="Keep audit.enabled: true; the audit components declare the trail (components/*/audit.py).",
    ),
    StackRule(
        name="threat-detection-enabled",
        area=AREA,
        description="Threat detectors on the accounts the stack owns (GuardDuty with S3 Protection and Security Hub "
        "FSBP with findings routed to the alert topic; Defender for servers and storage; GCP's security-change "
        "alert), none suspended.",
        severity=Severity.HIGH,
        types=(DETECTOR, DETECTOR_FEATURE, SECURITY_HUB, STANDARDS, EVENT_RULE, DEFENDER, ALERT_POLICY),
        check=_threat_detection,
        config=OWNER_SCHEMA,
        cannot_see="detectors enabled by an organisation's delegated administrator; Security Command Center "
        "(activated in the console)",
        remediation="Keep threat_detection.enabled: true (components/*/threat_detection.py).",
    ),
    StackRule(
        name="waf-on-public-entry-points",
        area=AREA,
        description="Every public entry point (CloudFront distribution, GCP backend, Front Door endpoint and "
        "domain, owned Cloudflare zone) has a web application firewall, blocking in prod.",
        severity=Severity.HIGH,
        types=(*ENTRY_POINTS, WEB_ACL, ARMOR_POLICY, AFD_SECURITY_POLICY, WAF_POLICY, RULESET),
        check=_waf,
        config=ENVIRONMENT_SCHEMA,
        cannot_see="web ACLs attached outside the stack; Cloudflare rules made in the dashboard",
        remediation="Keep waf.enabled: true and waf.mode: block in prod (components/*/waf.py).",
    ),
    StackRule(
        name="backup-vault-locked",
        area=AREA,
        description="In prod, stateful buckets are backed up into a vault whose lock nobody can lift (AWS Backup "
        "compliance-mode vault lock, Azure immutability Locked); soft delete off only on an unlocked vault outside "
        "prod.",
        severity=Severity.HIGH,
        types=(VAULT, VAULT_LOCK, SELECTION, AZURE_VAULT, AZURE_BACKUP_INSTANCE, *S3_BUCKETS, AZURE_ACCOUNT),
        check=_backups,
        config=ENVIRONMENT_SCHEMA,
        cannot_see="whether backup jobs succeed (AWS Backup's S3 opt-in is an account setting); GCP, Cloudflare "
        "and DigitalOcean have no vault (their buckets' versioning, soft delete and locks are judged by data safety)",
        remediation="Keep backup.enabled: true and backup.vault_lock: compliance in prod (components/*/backup.py).",
    ),
    StackRule(
        name="retention-meets-compliance",
        area=AREA,
        description="Audit logs and backups are kept at least as long as the compliance profile requires.",
        severity=Severity.HIGH,
        types=(TRAIL, *S3_BUCKETS, S3_LIFECYCLE, GCS_BUCKET, ACTIVITY_TABLE, PLAN, AZURE_BACKUP_POLICY),
        check=_retention,
        config=COMPLIANCE_SCHEMA,
        cannot_see="logs and backups kept outside the stack (an organisation trail, a SIEM)",
        remediation="Raise audit.retention_days / backup.retention_days to the profile's minimum (README, Compliance).",
    ),
]
