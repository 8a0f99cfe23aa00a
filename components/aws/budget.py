"""AWS budget: a monthly cost budget scoped to the stack by its `stack` tag.

`stack` (the stack's name token, `StackContext.stack_tag`) rather than `environment`: stacks side by
side share an environment (a review copy of dev is `environment: dev`), and a budget filtered on
the environment would count every one of them. Notifications go by e-mail at the forecast
threshold (80% by default) and the actual threshold (100%). The tag filter needs `stack`
activated as a cost allocation tag in the billing console; until then the budget tracks no spend
(docs/deploying.md).
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws

from components.context import STACK_TAG, StackContext
from components.specs import BudgetArgs


class AwsBudget(pulumi.ComponentResource):
    budget: aws.budgets.Budget

    def __init__(
        self, name: str, args: BudgetArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Budget", name, None, opts)
        self.budget = aws.budgets.Budget(
            f"{name}-monthly",
            name=f"{ctx.prefix}-monthly",
            budget_type="COST",
            time_unit="MONTHLY",
            limit_amount=f"{args.limit_usd:.2f}",
            limit_unit="USD",
            cost_filters=[
                aws.budgets.BudgetCostFilterArgs(name="TagKeyValue", values=[f"user:{STACK_TAG}${ctx.stack_tag}"])
            ],
            notifications=[
                aws.budgets.BudgetNotificationArgs(
                    comparison_operator="GREATER_THAN",
                    notification_type=kind,
                    threshold=percent,
                    threshold_type="PERCENTAGE",
                    subscriber_email_addresses=list(ctx.alert_emails),
                )
                for kind, percent in (("FORECASTED", args.forecast_percent), ("ACTUAL", args.actual_percent))
            ],
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        self.register_outputs({"budget_name": self.budget.name})
