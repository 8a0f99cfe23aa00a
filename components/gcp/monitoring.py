"""GCP monitoring: e-mail notification channels and alert policies on tier CPU and function errors.

- one e-mail channel per `budget.alert_emails` entry (the budget notifies them too);
- per tier, mean CPU utilization of the tier's instances (selected by the `tier` and
  `stack` labels the instance template sets: stacks side by side share an environment and a
  project, never a `stack` label) above 85% for 15 minutes;
- per function, any 5xx response of the Cloud Run service behind the 2nd-gen function in
  a 5-minute window;
- per tier with a minimum, its managed instance group's size below that minimum for 15
  minutes (spot capacity or a GPU quota missing never fails `pulumi up`: the group just stays
  short).
Incidents close themselves 30 minutes after the condition clears.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.context import STACK_TAG, StackContext
from components.specs import CPU_ALERT_PERCENT

WINDOW = "300s"
AUTO_CLOSE = "1800s"


@dataclass(frozen=True)
class GcpMonitoringArgs:
    tiers: list[str]
    function_names: dict[str, pulumi.Input[str]]
    group_minimums: dict[str, tuple[pulumi.Input[str], int]] = field(default_factory=dict)
    """Tier -> (its instance group's name, its minimum): the group below it raises the capacity alert."""


class GcpMonitoring(pulumi.ComponentResource):
    channels: list[gcp.monitoring.NotificationChannel]
    alarms: list[gcp.monitoring.AlertPolicy]

    def __init__(
        self, name: str, args: GcpMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Monitoring", name, None, opts)
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
        cpu = [
            self._policy(
                f"{name}-{tier}-cpu",
                f"qmoi {ctx.environment} {tier} tier CPU above {CPU_ALERT_PERCENT}%",
                'resource.type = "gce_instance" AND metric.type = "compute.googleapis.com/instance/cpu/utilization" '
                f'AND metadata.user_labels."tier" = "{tier}" '
                f'AND metadata.user_labels."{STACK_TAG}" = "{ctx.stack_tag}"',
                "ALIGN_MEAN",
                "REDUCE_MEAN",
                CPU_ALERT_PERCENT / 100,
                "900s",
                ctx,
            )
            for tier in args.tiers
        ]
        errors = [
            self._policy(
                f"{name}-{fn.replace('_', '-')}-errors",
                f"qmoi {ctx.environment} {fn} function errors",
                pulumi.Output.concat(
                    'resource.type = "cloud_run_revision" AND metric.type = "run.googleapis.com/request_count" '
                    'AND metric.labels.response_code_class = "5xx" AND resource.labels.service_name = "',
                    function,
                    '"',
                ),
                "ALIGN_SUM",
                "REDUCE_SUM",
                0,
                "0s",
                ctx,
            )
            for fn, function in args.function_names.items()
        ]
        capacity = [
            self._policy(
                f"{name}-{tier}-capacity",
                f"qmoi {ctx.environment} {tier} tier below {minimum} instances",
                pulumi.Output.concat(
                    'resource.type = "instance_group" AND metric.type = "compute.googleapis.com/instance_group/size" '
                    'AND resource.labels.instance_group_name = "',
                    group,
                    '"',
                ),
                "ALIGN_MIN",
                "REDUCE_MIN",
                minimum,
                "900s",
                ctx,
                comparison="COMPARISON_LT",
            )
            for tier, (group, minimum) in args.group_minimums.items()
            if minimum > 0
        ]
        self.alarms = cpu + errors + capacity
        self.register_outputs({"channels": [c.name for c in self.channels]})

    def _policy(
        self,
        name: str,
        title: str,
        metric_filter: pulumi.Input[str],
        aligner: str,
        reducer: str,
        threshold: float,
        duration: str,
        ctx: StackContext,
        comparison: str = "COMPARISON_GT",
    ) -> gcp.monitoring.AlertPolicy:
        return gcp.monitoring.AlertPolicy(
            name,
            display_name=title,
            combiner="OR",
            conditions=[
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name=title,
                    condition_threshold=gcp.monitoring.AlertPolicyConditionConditionThresholdArgs(
                        filter=metric_filter,
                        comparison=comparison,
                        threshold_value=threshold,
                        duration=duration,
                        aggregations=[
                            gcp.monitoring.AlertPolicyConditionConditionThresholdAggregationArgs(
                                alignment_period=WINDOW, per_series_aligner=aligner, cross_series_reducer=reducer
                            )
                        ],
                    ),
                )
            ],
            notification_channels=[c.id for c in self.channels],
            alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(auto_close=AUTO_CLOSE),
            user_labels=ctx.tags,
            opts=ctx.child(self),
        )
