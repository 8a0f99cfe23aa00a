"""AWS monitoring: the alert channel (an encrypted SNS topic with e-mail subscriptions, and an https
subscription to `qmoi-cloud:alert_webhook_url` when that secret is set) and the CloudWatch alarms
that notify it.

The channel: a topic encrypted with a customer-managed key of this component, and a topic policy,
both written for the AWS services that publish to it (`TopicPublisher`: CloudWatch alarms, Cost
Anomaly Detection, ...), each tied to this account (aws:SourceAccount, and aws:SourceArn where
the service sends one). With the AWS-managed `alias/aws/sns` key, whose policy cannot be edited,
no service can publish: every alarm action fails and nobody is paged while `pulumi up` succeeds.
An explicit topic policy replaces the default one (which lets the account's principals, and
through them CloudWatch, publish), so it names every publisher and keeps the account's own
management rights. Each publisher has one statement id in both policies (`<publisher>Publish`).

The topic is also the channel of security findings (components/aws/threat_detection.py routes
GuardDuty and Security Hub findings to it with EventBridge rules): in the stack that owns threat
detection, `events.amazonaws.com` is a publisher too, for this account's rules only.

Alarms (thresholds from `qmoi-cloud:alerts`, 5-minute windows, missing data is not breaching: no
traffic is no error):
- per tier, average CPU above 85% for 15 minutes;
- per tier with a minimum, in-service instances below it for 15 minutes (spot and GPU groups never
  fail `pulumi up` for missing capacity or quota, so without it a tier running 0 of 2 instances
  pages nobody; missing data stays missing here, and INSUFFICIENT_DATA, a group that stopped
  publishing, notifies the topic too);
- per function, the error rate (Errors / Invocations, metric math; 0 below
  `alerts.error_rate_min_requests` invocations in the window, so a quiet function does not page for
  one failure) and throttled invocations;
- per CloudFront distribution, the 5xx error rate. CloudFront publishes its metrics in us-east-1
  only, and an alarm can watch only its own region's metrics and notify only its own region's
  topics: the alarm is declared in us-east-1, and where the stack's region is another one, a
  second channel (key, topic, subscriptions) is declared there for it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_aws as aws

from components.aws.keys import customer_key
from components.aws.policy_documents import AwsAccount, document, key_policy, service_grant
from components.context import StackContext
from components.specs import CPU_ALERT_PERCENT
from infra.config import Alerts

PERIOD_S = 300
# CloudFront (and billing) metrics exist only in us-east-1.
GLOBAL_METRICS_REGION = "us-east-1"
# What the account's own principals may do with the topic (the default topic policy's actions).
OWNER_ACTIONS = [
    "SNS:GetTopicAttributes",
    "SNS:SetTopicAttributes",
    "SNS:AddPermission",
    "SNS:RemovePermission",
    "SNS:DeleteTopic",
    "SNS:Subscribe",
    "SNS:ListSubscriptionsByTopic",
    "SNS:Publish",
]
PUBLISHER_KEY_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey*"]


@dataclass(frozen=True)
class TopicPublisher:
    """An AWS service that publishes to the alert topic, for this account's resources only.

    `source` is the resource pattern it publishes for (`alarm:*`), an ARN in this account and the
    topic's region; None when the service sends only aws:SourceAccount.
    """

    sid: str
    service: str
    source: tuple[str, str] | None = None  # (ARN service, resource pattern)

    def condition(self, account: AwsAccount) -> pulumi.Output[dict[str, Any]]:
        if self.source is None:
            return account.id.apply(lambda a: {"StringEquals": {"aws:SourceAccount": a}})
        return pulumi.Output.all(account.id, account.arn(*self.source)).apply(
            lambda a: {"StringEquals": {"aws:SourceAccount": a[0]}, "ArnLike": {"aws:SourceArn": a[1]}}
        )


CLOUDWATCH_ALARMS = TopicPublisher("CloudWatchAlarms", "cloudwatch.amazonaws.com", ("cloudwatch", "alarm:*"))
# Cost Anomaly Detection's IMMEDIATE alerts (docs: Creating an Amazon SNS topic for anomaly notifications).
COST_ANOMALY_DETECTION = TopicPublisher("CostAnomalyDetection", "costalerts.amazonaws.com")
# Security findings routed by EventBridge rules (components/aws/threat_detection.py).
EVENTBRIDGE_RULES = TopicPublisher("EventBridgeRules", "events.amazonaws.com", ("events", "rule/*"))


@dataclass(frozen=True)
class AwsMonitoringArgs:
    group_names: Mapping[str, pulumi.Input[str]]
    function_names: Mapping[str, pulumi.Input[str]]
    account: AwsAccount | None = None
    alerts: Alerts = field(default_factory=Alerts)
    region: str = GLOBAL_METRICS_REGION
    """The stack's region, where the alert topic lives."""
    distribution_ids: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """CloudFront distributions (name -> id) whose 5xx rate is alarmed, in us-east-1."""
    publishers: tuple[TopicPublisher, ...] = (CLOUDWATCH_ALARMS,)
    """Services that publish to the alert topic (its key and topic policy grant each)."""
    group_minimums: Mapping[str, int] = field(default_factory=dict)
    """Tier -> its minimum: a group below it for 15 minutes raises the capacity alarm (tiers at 0 have none)."""


