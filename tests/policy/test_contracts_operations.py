"""Operations contracts through the real pack: a compliant baseline passes, one change breaks each contract.

tier-scaling-can-act (max above min needs a policy; predictive needs history), errors-alarmed,
alarm-metric-published, alarm-topic-key-usable for Cost Anomaly Detection, and Azure's workbook and
anomaly-alert shapes.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from infra.plan.records import ResourceRecord
from tests.policy.conftest import TAGS, record, with_change
from tests.policy.test_contracts_aws import ACCOUNT, ROOT, doc, violations


def changed(res: ResourceRecord, path: tuple[str | int, ...], value: Any) -> ResourceRecord:
    copied = copy.deepcopy(res)
    copied.inputs = with_change(res.inputs, path, value)
    return copied


# --- tier-scaling-can-act ----------------------------------------------------------------------------


def asg(**inputs: Any) -> ResourceRecord:
    base = {"name": "qmoi-prod-compute", "minSize": 2, "maxSize": 8, "desiredCapacity": 2, "tags": []}
    return record("aws:autoscaling/group:Group", "compute-asg", base | inputs)


def policy(name: str, group: ResourceRecord, **inputs: Any) -> ResourceRecord:
    return record(
        "aws:autoscaling/policy:Policy",
        name,
        {"autoscalingGroupName": "qmoi-prod-compute", **inputs},
        autoscalingGroupName=[group.urn],
    )


def target_tracking(group: ResourceRecord) -> ResourceRecord:
    config = {"predefinedMetricSpecification": {"predefinedMetricType": "ASGAverageCPUUtilization"}, "targetValue": 60}
    return policy("cpu", group, policyType="TargetTrackingScaling", targetTrackingConfiguration=config)


def predictive_policy(
    group: ResourceRecord, name: str = "predictive", mode: str = "ForecastAndScale"
) -> ResourceRecord:
    return policy(name, group, policyType="PredictiveScaling", predictiveScalingConfiguration={"mode": mode})


def test_an_aws_group_with_room_to_grow_and_a_cpu_target_passes(pack):
    group = asg()
    assert violations(pack, [group, target_tracking(group), predictive_policy(group)], "tier-scaling-can-act") == []


def test_an_aws_group_with_room_to_grow_and_no_policy_fails(pack):
    (found,) = violations(pack, [asg()], "tier-scaling-can-act")
    assert found.startswith("compute-asg: no scaling policy or schedule: the group stays at its desired size")


def test_a_forecast_only_policy_does_not_scale_a_group(pack):
    group = asg()
    (found,) = violations(pack, [group, predictive_policy(group, mode="ForecastOnly")], "tier-scaling-can-act")
    assert "no scaling policy" in found


def test_a_predictive_policy_on_a_group_that_can_sit_at_zero_fails(pack):
    group = asg(minSize=0, desiredCapacity=0)
    start = record(
        "aws:autoscaling/schedule:Schedule",
        "start",
        {"autoscalingGroupName": "qmoi-prod-compute", "minSize": 1, "desiredCapacity": 1},
        autoscalingGroupName=[group.urn],
    )
    (found,) = violations(
        pack, [group, start, target_tracking(group), predictive_policy(group)], "tier-scaling-can-act"
    )
    assert "no CPU history to forecast from" in found


def test_two_scaling_predictive_policies_on_one_group_fail(pack):
    group = asg()
    records = [group, target_tracking(group), predictive_policy(group), predictive_policy(group, "predictive-2")]
    (found,) = violations(pack, records, "tier-scaling-can-act")
    assert "2 ForecastAndScale predictive policies" in found


def gcp_autoscaler(**policy_inputs: Any) -> ResourceRecord:
    base = {"minReplicas": 2, "maxReplicas": 8, "mode": "ON", "cpuUtilization": {"target": 0.6}}
    return record(
        "gcp:compute/regionAutoscaler:RegionAutoscaler",
        "compute-autoscaler",
        {"autoscalingPolicy": base | policy_inputs},
    )


def test_a_gcp_autoscaler_that_cannot_scale_out_fails(pack):
    assert violations(pack, [gcp_autoscaler()], "tier-scaling-can-act") == []
    (found,) = violations(pack, [gcp_autoscaler(mode="OFF")], "tier-scaling-can-act")
    assert "no scaling policy that scales out (mode OFF)" in found


def test_gcp_predictive_autoscaling_on_a_group_that_can_sit_at_zero_fails(pack):
    schedule = {"name": "s", "schedule": "0 9 * * MON-FRI", "durationSec": 7200, "minRequiredReplicas": 1}
    at_zero = gcp_autoscaler(
        minReplicas=0,
        scalingSchedules=[schedule],
        cpuUtilization={"target": 0.6, "predictiveMethod": "OPTIMIZE_AVAILABILITY"},
    )
    (found,) = violations(pack, [at_zero], "tier-scaling-can-act")
    assert "predictive autoscaling on a group that can sit at zero" in found


def azure_setting(rules: list[dict[str, Any]] | None = None, mode: str = "Enabled") -> ResourceRecord:
    cpu_out = {
        "metricTrigger": {"metricName": "Percentage CPU", "timeAggregation": "Average"},
        "scaleAction": {"direction": "Increase", "type": "ChangeCount", "value": "1"},
    }
    profile = {
        "name": "compute-cpu",
        "capacity": {"minimum": "2", "maximum": "8", "default": "2"},
        "rules": rules or [cpu_out],
    }
    return record(
        "azure-native:monitor:AutoscaleSetting",
        "compute-autoscale",
        {"profiles": [profile], "predictiveAutoscalePolicy": {"scaleMode": mode}, "tags": TAGS},
    )


def test_an_azure_setting_needs_a_scale_out_rule_and_predictive_needs_a_cpu_one(pack):
    assert violations(pack, [azure_setting()], "tier-scaling-can-act") == []
    memory_out = {
        "metricTrigger": {"metricName": "Available Memory Bytes"},
        "scaleAction": {"direction": "Increase"},
    }
    (found,) = violations(pack, [azure_setting([memory_out])], "tier-scaling-can-act")
    assert "without a 'Percentage CPU' scale-out rule" in found
    scale_in_only = {"metricTrigger": {"metricName": "Percentage CPU"}, "scaleAction": {"direction": "Decrease"}}
    assert violations(pack, [azure_setting([scale_in_only], mode="Disabled")], "tier-scaling-can-act") == [
        "compute-autoscale: profile compute-cpu may grow to 8 but has no scale-out rule"
    ]


# --- errors-alarmed ------------------------------------------------------------------------------------


def aws_channel() -> tuple[ResourceRecord, ResourceRecord]:
    topic = record("aws:sns/topic:Topic", "alerts", {"name": "qmoi-prod-alerts", "tags": TAGS})
    subscription = record(
        "aws:sns/topicSubscription:TopicSubscription",
        "alerts-email-0",
        {"protocol": "email", "endpoint": "ops@example.com"},
        topic=[topic.urn],
    )
    return topic, subscription


def aws_function_stack(**omit: bool) -> list[ResourceRecord]:
    function = record("aws:lambda/function:Function", "fn", {"name": "qmoi-prod-fn", "tags": TAGS})
    topic, subscription = aws_channel()
    queries = [
        {
            "id": "errors",
            "metric": {
                "namespace": "AWS/Lambda",
                "metricName": "Errors",
                "dimensions": {"FunctionName": "qmoi-prod-fn"},
            },
        },
        {
            "id": "total",
            "metric": {
                "namespace": "AWS/Lambda",
                "metricName": "Invocations",
                "dimensions": {"FunctionName": "qmoi-prod-fn"},
            },
        },
        {"id": "rate", "expression": "100 * errors / total", "returnData": True},
    ]
    alarm = record(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "fn-error-rate",
        {
            "metricQueries": queries,
            "threshold": 5,
            "alarmActions": ["arn:aws:sns:us-east-1:1:qmoi-prod-alerts"],
            "tags": TAGS,
        },
        metricQueries=[function.urn],
        alarmActions=[topic.urn],
    )
    records = [function, topic]
    records += [] if omit.get("subscription") else [subscription]
    records += [] if omit.get("alarm") else [alarm]
    return records


def test_a_lambda_with_an_error_alarm_that_reaches_a_subscribed_topic_passes(pack):
    assert violations(pack, aws_function_stack(), "errors-alarmed") == []


@pytest.mark.parametrize(
    ("omit", "expected"),
    [("alarm", "fn: no alarm on its function errors"), ("subscription", "notifies no channel that delivers")],
)
def test_a_lambda_without_a_deliverable_error_alarm_fails(pack, omit, expected):
    (found,) = violations(pack, aws_function_stack(**{omit: True}), "errors-alarmed")
    assert expected in found


def cloudfront_5xx_alarm(topic: ResourceRecord, region: str = "us-east-1", **deps: list[str]) -> ResourceRecord:
    inputs = {
        "namespace": "AWS/CloudFront",
        "metricName": "5xxErrorRate",
        "dimensions": {"DistributionId": "E1"},
        "region": region,
        "alarmActions": ["t"],
        "tags": TAGS,
    }
    return record(
        "aws:cloudwatch/metricAlarm:MetricAlarm", "dist-5xx", inputs, protect=False, alarmActions=[topic.urn], **deps
    )


def test_a_cloudfront_distribution_needs_a_5xx_alarm(pack):
    distribution = record("aws:cloudfront/distribution:Distribution", "dist", {"tags": TAGS})
    topic, subscription = aws_channel()
    alarm = cloudfront_5xx_alarm(topic, dimensions=[distribution.urn])
    assert violations(pack, [distribution, topic, subscription, alarm], "errors-alarmed") == []
    (found,) = violations(pack, [distribution, topic, subscription], "errors-alarmed")
    assert found.startswith("dist: no alarm on its CDN 5xx rate")


def gcp_function_stack(channels: bool = True) -> list[ResourceRecord]:
    function = record("gcp:cloudfunctionsv2/function:Function", "fn", {"name": "qmoi-prod-fn", "labels": TAGS})
    channel = record(
        "gcp:monitoring/notificationChannel:NotificationChannel", "email", {"type": "email", "userLabels": TAGS}
    )
    condition = {
        "conditionThreshold": {
            "filter": 'metric.type = "run.googleapis.com/request_count" AND metric.labels.response_code_class = "5xx" '
            'AND resource.labels.service_name = "qmoi-prod-fn"',
            "denominatorFilter": 'metric.type = "run.googleapis.com/request_count"',
        }
    }
    alert = record(
        "gcp:monitoring/alertPolicy:AlertPolicy",
        "fn-error-rate",
        {"conditions": [condition], "notificationChannels": ["c"] if channels else [], "userLabels": TAGS},
        conditions=[function.urn],
        notificationChannels=[channel.urn] if channels else [],
    )
    return [function, channel, alert]


def test_a_gcp_function_needs_an_error_policy_with_a_notification_channel(pack):
    assert violations(pack, gcp_function_stack(), "errors-alarmed") == []
    (found,) = violations(pack, gcp_function_stack(channels=False), "errors-alarmed")
    assert "fn: its function errors alarm (fn-error-rate) notifies no channel" in found


def azure_app_stack(receivers: bool = True, metric: str = "requests/failed") -> list[ResourceRecord]:
    """A Flex Consumption function app, its Application Insights, an action group and an error alert."""
    insights = record("azure-native:applicationinsights:Component", "fn-insights", {"kind": "web", "tags": TAGS})
    app = record(
        "azure-native:web:WebApp",
        "fn-app",
        {"kind": "functionapp,linux", "functionAppConfig": {"runtime": {"name": "python"}}, "tags": TAGS},
        siteConfig=[insights.urn],  # APPLICATIONINSIGHTS_CONNECTION_STRING
    )
    group = record(
        "azure-native:monitor:ActionGroup",
        "alerts",
        {"emailReceivers": [{"name": "e", "emailAddress": "ops@example.com"}] if receivers else [], "tags": TAGS},
    )
    target = insights if metric == "requests/failed" else app
    alert = record(
        "azure-native:monitor:MetricAlert",
        "fn-errors",
        {
            "scopes": ["target"],
            "criteria": {"allOf": [{"metricName": metric}]},
            "actions": [{"actionGroupId": "g"}],
            "tags": TAGS,
        },
        scopes=[target.urn],
        actions=[group.urn],
    )
    return [insights, app, group, alert]


def test_an_azure_function_app_needs_a_failed_requests_alert_to_an_action_group_with_receivers(pack):
    assert violations(pack, azure_app_stack(), "errors-alarmed") == []
    (found,) = violations(pack, azure_app_stack(receivers=False), "errors-alarmed")
    assert "fn-app: its function errors alarm (fn-errors) notifies no channel" in found


def test_a_flex_consumption_app_alarmed_only_on_app_service_http5xx_is_not_alarmed(pack):
    """Flex Consumption apps may not publish Http5xx; their Application Insights' requests/failed is the signal."""
    (found,) = violations(pack, azure_app_stack(metric="Http5xx"), "errors-alarmed")
    assert found.startswith("fn-app: ") and "requests/failed" in found


