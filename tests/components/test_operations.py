"""Operations intelligence on the shipped stacks: predictive scaling, cost anomaly detection, error tracking.

Dashboards have their own module (test_dashboards.py). Every test reads the plan the program
declares (the fixtures plan each shipped stack once per session).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from components.azure.dashboard import workbook_name
from infra.plan import Plan

TIERS = ("compute", "gpu", "memory")
ASG_POLICY = "aws:autoscaling/policy:Policy"


def predictive(plan: Plan) -> dict[str, dict[str, Any]]:
    """AWS predictive policies by group name."""
    return {
        p.inputs["autoscalingGroupName"]: p.inputs["predictiveScalingConfiguration"]
        for p in plan.of_type(ASG_POLICY)
        if p.inputs["policyType"] == "PredictiveScaling"
    }


# --- predictive scaling ----------------------------------------------------------------------


def test_prod_has_a_predictive_policy_per_aws_tier_that_forecasts_and_scales_on_the_cpu_target(prod_plan):
    found = predictive(prod_plan)
    assert set(found) == {f"qmoi-prod-{t}" for t in TIERS}
    for config in found.values():
        assert config["mode"] == "ForecastAndScale"
        assert config["metricSpecification"] == {
            "predefinedMetricPairSpecification": {"predefinedMetricType": "ASGCPUUtilization"},
            "targetValue": 60,
        }
        assert config["maxCapacityBreachBehavior"] == "HonorMaxCapacity"
        assert config["schedulingBufferTime"] == "600"  # launch 10 minutes ahead of the forecast load


def test_predictive_scaling_sits_beside_the_target_tracking_policy_that_scales_in(prod_plan):
    for tier in TIERS:
        kinds = sorted(
            p.inputs["policyType"]
            for p in prod_plan.of_type(ASG_POLICY)
            if p.inputs["autoscalingGroupName"] == f"qmoi-prod-{tier}"
        )
        assert kinds == ["PredictiveScaling", "TargetTrackingScaling"]


def test_dev_only_forecasts_and_only_on_the_tier_that_runs(dev_plan):
    assert {g: c["mode"] for g, c in predictive(dev_plan).items()} == {"qmoi-dev-compute": "ForecastOnly"}


def test_gcp_prod_autoscalers_predict_and_dev_ones_do_not(prod_plan, dev_plan):
    def methods(plan: Plan) -> dict[str, str]:
        return {
            a.inputs["name"]: a.inputs["autoscalingPolicy"]["cpuUtilization"]["predictiveMethod"]
            for a in plan.of_type("gcp:compute/regionAutoscaler:RegionAutoscaler")
        }

    assert methods(prod_plan) == {f"qmoi-prod-{t}": "OPTIMIZE_AVAILABILITY" for t in TIERS}
    # GCP has no forecast-only mode, and tiers at zero have no history: nothing predicts in dev.
    assert set(methods(dev_plan).values()) == {"NONE"}


def test_azure_autoscale_settings_carry_each_tier_predictive_mode(prod_plan, staging_plan):
    def modes(plan: Plan) -> dict[str, dict[str, str]]:
        return {
            s.inputs["autoscaleSettingName"]: s.inputs["predictiveAutoscalePolicy"]
            for s in plan.of_type("azure-native:monitor:AutoscaleSetting")
        }

    assert modes(prod_plan) == {
        f"qmoi-prod-{t}-autoscale": {"scaleMode": "Enabled", "scaleLookAheadTime": "PT10M"} for t in TIERS
    }
    assert modes(staging_plan) == {
        "qmoi-staging-compute-autoscale": {"scaleMode": "ForecastOnly", "scaleLookAheadTime": "PT10M"},
        "qmoi-staging-gpu-autoscale": {"scaleMode": "Disabled"},
        "qmoi-staging-memory-autoscale": {"scaleMode": "ForecastOnly", "scaleLookAheadTime": "PT10M"},
    }


def test_the_plan_outputs_the_mode_each_tier_runs_on_every_cloud(prod_plan, dev_plan):
    assert {p: prod_plan.outputs[p]["predictive_scaling"] for p in ("aws", "gcp", "azure", "digitalocean")} == {
        "aws": dict.fromkeys(TIERS, "ForecastAndScale"),
        "gcp": dict.fromkeys(TIERS, "OPTIMIZE_AVAILABILITY"),
        "azure": dict.fromkeys(TIERS, "Enabled"),
        "digitalocean": dict.fromkeys(TIERS, "missing"),
    }
    assert dev_plan.outputs["aws"]["predictive_scaling"] == {"compute": "ForecastOnly", "gpu": "off", "memory": "off"}


# --- cost anomaly detection -------------------------------------------------------------------


def test_aws_watches_the_stack_tag_for_anomalies_and_alerts_the_topic_immediately(prod_plan):
    (monitor,) = prod_plan.of_type("aws:costexplorer/anomalyMonitor:AnomalyMonitor")
    assert monitor.inputs["monitorType"] == "CUSTOM"  # one DIMENSIONAL monitor per account: custom per stack
    assert "monitorDimension" not in monitor.inputs
    spec = json.loads(monitor.inputs["monitorSpecification"])
    assert spec["Tags"] == {"Key": "stack", "MatchOptions": None, "Values": ["prod"]}
    (subscription,) = prod_plan.of_type("aws:costexplorer/anomalySubscription:AnomalySubscription")
    topic = prod_plan.named("qmoi-aws-monitoring-alerts")
    assert subscription.inputs["frequency"] == "IMMEDIATE"  # the only frequency SNS subscribers take
    assert subscription.inputs["subscribers"] == [
        {"type": "SNS", "address": "arn:aws:sns:us-east-1:123456789012:qmoi-prod-alerts"}
    ]
    assert topic.urn in subscription.property_dependencies["subscribers"]
    assert subscription.property_dependencies["monitorArnLists"] == [monitor.urn]
    assert subscription.inputs["monitorArnLists"][0].startswith("arn:aws:ce::123456789012:anomalymonitor/")
    assert subscription.inputs["thresholdExpression"]["dimension"] == {
        "key": "ANOMALY_TOTAL_IMPACT_ABSOLUTE",
        "matchOptions": ["GREATER_THAN_OR_EQUAL"],
        "values": ["50"],
    }
    # AWS checks it may publish when the subscription is created: the topic policy and key come first.
    assert prod_plan.named("qmoi-aws-monitoring-alerts-policy").urn in subscription.dependencies
    assert prod_plan.named("qmoi-aws-monitoring-alerts-key").urn in subscription.dependencies


def test_the_one_alert_topic_lets_cloudwatch_and_cost_anomaly_detection_publish_for_this_account_only(prod_plan):
    assert len(prod_plan.of_type("aws:sns/topic:Topic")) == 1  # no second topic: prod is in us-east-1
    (policy,) = prod_plan.of_type("aws:sns/topicPolicy:TopicPolicy")
    statements = {s["Sid"]: s for s in json.loads(policy.inputs["policy"])["Statement"]}
    assert statements["CostAnomalyDetectionPublish"]["Principal"] == {"Service": "costalerts.amazonaws.com"}
    assert statements["CostAnomalyDetectionPublish"]["Condition"] == {
        "StringEquals": {"aws:SourceAccount": "123456789012"}
    }
    assert statements["CloudWatchAlarmsPublish"]["Condition"]["ArnLike"] == {
        "aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"
    }
    assert statements["AccountUsesTheTopic"]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    key = prod_plan.named("qmoi-aws-monitoring-alerts-key")
    grants = {s["Principal"].get("Service"): s for s in json.loads(key.inputs["policy"])["Statement"]}
    for service in ("cloudwatch.amazonaws.com", "costalerts.amazonaws.com"):
        assert grants[service]["Action"] == ["kms:Decrypt", "kms:GenerateDataKey*"]
        assert grants[service]["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}


def test_azure_alerts_daily_on_the_subscription_anomalies(prod_plan):
    (alert,) = prod_plan.of_type("azure-native:costmanagement:ScheduledActionByScope")
    subscription = "0b1f6471-1bf0-4dda-aec3-111122223333"
    assert alert.inputs["kind"] == "InsightAlert"
    assert alert.inputs["scope"] == f"subscriptions/{subscription}"
    assert alert.inputs["viewId"] == (
        f"/subscriptions/{subscription}/providers/Microsoft.CostManagement/views/ms:DailyAnomalyByResourceGroup"
    )
    assert alert.inputs["schedule"]["frequency"] == "Daily"
    assert alert.inputs["schedule"]["startDate"].endswith("-01T00:00:00Z")
    assert alert.inputs["status"] == "Enabled"
    assert alert.inputs["notification"]["to"] == ["platform-alerts@qmoi.ai"]


def test_gcp_budget_alerts_on_the_forecast_as_its_anomaly_warning(prod_plan):
    (budget,) = prod_plan.of_type("gcp:billing/budget:Budget")
    rules = {(r["spendBasis"], r["thresholdPercent"]) for r in budget.inputs["thresholdRules"]}
    assert rules == {("FORECASTED_SPEND", 0.8), ("CURRENT_SPEND", 1.0)}
    assert budget.inputs["allUpdatesRule"]["monitoringNotificationChannels"]  # the stack's e-mail channels


# --- error tracking ---------------------------------------------------------------------------


def alarms(plan: Plan) -> dict[str, dict[str, Any]]:
    return {a.name: a.inputs for a in plan.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}


def test_every_lambda_alarms_on_its_error_rate_and_throttles_at_the_configured_thresholds(prod_plan):
    found = alarms(prod_plan)
    for fn in ("revenue_processing", "ai_inference", "data_analysis"):
        rate = found[f"qmoi-aws-monitoring-{fn}-error-rate"]
        queries = {q["id"]: q for q in rate["metricQueries"]}
        assert queries["errors"]["metric"]["metricName"] == "Errors"
        assert queries["total"]["metric"]["metricName"] == "Invocations"
        assert queries["rate"]["expression"] == "IF(total >= 20, 100 * errors / total, 0)"  # the minimum traffic
        assert queries["rate"]["returnData"] is True
        assert rate["threshold"] == 5 and rate["comparisonOperator"] == "GreaterThanThreshold"
        throttles = found[f"qmoi-aws-monitoring-{fn}-throttles"]
        assert (throttles["metricName"], throttles["threshold"]) == ("Throttles", 1)
        assert throttles["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        for alarm in (rate, throttles):
            assert alarm["treatMissingData"] == "notBreaching"  # no traffic is no error
            assert alarm["alarmActions"] == ["arn:aws:sns:us-east-1:123456789012:qmoi-prod-alerts"]


def test_the_cloudfront_5xx_alarm_watches_us_east_1_where_cloudfront_publishes(prod_plan):
    alarm = alarms(prod_plan)["qmoi-aws-monitoring-media-5xx-rate"]
    assert alarm["region"] == "us-east-1"
    assert (alarm["namespace"], alarm["metricName"], alarm["statistic"]) == (
        "AWS/CloudFront",
        "5xxErrorRate",
        "Average",
    )
    assert alarm["dimensions"]["Region"] == "Global"
    assert alarm["threshold"] == 5


def test_aws_groups_publish_the_metrics_the_capacity_panel_reads(prod_plan):
    for group in prod_plan.of_type("aws:autoscaling/group:Group"):
        assert "GroupInServiceInstances" in group.inputs["enabledMetrics"]
        assert group.inputs["metricsGranularity"] == "1Minute"


def test_gcp_function_and_cdn_alerts_are_ratios_of_errors_to_requests(prod_plan):
    policies = {
        p.name: p.inputs["conditions"][0]["conditionThreshold"]
        for p in prod_plan.of_type("gcp:monitoring/alertPolicy:AlertPolicy")
        if p.name.startswith("qmoi-gcp-monitoring-")  # threat detection's log-match alert is not a threshold
    }
    rate = policies["qmoi-gcp-monitoring-error-handling-error-rate"]
    assert 'response_code_class = "5xx"' in rate["filter"] and "5xx" not in rate["denominatorFilter"]
    assert 'service_name = "qmoi-prod-error-handling"' in rate["denominatorFilter"]
    assert rate["thresholdValue"] == 0.05 and rate["comparison"] == "COMPARISON_GT"
    throttles = policies["qmoi-gcp-monitoring-error-handling-throttles"]
    assert 'response_code = "429"' in throttles["filter"] and throttles["thresholdValue"] == 0  # 1+ in 5 min
    cdn = policies["qmoi-gcp-monitoring-cdn-5xx-rate"]
    assert "loadbalancing.googleapis.com/https/request_count" in cdn["denominatorFilter"]
    assert 'url_map_name = "qmoi-prod-media"' in cdn["filter"] and "response_code_class = 500" in cdn["filter"]
    for policy in prod_plan.of_type("gcp:monitoring/alertPolicy:AlertPolicy"):
        assert policy.inputs["notificationChannels"]


def test_azure_front_door_alarms_on_its_5xx_rate_and_origin_health(prod_plan):
    found = {a.name: a.inputs for a in prod_plan.of_type("azure-native:monitor:MetricAlert")}
    five = found["qmoi-azure-monitoring-cdn-5xx-rate"]["criteria"]["allOf"][0]
    health = found["qmoi-azure-monitoring-cdn-origin-health"]["criteria"]["allOf"][0]
    assert (five["metricName"], five["operator"], five["threshold"]) == ("Percentage5XX", "GreaterThan", 5)
    assert (health["metricName"], health["operator"], health["threshold"]) == ("OriginHealthPercentage", "LessThan", 90)
    app = found["qmoi-azure-monitoring-revenue_generation-errors"]["criteria"]["allOf"][0]
    assert (app["metricName"], app["timeAggregation"], app["threshold"]) == ("requests/failed", "Count", 5)


def test_azure_function_error_alerts_watch_each_apps_application_insights_not_app_service_metrics(prod_plan):
    components = {c.name: c.urn for c in prod_plan.of_type("azure-native:applicationinsights:Component")}
    alerts = {a.name: a for a in prod_plan.of_type("azure-native:monitor:MetricAlert")}
    for fn in prod_plan.config.azure.functions:
        alert = alerts[f"qmoi-azure-monitoring-{fn}-errors"]
        component = components[f"qmoi-azure-functions-{fn.replace('_', '-')}-insights"]
        assert alert.property_dependencies["scopes"] == [component]
        assert "/Microsoft.Insights/components/" in alert.inputs["scopes"][0]


def test_the_edge_notifies_the_alert_addresses_when_a_cloud_origin_pool_changes_health(prod_plan):
    (policy,) = prod_plan.of_type("cloudflare:index/notificationPolicy:NotificationPolicy")
    pools = prod_plan.of_type("cloudflare:index/loadBalancerPool:LoadBalancerPool")
    assert policy.inputs["alertType"] == "load_balancing_health_alert"
    assert sorted(policy.property_dependencies["filters"]) == sorted(p.urn for p in pools)
    assert policy.inputs["filters"]["newHealths"] == ["Unhealthy", "Healthy"]
    assert policy.inputs["mechanisms"]["emails"] == [{"id": "platform-alerts@qmoi.ai"}]


def test_digitalocean_functions_alert_on_their_error_rate(prod_plan):
    (app,) = prod_plan.of_type("digitalocean:index/app:App")
    for function in app.inputs["spec"]["functions"]:
        (alert,) = function["alerts"]
        assert alert["rule"] == "FUNCTIONS_ERROR_RATE_PER_MINUTE"
        assert (alert["operator"], alert["value"], alert["window"]) == ("GREATER_THAN", 1, "FIVE_MINUTES")
        assert alert["destinations"]["emails"] == ["platform-alerts@qmoi.ai"]


def test_the_azure_workbook_name_is_a_guid_derived_from_the_stack(prod_plan):
    (workbook,) = prod_plan.of_type("azure-native:applicationinsights:Workbook")
    name = workbook.inputs["resourceName"]
    assert str(uuid.UUID(name)) == name
    assert name == workbook_name("0b1f6471-1bf0-4dda-aec3-111122223333", "qmoi-prod")
    assert name != workbook_name("0b1f6471-1bf0-4dda-aec3-111122223333", "qmoi-dev")


def test_only_the_stack_that_owns_threat_detection_lets_eventbridge_publish_to_its_topic(dev_plan, prod_plan):
    def publishers(plan) -> set[str]:
        (policy,) = plan.of_type("aws:sns/topicPolicy:TopicPolicy")
        return {s["Sid"] for s in json.loads(policy.inputs["policy"])["Statement"]}

    assert "EventBridgeRulesPublish" in publishers(prod_plan)  # the findings rule of the owner stack
    assert "EventBridgeRulesPublish" not in publishers(dev_plan)  # dev declares no findings rule
    assert not dev_plan.of_type("aws:cloudwatch/eventRule:EventRule")


def test_only_the_owner_stack_declares_the_subscription_wide_azure_anomaly_alert(dev_plan, staging_plan, prod_plan):
    alert = "azure-native:costmanagement:ScheduledActionByScope"
    assert len(prod_plan.of_type(alert)) == 1  # alerts.cost_anomaly_owner: prod
    assert not dev_plan.of_type(alert) and not staging_plan.of_type(alert)