@dataclass(frozen=True)
class AlertChannel:
    """An encrypted topic in one region, its key and policy, and the e-mail (and webhook) subscriptions."""

    region: str
    key: aws.kms.Key
    topic: aws.sns.Topic
    policy: aws.sns.TopicPolicy


class AwsMonitoring(pulumi.ComponentResource):
    topic: aws.sns.Topic
    key: aws.kms.Key
    topic_policy: aws.sns.TopicPolicy
    home: AlertChannel
    channels: dict[str, AlertChannel]
    alarms: list[aws.cloudwatch.MetricAlarm]

    def __init__(
        self, name: str, args: AwsMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Monitoring", name, None, opts)
        account = args.account or AwsAccount.lookup(self)
        home = self._channel(name, args.region, None, account, args.publishers, ctx)
        self.home = home
        self.channels = {args.region: home}
        self.key, self.topic, self.topic_policy = home.key, home.topic, home.policy
        if args.distribution_ids and args.region != GLOBAL_METRICS_REGION:
            global_account = replace(account, region=pulumi.Output.from_input(GLOBAL_METRICS_REGION))
            self.channels[GLOBAL_METRICS_REGION] = self._channel(
                f"{name}-global",
                GLOBAL_METRICS_REGION,
                GLOBAL_METRICS_REGION,
                global_account,
                (CLOUDWATCH_ALARMS,),
                ctx,
            )
        alerts = args.alerts
        self.alarms = [
            self._alarm(
                f"{name}-{tier}-cpu",
                f"{tier} tier CPU above {CPU_ALERT_PERCENT}%",
                ctx,
                metric=("AWS/EC2", "CPUUtilization", "Average", {"AutoScalingGroupName": group}),
                threshold=CPU_ALERT_PERCENT,
                periods=3,
            )
            for tier, group in args.group_names.items()
        ]
        # A spot or GPU group never fails `pulumi up` for missing capacity or quota: without this alarm a
        # tier running 0 of its 2 instances pages nobody. No data (a group not publishing) is not OK either: the
        # INSUFFICIENT_DATA state notifies the topic too.
        self.alarms += [
            self._alarm(
                f"{name}-{tier}-capacity",
                f"{tier} tier: fewer than {minimum} instances in service (capacity, quota or launches)",
                ctx,
                metric=("AWS/AutoScaling", "GroupInServiceInstances", "Minimum", {"AutoScalingGroupName": group}),
                threshold=minimum,
                periods=3,
                comparison="LessThanThreshold",
                missing_data="missing",
                page_on_no_data=True,
            )
            for tier, minimum in args.group_minimums.items()
            if minimum > 0 and (group := args.group_names.get(tier)) is not None
        ]
        for fn, function in args.function_names.items():
            dimensions = {"FunctionName": function}
            self.alarms += [
                self._alarm(
                    f"{name}-{fn}-error-rate",
                    f"{fn} function errors above {alerts.function_error_rate_percent:g}% of invocations",
                    ctx,
                    queries=error_rate_queries(
                        "AWS/Lambda", "Errors", "Invocations", dimensions, alerts.error_rate_min_requests
                    ),
                    threshold=alerts.function_error_rate_percent,
                ),
                self._alarm(
                    f"{name}-{fn}-throttles",
                    f"{fn} function throttled {alerts.function_throttles_per_5_minutes}+ invocations in 5 minutes",
                    ctx,
                    metric=("AWS/Lambda", "Throttles", "Sum", dimensions),
                    threshold=alerts.function_throttles_per_5_minutes,
                    comparison="GreaterThanOrEqualToThreshold",
                ),
            ]
        edge = self.channels.get(GLOBAL_METRICS_REGION)
        for cdn, distribution in args.distribution_ids.items():
            self.alarms.append(
                self._alarm(
                    f"{name}-{cdn}-5xx-rate",
                    f"{cdn} CloudFront 5xx responses above {alerts.cdn_5xx_rate_percent:g}% of requests",
                    ctx,
                    metric=(
                        "AWS/CloudFront",
                        "5xxErrorRate",
                        "Average",
                        {"DistributionId": distribution, "Region": "Global"},
                    ),
                    threshold=alerts.cdn_5xx_rate_percent,
                    channel=edge,
                    region=GLOBAL_METRICS_REGION,
                )
            )
        self.register_outputs({"topic_arn": self.topic.arn})

    def _channel(
        self,
        name: str,
        region: str,
        region_override: str | None,
        account: AwsAccount,
        publishers: tuple[TopicPublisher, ...],
        ctx: StackContext,
    ) -> AlertChannel:
        """Key, topic, topic policy and e-mail subscriptions in `region` (the provider's unless overridden)."""
        grants = [
            service_grant(f"{p.sid}Publish", p.service, PUBLISHER_KEY_ACTIONS, "*", p.condition(account))
            for p in publishers
        ]
        suffix = "" if region_override is None else "-global"
        key = customer_key(
            self,
            f"{name}-alerts-key",
            f"alerts{suffix}",
            f"alert topic ({region})",
            key_policy(account, *grants),
            ctx,
            region=region_override,
        )
        topic = aws.sns.Topic(
            f"{name}-alerts",
            name=f"{ctx.prefix}-alerts{suffix}",
            kms_master_key_id=key.arn,
            region=region_override,
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        owner = pulumi.Output.all(account.root, topic.arn).apply(
            lambda a: {
                "Sid": "AccountUsesTheTopic",
                "Effect": "Allow",
                "Principal": {"AWS": a[0]},
                "Action": OWNER_ACTIONS,
                "Resource": a[1],
            }
        )
        statements = [owner] + [
            service_grant(f"{p.sid}Publish", p.service, "sns:Publish", topic.arn, p.condition(account))
            for p in publishers
        ]
        policy = aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=topic.arn,
            policy=document(*statements),
            region=region_override,
            opts=ctx.child(self),
        )
        for i, email in enumerate(ctx.alert_emails):
            aws.sns.TopicSubscription(
                f"{name}-alerts-email-{i}",
                topic=topic.arn,
                protocol="email",
                endpoint=email,
                region=region_override,
                opts=ctx.child(self),
            )
        if ctx.alert_webhook is not None:
            # The endpoint confirms the subscription itself (a GET of the SubscribeURL SNS posts to it:
            # docs.aws.amazon.com/sns/latest/dg/SendMessageToHttp.confirm.html); until then it stays pending.
            aws.sns.TopicSubscription(
                f"{name}-alerts-webhook",
                topic=topic.arn,
                protocol="https",
                endpoint=pulumi.Output.secret(ctx.alert_webhook),
                endpoint_auto_confirms=False,
                region=region_override,
                opts=ctx.child(self),
            )
        return AlertChannel(region, key, topic, policy)

    def _alarm(
        self,
        name: str,
        description: str,
        ctx: StackContext,
        *,
        threshold: float,
        metric: tuple[str, str, str, dict[str, pulumi.Input[str]]] | None = None,
        queries: list[aws.cloudwatch.MetricAlarmMetricQueryArgs] | None = None,
        periods: int = 1,
        comparison: str = "GreaterThanThreshold",
        channel: AlertChannel | None = None,
        region: str | None = None,
        missing_data: str = "notBreaching",
        page_on_no_data: bool = False,
    ) -> aws.cloudwatch.MetricAlarm:
        """One alarm on a metric (namespace, name, statistic, dimensions) or a metric-math query."""
        topic = (channel or self.home).topic
        namespace, metric_name, statistic, dimensions = metric or (None, None, None, None)
        return aws.cloudwatch.MetricAlarm(
            name,
            alarm_description=description,
            namespace=namespace,
            metric_name=metric_name,
            statistic=statistic,
            dimensions=dimensions,
            period=PERIOD_S if metric else None,
            metric_queries=queries,
            evaluation_periods=periods,
            threshold=threshold,
            comparison_operator=comparison,
            treat_missing_data=missing_data,
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            insufficient_data_actions=[topic.arn] if page_on_no_data else None,
            region=region,
            tags=ctx.tags,
            opts=ctx.child(self),
        )


def error_rate_queries(
    namespace: str, errors: str, total: str, dimensions: dict[str, pulumi.Input[str]], min_total: int = 1
) -> list[aws.cloudwatch.MetricAlarmMetricQueryArgs]:
    """`100 * errors / total` over 5 minutes, as metric-math queries: 0 below `min_total` (one failure among a
    handful of calls is no incident)."""

    def query(query_id: str, metric: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
        return aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id=query_id,
            return_data=False,
            metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                namespace=namespace, metric_name=metric, stat="Sum", period=PERIOD_S, dimensions=dimensions
            ),
        )

    return [
        query("errors", errors),
        query("total", total),
        aws.cloudwatch.MetricAlarmMetricQueryArgs(
            id="rate",
            expression=f"IF(total >= {min_total}, 100 * errors / total, 0)",
            label="error rate (%)",
            return_data=True,
        ),
    ]