def test_digitalocean_functions_need_an_error_alert_with_a_destination(pack):
    alert = {
        "rule": "FUNCTIONS_ERROR_RATE_PER_MINUTE",
        "operator": "GREATER_THAN",
        "value": 1,
        "window": "FIVE_MINUTES",
        "destinations": {"emails": ["ops@example.com"]},
    }
    app = record("digitalocean:index/app:App", "app", {"spec": {"functions": [{"name": "fn", "alerts": [alert]}]}})
    assert violations(pack, [app], "errors-alarmed") == []
    bare = changed(app, ("spec", "functions", 0, "alerts"), [])
    (found,) = violations(pack, [bare], "errors-alarmed")
    assert found == "app: function fn has no error alert: failures go unnoticed"


def test_every_edge_pool_needs_a_health_notification_with_a_mechanism(pack):
    pool = record("cloudflare:index/loadBalancerPool:LoadBalancerPool", "lb-aws", {"name": "qmoi-prod-aws"})
    policy_inputs = {
        "alertType": "load_balancing_health_alert",
        "filters": {"poolIds": ["p"], "newHealths": ["Unhealthy", "Healthy"]},
        "mechanisms": {"emails": [{"id": "ops@example.com"}]},
    }
    notification = record(
        "cloudflare:index/notificationPolicy:NotificationPolicy", "pool-health", policy_inputs, filters=[pool.urn]
    )
    assert violations(pack, [pool, notification], "errors-alarmed") == []
    (found,) = violations(pack, [pool], "errors-alarmed")
    assert found.startswith("lb-aws: no alarm on its health")


