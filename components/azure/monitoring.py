"""Azure monitoring: an action group e-mailing the stack's alert addresses (and posting to the secret
`qmoi-cloud:alert_webhook_url` when it is set, common alert schema), and metric alerts.

- per scale set: average `Percentage CPU` above 85% over 15 minutes (severity 2);
- per function app: failed requests (`requests/failed`, count over 5 minutes) of the app's
  Application Insights component above `alerts.function_errors_per_5_minutes` (severity 1). Not
  the App Service `Http5xx` of the app: "the app-level metrics available to your app depend on the
  type of consumption plan" (learn.microsoft.com/azure/azure-functions/monitor-functions), and the
  apps are on Flex Consumption, where App Service metrics such as `FunctionExecutionCount` are
  absent; the component's standard metrics (`requests/failed`, `requests/count`,
  `requests/duration`: learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/
  microsoft-insights-components-metrics) come from the Functions host's own telemetry on every plan.
  A metric alert compares ONE metric with a threshold (no metric math), so this is a count, not a
  rate (a rate needs a log search alert, billed per rule); the apps publish no throttling metric;
- with Front Door: the share of 5xx responses (`Percentage5XX`) above `alerts.cdn_5xx_rate_percent`
  and the share of healthy origin probes (`OriginHealthPercentage`) below
  `alerts.origin_health_percent` (severity 1).
Alerts auto-resolve, so the action group also hears when a condition clears.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_azure_native.monitor as monitor

from components.context import StackContext
from components.specs import CPU_ALERT_PERCENT
from infra.config import Alerts

# Application Insights standard metric (microsoft.insights/components): requests the app failed.
INSIGHTS_FAILED_REQUESTS = "requests/failed"


@dataclass(frozen=True)
class AzureMonitoringArgs:
    resource_group_name: pulumi.Input[str]
    scale_set_ids: Mapping[str, pulumi.Input[str]]
    function_insights_ids: Mapping[str, pulumi.Input[str]]
    """Function -> the id of its app's Application Insights component (whose failed requests are alarmed)."""
    alerts: Alerts = field(default_factory=Alerts)
    front_door_id: pulumi.Input[str] | None = None
    """The Front Door profile whose 5xx rate and origin health are alarmed; None without one."""


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
            webhook_receivers=[
                monitor.WebhookReceiverArgs(
                    name="webhook", service_uri=pulumi.Output.secret(ctx.alert_webhook), use_common_alert_schema=True
                )
            ]
            if ctx.alert_webhook is not None
            else None,
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        alerts = args.alerts
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
                f"{fn} function app failed more than {alerts.function_errors_per_5_minutes} requests in 5 minutes",
                insights,
                INSIGHTS_FAILED_REQUESTS,
                "Count",
                alerts.function_errors_per_5_minutes,
                severity=1,
                window="PT5M",
                args=args,
                ctx=ctx,
            )
            for fn, insights in args.function_insights_ids.items()
        ]
        if args.front_door_id is not None:
            self.alarms += [
                self._alert(
                    f"{name}-cdn-5xx-rate",
                    f"Front Door 5xx responses above {alerts.cdn_5xx_rate_percent:g}% of requests",
                    args.front_door_id,
                    "Percentage5XX",
                    "Average",
                    alerts.cdn_5xx_rate_percent,
                    severity=1,
                    window="PT5M",
                    args=args,
                    ctx=ctx,
                ),
                self._alert(
                    f"{name}-cdn-origin-health",
                    f"Front Door origins healthy in less than {alerts.origin_health_percent:g}% of probes",
                    args.front_door_id,
                    "OriginHealthPercentage",
                    "Average",
                    alerts.origin_health_percent,
                    severity=1,
                    window="PT5M",
                    args=args,
                    ctx=ctx,
                    operator="LessThan",
                ),
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
        operator: str = "GreaterThan",
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
                        operator=operator,
                        threshold=threshold,
                        time_aggregation=aggregation,
                    )
                ],
            ),
            actions=[monitor.MetricAlertActionArgs(action_group_id=self.action_group.id)],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
