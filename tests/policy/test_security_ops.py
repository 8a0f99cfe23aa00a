"""Security operations through the real pack: the shipped prod stack passes; removing or weakening any one
piece (trail, detector, web ACL, vault lock, retention, a deploy contract's grant) fails, naming the rule.

The baseline is the shipped prod plan's own records of each provider (only the types the security rules
and contracts read, to keep the pack's work small), judged with the pack config `python -m infra policies
--write-config` gives prod.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from infra.check.pack_config import pack_config
from infra.plan.records import ResourceRecord
from policy.rules import RULES
from tests.policy.conftest import check

SECURITY_RULES = {
    "audit-trail-enabled",
    "threat-detection-enabled",
    "waf-on-public-entry-points",
    "backup-vault-locked",
    "retention-meets-compliance",
    "cloudtrail-delivery-allowed",
    "cloudfront-waf-in-us-east-1",
    "findings-topic-deliverable",
    "backup-selection-versioned",
    "vault-lock-cooling-off",
    "config-delivery-not-object-locked",
    "origin-rate-limit-behind-proxy",
    "audit-sink-can-write",
    "cloud-armor-edge-on-backend-bucket",
    "front-door-waf-matches-profile",
    "azure-backup-can-read-account",
    "azure-blob-retention-rules",
    "cloudflare-waf-within-plan",
    "account-singleton-owner",
}
# What the rules read, plus what joins them (bucket sub-resources, key policies, the stack's zones).
READ = {t for r in RULES if r.name in SECURITY_RULES for t in r.types} | {
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:kms/keyPolicy:KeyPolicy",
    "aws:sns/topic:Topic",
    "aws:cloudwatch/eventTarget:EventTarget",
    "gcp:storage/bucketIAMMember:BucketIAMMember",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:authorization:RoleAssignment",
    "azure-native:cdn:Profile",
    "cloudflare:index/zoneSetting:ZoneSetting",
}
Mutation = Callable[[list[ResourceRecord]], list[ResourceRecord]]


@pytest.fixture(scope="module")
def config(prod_plan) -> dict[str, dict[str, Any]]:
    assert prod_plan.config is not None
    found = pack_config(prod_plan.config)
    return {name: dict(values) for name, values in found.items()} | {
        "estimated-cost-within-budget": {"enforcementLevel": "disabled"}
    }


def records(plan: Any, provider: str) -> list[ResourceRecord]:
    return [copy.deepcopy(r) for r in plan.resources if r.custom and r.cloud == provider and r.type in READ]


def security_violations(pack, found: list[ResourceRecord], config: dict[str, dict[str, Any]]) -> list[str]:
    report = check(pack, *found, config=config)
    assert not report.not_evaluated, report.not_evaluated
    return [f"{v.policy}: {v.detail}" for v in report.violations if v.policy in SECURITY_RULES]


@pytest.mark.parametrize("provider", ["aws", "gcp", "azure", "cloudflare"])
def test_the_shipped_prod_stack_keeps_every_security_rule_and_contract(pack, prod_plan, config, provider):
    assert security_violations(pack, records(prod_plan, provider), config) == []


# --- mutations: each removes or weakens one piece ---------------------------------------------------


def named(found: list[ResourceRecord], name: str) -> ResourceRecord:
    (record,) = [r for r in found if r.name == name]
    return record


def without(*names: str) -> Mutation:
    return lambda found: [r for r in found if r.name not in names]


def changed(name: str, *path: str, value: Any) -> Mutation:
    """Set one input (None deletes it)."""

    def mutate(found: list[ResourceRecord]) -> list[ResourceRecord]:
        target: Any = named(found, name).inputs
        for key in path[:-1]:
            target = target[key]
        if value is None:
            target.pop(path[-1], None)
        else:
            target[path[-1]] = value
        return found

    return mutate


def policy_without(name: str, sid: str, prop: str = "policy") -> Mutation:
    """Drop one statement (by Sid) from a policy document input."""

    def mutate(found: list[ResourceRecord]) -> list[ResourceRecord]:
        record = named(found, name)
        document = json.loads(record.inputs[prop])
        document["Statement"] = [s for s in document["Statement"] if s.get("Sid") != sid]
        record.inputs[prop] = json.dumps(document)
        return found

    return mutate


def not_waiting(name: str) -> Mutation:
    def mutate(found: list[ResourceRecord]) -> list[ResourceRecord]:
        named(found, name).dependencies = []
        return found

    return mutate


def one_default_rule(found: list[ResourceRecord]) -> list[ResourceRecord]:
    """The blob policy's two retention rules merged into one `Default` (the layout Azure refuses)."""
    rules = named(found, "qmoi-azure-backup-blob-policy").inputs["properties"]["policyRules"]
    retention = [r for r in rules if r["objectType"] == "AzureRetentionRule"]
    merged = retention[0] | {"name": "Default", "lifecycles": [lc for r in retention for lc in r["lifecycles"]]}
    rules[:] = [r for r in rules if r["objectType"] != "AzureRetentionRule"] + [merged]
    return found


