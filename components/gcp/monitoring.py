"""GCP monitoring: e-mail notification channels and alert policies on tiers, functions and the CDN.

- one e-mail channel per `budget.alert_emails` entry (the budget notifies them too), and with the
  secret `qmoi-cloud:alert_webhook_url` a `webhook_tokenauth` channel posting to it, which every
  alert policy here notifies too (the budget keeps the e-mails);
- per tier, mean CPU utilization of the tier's instances (selected by the `tier` and
  `stack` labels the instance template sets: stacks side by side share an environment and a
  project, never a `stack` label) above 85% for 15 minutes;
- per tier with a minimum, its managed instance group's size below that minimum for 15
  minutes (spot capacity or a GPU quota missing never fails `pulumi up`: the group just stays
  short), or its size metric absent for 15 minutes;
- per function (the Cloud Run service behind a 2nd-gen function), its 5xx responses as a share of
  all its requests above `alerts.function_error_rate_percent`, and its throttled requests (429:
  no instance free within the function's maximum) reaching `alerts.function_throttles_per_5_minutes`;
- with Cloud CDN, the load balancer's 5xx responses as a share of its requests above
  `alerts.cdn_5xx_rate_percent` (a 5xx from the backend bucket, the origin, counts too).
Ratios are a condition with a denominator filter, combined (AND) with a second condition that the
denominator reached `alerts.error_rate_min_requests` in the window: without traffic there is no ratio,
and a quiet function or CDN does not page for one failure among a handful of requests.
Windows are 5 minutes; incidents close themselves 30 minutes after the condition clears.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

import pulumi
import pulumi_gcp as gcp

from components.context import STACK_TAG, StackContext
from components.specs import CPU_ALERT_PERCENT
from infra.config import Alerts

A = TypeVar("A")
WINDOW = "300s"
AUTO_CLOSE = "1800s"
RUN_REQUESTS = 'resource.type = "cloud_run_revision" AND metric.type = "run.googleapis.com/request_count"'
LB_REQUESTS = 'resource.type = "https_lb_rule" AND metric.type = "loadbalancing.googleapis.com/https/request_count"'


@dataclass(frozen=True)
class GcpMonitoringArgs:
    tiers: list[str]
    function_names: Mapping[str, pulumi.Input[str]]
    alerts: Alerts = field(default_factory=Alerts)
    url_map_name: pulumi.Input[str] | None = None
    """The CDN's load balancer (URL map) whose 5xx rate is alarmed; None without a CDN."""
    group_minimums: Mapping[str, tuple[pulumi.Input[str], int]] = field(default_factory=dict)
    """Tier -> (its instance group's name, its minimum): the group below it raises the capacity alert."""


@dataclass(frozen=True)
class Condition:
    """A threshold on a metric filter, optionally as a ratio over a denominator filter."""

    filter: pulumi.Input[str]
    threshold: float
    aligner: str = "ALIGN_DELTA"
    reducer: str = "REDUCE_SUM"
    duration: str = "0s"
    denominator: pulumi.Input[str] | None = None
    comparison: str = "COMPARISON_GT"
    min_traffic: int | None = None
    absent_too: bool = False
    """A second condition (OR): the metric stops arriving for `duration` (a group that no longer publishes)."""

    def aggregation(self, kind: Callable[..., A]) -> A:
        """The condition's 5-minute alignment and reduction, as the SDK's `kind` of aggregation args."""
        return kind(alignment_period=WINDOW, per_series_aligner=self.aligner, cross_series_reducer=self.reducer)

    """With a denominator: a second condition (combined with AND) that the denominator exceeds this - 1."""


def webhook_labels(url: pulumi.Input[str]) -> pulumi.Output[dict[str, str]]:
    """The labels of a webhook_tokenauth channel: its URL, as a secret (the token rides in it)."""
    labels: pulumi.Output[dict[str, str]] = pulumi.Output.from_input(url).apply(lambda u: {"url": u})
    return pulumi.Output.secret(labels)


def service_filter(base: str, service: pulumi.Input[str], extra: str = "") -> pulumi.Output[str]:
    return pulumi.Output.concat(base, extra, ' AND resource.labels.service_name = "', service, '"')


