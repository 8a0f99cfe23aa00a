"""The Azure platform as a whole: provider, resource group, budget, alerts, tags, origin."""

from __future__ import annotations

from tests.components.azure.conftest import REQUIRED_TAGS

UNTAGGABLE = (
    "azure-native:storage:",
    "azure-native:network:Subnet",
    "azure-native:cdn:AFDO",
    "azure-native:cdn:AFDCustomDomain",
    "azure-native:cdn:Route",
    "azure-native:cdn:Rule",  # rule sets and rules take no tags
    "command:",  # the publishers (commands) take no tags
    "azure-native:web:WebApp",  # covered below: tags present on apps themselves
    "azure-native:authorization:",
    "azure-native:consumption:",
    "azure-native:costmanagement:",  # scheduled actions (the anomaly alert) take no tags
    "azure-native:cdn:SecurityPolicy",  # the WAF association and the backup policy take no tags
    "azure-native:dataprotection:BackupPolicy",
)


def test_the_explicit_provider_pins_subscription_and_location(azure_dev):
    (provider,) = azure_dev.of_type("pulumi:providers:azure-native")
    assert provider.inputs["subscriptionId"] == "0b1f6471-1bf0-4dda-aec3-111122223333"
    assert provider.inputs["location"] == "eastus"


def test_every_child_is_under_the_platform_and_taggable_resources_carry_the_required_tags(azure_dev):
    platform = azure_dev.named("az")
    assert platform.type == "qmoi:azure:Platform"
    tagged = [r for r in azure_dev.custom() if not r.type.startswith(UNTAGGABLE)]
    assert len(tagged) > 20
    for r in tagged:
        assert set(r.inputs.get("tags", {})) >= REQUIRED_TAGS, r.name
    for app in azure_dev.of_type("azure-native:web:WebApp"):
        assert set(app.inputs["tags"]) >= REQUIRED_TAGS


def test_the_resource_group_is_per_stack_and_tagged(azure_dev):
    rg = azure_dev.named("az-rg").inputs
    assert rg["resourceGroupName"] == "qmoi-dev-rg"
    assert rg["tags"]["environment"] == "dev"


def test_the_budget_is_scoped_to_the_resource_group_with_forecast_and_actual_alerts(azure_dev):
    (budget,) = azure_dev.of_type("azure-native:consumption:Budget")
    i = budget.inputs
    assert i["scope"] == "/subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333/resourceGroups/qmoi-dev-rg"
    assert i["amount"] == 1000  # the whole test budget: azure is the only budget provider enabled here
    assert i["timeGrain"] == "Monthly"
    assert i["timePeriod"]["startDate"].endswith("-01T00:00:00Z")
    kinds = {(n["thresholdType"], n["threshold"]) for n in i["notifications"].values()}
    assert kinds == {("Forecasted", 80), ("Actual", 100)}
    assert all(n["contactEmails"] == ["alerts@example.com"] for n in i["notifications"].values())


def test_alerts_watch_each_scale_set_cpu_each_function_apps_failed_requests_and_front_door(azure_dev):
    alerts = {a.name: a.inputs for a in azure_dev.of_type("azure-native:monitor:MetricAlert")}
    metrics = sorted(a["criteria"]["allOf"][0]["metricName"] for a in alerts.values())
    expected = ["requests/failed"] * 2 + ["Percentage CPU"] * 3 + ["Percentage5XX", "OriginHealthPercentage"]
    assert metrics == sorted(expected)
    (group,) = azure_dev.of_type("azure-native:monitor:ActionGroup")
    assert [r["emailAddress"] for r in group.inputs["emailReceivers"]] == ["alerts@example.com"]


def test_the_shipped_dev_stack_exports_the_front_door_host_as_the_azure_origin(stack_plan):
    plan = stack_plan("dev")
    assert plan.outputs["azure"]["cdn_domain"].endswith(".azurefd.net")
    assert len(plan.of_type("azure-native:compute:VirtualMachineScaleSet")) == 3
    assert len(plan.of_type("azure-native:monitor:AutoscaleSetting")) == 3
    assert len(plan.of_type("azure-native:web:WebApp")) == 3
