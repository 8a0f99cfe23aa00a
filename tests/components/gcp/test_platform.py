"""The GCP platform in the shipped stacks (planned once per session): what the issue requires to
appear, the provider and labels on every resource, budget and alerts, protection in prod."""

from __future__ import annotations

import pytest

from infra.config import Provider

PLATFORM = "qmoi-gcp"
# Types that take labels, and the input that holds them.
LABELLED = {
    "gcp:storage/bucket:Bucket": "labels",
    "gcp:compute/instanceTemplate:InstanceTemplate": "labels",
    "gcp:compute/globalAddress:GlobalAddress": "labels",
    "gcp:compute/globalForwardingRule:GlobalForwardingRule": "labels",
    "gcp:cloudfunctionsv2/function:Function": "labels",
    "gcp:kms/cryptoKey:CryptoKey": "labels",
    "gcp:monitoring/alertPolicy:AlertPolicy": "userLabels",
    "gcp:monitoring/notificationChannel:NotificationChannel": "userLabels",
}
REQUIRED_LABELS = {"environment", "stack", "project", "owner", "cost-center"}


def gcp_resources(plan):
    return [r for r in plan.custom() if r.type.startswith("gcp:")]


def test_the_dev_plan_declares_every_gcp_resource_the_issue_requires(dev_plan):
    config = dev_plan.config
    assert sorted(r.inputs["name"] for r in dev_plan.of_type("gcp:storage/bucket:Bucket")) == sorted(
        [f"qmoi-cloud-storage-dev-{c}" for c in ("artifacts", "caches", "backups", "media", "logs", "audit")]
    )
    for token in (
        "gcp:compute/instanceTemplate:InstanceTemplate",
        "gcp:compute/regionInstanceGroupManager:RegionInstanceGroupManager",
        "gcp:compute/regionAutoscaler:RegionAutoscaler",
    ):
        assert len(dev_plan.of_type(token)) == 3, token
    enabled = [n for n, s in config.gcp.cloud_functions.items() if s.enabled]
    assert len(dev_plan.of_type("gcp:cloudfunctionsv2/function:Function")) == len(enabled) == 3
    (backend,) = dev_plan.of_type("gcp:compute/backendBucket:BackendBucket")
    assert backend.inputs["enableCdn"] is True
    assert len(dev_plan.of_type("gcp:billing/budget:Budget")) == 1


def test_gcp_is_enabled_in_every_shipped_stack(stack_plan):
    for stack in ("dev", "staging", "prod"):
        plan = stack_plan(stack)
        assert Provider.gcp in plan.config.enabled_providers
        assert plan.named(PLATFORM).type == "qmoi:gcp:Platform"


def test_every_gcp_resource_uses_the_platform_provider_pinned_to_project_and_region(dev_plan):
    (provider,) = dev_plan.of_type("pulumi:providers:gcp")
    assert (provider.inputs["project"], provider.inputs["region"]) == ("qmoi-enhanced-dev", "us-central1")
    for record in gcp_resources(dev_plan):
        assert record.provider and record.provider.startswith(provider.urn), record.name


def test_every_labellable_gcp_resource_carries_the_required_labels(dev_plan):
    checked = 0
    for record in gcp_resources(dev_plan):
        if record.type in LABELLED:
            labels = record.inputs[LABELLED[record.type]]
            assert set(labels) >= REQUIRED_LABELS, record.name
            assert labels["environment"] == "dev"
            checked += 1
    assert checked >= 20


def test_prod_protects_and_retains_stateful_buckets_only(prod_plan, dev_plan):
    for name in ("artifacts", "backups", "logs"):
        record = prod_plan.named(f"{PLATFORM}-storage-{name}")
        assert record.protect and record.retain_on_delete, name
    assert not prod_plan.named(f"{PLATFORM}-storage-caches").protect
    assert not any(r.protect for r in gcp_resources(dev_plan))


def test_autoscaler_limits_differ_between_dev_and_prod_as_the_profiles_say(dev_plan, prod_plan):
    for plan in (dev_plan, prod_plan):
        for tier in ("compute", "gpu", "memory"):
            policy = plan.named(f"{PLATFORM}-compute-{tier}-autoscaler").inputs["autoscalingPolicy"]
            scaling = getattr(plan.config.autoscaling, tier)
            assert (policy["minReplicas"], policy["maxReplicas"]) == (scaling.min, scaling.max)
    assert prod_plan.named(f"{PLATFORM}-compute-compute-autoscaler").inputs["autoscalingPolicy"]["minReplicas"] == 2


def test_budget_is_the_gcp_share_on_the_billing_account_for_this_project_and_environment(dev_plan):
    budget = dev_plan.named(f"{PLATFORM}-budget-monthly").inputs
    limit = dev_plan.config.budget_limits()[Provider.gcp]
    amount = budget["amount"]["specifiedAmount"]
    assert int(amount["units"]) + amount["nanos"] / 1e9 == pytest.approx(limit)
    assert amount["currencyCode"] == "USD"
    assert budget["billingAccount"] == dev_plan.config.gcp.billing_account
    assert budget["budgetFilter"]["projects"] == ["projects/481516234200"]
    assert "labels" not in budget["budgetFilter"]  # the project is the environment (test_deploy_contracts)
    rules = {(r["spendBasis"], r["thresholdPercent"]) for r in budget["thresholdRules"]}
    assert rules == {("FORECASTED_SPEND", 0.8), ("CURRENT_SPEND", 1)}
    channels = [r.id for r in dev_plan.of_type("gcp:monitoring/notificationChannel:NotificationChannel")]
    assert budget["allUpdatesRule"]["monitoringNotificationChannels"] == channels


def test_alert_policies_watch_each_tier_cpu_and_each_function_and_notify_the_email_channels(dev_plan):
    (channel,) = dev_plan.of_type("gcp:monitoring/notificationChannel:NotificationChannel")
    assert channel.inputs["type"] == "email"
    assert channel.inputs["labels"] == {"email_address": dev_plan.config.budget.alert_emails[0]}
    policies = dev_plan.of_type("gcp:monitoring/alertPolicy:AlertPolicy")
    # metric alerts (the project's security-changes alert matches logs instead)
    filters = [
        c["conditionThreshold"]["filter"] for p in policies for c in p.inputs["conditions"] if "conditionThreshold" in c
    ]
    for tier in ("compute", "gpu", "memory"):
        assert any(f'metadata.user_labels."tier" = "{tier}"' in f and "cpu/utilization" in f for f in filters)
    for function in dev_plan.of_type("gcp:cloudfunctionsv2/function:Function"):
        assert any(f'service_name = "{function.inputs["name"]}"' in f and "5xx" in f for f in filters)
    assert all(p.inputs["notificationChannels"] == [channel.id] for p in policies)


def test_the_platform_exports_names_and_the_cdn_origin_for_the_edge(dev_plan):
    exported = dev_plan.outputs["gcp"]
    assert exported["buckets"]["media"] == "qmoi-cloud-storage-dev-media"
    assert exported["instance_groups"] == {t: f"qmoi-dev-{t}" for t in ("compute", "gpu", "memory")}
    assert set(exported["functions"]) == {"revenue_optimization", "platform_integration", "error_handling"}
    (_address,) = dev_plan.of_type("gcp:compute/globalAddress:GlobalAddress")
    assert exported["cdn_address"].count(".") == 3
    assert exported["cdn_domain"] == dev_plan.config.gcp.cdn.domains[0]