# --- alarm-metric-published ------------------------------------------------------------------------------


def cloudfront_alarm(region: str, topic_region: str = "us-east-1") -> list[ResourceRecord]:
    topic = record("aws:sns/topic:Topic", "edge-alerts", {"name": "t", "region": topic_region, "tags": TAGS})
    return [topic, cloudfront_5xx_alarm(topic, region)]


def test_a_cloudfront_alarm_in_us_east_1_notifying_a_topic_there_passes(pack):
    assert violations(pack, cloudfront_alarm("us-east-1"), "alarm-metric-published") == []


def test_a_cloudfront_alarm_in_another_region_never_fires(pack):
    found = violations(pack, cloudfront_alarm("eu-west-1", "eu-west-1"), "alarm-metric-published")
    assert found == [
        "dist-5xx: reads AWS/CloudFront 5xxErrorRate in eu-west-1: AWS/CloudFront metrics exist only in us-east-1"
    ]
    (found_topic,) = violations(pack, cloudfront_alarm("us-east-1", "eu-west-1"), "alarm-metric-published")
    assert "an alarm's actions must be in its own region" in found_topic


def dashboard(*metrics: list[Any], region: str = "us-east-1") -> ResourceRecord:
    widget = {"type": "metric", "properties": {"title": "w", "region": region, "metrics": list(metrics)}}
    return record(
        "aws:cloudwatch/dashboard:Dashboard",
        "ops",
        {"dashboardName": "ops", "dashboardBody": json.dumps({"widgets": [widget]})},
    )


