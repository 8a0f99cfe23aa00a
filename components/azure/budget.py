"""Azure budget: a monthly cost budget scoped to the stack's resource group, and a cost anomaly alert.

The resource group scope means the budget sees exactly this stack's spend, with no tag to
activate first. E-mail notifications at the forecast threshold (80% by default) and the
actual threshold (100%). Azure wants the start date on the first of the current month;
it is computed once and ignored afterwards so the plan does not change every month.

The anomaly alert is a Cost Management scheduled action of the `InsightAlert` kind: Azure's
daily anomaly detection e-mails the stack's alert addresses when it finds one (nothing when it
finds none). It exists at subscription scope only and runs daily only, so it watches the whole
subscription (its anomalies are reported by resource group: the `ms:DailyAnomalyByResourceGroup`
view), so one stack declares it (alerts.cost_anomaly_owner: the platform passes no subscription to
the others). It is sent with the access of
the identity that created it (Cost Management Reader at least), runs from the month it is
created for ANOMALY_ALERT_YEARS years (dates computed once, then ignored; replace the resource to
renew it), and has no charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pulumi
import pulumi_azure_native.consumption as consumption
import pulumi_azure_native.costmanagement as costmanagement

from components.context import StackContext
from components.specs import BudgetArgs

ANOMALY_ALERT_YEARS = 5
ANOMALY_VIEW = "ms:DailyAnomalyByResourceGroup"


@dataclass(frozen=True)
class AzureBudgetArgs(BudgetArgs):
    resource_group_id: pulumi.Input[str]
    subscription_id: str | None = None
    """The subscription the anomaly alert watches; None: no anomaly alert."""


def month_start(now: datetime | None = None, years_later: int = 0) -> str:
    now = now or datetime.now(UTC)
    return f"{now.year + years_later}-{now:%m}-01T00:00:00Z"


class AzureBudget(pulumi.ComponentResource):
    budget: consumption.Budget
    anomaly_alert: costmanagement.ScheduledActionByScope | None

    def __init__(
        self, name: str, args: AzureBudgetArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Budget", name, None, opts)
        self.budget = consumption.Budget(
            f"{name}-monthly",
            budget_name=f"{ctx.prefix}-monthly",
            scope=args.resource_group_id,
            amount=round(args.limit_usd, 2),
            category="Cost",
            time_grain="Monthly",
            time_period=consumption.BudgetTimePeriodArgs(start_date=month_start()),
            notifications={
                f"{kind.lower()}-{percent}": consumption.NotificationArgs(
                    enabled=True,
                    operator="GreaterThan",
                    threshold=percent,
                    threshold_type=kind,
                    contact_emails=list(ctx.alert_emails),
                )
                for kind, percent in (("Forecasted", args.forecast_percent), ("Actual", args.actual_percent))
            },
            opts=ctx.child(self, ignore_changes=["timePeriod"]),
        )
        self.anomaly_alert = None
        if args.subscription_id is not None:
            scope = f"subscriptions/{args.subscription_id}"
            self.anomaly_alert = costmanagement.ScheduledActionByScope(
                f"{name}-anomaly-alert",
                name=f"{ctx.prefix}-cost-anomaly",
                scope=scope,
                kind=costmanagement.ScheduledActionKind.INSIGHT_ALERT,
                display_name=f"qmoi {ctx.stack_names.stack}: cost anomaly",
                status=costmanagement.ScheduledActionStatus.ENABLED,
                view_id=f"/{scope}/providers/Microsoft.CostManagement/views/{ANOMALY_VIEW}",
                notification=costmanagement.NotificationPropertiesArgs(
                    to=list(ctx.alert_emails), subject=f"qmoi {ctx.stack_names.stack}: Azure cost anomaly detected"
                ),
                notification_email=ctx.alert_emails[0],
                schedule=costmanagement.SchedulePropertiesArgs(
                    frequency=costmanagement.ScheduleFrequency.DAILY,
                    start_date=month_start(),
                    end_date=month_start(years_later=ANOMALY_ALERT_YEARS),
                ),
                opts=ctx.child(self, ignore_changes=["schedule.startDate", "schedule.endDate"]),
            )
        self.register_outputs({"budget_name": self.budget.name})
