"""Google Cloud deploy contracts on the shipped stacks: what GCP and its services need of combinations.

Each test is one defect of issue 12: the mock runtime accepts all of these, the real cloud
either refuses them at `pulumi up` or deploys something that does not work (or costs more
than it should).
"""

from __future__ import annotations

from typing import Any

import pytest

from infra.plan import Plan
from infra.plan.records import ResourceRecord

PLATFORM = "qmoi-gcp"
BUCKET = "gcp:storage/bucket:Bucket"
BUCKET_IAM = "gcp:storage/bucketIAMMember:BucketIAMMember"
HEALTH_KEY = ".well-known/qmoi-health"


def bucket(plan: Plan, cls: str) -> ResourceRecord:
    (found,) = [b for b in plan.of_type(BUCKET) if b.inputs["labels"].get("bucket-class") == cls]
    return found


def grants_on(plan: Plan, target: ResourceRecord) -> list[dict[str, Any]]:
    return [g.inputs for g in plan.of_type(BUCKET_IAM) if g.inputs["bucket"] == target.inputs["name"]]


# --- 10. The media bucket is actually servable through Cloud CDN --------------------------------


def test_media_is_readable_object_by_object_by_anyone_so_unsigned_cdn_requests_succeed(dev_plan):
    media = bucket(dev_plan, "media")
    assert media.inputs["publicAccessPrevention"] == "inherited"
    assert media.inputs["uniformBucketLevelAccess"] is True
    (public,) = [g for g in grants_on(dev_plan, media) if g["member"] == "allUsers"]
    assert public["role"] == "roles/storage.legacyObjectReader"  # objects.get only: no listing


def test_every_other_bucket_stays_private(dev_plan):
    for record in dev_plan.of_type(BUCKET):
        if record.inputs["labels"].get("bucket-class") != "media":
            assert record.inputs["publicAccessPrevention"] == "enforced", record.name
            assert not [g for g in grants_on(dev_plan, record) if g["member"].startswith("all")], record.name


def test_no_grant_waits_on_a_cache_fill_agent_that_does_not_exist_yet(dev_plan):
    members = [g.inputs["member"] for g in dev_plan.of_type(BUCKET_IAM)]
    assert not [m for m in members if "@cloud-cdn-fill." in m]


def test_the_backend_bucket_is_created_after_the_public_read_grant(dev_plan):
    (backend,) = dev_plan.of_type("gcp:compute/backendBucket:BackendBucket")
    (grant,) = [g for g in dev_plan.of_type(BUCKET_IAM) if g.inputs["member"] == "allUsers"]
    assert grant.urn in backend.dependencies


# --- 11. Cloud Functions builds can read their source --------------------------------------------


def test_the_build_account_holds_cloud_run_builder_on_the_project_before_any_build(dev_plan):
    builder = dev_plan.named(f"{PLATFORM}-functions-builder")
    members = [r for r in dev_plan.of_type("gcp:projects/iAMMember:IAMMember") if "fn-build" in r.inputs["member"]]
    assert [(r.inputs["role"], r.inputs.get("condition")) for r in members] == [("roles/run.builder", None)]
    for function in dev_plan.of_type("gcp:cloudfunctionsv2/function:Function"):
        assert {r.urn for r in members} <= set(function.dependencies)
    assert builder.inputs["accountId"] == "qmoi-dev-fn-build"


# --- 12. The budget counts the whole project ------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_the_budget_counts_the_whole_project_of_its_environment_not_only_labelled_spend(stack_plan, stack):
    plan = stack_plan(stack)
    budget = plan.named(f"{PLATFORM}-budget-monthly").inputs
    assert "labels" not in budget["budgetFilter"]
    assert budget["budgetFilter"]["projects"] == ["projects/481516234200"]
    (provider,) = plan.of_type("pulumi:providers:gcp")
    assert provider.inputs["project"] == f"qmoi-enhanced-{stack}"


# --- 13. Cost smells ------------------------------------------------------------------------------


def test_flow_logs_are_light_outside_prod(dev_plan, prod_plan):
    (dev_subnet,) = dev_plan.of_type("gcp:compute/subnetwork:Subnetwork")
    assert dev_subnet.inputs["logConfig"] == {
        "aggregationInterval": "INTERVAL_10_MIN",
        "flowSampling": 0.1,
        "metadata": "EXCLUDE_ALL_METADATA",
    }
    (prod_subnet,) = prod_plan.of_type("gcp:compute/subnetwork:Subnetwork")
    assert prod_subnet.inputs["logConfig"]["aggregationInterval"] == "INTERVAL_5_MIN"
    assert prod_subnet.inputs["logConfig"]["flowSampling"] == 0.5
    assert prod_subnet.inputs["logConfig"]["metadata"] == "EXCLUDE_ALL_METADATA"


def test_the_health_check_rule_does_not_log_every_probe(dev_plan):
    rules = {r.inputs["name"]: r.inputs for r in dev_plan.of_type("gcp:compute/firewall:Firewall")}
    assert "logConfig" not in rules["qmoi-dev-allow-health-checks"]
    assert rules["qmoi-dev-allow-iap-ssh"]["logConfig"] == {"metadata": "EXCLUDE_ALL_METADATA"}


def test_media_never_moves_to_a_colder_class_while_the_cdn_serves_it(dev_plan):
    rules = bucket(dev_plan, "media").inputs["lifecycleRules"]
    assert not [r for r in rules if r["action"]["type"] == "SetStorageClass"]


# --- 5. Tiers with min 0 start from zero on a schedule ---------------------------------------------


def test_autoscalers_of_tiers_that_scale_to_zero_have_a_schedule(dev_plan, prod_plan):
    for tier in ("gpu", "memory"):
        policy = dev_plan.named(f"{PLATFORM}-compute-{tier}-autoscaler").inputs["autoscalingPolicy"]
        assert policy["minReplicas"] == 0
        (schedule,) = policy["scalingSchedules"]
        assert schedule["minRequiredReplicas"] == 1 and schedule["timeZone"] == "UTC"
    gpu = dev_plan.named(f"{PLATFORM}-compute-gpu-autoscaler").inputs["autoscalingPolicy"]["scalingSchedules"][0]
    assert (gpu["schedule"], gpu["durationSec"]) == ("0 14 * * MON-FRI", 2 * 3600)
    compute = prod_plan.named(f"{PLATFORM}-compute-compute-autoscaler").inputs["autoscalingPolicy"]
    assert "scalingSchedules" not in compute


# --- 9. Media is stateful ---------------------------------------------------------------------------


def test_media_is_versioned_and_protected_in_prod(prod_plan):
    media = bucket(prod_plan, "media")
    assert media.inputs["versioning"] == {"enabled": True}
    assert media.protect and media.retain_on_delete


# --- 14. The origin serves a health object ------------------------------------------------------------


def test_the_media_bucket_holds_the_health_object_the_edge_probes(dev_plan):
    (health,) = [o for o in dev_plan.of_type("gcp:storage/bucketObject:BucketObject") if o.inputs["name"] == HEALTH_KEY]
    assert health.inputs["bucket"] == bucket(dev_plan, "media").inputs["name"]
    assert health.inputs["contentType"] == "text/plain"
    assert health.inputs["content"] == "[secret]"  # the SDK marks object content sensitive: the plan redacts it
    assert dev_plan.outputs["gcp"]["health_path"] == f"/{HEALTH_KEY}"