def test_a_cache_hit_panel_needs_the_distributions_monitoring_subscription(pack):
    panel = dashboard(["AWS/CloudFront", "CacheHitRate", "DistributionId", "E1", "Region", "Global", {"label": "cdn"}])
    subscription = record(
        "aws:cloudfront/monitoringSubscription:MonitoringSubscription",
        "metrics",
        {
            "distributionId": "E1",
            "monitoringSubscription": {
                "realtimeMetricsSubscriptionConfig": {"realtimeMetricsSubscriptionStatus": "Enabled"}
            },
        },
    )
    assert violations(pack, [panel, subscription], "alarm-metric-published") == []
    (found,) = violations(pack, [panel], "alarm-metric-published")
    assert "reads CloudFront CacheHitRate, published only with the distribution's monitoring subscription" in found


def test_a_capacity_panel_needs_the_group_to_enable_its_group_metrics(pack):
    panel = dashboard(
        ["AWS/AutoScaling", "GroupInServiceInstances", "AutoScalingGroupName", "qmoi-prod-compute", {}],
        region="us-east-1",
    )
    group = asg(enabledMetrics=["GroupInServiceInstances"])
    assert violations(pack, [panel, group], "alarm-metric-published") == []
    (found,) = violations(pack, [panel, asg()], "alarm-metric-published")
    assert "reads GroupInServiceInstances of qmoi-prod-compute, which the group does not enable" in found


