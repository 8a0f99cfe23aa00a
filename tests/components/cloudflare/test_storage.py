"""Cloudflare R2 storage on the mock runtime: location, lifecycle, locks, CORS, protection, encryption fact."""

from __future__ import annotations

import pytest

from components.cloudflare.storage import R2_ENCRYPTED_AT_REST, CloudflareStorage, CloudflareStorageArgs
from components.context import StackContext
from components.specs import bucket_specs
from tests.conftest import make_config

ACCOUNT = "a" * 32
DAY = 86_400
LIFECYCLE = "cloudflare:index/r2BucketLifecycle:R2BucketLifecycle"


def build(record_component, environment: str = "dev", storage: dict | None = None):
    config = make_config(environment, **({"storage": storage} if storage else {}))
    args = CloudflareStorageArgs(
        account_id=ACCOUNT,
        buckets=bucket_specs("qmoi-test", environment, config.storage.classes()),
        location="enam",
        jurisdiction="eu",
    )
    ctx = StackContext.from_config(config)
    return record_component(lambda: CloudflareStorage("r2", args, ctx), stack=environment)


@pytest.fixture(scope="module")
def dev_storage(record_component):
    return build(
        record_component,
        storage={"media": {"versioning": False, "infrequent_after_days": 60, "cors_origins": ["https://qmoi.ai"]}},
    )


def rule(plan, cls: str) -> dict:
    (only,) = plan.named(f"r2-{cls}-lifecycle").inputs["rules"]
    return only


def test_every_class_gets_an_r2_bucket_with_the_configured_location_and_jurisdiction(dev_storage):
    buckets = dev_storage.of_type("cloudflare:index/r2Bucket:R2Bucket")
    assert sorted(b.inputs["name"] for b in buckets) == sorted(
        f"qmoi-test-dev-{c}" for c in ("artifacts", "caches", "backups", "media")
    )
    for bucket in buckets:
        assert (bucket.inputs["location"], bucket.inputs["jurisdiction"]) == ("enam", "eu")
        assert bucket.inputs["accountId"] == ACCOUNT


def test_every_bucket_aborts_incomplete_multipart_uploads_after_seven_days(dev_storage):
    assert len(dev_storage.of_type(LIFECYCLE)) == 4
    for cls in ("artifacts", "caches", "backups", "media"):
        abort = rule(dev_storage, cls)["abortMultipartUploadsTransition"]["condition"]
        assert abort == {"type": "Age", "maxAge": 7 * DAY}


def test_caches_expire_and_media_moves_to_infrequent_access(dev_storage):
    assert rule(dev_storage, "caches")["deleteObjectsTransition"]["condition"] == {"type": "Age", "maxAge": 14 * DAY}
    (ia,) = rule(dev_storage, "media")["storageClassTransitions"]
    assert ia == {"storageClass": "InfrequentAccess", "condition": {"type": "Age", "maxAge": 60 * DAY}}
    assert "deleteObjectsTransition" not in rule(dev_storage, "artifacts")


def test_backups_are_locked_for_their_retention_window(dev_storage):
    (lock,) = dev_storage.of_type("cloudflare:index/r2BucketLock:R2BucketLock")
    assert lock.name == "r2-backups-lock"
    assert lock.inputs["rules"][0]["condition"] == {"type": "Age", "maxAgeSeconds": 30 * DAY}


def test_cors_is_declared_only_where_configured(dev_storage):
    (cors,) = dev_storage.of_type("cloudflare:index/r2BucketCors:R2BucketCors")
    assert cors.name == "r2-media-cors"
    allowed = cors.inputs["rules"][0]["allowed"]
    assert allowed["origins"] == ["https://qmoi.ai"]
    assert allowed["methods"] == ["GET", "HEAD"]


def test_r2_encryption_at_rest_is_a_documented_fact_for_the_policy_pack():
    assert R2_ENCRYPTED_AT_REST is True


def test_prod_protects_and_retains_stateful_buckets_only(record_component):
    plan = build(record_component, environment="prod")
    for name in ("r2-artifacts", "r2-backups", "r2-backups-lock"):
        assert plan.named(name).protect and plan.named(name).retain_on_delete, name
    assert not plan.named("r2-caches").protect
    assert plan.named("r2").type == "qmoi:cloudflare:Storage"
