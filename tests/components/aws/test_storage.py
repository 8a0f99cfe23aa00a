"""AWS storage component on the mock runtime: encryption, exposure, versioning, lifecycle, protection."""

from __future__ import annotations

import json

import pytest

from components.aws.storage import AwsStorage, AwsStorageArgs
from components.context import StackContext
from components.specs import bucket_specs
from infra.config import BucketClass
from tests.conftest import make_config

CLASSES = [c.value for c in BucketClass]


def build_storage(record_component, environment: str = "dev", storage: dict | None = None):
    config = make_config(environment, **({"storage": storage} if storage else {}))
    ctx = StackContext.from_config(config)
    args = AwsStorageArgs(
        buckets=bucket_specs("qmoi-test", environment, config.storage.classes()),
        log_bucket_name=f"qmoi-test-{environment}-logs",
    )
    return record_component(lambda: AwsStorage("st", args, ctx), stack=environment)


@pytest.fixture(scope="module")
def dev_storage(record_component):
    return build_storage(record_component)


def bucket_children(plan, bucket_class: str, type_token: str):
    return [r for r in plan.of_type(type_token) if r.name.startswith(f"st-{bucket_class}-")]


def test_every_class_gets_a_bucket_named_from_base_environment_and_class(dev_storage):
    names = sorted(r.inputs["bucket"] for r in dev_storage.of_type("aws:s3/bucket:Bucket"))
    assert names == sorted([f"qmoi-test-dev-{c}" for c in CLASSES] + ["qmoi-test-dev-logs"])


def test_class_buckets_use_the_rotating_kms_key_with_bucket_key(dev_storage):
    for cls in CLASSES:
        key = dev_storage.named("st-media-key" if cls == "media" else "st-key")
        assert key.inputs["enableKeyRotation"] is True
        (sse,) = bucket_children(
            dev_storage, cls, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
        )
        (rule,) = sse.inputs["rules"]
        assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
        assert rule["applyServerSideEncryptionByDefault"]["kmsMasterKeyId"].startswith("arn:aws:kms:")
        assert rule["bucketKeyEnabled"] is True
        assert key.urn in sse.dependencies


def test_log_bucket_uses_sse_s3_because_access_logging_cannot_write_to_kms_buckets(dev_storage):
    sse = dev_storage.named("st-logs-encryption")
    assert sse.inputs["rules"][0]["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_every_bucket_blocks_all_public_access_and_disables_acls(dev_storage):
    blocks = dev_storage.of_type("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock")
    assert len(blocks) == len(CLASSES) + 1
    for block in blocks:
        flags = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
        assert all(block.inputs[f] is True for f in flags), block.name
    for ownership in dev_storage.of_type("aws:s3/bucketOwnershipControls:BucketOwnershipControls"):
        assert ownership.inputs["rule"]["objectOwnership"] == "BucketOwnerEnforced"


def test_every_bucket_policy_denies_requests_without_tls(dev_storage):
    policies = dev_storage.of_type("aws:s3/bucketPolicy:BucketPolicy")
    assert len(policies) == len(CLASSES) + 1
    for policy in policies:
        statements = json.loads(policy.inputs["policy"])["Statement"]
        deny = next(s for s in statements if s["Sid"] == "DenyInsecureTransport")
        assert deny["Effect"] == "Deny"
        assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_only_stateful_classes_are_versioned(dev_storage):
    versioned = {r.name.split("-")[1] for r in dev_storage.of_type("aws:s3/bucketVersioning:BucketVersioning")}
    assert versioned == {"artifacts", "backups", "media"}
    for r in dev_storage.of_type("aws:s3/bucketVersioning:BucketVersioning"):
        assert r.inputs["versioningConfiguration"]["status"] == "Enabled"


def test_lifecycle_expires_caches_and_tiers_backups_but_keeps_media_in_standard(dev_storage):
    def rule(cls: str) -> dict:
        (lifecycle,) = bucket_children(
            dev_storage, cls, "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
        )
        return lifecycle.inputs["rules"][0]

    assert rule("caches")["expiration"]["days"] == 14
    assert [(t["days"], t["storageClass"]) for t in rule("backups")["transitions"]] == [
        (30, "STANDARD_IA"),
        (90, "GLACIER"),
    ]
    assert rule("backups")["noncurrentVersionExpiration"]["noncurrentDays"] == 365
    assert "transitions" not in rule("media")  # a CDN reads it back: no retrieval fees, no minimums
    assert rule("media")["noncurrentVersionExpiration"]["noncurrentDays"] == 30
    for cls in CLASSES:
        assert rule(cls)["abortIncompleteMultipartUpload"]["daysAfterInitiation"] == 7


def test_every_class_bucket_logs_access_to_the_log_bucket(dev_storage):
    logging = dev_storage.of_type("aws:s3/bucketLogging:BucketLogging")
    assert sorted(r.inputs["targetPrefix"] for r in logging) == sorted(f"{c}/" for c in CLASSES)
    assert {r.inputs["targetBucket"] for r in logging} == {"qmoi-test-dev-logs"}


def test_children_are_parented_to_the_component_and_tagged(dev_storage):
    component = dev_storage.named("st")
    assert component.type == "qmoi:aws:Storage"
    for bucket in dev_storage.of_type("aws:s3/bucket:Bucket"):
        assert bucket.parent == component.urn
        assert {"environment", "owner", "cost-center", "project"} <= set(bucket.inputs["tags"])


def test_opting_out_of_encryption_drops_the_sse_configuration_of_that_class_only(record_component):
    plan = build_storage(record_component, storage={"caches": {"versioning": False, "encryption": False}})
    sse = plan.of_type("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")
    assert not any(r.name.startswith("st-caches-") for r in sse)
    assert any(r.name.startswith("st-media-") for r in sse)


def test_prod_protects_and_retains_stateful_buckets_and_the_key_but_not_caches(record_component):
    plan = build_storage(record_component, environment="prod")
    for name in ("st-key", "st-media-key", "st-artifacts", "st-backups", "st-media", "st-logs"):
        record = plan.named(name)
        assert record.protect and record.retain_on_delete, name
    assert not plan.named("st-caches").protect


def test_dev_protects_nothing(dev_storage):
    assert not any(r.protect for r in dev_storage.resources)