# --- alarm-topic-key-usable: every publisher ---------------------------------------------------------------


def grant(service: str, actions: Any) -> dict[str, Any]:
    return {
        "Sid": service.split(".")[0],
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": actions,
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }


def anomaly_stack(
    key_services: tuple[str, ...] = ("costalerts.amazonaws.com",), topic_policy: bool = True
) -> list[ResourceRecord]:
    key_grants = [grant(s, ["kms:Decrypt", "kms:GenerateDataKey*"]) for s in key_services]
    key = record(
        "aws:kms/key:Key", "alerts-key", {"enableKeyRotation": True, "policy": doc(ROOT, *key_grants), "tags": TAGS}
    )
    topic = record("aws:sns/topic:Topic", "alerts", {"kmsMasterKeyId": "k", "tags": TAGS}, kmsMasterKeyId=[key.urn])
    subscription = record(
        "aws:costexplorer/anomalySubscription:AnomalySubscription",
        "anomalies",
        {"frequency": "IMMEDIATE", "subscribers": [{"type": "SNS", "address": "t"}], "tags": TAGS},
        subscribers=[topic.urn],
    )
    records = [key, topic, subscription]
    if topic_policy:
        records.append(
            record(
                "aws:sns/topicPolicy:TopicPolicy",
                "alerts-policy",
                {"arn": "t", "policy": doc(grant("costalerts.amazonaws.com", "SNS:Publish"))},
                arn=[topic.urn],
            )
        )
    return records


