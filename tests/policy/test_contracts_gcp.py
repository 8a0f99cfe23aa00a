"""Google Cloud and shared deploy contracts through the real pack: a baseline passes, one change breaks it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from infra.plan.records import ResourceRecord
from tests.policy.conftest import TAGS, check, record
from tests.policy.test_contracts_aws import CONFIG, cdn_stack

GCS = "gcp:storage/bucket:Bucket"
IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"


def violations(pack, records: list[ResourceRecord], rule: str, config: dict[str, Any] = CONFIG) -> list[str]:
    report = check(pack, *records, config=config)
    return [v.detail for v in report.violations if v.policy == rule]


# --- cloud-cdn-origin-servable, gcs-public-access-prevention, cdn-fill-agent-after-signing-key ----------


def cloud_cdn(
    prevention: str = "inherited",
    member: str = "allUsers",
    role: str = "roles/storage.legacyObjectReader",
    cls: str = "media",
) -> list[ResourceRecord]:
    bucket = record(
        GCS,
        "media",
        {
            "name": "qmoi-dev-media",
            "publicAccessPrevention": prevention,
            "uniformBucketLevelAccess": True,
            "versioning": {"enabled": True},
            "labels": TAGS | {"bucket-class": cls},
        },
    )
    grant = record(
        IAM, "media-public-read", {"bucket": "qmoi-dev-media", "role": role, "member": member}, bucket=[bucket.urn]
    )
    backend = record(
        "gcp:compute/backendBucket:BackendBucket",
        "backend",
        {"bucketName": "qmoi-dev-media", "enableCdn": True},
        bucketName=[bucket.urn],
    )
    return [bucket, grant, backend]


def test_a_cdn_served_media_bucket_readable_object_by_object_passes_both_rules(pack):
    assert violations(pack, cloud_cdn(), "cloud-cdn-origin-servable") == []
    assert violations(pack, cloud_cdn(), "gcs-public-access-prevention") == []


def test_a_private_bucket_behind_cloud_cdn_is_not_servable(pack):
    (found,) = violations(pack, cloud_cdn(prevention="enforced"), "cloud-cdn-origin-servable")
    assert found.startswith("backend: Cloud CDN forwards unsigned requests to media as they are")


def test_a_signed_url_key_makes_a_private_origin_acceptable(pack):
    records = cloud_cdn(
        prevention="enforced",
        member="serviceAccount:service-1@cloud-cdn-fill.iam.gserviceaccount.com",
        role="roles/storage.objectViewer",
    )
    key = record(
        "gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey",
        "signing-key",
        {"backendBucket": "b", "name": "k"},
        backendBucket=[records[2].urn],
    )
    assert violations(pack, [*records, key], "cloud-cdn-origin-servable") == []


def test_public_reads_stay_forbidden_beyond_object_reads_of_cdn_served_media(pack):
    listing = violations(pack, cloud_cdn(role="roles/storage.objectViewer"), "gcs-public-access-prevention")
    assert listing == ["media-public-read: grants roles/storage.objectViewer to allUsers"]
    other_class = violations(pack, cloud_cdn(cls="backups"), "gcs-public-access-prevention")
    assert len(other_class) == 2  # the bucket's prevention and the grant
    not_served = violations(pack, cloud_cdn()[:2], "gcs-public-access-prevention")
    assert len(not_served) == 2


def test_a_grant_to_the_cache_fill_agent_must_wait_for_a_signing_key(pack):
    fill = "serviceAccount:service-1@cloud-cdn-fill.iam.gserviceaccount.com"
    grant = record(IAM, "fill-reader", {"bucket": "b", "role": "roles/storage.objectViewer", "member": fill})
    (found,) = violations(pack, [grant], "cdn-fill-agent-after-signing-key")
    assert found.startswith("fill-reader: grants the Cloud CDN cache-fill service agent, which exists only after")
    key = record(
        "gcp:compute/backendBucketSignedUrlKey:BackendBucketSignedUrlKey",
        "signing-key",
        {"backendBucket": "b", "name": "k"},
    )
    after = record(
        IAM, "fill-reader", {"bucket": "b", "role": "roles/storage.objectViewer", "member": fill}, depends=[key.urn]
    )
    assert violations(pack, [key, after], "cdn-fill-agent-after-signing-key") == []


# --- gcf-build-account-roles ---------------------------------------------------------------------


SOURCE_CONDITION = 'resource.name.startsWith("projects/_/buckets/gcf-v2-sources-")'
# What the program granted before the review: narrower than any role set Google documents.
HAND_MADE: dict[str, str | None] = {"roles/logging.logWriter": None, "roles/artifactregistry.writer": None}
HAND_MADE["roles/storage.objectViewer"] = SOURCE_CONDITION


def build_stack(roles: dict[str, str | None]) -> list[ResourceRecord]:
    """A function built by a custom account holding `roles` on the project (role -> IAM condition or None)."""
    account = record("gcp:serviceaccount/account:Account", "builder", {"accountId": "qmoi-dev-fn-build"})
    grants = []
    for role, condition in roles.items():
        props: dict[str, Any] = {
            "project": "p",
            "role": role,
            "member": "serviceAccount:qmoi-dev-fn-build@p.iam.gserviceaccount.com",
        }
        if condition:
            props["condition"] = {"title": "t", "expression": condition}
        grants.append(
            record(
                "gcp:projects/iAMMember:IAMMember",
                f"builder-{role.rsplit('.', 1)[1].lower()}",
                props,
                member=[account.urn],
            )
        )
    function = record(
        "gcp:cloudfunctionsv2/function:Function",
        "fn",
        {"buildConfig": {"serviceAccount": "projects/p/serviceAccounts/b"}, "labels": TAGS},
        buildConfig=[account.urn],
    )
    return [account, *grants, function]


def test_a_custom_build_account_with_cloud_run_builder_or_the_documented_trio_passes(pack):
    assert violations(pack, build_stack({"roles/run.builder": None}), "gcf-build-account-roles") == []
    trio: dict[str, str | None] = dict.fromkeys(
        ("roles/logging.logWriter", "roles/artifactregistry.writer", "roles/storage.objectAdmin")
    )
    assert violations(pack, build_stack(trio), "gcf-build-account-roles") == []


def test_a_build_account_with_hand_made_narrower_grants_fails(pack):
    (found,) = violations(pack, build_stack(HAND_MADE), "gcf-build-account-roles")
    assert found.startswith("fn: its build account builder has neither roles/run.builder on the project nor")
    assert "roles/storage.objectAdmin" in found


def test_a_conditioned_cloud_run_builder_grant_does_not_count(pack):
    (found,) = violations(pack, build_stack({"roles/run.builder": SOURCE_CONDITION}), "gcf-build-account-roles")
    assert "neither roles/run.builder" in found


# --- budget-counts-whole-project ----------------------------------------------------------------


def test_a_budget_filtered_on_labels_fails(pack):
    budget: dict[str, Any] = {
        "billingAccount": "01A2B3-C4D5E6-F7A8B9",
        "budgetFilter": {"projects": ["projects/1"]},
        "amount": {"specifiedAmount": {"units": "100"}},
    }
    assert violations(pack, [record("gcp:billing/budget:Budget", "b", budget)], "budget-counts-whole-project") == []
    budget["budgetFilter"]["labels"] = {"environment": "dev"}
    (found,) = violations(pack, [record("gcp:billing/budget:Budget", "b", budget)], "budget-counts-whole-project")
    assert "counts only labelled usage" in found


# --- shared: scale from zero, CDN origins stateful and not cold -----------------------------------


def autoscaler(**policy: Any) -> ResourceRecord:
    return record(
        "gcp:compute/regionAutoscaler:RegionAutoscaler",
        "gpu-autoscaler",
        {"autoscalingPolicy": {"minReplicas": 0, "maxReplicas": 1, "cpuUtilization": {"target": 0.6}, **policy}},
    )


def test_a_gcp_autoscaler_at_zero_needs_a_scaling_schedule(pack):
    (found,) = violations(pack, [autoscaler()], "tier-scaling-can-act")
    assert found.startswith("gpu-autoscaler: minReplicas 0 with only per-instance signals")
    schedule = {"name": "s", "schedule": "0 9 * * MON-FRI", "durationSec": 7200, "minRequiredReplicas": 1}
    assert violations(pack, [autoscaler(scalingSchedules=[schedule])], "tier-scaling-can-act") == []


def test_a_cdn_origin_must_be_versioned_and_protected_in_prod(pack):
    records = cloud_cdn()
    assert violations(pack, records, "cdn-origin-is-stateful") == []
    unversioned = copy.deepcopy(records)
    unversioned[0].inputs["versioning"] = {"enabled": False}
    assert violations(pack, unversioned, "cdn-origin-is-stateful") == [
        "media: a CDN origin (user content, no other copy) is not versioned"
    ]
    prod = {**CONFIG, "cdn-origin-is-stateful": {"environment": "prod"}}
    assert violations(pack, records, "cdn-origin-is-stateful", prod) == [
        "media: a CDN origin in prod is not protected (and retained on delete)"
    ]


def test_a_cloudfront_origin_without_versioning_fails(pack):
    (found,) = violations(pack, cdn_stack(), "cdn-origin-is-stateful")
    assert found == "media: a CDN origin (user content, no other copy) is not versioned"


def test_a_cdn_origin_moved_to_a_colder_class_is_advised_against(pack):
    cold = cloud_cdn()
    cold[0].inputs["lifecycleRules"] = [
        {"action": {"type": "SetStorageClass", "storageClass": "NEARLINE"}, "condition": {"age": 60}}
    ]
    report = check(pack, *cold, config=CONFIG)
    (found,) = [v for v in report.violations if v.policy == "cdn-origin-not-cold"]
    assert found.level == "advisory" and "moves objects to NEARLINE" in found.detail
    assert [v for v in check(pack, *cloud_cdn(), config=CONFIG).violations if v.policy == "cdn-origin-not-cold"] == []


# --- the shipped plans ----------------------------------------------------------------------------


def gcp_records(plan) -> list[ResourceRecord]:
    return [r for r in plan.resources if r.type.startswith(("gcp:", "pulumi:providers:gcp"))]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_shipped_gcp_resources_keep_every_contract(pack, stack_plan, stack):
    from policy.rules import RULES
    from policy.rules.contracts import AREA

    # each environment's stack owns its own GCP project's audit configuration (audit.project_owner)
    owners = CONFIG["account-singleton-owner"] | {"auditProjectOwner": stack}
    config = {**CONFIG, "cdn-origin-is-stateful": {"environment": stack}, "account-singleton-owner": owners}
    report = check(pack, *gcp_records(stack_plan(stack)), config=config)
    contracts = {r.name for r in RULES if r.area == AREA} | {"gcs-public-access-prevention"}
    assert [v.detail for v in report.violations if v.policy in contracts] == []


def test_the_shipped_media_bucket_made_private_breaks_the_servable_contract(pack, dev_plan):
    records = [copy.deepcopy(r) for r in gcp_records(dev_plan)]
    (media,) = [r for r in records if r.type == GCS and r.inputs["labels"].get("bucket-class") == "media"]
    media.inputs["publicAccessPrevention"] = "enforced"
    (found,) = violations(pack, records, "cloud-cdn-origin-servable")
    assert found.startswith("qmoi-gcp-cdn-backend: Cloud CDN forwards unsigned requests to qmoi-gcp-storage-media")
