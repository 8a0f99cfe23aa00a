"""Azure budget: a monthly cost budget scoped to the stack's resource group.

The resource group scope means the budget sees exactly this stack's spend, with no tag to
activate first. E-mail notifications at the forecast threshold (80% by default) and the
actual threshold (100%). Azure wants the start date on the first of the current month;
it is computed once and ignored afterwards so the plan does not change every month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pulumi
import pulumi_azure_native.consumption as consumption

from components.context import StackContext
from components.specs import BudgetArgs


@dataclass(frozen=True)
class AzureBudgetArgs(BudgetArgs):
    resource_group_id: pulumi.Input[str]


def month_start(now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{now:%Y-%m}-01T00:00:00Z"


class AzureBudget(pulumi.ComponentResource):
    budget: consumption.Budget

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
        self.register_outputs({"budget_name": self.budget.name})
