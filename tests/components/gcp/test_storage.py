"""GCP storage on the mock runtime: exposure, versioning, lifecycle tiers, soft delete, CMEK, logs, protection."""

from __future__ import annotations

import pytest

from components.context import StackContext
from components.gcp.storage import GcpStorage, GcpStorageArgs
from components.specs import bucket_specs
from infra.config import BucketClass
from tests.conftest import make_config

CLASSES = [c.value for c in BucketClass]
BUCKET = "gcp:storage/bucket:Bucket"


def build_storage(record_component, environment: str = "dev", cmek: bool = False, storage: dict | None = None):
    config = make_config(environment, **({"storage": storage} if storage else {}))
    ctx = StackContext.from_config(config)
    args = GcpStorageArgs(
        buckets=bucket_specs("qmoi-test", environment, config.storage.classes()),
        log_bucket_name=f"qmoi-test-{environment}-logs",
        location="US-CENTRAL1",
        cmek=cmek,
    )
    return record_component(lambda: GcpStorage("st", args, ctx), stack=environment)


@pytest.fixture(scope="module")
def dev_storage(record_component):
    return build_storage(record_component)


def bucket(plan, bucket_class: str):
    return plan.named(f"st-{bucket_class}")


def test_every_class_gets_a_regional_bucket_named_from_base_environment_and_class(dev_storage):
    names = sorted(r.inputs["name"] for r in dev_storage.of_type(BUCKET))
    assert names == sorted([f"qmoi-test-dev-{c}" for c in CLASSES] + ["qmoi-test-dev-logs"])
    assert {r.inputs["location"] for r in dev_storage.of_type(BUCKET)} == {"US-CENTRAL1"}


def test_every_bucket_enforces_public_access_prevention_and_uniform_access(dev_storage):
    for record in dev_storage.of_type(BUCKET):
        assert record.inputs["publicAccessPrevention"] == "enforced", record.name
        assert record.inputs["uniformBucketLevelAccess"] is True, record.name


def test_no_iam_binding_grants_anything_to_all_users(dev_storage):
    members = [r.inputs["member"] for r in dev_storage.of_type("gcp:storage/bucketIAMMember:BucketIAMMember")]
    assert not any(m in ("allUsers", "allAuthenticatedUsers") for m in members)


def test_only_stateful_classes_are_versioned(dev_storage):
    versioned = {c for c in CLASSES if bucket(dev_storage, c).inputs["versioning"]["enabled"]}
    assert versioned == {"artifacts", "backups", "media"}


def test_caches_are_deleted_after_their_expiry_and_backups_move_to_colder_classes_but_media_not(dev_storage):
    def rules(cls: str) -> list[dict]:
        return bucket(dev_storage, cls).inputs["lifecycleRules"]

    deletes = [r["condition"]["age"] for r in rules("caches") if r["action"]["type"] == "Delete"]
    assert deletes == [14]
    moves = [
        (r["condition"]["age"], r["action"]["storageClass"]) for r in rules("backups") if "storageClass" in r["action"]
    ]
    assert moves == [(30, "NEARLINE"), (90, "COLDLINE"), (365, "ARCHIVE")]
    coldline = next(r for r in rules("backups") if r["action"].get("storageClass") == "COLDLINE")
    assert coldline["condition"]["matchesStorageClasses"] == ["STANDARD", "NEARLINE"]
    assert [r["action"]["storageClass"] for r in rules("media") if "storageClass" in r["action"]] == []


def test_non_current_versions_expire_only_on_versioned_buckets_after_the_class_window(dev_storage):
    def noncurrent(cls: str) -> list[int]:
        return [
            r["condition"]["daysSinceNoncurrentTime"]
            for r in bucket(dev_storage, cls).inputs["lifecycleRules"]
            if "daysSinceNoncurrentTime" in r["condition"]
        ]

    assert noncurrent("backups") == [365]
    assert noncurrent("artifacts") == [90]
    assert noncurrent("media") == [30]
    assert noncurrent("caches") == []


def test_backups_keep_deleted_objects_for_the_retention_window_and_caches_not_at_all(dev_storage):
    def days(cls: str) -> float:
        return bucket(dev_storage, cls).inputs["softDeletePolicy"]["retentionDurationSeconds"] / 86400

    assert days("backups") == 30
    assert days("caches") == 0
    assert days("artifacts") == 7


def test_every_class_bucket_logs_to_the_log_bucket_which_only_the_analytics_group_may_write(dev_storage):
    prefixes = sorted(bucket(dev_storage, c).inputs["logging"]["logObjectPrefix"] for c in CLASSES)
    assert prefixes == sorted(f"{c}/" for c in CLASSES)
    assert {bucket(dev_storage, c).inputs["logging"]["logBucket"] for c in CLASSES} == {"qmoi-test-dev-logs"}
    writer = dev_storage.named("st-logs-writer")
    assert (writer.inputs["role"], writer.inputs["member"]) == (
        "roles/storage.objectCreator",
        "group:cloud-storage-analytics@google.com",
    )


def test_buckets_carry_the_required_labels_and_their_class(dev_storage):
    for cls in CLASSES:
        labels = bucket(dev_storage, cls).inputs["labels"]
        assert {"environment", "project", "owner", "cost-center"} <= set(labels)
        assert labels["bucket-class"] == cls


def test_without_cmek_buckets_use_google_managed_encryption_and_no_key_exists(dev_storage):
    assert dev_storage.of_type("gcp:kms/cryptoKey:CryptoKey") == []
    assert all("encryption" not in r.inputs for r in dev_storage.of_type(BUCKET))


def test_cmek_creates_a_rotating_key_granted_to_the_storage_agent_before_buckets_use_it(record_component):
    plan = build_storage(record_component, cmek=True, storage={"caches": {"versioning": False, "encryption": False}})
    key = plan.named("st-key")
    assert key.inputs["rotationPeriod"] == "7776000s"
    grant = plan.named("st-key-storage-agent")
    assert grant.inputs["role"] == "roles/cloudkms.cryptoKeyEncrypterDecrypter"
    assert grant.inputs["member"].endswith("@gs-project-accounts.iam.gserviceaccount.com")
    backups = bucket(plan, "backups")
    assert backups.inputs["encryption"]["defaultKmsKeyName"].endswith(
        "/locations/us-central1/keyRings/qmoi-dev/cryptoKeys/data"
    )
    assert grant.urn in backups.dependencies
    assert "encryption" not in bucket(plan, "caches").inputs


def test_prod_protects_and_retains_stateful_buckets_and_logs_but_not_caches(record_component):
    plan = build_storage(record_component, environment="prod")
    for name in ("st-artifacts", "st-backups", "st-logs"):
        record = plan.named(name)
        assert record.protect and record.retain_on_delete, name
    assert not plan.named("st-caches").protect
    assert not any(r.protect for r in build_storage(record_component).resources if r.name == "st-backups")
