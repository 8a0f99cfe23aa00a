"""Azure monitoring: an action group e-mailing the stack's alert addresses, and metric alerts.

- per scale set: average `Percentage CPU` above 85% over 15 minutes (severity 2);
- per function app: any HTTP 5xx (`Http5xx`, total over 5 minutes, severity 1), the
  function-host failures a caller sees.
Alerts auto-resolve, so the action group also hears when a condition clears.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.monitor as monitor

from components.context import StackContext
from components.specs import CPU_ALERT_PERCENT


@dataclass(frozen=True)
class AzureMonitoringArgs:
    resource_group_name: pulumi.Input[str]
    scale_set_ids: dict[str, pulumi.Input[str]]
    function_app_ids: dict[str, pulumi.Input[str]]


class AzureMonitoring(pulumi.ComponentResource):
    action_group: monitor.ActionGroup
    alarms: list[monitor.MetricAlert]

    def __init__(
        self, name: str, args: AzureMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Monitoring", name, None, opts)
        self.action_group = monitor.ActionGroup(
            f"{name}-alerts",
            action_group_name=f"{ctx.prefix}-alerts",
            group_short_name=ctx.prefix[:12],
            resource_group_name=args.resource_group_name,
            location="Global",
            enabled=True,
            email_receivers=[
                monitor.MicrosoftCommonEmailReceiverArgs(
                    name=f"email-{i}", email_address=e, use_common_alert_schema=True
                )
                for i, e in enumerate(ctx.alert_emails)
            ],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        self.alarms = [
            self._alert(
                f"{name}-{tier}-cpu",
                f"{tier} tier CPU above {CPU_ALERT_PERCENT}%",
                scale_set,
                "Percentage CPU",
                "Average",
                CPU_ALERT_PERCENT,
                severity=2,
                window="PT15M",
                args=args,
                ctx=ctx,
            )
            for tier, scale_set in args.scale_set_ids.items()
        ] + [
            self._alert(
                f"{name}-{fn}-errors",
                f"{fn} function app returned HTTP 5xx",
                app,
                "Http5xx",
                "Total",
                0,
                severity=1,
                window="PT5M",
                args=args,
                ctx=ctx,
            )
            for fn, app in args.function_app_ids.items()
        ]
        self.register_outputs({"action_group_id": self.action_group.id})

    def _alert(
        self,
        name: str,
        description: str,
        scope: pulumi.Input[str],
        metric: str,
        aggregation: str,
        threshold: float,
        *,
        severity: int,
        window: str,
        args: AzureMonitoringArgs,
        ctx: StackContext,
    ) -> monitor.MetricAlert:
        return monitor.MetricAlert(
            name,
            rule_name=name,
            resource_group_name=args.resource_group_name,
            location="global",
            description=description,
            enabled=True,
            auto_mitigate=True,
            severity=severity,
            scopes=[scope],
            evaluation_frequency="PT5M",
            window_size=window,
            criteria=monitor.MetricAlertSingleResourceMultipleMetricCriteriaArgs(
                odata_type="Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
                all_of=[
                    monitor.MetricCriteriaArgs(
                        criterion_type="StaticThresholdCriterion",
                        name=metric.replace(" ", "-").lower(),
                        metric_name=metric,
                        operator="GreaterThan",
                        threshold=threshold,
                        time_aggregation=aggregation,
                    )
                ],
            ),
            actions=[monitor.MetricAlertActionArgs(action_group_id=self.action_group.id)],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
