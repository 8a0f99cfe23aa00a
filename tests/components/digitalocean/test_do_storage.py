"""DigitalOcean storage on the mock runtime: private Spaces, versioning, lifecycle, CORS, protection."""

from __future__ import annotations

from infra.config import BucketClass

BUCKET = "digitalocean:index/spacesBucket:SpacesBucket"
CORS = "digitalocean:index/spacesBucketCorsConfiguration:SpacesBucketCorsConfiguration"
CLASSES = [c.value for c in BucketClass]


def bucket(plan, cls: str):
    return plan.named(f"do-storage-{cls}")


def test_every_class_gets_a_spaces_bucket_in_the_configured_region(dev_do):
    buckets = dev_do.of_type(BUCKET)
    assert sorted(b.inputs["name"] for b in buckets) == sorted(f"qmoi-cloud-storage-dev-{c}" for c in CLASSES)
    assert {b.inputs["region"] for b in buckets} == {"nyc3"}


def test_every_bucket_is_private(dev_do):
    assert {b.inputs["acl"] for b in dev_do.of_type(BUCKET)} == {"private"}


def test_only_stateful_classes_are_versioned(dev_do):
    versioned = {c for c in CLASSES if bucket(dev_do, c).inputs.get("versioning", {}).get("enabled")}
    assert versioned == {"artifacts", "backups", "media"}


def test_caches_expire_and_noncurrent_versions_expire_after_the_retention_window(dev_do):
    def rule(cls: str) -> dict:
        (only,) = bucket(dev_do, cls).inputs["lifecycleRules"]
        assert only["enabled"] is True and only["abortIncompleteMultipartUploadDays"] == 7
        return only

    assert rule("caches")["expiration"] == {"days": 14}
    assert rule("artifacts")["noncurrentVersionExpiration"] == {"days": 90}
    assert rule("backups")["noncurrentVersionExpiration"] == {"days": 365}
    assert rule("media")["noncurrentVersionExpiration"] == {"days": 30}
    assert "noncurrentVersionExpiration" not in rule("caches")
    assert "expiration" not in rule("backups")


def test_only_the_cache_bucket_is_destroyed_with_its_objects_in_prod_every_bucket_in_dev(dev_do, prod_do):
    assert {c for c in CLASSES if bucket(prod_do, c).inputs.get("forceDestroy")} == {"caches"}
    assert {c for c in CLASSES if bucket(dev_do, c).inputs.get("forceDestroy")} == set(CLASSES)


def test_cors_is_declared_only_for_classes_with_origins(dev_do, build_do):
    assert dev_do.of_type(CORS) == []
    plan = build_do(storage={"media": {"versioning": False, "cors_origins": ["https://app.qmoi.ai"]}})
    (cors,) = plan.of_type(CORS)
    assert cors.name == "do-storage-media-cors"
    assert cors.inputs["bucket"] == "qmoi-cloud-storage-dev-media"
    (rule,) = cors.inputs["corsRules"]
    assert rule["allowedOrigins"] == ["https://app.qmoi.ai"] and rule["allowedMethods"] == ["GET", "HEAD"]


def test_prod_protects_and_retains_stateful_buckets_but_not_caches(prod_do):
    for cls in ("artifacts", "backups", "media"):
        assert bucket(prod_do, cls).protect and bucket(prod_do, cls).retain_on_delete, cls
    assert not bucket(prod_do, "caches").protect


def test_dev_protects_nothing(dev_do):
    assert not any(r.protect for r in dev_do.resources)


def test_buckets_are_children_of_the_storage_component_through_the_explicit_provider(dev_do):
    storage = dev_do.named("do-storage")
    assert storage.type == "qmoi:digitalocean:Storage"
    provider = dev_do.named("do-provider")
    for b in dev_do.of_type(BUCKET):
        assert b.parent == storage.urn
        assert b.provider.startswith(provider.urn)
