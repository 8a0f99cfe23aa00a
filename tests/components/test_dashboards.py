"""Dashboards: one neutral panel list, one dashboard per cloud covering every tier, function and the CDN."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.aws import dashboard as aws_dashboard
from components.azure import dashboard as azure_dashboard
from components.dashboards import PANELS, DashboardArgs, Role, Subject, layout
from components.gcp import dashboard as gcp_dashboard
from infra.plan import Plan

TIERS = ["compute", "gpu", "memory"]
PROVIDER_METRICS: dict[str, dict[Role, Any]] = {
    "aws": aws_dashboard.METRICS,
    "gcp": gcp_dashboard.METRICS,
    "azure": azure_dashboard.METRICS,
}


@pytest.mark.parametrize("provider", PROVIDER_METRICS)
def test_every_provider_decides_every_panel_so_a_new_panel_cannot_be_forgotten(provider):
    assert set(PROVIDER_METRICS[provider]) == {p.role for p in PANELS} == set(Role)


def test_the_layout_draws_each_mapped_panel_once_two_to_a_row_with_every_subject():
    args = DashboardArgs(tiers={"compute": "a", "gpu": "b"}, functions={"f": "x"}, cdn="d")
    tiles = layout({Role.tier_cpu, Role.function_errors, Role.cdn_requests, Role.budget_burn}, args)
    assert [(t.panel.role, t.subjects, t.x, t.y) for t in tiles] == [
        (Role.tier_cpu, ("compute", "gpu"), 0, 0),
        (Role.function_errors, ("f",), 12, 0),
        (Role.cdn_requests, ("cdn",), 0, 6),
        (Role.budget_burn, ("stack",), 12, 6),
    ]


def test_the_layout_leaves_out_panels_the_stack_cannot_draw():
    args = DashboardArgs(tiers={"compute": "a"}, functions={}, cdn=None, unavailable=frozenset({Role.tier_cpu}))
    tiles = layout(set(Role), args)
    subjects = {t.panel.role.subject for t in tiles}
    assert Role.tier_cpu not in {t.panel.role for t in tiles}
    assert Subject.function not in subjects and Subject.cdn not in subjects  # nothing to draw them for


def aws_widgets(plan: Plan) -> dict[str, dict[str, Any]]:
    (dashboard,) = plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    return {w["properties"]["title"]: w["properties"] for w in json.loads(dashboard.inputs["dashboardBody"])["widgets"]}


def labels(widget: dict[str, Any]) -> list[str]:
    return [row[-1]["label"] for row in widget["metrics"]]


def test_the_aws_dashboard_covers_every_tier_and_function_and_reads_cloudfront_in_us_east_1(prod_plan):
    widgets = aws_widgets(prod_plan)
    functions = sorted(prod_plan.config.aws.lambda_functions)
    for panel in PANELS:
        metric = aws_dashboard.METRICS[panel.role]
        if metric is None:
            assert panel.title not in widgets
            continue
        widget = widgets[panel.title]
        if panel.role.subject is Subject.tier:
            assert labels(widget) == TIERS
            assert [row[3] for row in widget["metrics"]] == [f"qmoi-prod-{t}" for t in TIERS]
        elif panel.role.subject is Subject.function:
            assert sorted(labels(widget)) == functions
        if metric.namespace in ("AWS/CloudFront", "AWS/Billing"):
            assert widget["region"] == "us-east-1"
    assert widgets["Instances per tier"]["metrics"][0][:2] == ["AWS/AutoScaling", "GroupInServiceInstances"]
    assert widgets["CDN cache hit ratio (%)"]["metrics"][0][1] == "CacheHitRate"  # prod subscribes to it
    (dashboard,) = prod_plan.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == "qmoi-prod-operations"


def test_without_the_additional_cloudfront_metrics_there_is_no_cache_hit_panel_and_no_subscription(dev_plan):
    assert "CDN cache hit ratio (%)" not in aws_widgets(dev_plan)
    assert "CDN 5xx rate (%)" in aws_widgets(dev_plan)
    assert dev_plan.of_type("aws:cloudfront/monitoringSubscription:MonitoringSubscription") == []


def test_prod_subscribes_its_distribution_to_the_additional_metrics(prod_plan):
    (subscription,) = prod_plan.of_type("aws:cloudfront/monitoringSubscription:MonitoringSubscription")
    config = subscription.inputs["monitoringSubscription"]["realtimeMetricsSubscriptionConfig"]
    assert config == {"realtimeMetricsSubscriptionStatus": "Enabled"}
    assert prod_plan.named("qmoi-aws-cdn-distribution").urn in subscription.property_dependencies["distributionId"]


def test_the_gcp_dashboard_covers_every_tier_function_and_the_cdn(prod_plan):
    (dashboard,) = prod_plan.of_type("gcp:monitoring/dashboard:Dashboard")
    document = json.loads(dashboard.inputs["dashboardJson"])
    assert document["displayName"] == "qmoi-prod operations"
    tiles = {t["widget"]["title"]: t["widget"]["xyChart"]["dataSets"] for t in document["mosaicLayout"]["tiles"]}
    functions = sorted(prod_plan.config.gcp.cloud_functions)
    assert [d["legendTemplate"] for d in tiles["Instances per tier"]] == TIERS
    assert (
        'instance_group_name="qmoi-prod-gpu"'
        in tiles["Instances per tier"][1]["timeSeriesQuery"]["timeSeriesFilter"]["filter"]
    )
    for title in ("Function invocations", "Function errors", "Function duration", "Function throttles"):
        assert sorted(d["legendTemplate"] for d in tiles[title]) == functions
    ratio = tiles["CDN cache hit ratio (%)"][0]["timeSeriesQuery"]["timeSeriesFilterRatio"]
    assert ratio["numerator"]["filter"].endswith('metric.label.cache_result="HIT"')
    assert 'url_map_name="qmoi-prod-media"' in ratio["denominator"]["filter"]
    assert "Spend against the budget" not in tiles and "GPU utilisation per tier (%)" not in tiles


def test_the_azure_workbook_charts_every_scale_set_function_app_and_front_door(prod_plan):
    (workbook,) = prod_plan.of_type("azure-native:applicationinsights:Workbook")
    assert (workbook.inputs["kind"], workbook.inputs["category"]) == ("shared", "workbook")
    document = json.loads(workbook.inputs["serializedData"])
    assert document["version"] == workbook.inputs["version"] == "Notebook/1.0"
    items = {i["name"]: i["content"] for i in document["items"] if i["type"] == 10}
    scale_sets = [s.urn for s in prod_plan.of_type("azure-native:compute:VirtualMachineScaleSet")]
    assert len(items["tier.cpu"]["resourceIds"]) == len(scale_sets) == 3
    assert all("/virtualMachineScaleSets/qmoi-prod-" in i for i in items["tier.cpu"]["resourceIds"])
    assert all("/autoscalesettings/" in i.lower() for i in items["tier.capacity"]["resourceIds"])
    assert items["tier.capacity"]["metrics"][0]["metric"] == "microsoft.insights/autoscalesettings--ObservedCapacity"
    assert len(items["function.errors"]["resourceIds"]) == len(prod_plan.config.azure.functions)
    # Flex Consumption apps: the function panels chart each app's Application Insights, not App Service metrics.
    for role, metric in (("invocations", "count"), ("errors", "failed"), ("duration", "duration")):
        content = items[f"function.{role}"]
        assert content["metrics"][0]["metric"] == f"microsoft.insights/components--requests/{metric}"
        assert all("/Microsoft.Insights/components/" in i for i in content["resourceIds"])
    assert items["cdn.cache_hit_ratio"]["metrics"][0]["metric"] == "microsoft.cdn/profiles--ByteHitRatio"
    assert "function.throttles" not in items and "stack.budget_burn" not in items