def test_a_topic_cost_anomaly_detection_may_publish_to_passes(pack):
    assert violations(pack, anomaly_stack(), "alarm-topic-key-usable") == []


def test_a_topic_whose_key_or_policy_shuts_out_cost_anomaly_detection_fails(pack):
    (found,) = violations(pack, anomaly_stack(key_services=()), "alarm-topic-key-usable")
    assert "does not let costalerts.amazonaws.com kms:Decrypt and kms:GenerateDataKey*" in found
    (found,) = violations(pack, anomaly_stack(topic_policy=False), "alarm-topic-key-usable")
    assert "costalerts.amazonaws.com publishes to it" in found and "no topic policy lets it" in found


def test_an_explicit_topic_policy_must_keep_letting_cloudwatch_publish(pack):
    records = anomaly_stack(key_services=("costalerts.amazonaws.com", "cloudwatch.amazonaws.com"))
    topic = records[1]
    alarm = record(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        "cpu",
        {"namespace": "AWS/EC2", "metricName": "CPUUtilization", "alarmActions": ["t"], "tags": TAGS},
        alarmActions=[topic.urn],
    )
    (found,) = violations(pack, [*records, alarm], "alarm-topic-key-usable")
    assert "does not let cloudwatch.amazonaws.com SNS:Publish" in found


# --- Azure shapes ------------------------------------------------------------------------------------------


def test_an_azure_workbook_name_must_be_a_guid(pack):
    inputs = {"resourceName": "6f0e2a57-3c1b-4f7a-9a62-2f3c9d7b1e10", "kind": "shared", "tags": TAGS}
    workbook = record("azure-native:applicationinsights:Workbook", "ops", inputs)
    assert violations(pack, [workbook], "azure-workbook-name-is-guid") == []
    (found,) = violations(pack, [changed(workbook, ("resourceName",), "qmoi-prod-ops")], "azure-workbook-name-is-guid")
    assert "is not a GUID" in found


def test_an_azure_anomaly_alert_is_daily_on_a_subscription(pack):
    inputs = {
        "kind": "InsightAlert",
        "scope": "subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333",
        "schedule": {"frequency": "Daily"},
    }
    alert = record("azure-native:costmanagement:ScheduledActionByScope", "anomaly", inputs)
    assert violations(pack, [alert], "azure-anomaly-alert-scope") == []
    weekly = changed(alert, ("schedule", "frequency"), "Weekly")
    assert violations(pack, [weekly], "azure-anomaly-alert-scope") == [
        "anomaly: an anomaly alert (InsightAlert) runs Weekly: only Daily"
    ]
    group_scope = changed(alert, ("scope",), "subscriptions/0b1f/resourceGroups/qmoi-prod-rg")
    (found,) = violations(pack, [group_scope], "azure-anomaly-alert-scope")
    assert "only a subscription" in found


def test_the_subscription_s_cost_anomaly_alert_is_declared_by_its_owner_stack_only(pack):
    from tests.policy.conftest import TEST_CONFIG, check

    scope = "subscriptions/0b1f6471-1bf0-4dda-aec3-111122223333"
    inputs = {"kind": "InsightAlert", "scope": scope, "schedule": {"frequency": "Daily"}}
    alert = record("azure-native:costmanagement:ScheduledActionByScope", "anomaly", inputs)  # a prod resource

    def found(owner: str) -> list[str]:
        config = TEST_CONFIG | {"account-singleton-owner": {"anomalyOwner": owner}}
        return [v.detail for v in check(pack, alert, config=config).violations if v.policy == "account-singleton-owner"]

    assert found("prod") == []
    assert found("staging") == [
        f"anomaly: {scope} cost anomaly alert belongs to the stack staging (alerts.cost_anomaly_owner), not to prod: "
        "two stacks would fight over it, and destroying this one would delete what the owner relies on"
    ]