class GcpMonitoring(pulumi.ComponentResource):
    channels: list[gcp.monitoring.NotificationChannel]
    """The e-mail channels (the budget's and security findings' too)."""
    webhook: gcp.monitoring.NotificationChannel | None
    alarms: list[gcp.monitoring.AlertPolicy]

    def __init__(
        self, name: str, args: GcpMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Monitoring", name, None, opts)
        alerts = args.alerts
        self.channels = [
            gcp.monitoring.NotificationChannel(
                f"{name}-email-{i}",
                display_name=f"qmoi {ctx.environment} alerts: {email}",
                type="email",
                labels={"email_address": email},
                user_labels=ctx.tags,
                opts=ctx.child(self),
            )
            for i, email in enumerate(ctx.alert_emails)
        ]
        self.webhook = None
        if ctx.alert_webhook is not None:
            self.webhook = gcp.monitoring.NotificationChannel(
                f"{name}-webhook",
                display_name=f"qmoi {ctx.environment} alerts: webhook",
                type="webhook_tokenauth",
                labels=webhook_labels(ctx.alert_webhook),
                user_labels=ctx.tags,
                opts=ctx.child(self),
            )
        self.alarms = [
            self._policy(
                f"{name}-{tier}-cpu",
                f"qmoi {ctx.environment} {tier} tier CPU above {CPU_ALERT_PERCENT}%",
                Condition(
                    'resource.type = "gce_instance" '
                    'AND metric.type = "compute.googleapis.com/instance/cpu/utilization" '
                    f'AND metadata.user_labels."tier" = "{tier}" '
                    f'AND metadata.user_labels."{STACK_TAG}" = "{ctx.stack_tag}"',
                    CPU_ALERT_PERCENT / 100,
                    aligner="ALIGN_MEAN",
                    reducer="REDUCE_MEAN",
                    duration="900s",
                ),
                ctx,
            )
            for tier in args.tiers
        ]
        for fn, service in args.function_names.items():
            slug = fn.replace("_", "-")
            self.alarms += [
                self._policy(
                    f"{name}-{slug}-error-rate",
                    f"qmoi {ctx.environment} {fn} function 5xx above "
                    f"{alerts.function_error_rate_percent:g}% of requests",
                    Condition(
                        service_filter(RUN_REQUESTS, service, ' AND metric.labels.response_code_class = "5xx"'),
                        alerts.function_error_rate_percent / 100,
                        denominator=service_filter(RUN_REQUESTS, service),
                        min_traffic=alerts.error_rate_min_requests,
                    ),
                    ctx,
                ),
                self._policy(
                    f"{name}-{slug}-throttles",
                    f"qmoi {ctx.environment} {fn} function throttled (429) "
                    f"{alerts.function_throttles_per_5_minutes}+ requests in 5 minutes",
                    Condition(
                        service_filter(RUN_REQUESTS, service, ' AND metric.labels.response_code = "429"'),
                        # Threshold conditions compare with GT or LT only: a count reaching N is above N - 1.
                        alerts.function_throttles_per_5_minutes - 1,
                    ),
                    ctx,
                ),
            ]
        if args.url_map_name is not None:
            url_map = pulumi.Output.concat(' AND resource.labels.url_map_name = "', args.url_map_name, '"')
            self.alarms.append(
                self._policy(
                    f"{name}-cdn-5xx-rate",
                    f"qmoi {ctx.environment} CDN 5xx above {alerts.cdn_5xx_rate_percent:g}% of requests",
                    Condition(
                        pulumi.Output.concat(LB_REQUESTS, url_map, " AND metric.labels.response_code_class = 500"),
                        alerts.cdn_5xx_rate_percent / 100,
                        denominator=pulumi.Output.concat(LB_REQUESTS, url_map),
                        min_traffic=alerts.error_rate_min_requests,
                    ),
                    ctx,
                )
            )
        self.alarms += [
            self._policy(
                f"{name}-{tier}-capacity",
                f"qmoi {ctx.environment} {tier} tier below {minimum} instances",
                Condition(
                    pulumi.Output.concat(
                        'resource.type = "instance_group" '
                        'AND metric.type = "compute.googleapis.com/instance_group/size" '
                        'AND resource.labels.instance_group_name = "',
                        group,
                        '"',
                    ),
                    minimum,
                    aligner="ALIGN_MIN",
                    reducer="REDUCE_MIN",
                    duration="900s",
                    comparison="COMPARISON_LT",
                    absent_too=True,
                ),
                ctx,
            )
            for tier, (group, minimum) in args.group_minimums.items()
            if minimum > 0
        ]
        self.register_outputs({"channels": [c.name for c in self.channels]})

    def _policy(self, name: str, title: str, condition: Condition, ctx: StackContext) -> gcp.monitoring.AlertPolicy:
        aggregation = condition.aggregation(gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs)
        ratio = condition.denominator is not None
        conditions = [
            gcp.monitoring.AlertPolicyConditionArgs(
                display_name=title,
                condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                    filter=condition.filter,
                    comparison=condition.comparison,
                    threshold_value=condition.threshold,
                    duration=condition.duration,
                    aggregations=[aggregation],
                    denominator_filter=condition.denominator,
                    denominator_aggregations=[
                        condition.aggregation(
                            gcp.monitoring.AlertPolicyConditionConditionThresholdDenominatorAggregationArgs
                        )
                    ]
                    if ratio
                    else None,
                ),
            )
        ]
        if condition.denominator is not None and condition.min_traffic is not None:
            # The minimum traffic: one failure among a handful of requests is no incident. Threshold conditions
            # compare with GT or LT only, so at least N is above N - 1.
            conditions.append(
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=f"at least {condition.min_traffic} requests in 5 minutes",
                    condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                        filter=condition.denominator,
                        comparison="COMPARISON_GT",
                        threshold_value=condition.min_traffic - 1,
                        duration=condition.duration,
                        aggregations=[aggregation],
                    ),
                )
            )
        if condition.absent_too:
            conditions.append(
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=f"{title}: no data for {condition.duration}",
                    condition_absent=gcp.monitoring.AlertPolicyConditionConditionAbsentArgs(
                        filter=condition.filter,
                        duration=condition.duration,
                        aggregations=[
                            condition.aggregation(gcp.monitoring.AlertPolicyConditionConditionAbsentAggregationArgs)
                        ],
                    ),
                )
            )
        return gcp.monitoring.AlertPolicy(
            name,
            display_name=title,
            combiner="AND" if condition.min_traffic is not None and ratio else "OR",
            conditions=conditions,
            notification_channels=[c.id for c in self.channels + ([self.webhook] if self.webhook else [])],
            alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(auto_close=AUTO_CLOSE),
            user_labels=ctx.tags,
            opts=ctx.child(self),
        )