def count_everything(found: list[ResourceRecord]) -> list[ResourceRecord]:
    acl = named(found, "qmoi-aws-waf-web-acl")
    for rule in acl.inputs["rules"]:
        if "overrideAction" in rule:
            rule["overrideAction"] = {"count": {}}
    return found


AWS: list[tuple[str, Mutation, str, str]] = [
    ("trail-one-region", changed("qmoi-aws-audit-trail", "isMultiRegionTrail", value=False), "audit-trail-enabled",
     "records one region only"),
    ("trail-without-validation", changed("qmoi-aws-audit-trail", "enableLogFileValidation", value=False),
     "audit-trail-enabled", "no log file validation"),
    ("no-trail", without("qmoi-aws-audit-trail"), "audit-trail-enabled", "aws: no CloudTrail trail"),
    ("guardduty-suspended", changed("qmoi-aws-threat-detection-guardduty", "enable", value=False),
     "threat-detection-enabled", "suspended"),
    ("no-guardduty", without("qmoi-aws-threat-detection-guardduty", "qmoi-aws-threat-detection-guardduty-s3"),
     "threat-detection-enabled", "no GuardDuty detector"),
    ("no-s3-protection", changed("qmoi-aws-threat-detection-guardduty-s3", "status", value="DISABLED"),
     "threat-detection-enabled", "S3_DATA_EVENTS is disabled"),
    ("findings-not-routed", without("qmoi-aws-threat-detection-guardduty-findings-alerts"),
     "threat-detection-enabled", "routed to no alert topic"),
    ("distribution-without-acl", changed("qmoi-aws-cdn-distribution", "webAclId", value=None),
     "waf-on-public-entry-points", "has no web ACL"),
    ("acl-counting-in-prod", count_everything, "waf-on-public-entry-points", "counts instead of blocking"),
    ("no-vault-lock", without("qmoi-aws-backup-vault-lock"), "backup-vault-locked", "has no vault lock"),
    ("governance-lock-in-prod", changed("qmoi-aws-backup-vault-lock", "changeableForDays", value=None),
     "backup-vault-locked", "governance mode"),
    ("no-selection", without("qmoi-aws-backup-stateful-buckets"), "backup-vault-locked",
     "is in no backup plan's selection"),
    ("trail-bucket-policy-without-write", policy_without("qmoi-aws-audit-bucket-policy", "AWSCloudTrailWrite"),
     "cloudtrail-delivery-allowed", "s3:PutObject"),
    ("trail-before-its-policy", not_waiting("qmoi-aws-audit-trail"), "cloudtrail-delivery-allowed",
     "created before its bucket's policy"),
    ("trail-key-without-cloudtrail", policy_without("qmoi-aws-audit-key", "CloudTrailEncryptLogs"),
     "cloudtrail-delivery-allowed", "cannot encrypt"),
    ("acl-outside-us-east-1", changed("qmoi-aws-waf-web-acl", "region", value="eu-west-1"),
     "cloudfront-waf-in-us-east-1", "exist only in us-east-1"),
    ("acl-by-id", changed("qmoi-aws-cdn-distribution", "webAclId", value="a1b2c3d4-waf-classic"),
     "cloudfront-waf-in-us-east-1", "is an id (WAF Classic)"),
    ("topic-policy-without-events", policy_without("qmoi-aws-monitoring-alerts-policy", "EventBridgeRulesPublish"),
     "findings-topic-deliverable", "events.amazonaws.com sns:Publish"),
    ("topic-key-without-events", policy_without("qmoi-aws-monitoring-alerts-key", "EventBridgeRulesPublish"),
     "findings-topic-deliverable", "findings are dropped"),
    ("selected-bucket-unversioned", without("qmoi-aws-storage-media-versioning"), "backup-selection-versioned",
     "not versioned"),
    ("short-cooling-off", changed("qmoi-aws-backup-vault-lock", "changeableForDays", value=1),
     "vault-lock-cooling-off", "at least 3"),
    ("config-into-the-locked-audit-bucket", changed("qmoi-aws-threat-detection-config-delivery-channel",
     "s3BucketName", value="qmoi-cloud-storage-prod-audit"), "config-delivery-not-object-locked",
     "delivers to qmoi-aws-audit-bucket, which has S3 Object Lock"),
]  # fmt: skip
GCP: list[tuple[str, Mutation, str, str]] = [
    ("no-audit-config", without("qmoi-gcp-audit-data-access"), "audit-trail-enabled", "gcp: no Data Access"),
    ("no-data-write-logs", changed("qmoi-gcp-audit-data-access", "auditLogConfigs", value=[{"logType": "ADMIN_READ"}]),
     "audit-trail-enabled", "without DATA_WRITE"),
    ("no-security-alert", without("qmoi-gcp-threat-detection-security-changes"), "threat-detection-enabled",
     "gcp: no log-match alert"),
    ("backend-without-edge-policy", changed("qmoi-gcp-cdn-backend", "edgeSecurityPolicy", value=None),
     "waf-on-public-entry-points", "no Cloud Armor edge policy"),
    ("sink-without-grant", without("qmoi-gcp-audit-sink-writer"), "audit-sink-can-write", "writer identity"),
    ("backend-policy-not-edge", changed("qmoi-gcp-waf-edge-policy", "type", value="CLOUD_ARMOR"),
     "cloud-armor-edge-on-backend-bucket", "takes only an edge security policy"),
    ("edge-policy-with-advanced-options",
     changed("qmoi-gcp-waf-edge-policy", "advancedOptionsConfig", value={"jsonParsing": "STANDARD"}),
     "cloud-armor-edge-on-backend-bucket", "advanced options are refused"),
]  # fmt: skip
AZURE: list[tuple[str, Mutation, str, str]] = [
    ("activity-log-without-security",
     changed("qmoi-azure-audit-activity-log", "logs", value=[{"category": "Administrative", "enabled": True}]),
     "audit-trail-enabled", "leaves out Alert, Policy, Security"),
    ("defender-servers-free", changed("qmoi-azure-threat-detection-defender-virtualmachines", "pricingTier",
     value="Free"), "threat-detection-enabled", "on the Free tier"),
    ("waf-detecting-in-prod", changed("qmoi-azure-waf-policy", "policySettings", "mode", value="Detection"),
     "waf-on-public-entry-points", "detects instead of preventing"),
    ("no-waf-association", without("qmoi-azure-waf-association"), "waf-on-public-entry-points",
     "no Front Door security policy"),
    ("vault-unlocked-in-prod", changed("qmoi-azure-backup-vault", "properties", "securitySettings",
     "immutabilitySettings", "state", value="Unlocked"), "backup-vault-locked", "prod needs Locked"),
    ("vault-soft-delete-off", changed("qmoi-azure-backup-vault", "properties", "securitySettings",
     "softDeleteSettings", "state", value="Off"), "backup-vault-locked", "soft delete is off"),
    ("premium-policy-on-standard-profile", changed("qmoi-azure-waf-policy", "sku", "name",
     value="Premium_AzureFrontDoor"), "front-door-waf-matches-profile", "on a Standard_AzureFrontDoor profile"),
    ("instance-without-grant", without("qmoi-azure-backup-account-0-backup-contributor"),
     "azure-backup-can-read-account", "no Storage Account Backup Contributor"),
    ("restore-policy-not-declared", changed("qmoi-azure-storage-blob-service", "restorePolicy", value=None),
     "azure-backup-can-read-account", "point-in-time restore"),
    ("operational-retention-in-default", one_default_rule, "azure-blob-retention-rules",
     "the OperationalStore lifecycle is in the retention rule 'Default'"),
]  # fmt: skip
CLOUDFLARE: list[tuple[str, Mutation, str, str]] = [
    ("owned-zone-without-managed-rules", without("qmoi-cloudflare-waf-qmoi-ai-managed"),
     "waf-on-public-entry-points", "declares no managed WAF ruleset"),
    ("paid-ruleset-on-a-free-zone", changed("qmoi-cloudflare-waf-qmoi-ai-managed", "rules", value=[
        {"action": "execute", "expression": "true", "actionParameters": {"id": "efb7b8c949ac4650a09736fc376e9aee"}}
    ]), "cloudflare-waf-within-plan", "needs a paid plan"),
    ("minute-period-on-a-free-zone", changed("qmoi-cloudflare-waf-qmoi-ai-rate-limit", "rules", value=[
        {"action": "block", "expression": "true",
         "ratelimit": {"characteristics": ["ip.src", "cf.colo.id"], "period": 60, "requestsPerPeriod": 600}}
    ]), "cloudflare-waf-within-plan", "period 60 s exceeds the free plan's 10 s"),
]  # fmt: skip
CASES = [("aws", *c) for c in AWS] + [("gcp", *c) for c in GCP] + [("azure", *c) for c in AZURE]
CASES += [("cloudflare", *c) for c in CLOUDFLARE]


