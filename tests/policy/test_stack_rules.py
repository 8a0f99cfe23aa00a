# ruff: noqa: E501  (test data tables read better unwrapped)
"""Stack-level rules through the real pack: joins (S3 and its sub-resources), budgets, protection, notes."""

from __future__ import annotations

from typing import Any

import pytest

from infra.plan.records import ResourceRecord
from tests.policy.conftest import TAGS, TEST_CONFIG, check, record

S3 = "aws:s3/"
TLS_ONLY = (
    '{"Version":"2012-10-17","Statement":[{"Sid":"DenyInsecureTransport","Effect":"Deny","Principal":"*",'
    '"Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"false"}}}]}'
)


def s3_bucket(cls: str, omit: str = "", **changes: Any) -> list[ResourceRecord]:
    """A compliant S3 bucket of class `cls` with its sub-resources; `omit` drops one, `changes` alters props."""
    name = f"b-{cls}"
    bucket = record(
        f"{S3}bucket:Bucket",
        name,
        {"bucket": f"qmoi-prod-{cls}", "tags": TAGS | {"bucket-class": cls}},
        protect=changes.pop("protect", True),
    )
    parts = {
        "sse": (f"{S3}bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
                {"bucket": f"qmoi-prod-{cls}", "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}}]}),
        "pab": (f"{S3}bucketPublicAccessBlock:BucketPublicAccessBlock",
                {"bucket": f"qmoi-prod-{cls}", "blockPublicAcls": True, "blockPublicPolicy": True,
                 "ignorePublicAcls": True, "restrictPublicBuckets": changes.pop("restrict", True)}),
        "policy": (f"{S3}bucketPolicy:BucketPolicy", {"bucket": f"qmoi-prod-{cls}", "policy": changes.pop("policy", TLS_ONLY)}),
        "versioning": (f"{S3}bucketVersioning:BucketVersioning",
                       {"bucket": f"qmoi-prod-{cls}", "versioningConfiguration": {"status": "Enabled"}}),
        "lifecycle": (f"{S3}bucketLifecycleConfiguration:BucketLifecycleConfiguration",
                      {"bucket": f"qmoi-prod-{cls}", "rules": [{"id": "r", "status": "Enabled"}]}),
    }  # fmt: skip
    return [bucket] + [record(t, f"{name}-{k}", p, bucket=[bucket.urn]) for k, (t, p) in parts.items() if k != omit]


def budget(limit: str = "800") -> ResourceRecord:
    return record("aws:budgets/budget:Budget", "aws-budget", {"limitAmount": limit, "limitUnit": "USD", "tags": TAGS})


def compliant(**changes: Any) -> list[ResourceRecord]:
    return [*s3_bucket("artifacts"), *s3_bucket("backups", **changes), budget()]


def violated(pack, records: list[ResourceRecord]) -> dict[str, list[str]]:
    report = check(pack, *records)
    found: dict[str, list[str]] = {}
    for v in report.violations:
        found.setdefault(v.policy, []).append(v.detail)
    return found


def test_a_compliant_prod_stack_has_no_violations(pack):
    assert violated(pack, compliant()) == {}


@pytest.mark.parametrize(
    ("omit", "rule"),
    [
        ("sse", "s3-bucket-encryption"),
        ("pab", "s3-public-access-block"),
        ("policy", "s3-tls-only-policy"),
        ("versioning", "stateful-bucket-versioning"),
        ("lifecycle", "backup-retention"),
    ],
)
def test_a_backups_bucket_missing_one_sub_resource_fails_its_rule_naming_the_bucket(pack, omit, rule):
    found = violated(pack, [*s3_bucket("artifacts"), *s3_bucket("backups", omit=omit), budget()])
    assert list(found) == [rule]
    assert found[rule][0].startswith("b-backups:")


def test_a_public_access_block_with_one_flag_off_fails(pack):
    found = violated(pack, compliant(restrict=False))
    assert "restrictPublicBuckets" in found["s3-public-access-block"][0]


def test_a_bucket_policy_without_the_tls_deny_fails(pack):
    found = violated(pack, compliant(policy='{"Statement":[{"Effect":"Allow","Action":"s3:GetObject"}]}'))
    assert list(found) == ["s3-tls-only-policy"]


def test_an_unprotected_stateful_bucket_fails_in_prod_only(pack):
    found = violated(pack, compliant(protect=False))
    assert found["prod-stateful-protected"] == [
        "b-backups: stateful resource in prod without protect (and retain_on_delete)"
    ]
    dev = check(pack, *compliant(protect=False), config={"prod-stateful-protected": {"environment": "dev"}})
    assert not [v for v in dev.violations if v.policy == "prod-stateful-protected"]


def test_a_provider_without_a_budget_fails(pack):
    records = [r for r in compliant() if r.type != "aws:budgets/budget:Budget"]
    assert violated(pack, records)["budget-per-provider"] == [
        "aws: resources are declared but no budget (aws:budgets/budget:Budget)"
    ]


def test_budget_limits_above_the_stack_budget_fail(pack):
    records = [*s3_bucket("artifacts"), budget("1500")]
    assert "1,500.00" in violated(pack, records)["budget-limits-within-stack-budget"][0]


def test_budget_rules_are_advisory_when_configured_so(pack):
    config = TEST_CONFIG | {
        "budget-limits-within-stack-budget": {"enforcementLevel": "advisory", "monthlyBudgetUsd": 1000}
    }
    report = check(pack, *s3_bucket("artifacts"), budget("1500"), config=config)
    assert [v.level for v in report.violations if v.policy == "budget-limits-within-stack-budget"] == ["advisory"]
    assert report.passed


def test_the_cost_rule_fails_closed_without_the_stack_configuration(pack):
    config = {"estimated-cost-within-budget": {"enforcementLevel": "mandatory", "monthlyBudgetUsd": 1000}}
    report = check(pack, *compliant(), config=config)
    [verdict] = [v for v in report.violations if v.policy == "estimated-cost-within-budget"]
    assert verdict.level == "mandatory" and verdict.detail.startswith("not evaluated:")
    assert "PULUMI_CONFIG" in verdict.detail and not report.passed


ZONE = "0123456789abcdef0123456789abcdef"


def zone_setting(setting: str, value: str) -> ResourceRecord:
    return record(
        "cloudflare:index/zoneSetting:ZoneSetting",
        f"zone-{setting}",
        {"zoneId": ZONE, "settingId": setting, "value": value},
    )


def test_a_cloudflare_zone_with_tls_1_0_fails_and_with_tls_1_2_passes(pack):
    good = [zone_setting("min_tls_version", "1.2"), zone_setting("always_use_https", "on")]
    assert "cloudflare-zone-tls" not in violated(pack, [*compliant(), *good])
    bad = [zone_setting("min_tls_version", "1.0"), zone_setting("always_use_https", "on")]
    assert violated(pack, [*compliant(), *bad])["cloudflare-zone-tls"] == [
        "zone-min_tls_version: min_tls_version is 1.0; must be 1.2 or higher"
    ]


def test_a_zone_without_always_use_https_fails(pack):
    records = [*compliant(), zone_setting("min_tls_version", "1.2")]
    assert violated(pack, records)["cloudflare-zone-tls"] == [f"zone {ZONE}: no always_use_https zone setting"]


def test_always_encrypted_r2_and_spaces_buckets_pass_with_a_stated_note(pack):
    records = [
        *compliant(),
        # Media is stateful: protected in prod, versioned where the provider can (R2 cannot).
        record(
            "cloudflare:index/r2Bucket:R2Bucket",
            "r2-media",
            {"accountId": "a", "name": "qmoi-prod-media"},
            protect=True,
        ),
        record(
            "digitalocean:index/spacesBucket:SpacesBucket",
            "spaces-media",
            {"acl": "private", "region": "nyc3", "versioning": {"enabled": True}},
            protect=True,
        ),
    ]
    report = check(pack, *records)
    assert report.violations == []
    notes = {n.resource: n.detail for n in report.notes}
    assert "R2 encrypts every object at rest" in notes["r2-media"]
    assert "Spaces encrypts data at rest" in notes["spaces-media"]
