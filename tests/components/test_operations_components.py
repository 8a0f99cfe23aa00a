"""Operations components built alone with small configurations: thresholds from `qmoi-cloud:alerts`,
an alert channel outside us-east-1, Azure and GCP alerts without a CDN."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pulumi
import pytest

from components.aws.monitoring import CLOUDWATCH_ALARMS, AwsMonitoring, AwsMonitoringArgs
from components.aws.policy_documents import AwsAccount
from components.context import StackContext
from components.gcp.monitoring import GcpMonitoring, GcpMonitoringArgs
from infra.config import Alerts, ConfigError
from tests.conftest import make_config

ALERTS = Alerts(
    function_error_rate_percent=2,
    function_errors_per_5_minutes=9,
    function_throttles_per_5_minutes=4,
    cdn_5xx_rate_percent=1.5,
    origin_health_percent=75,
    cost_anomaly_usd=250,
    error_rate_min_requests=25,
)


INSIGHTS_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Insights/components/fn"


def account(region: str) -> AwsAccount:
    return AwsAccount(
        id=pulumi.Output.from_input("123456789012"),
        partition=pulumi.Output.from_input("aws"),
        region=pulumi.Output.from_input(region),
    )


def test_the_alerts_block_sets_the_thresholds_and_is_validated_with_its_key_path():
    config = make_config("dev", alerts={"function_error_rate_percent": 2, "cdn_5xx_rate_percent": 1.5})
    assert (config.alerts.function_error_rate_percent, config.alerts.cdn_5xx_rate_percent) == (2, 1.5)
    assert config.alerts.cost_anomaly_usd == 50  # the other leaves keep their defaults
    with pytest.raises(ConfigError) as raised:
        make_config("dev", alerts={"function_error_rate_percent": 0, "throttles": 3})
    problems = "\n".join(raised.value.problems)
    assert "alerts.function_error_rate_percent" in problems and "alerts.throttles: unknown key" in problems


def monitoring(record_component, region: str, **args: Any):
    """The plan of one AwsMonitoring in `region` with a CloudFront distribution to alarm on."""
    ctx = StackContext.from_config(make_config("dev"))

    def program() -> None:  # Outputs (the account) exist only inside the program's run
        monitoring_args = AwsMonitoringArgs(
            group_names={}, account=account(region), region=region, distribution_ids={"media": "E123"}, **args
        )
        AwsMonitoring("mon", monitoring_args, ctx)

    return record_component(program)


def test_aws_alarms_take_their_thresholds_from_the_alerts_block(record_component):
    plan = monitoring(record_component, "us-east-1", function_names={"fn": "qmoi-dev-fn"}, alerts=ALERTS)
    assert plan.named("mon-fn-error-rate").inputs["threshold"] == 2
    # A quiet function (one failure in a handful of calls) does not page: no rate below the minimum traffic.
    (rate,) = [q for q in plan.named("mon-fn-error-rate").inputs["metricQueries"] if q.get("returnData")]
    assert rate["expression"] == "IF(total >= 25, 100 * errors / total, 0)"
    assert plan.named("mon-fn-throttles").inputs["threshold"] == 4
    assert plan.named("mon-media-5xx-rate").inputs["threshold"] == 1.5


def test_a_stack_outside_us_east_1_gets_a_second_alert_channel_there_for_its_cloudfront_alarm(record_component):
    plan = monitoring(record_component, "eu-west-1", function_names={}, publishers=(CLOUDWATCH_ALARMS,))
    topics = {t.name: t.inputs for t in plan.of_type("aws:sns/topic:Topic")}
    assert topics["mon-alerts"].get("region") is None  # the stack's region (its provider)
    assert topics["mon-global-alerts"]["region"] == "us-east-1"
    assert plan.named("mon-global-alerts-key").inputs["region"] == "us-east-1"  # a key serves its own region
    alarm = plan.named("mon-media-5xx-rate")
    assert alarm.inputs["region"] == "us-east-1"
    assert plan.named("mon-global-alerts").urn in alarm.property_dependencies["alarmActions"]
    policy = json.loads(plan.named("mon-global-alerts-key").inputs["policy"])
    (grant,) = [s for s in policy["Statement"] if s.get("Principal", {}).get("Service")]
    assert grant["Condition"]["ArnLike"]["aws:SourceArn"] == "arn:aws:cloudwatch:us-east-1:123456789012:alarm:*"
    subscriptions = plan.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert sorted(s.name for s in subscriptions) == ["mon-alerts-email-0", "mon-global-alerts-email-0"]


def test_gcp_alerts_take_their_thresholds_and_need_no_cdn(record_component):
    ctx = StackContext.from_config(make_config("dev"))

    def program() -> None:
        GcpMonitoring("mon", GcpMonitoringArgs(tiers=["compute"], function_names={"fn": "svc"}, alerts=ALERTS), ctx)

    plan = record_component(program)
    names = sorted(p.name for p in plan.of_type("gcp:monitoring/alertPolicy:AlertPolicy"))
    assert names == ["mon-compute-cpu", "mon-fn-error-rate", "mon-fn-throttles"]  # no CDN, no CDN alert
    policy = plan.named("mon-fn-error-rate").inputs
    rate = policy["conditions"][0]["conditionThreshold"]
    assert rate["thresholdValue"] == 0.02
    # ... and only while the function served at least alerts.error_rate_min_requests requests (both conditions).
    traffic = policy["conditions"][1]["conditionThreshold"]
    assert policy["combiner"] == "AND" and traffic["filter"] == rate["denominatorFilter"]
    assert (traffic["comparison"], traffic["thresholdValue"]) == ("COMPARISON_GT", 24)
    assert len(plan.named("mon-fn-throttles").inputs["conditions"]) == 1
    throttles = plan.named("mon-fn-throttles").inputs["conditions"][0]["conditionThreshold"]
    assert throttles["thresholdValue"] == 3  # 4 or more in 5 minutes: above 3


def test_azure_alerts_take_their_thresholds_from_the_alerts_block(record_component):
    from components.azure.monitoring import AzureMonitoring, AzureMonitoringArgs

    ctx = StackContext.from_config(make_config("dev"))

    def program() -> None:
        args = AzureMonitoringArgs(
            resource_group_name="rg",
            scale_set_ids={},
            function_insights_ids={"fn": INSIGHTS_ID},
            alerts=ALERTS,
            front_door_id="/subscriptions/s/resourceGroups/rg/providers/Microsoft.Cdn/profiles/fd",
        )
        AzureMonitoring("mon", args, ctx)

    plan = record_component(program)
    criteria = {a.name: a.inputs["criteria"]["allOf"][0] for a in plan.of_type("azure-native:monitor:MetricAlert")}
    errors = criteria["mon-fn-errors"]
    # Flex Consumption apps may not publish the App Service Http5xx: the app's Application Insights does.
    assert (errors["metricName"], errors["timeAggregation"], errors["threshold"]) == ("requests/failed", "Count", 9)
    assert plan.named("mon-fn-errors").inputs["scopes"] == [INSIGHTS_ID]
    assert criteria["mon-cdn-5xx-rate"]["threshold"] == 1.5
    health = criteria["mon-cdn-origin-health"]
    assert (health["operator"], health["threshold"]) == ("LessThan", 75)


# --- the alert webhook (qmoi-cloud:alert_webhook_url, a secret setting) ----------------------

WEBHOOK = "https://hooks.example.com/services/T000/B000/not-a-real-token"


def webhook_ctx(webhook: bool) -> StackContext:
    """The dev context, with the webhook as the secret Output stacks.build passes (inside a program only)."""
    ctx = StackContext.from_config(make_config("dev"))
    return replace(ctx, alert_webhook=pulumi.Output.secret(WEBHOOK)) if webhook else ctx


def channel_plans(record_component, webhook: bool):
    """AWS, GCP and Azure monitoring, each with one function, built with or without the webhook."""
    from components.azure.monitoring import AzureMonitoring, AzureMonitoringArgs

    def program() -> None:
        ctx = webhook_ctx(webhook)
        AwsMonitoring(
            "aws", AwsMonitoringArgs(group_names={}, function_names={"fn": "f"}, account=account("us-east-1")), ctx
        )
        GcpMonitoring("gcp", GcpMonitoringArgs(tiers=[], function_names={"fn": "svc"}), ctx)
        azure = AzureMonitoringArgs(resource_group_name="rg", scale_set_ids={}, function_insights_ids={"fn": "i"})
        AzureMonitoring("az", azure, ctx)

    return record_component(program)


def test_with_an_alert_webhook_every_cloud_routes_its_alert_channel_to_it_as_a_secret(record_component):
    plan = channel_plans(record_component, webhook=True)
    subscriptions = {s.name: s.inputs for s in plan.of_type("aws:sns/topicSubscription:TopicSubscription")}
    hook = subscriptions["aws-alerts-webhook"]
    assert (hook["protocol"], hook["endpoint"]) == ("https", "[secret]")
    assert plan.named("aws-alerts").urn in plan.named("aws-alerts-webhook").property_dependencies["topic"]
    channel = plan.named("gcp-webhook")
    assert (channel.inputs["type"], channel.inputs["labels"]) == ("webhook_tokenauth", "[secret]")
    for policy in plan.of_type("gcp:monitoring/alertPolicy:AlertPolicy"):
        assert channel.urn in policy.property_dependencies["notificationChannels"]
    (group,) = plan.of_type("azure-native:monitor:ActionGroup")
    (receiver,) = group.inputs["webhookReceivers"]
    assert receiver["serviceUri"] == "[secret]" and receiver["useCommonAlertSchema"] is True
    assert WEBHOOK not in json.dumps([r.inputs for r in plan.resources], default=str)  # never in plain text


def test_without_an_alert_webhook_the_alert_channels_are_the_e_mails_only(record_component):
    plan = channel_plans(record_component, webhook=False)
    subscriptions = plan.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert [s.inputs["protocol"] for s in subscriptions] == ["email"]
    assert [c.inputs["type"] for c in plan.of_type("gcp:monitoring/notificationChannel:NotificationChannel")] == [
        "email"
    ]
    (group,) = plan.of_type("azure-native:monitor:ActionGroup")
    assert not group.inputs.get("webhookReceivers")


def test_the_alert_webhook_setting_reaches_the_clouds_with_alarm_channels_as_a_secret(record_component):
    from pulumi.runtime import config as runtime_config

    from infra.config import Provider
    from stacks import platform_secrets

    config, key = make_config("dev"), "qmoi-cloud:alert_webhook_url"
    found: dict[str, Any] = {}

    def program() -> None:  # Outputs exist only inside a program's run
        found["unset"] = [platform_secrets(p, config) for p in (Provider.aws, Provider.gcp, Provider.azure)]
        runtime_config.set_all_config({key: WEBHOOK}, [key])
        try:
            found["set"] = {p: platform_secrets(p, config) for p in Provider if p is not Provider.cloudflare}
        finally:
            runtime_config.set_all_config({}, [])

    record_component(program)
    assert found["unset"] == [{}, {}, {}]
    for provider in (Provider.aws, Provider.gcp, Provider.azure):
        assert isinstance(found["set"][provider]["alert_webhook"], pulumi.Output)
    assert "alert_webhook" not in found["set"][Provider.digitalocean]


def test_a_capacity_alarm_also_pages_when_its_group_metric_stops_arriving(record_component):
    ctx = StackContext.from_config(make_config("dev"))

    def program() -> None:
        aws_args = AwsMonitoringArgs(
            group_names={"compute": "g"}, function_names={}, account=account("us-east-1"), group_minimums={"compute": 2}
        )
        AwsMonitoring("aws", aws_args, ctx)
        gcp_args = GcpMonitoringArgs(tiers=["compute"], function_names={}, group_minimums={"compute": ("mig", 2)})
        GcpMonitoring("gcp", gcp_args, ctx)

    plan = record_component(program)
    alarm = plan.named("aws-compute-capacity")
    assert alarm.property_dependencies["insufficientDataActions"] == [plan.named("aws-alerts").urn]
    assert "insufficientDataActions" not in plan.named("aws-compute-cpu").inputs  # no data is no load
    policy = plan.named("gcp-compute-capacity").inputs
    below, absent = policy["conditions"]
    assert below["conditionThreshold"]["comparison"] == "COMPARISON_LT" and policy["combiner"] == "OR"
    assert absent["conditionAbsent"]["duration"] == "900s"
    assert absent["conditionAbsent"]["filter"] == below["conditionThreshold"]["filter"]