@pytest.mark.parametrize(("provider", "case", "mutate", "rule", "expected"), CASES, ids=[c[1] for c in CASES])
def test_removing_or_weakening_one_piece_fails_its_rule(
    pack, prod_plan, config, provider: str, case: str, mutate: Mutation, rule: str, expected: str
):
    found = security_violations(pack, mutate(records(prod_plan, provider)), config)
    assert [v for v in found if v.startswith(f"{rule}:") and expected in v], found


def test_a_retention_below_the_compliance_minimum_fails_naming_the_profile(pack, prod_plan, config):
    hipaa = config | {
        "retention-meets-compliance": {"compliance": "hipaa", "auditRetentionDays": 2190, "backupRetentionDays": 365}
    }
    found = security_violations(pack, records(prod_plan, "aws"), hipaa)
    below = [v for v in found if v.startswith("retention-meets-compliance:")]
    assert (
        "retention-meets-compliance: qmoi-aws-audit-bucket: audit logs kept 365 days, below the hipaa minimum of "
        "2190 days (audit.retention_days)" in below
    ), found
    assert any("backups kept 35 days, below the hipaa minimum of 365 days (backup.retention_days)" in v for v in below)


def test_a_compliance_lock_outside_prod_fails_and_so_does_a_stack_that_does_not_own_the_detectors(
    pack, prod_plan, config
):
    dev = config | {"vault-lock-cooling-off": {"environment": "dev"}}
    found = security_violations(pack, records(prod_plan, "aws"), dev)
    assert any(v.startswith("vault-lock-cooling-off:") and "irreversible" in v for v in found)
    other = config | {"account-singleton-owner": {"auditOwner": "security", "threatOwner": "prod"}}
    found = security_violations(pack, records(prod_plan, "aws"), other)
    assert [v for v in found if v.startswith("account-singleton-owner:")] == [
        "account-singleton-owner: qmoi-aws-audit-trail: the account's trail (the free copy of management events) "
        "belongs to the stack security (audit.account_owner), not to prod: two stacks would fight over it, and "
        "destroying this one would delete what the owner relies on"
    ]


def test_outside_prod_a_missing_capability_is_not_a_violation_but_a_weakened_one_is(pack, dev_plan, config):
    dev = {
        name: values | ({"environment": "dev"} if "environment" in values else {}) for name, values in config.items()
    }
    found = security_violations(pack, without("qmoi-aws-waf-web-acl")(records(dev_plan, "aws")), dev)
    assert [v for v in found if "no web ACL" in v] == []
    # dev's unlocked vault keeps no soft-deleted backups (so that it can be destroyed); a locked one must
    assert not [v for v in security_violations(pack, records(dev_plan, "azure"), dev) if "soft delete" in v]
    weakened = changed("qmoi-azure-backup-vault", "properties", "securitySettings", "immutabilitySettings", "state",
                       value="Unlocked")  # fmt: skip
    found = security_violations(pack, weakened(records(dev_plan, "azure")), dev)
    assert any(v.startswith("backup-vault-locked:") and "soft delete is off" in v for v in found)


def behind_the_edge(plan: Any) -> list[ResourceRecord]:
    """The edge's load balancer and pools, and the AWS and Azure origins and firewalls behind them."""
    return [r for provider in ("cloudflare", "aws", "azure") for r in records(plan, provider)]


def test_an_origin_rate_rule_behind_cloudflare_counts_the_forwarded_client_or_leaves_cloudflare_out(
    pack, prod_plan, config
):
    assert [v for v in security_violations(pack, behind_the_edge(prod_plan), config) if "rate rule" in v] == []
    per_connection = {"aggregateKeyType": "IP", "limit": 600, "evaluationWindowSec": 60}

    def aws_by_connection(found: list[ResourceRecord]) -> list[ResourceRecord]:
        for rule in named(found, "qmoi-aws-waf-web-acl").inputs["rules"]:
            if "rateBasedStatement" in rule["statement"]:
                rule["statement"]["rateBasedStatement"] = dict(per_connection)
        return found

    def azure_by_socket(found: list[ResourceRecord]) -> list[ResourceRecord]:
        for rule in named(found, "qmoi-azure-waf-policy").inputs["customRules"]["rules"]:
            if rule["ruleType"] == "RateLimitRule":
                rule["matchConditions"] = [{"matchVariable": "RequestUri", "operator": "Any", "matchValue": []}]
        return found

    found = security_violations(pack, aws_by_connection(behind_the_edge(prod_plan)), config)
    assert [v for v in found if v.startswith("origin-rate-limit-behind-proxy:")] == [
        f"origin-rate-limit-behind-proxy: qmoi-aws-waf-web-acl: rate rule {name} counts connecting addresses, but "
        "qmoi-aws-cdn-distribution is behind the proxied pool qmoi-cloudflare-lb-aws: every client of one "
        "Cloudflare data centre shares a counter and is blocked together. Count the forwarded client (AWS: "
        "aggregate on FORWARDED_IP, CF-Connecting-IP, for requests from Cloudflare's ranges) or leave "
        "Cloudflare's ranges out"
        for name in ("rate-limit-per-client", "rate-limit-per-ip")
    ]
    found = security_violations(pack, azure_by_socket(behind_the_edge(prod_plan)), config)
    assert [v.split(" counts")[0] for v in found if v.startswith("origin-rate-limit-behind-proxy:")] == [
        "origin-rate-limit-behind-proxy: qmoi-azure-waf-policy: rate rule ratelimitperip"
    ]
