"""GCP budget: a monthly Cloud Billing budget on the billing account, scoped to the project.

The filter is the stack's project only, never a label: a label filter counts only labelled
usage, and much of the spend carries no label (Cloud CDN and load balancer egress, Cloud NAT,
logging, builds, Artifact Registry, key versions). Each environment has its own project
(`gcp.project_id` per stack file), which is what makes a per-project budget per-environment.

Threshold rules at the forecast percentage (80% by default, of forecasted spend) and the
actual percentage (100%, of current spend); alerts go to the stack's e-mail notification
channels as well as the billing account's administrators. Budgets only alert: they never
stop spending.

Cost anomaly detection is emulated here: the Pulumi provider has no anomaly resource (its
`billing` module holds budgets, account IAM and sub-accounts only), so the forecast rule, which
alerts as soon as the month's forecast spend crosses its share of the budget, is the early
warning a spike gets on Google Cloud.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext
from components.specs import BudgetArgs


@dataclass(frozen=True)
class GcpBudgetArgs(BudgetArgs):
    billing_account: str
    project_number: pulumi.Input[str]
    notification_channels: list[pulumi.Input[str]]


def amount(limit_usd: float) -> gcp.billing.BudgetAmountArgs:
    """A USD amount as the API wants it: whole units as a string plus nanos."""
    cents = round(limit_usd * 100)
    return gcp.billing.BudgetAmountArgs(
        specified_amount=gcp.billing.BudgetAmountSpecifiedAmountArgs(
            currency_code="USD", units=str(cents // 100), nanos=(cents % 100) * 10_000_000
        )
    )


class GcpBudget(pulumi.ComponentResource):
    budget: gcp.billing.Budget

    def __init__(
        self,
        name: str,
        args: GcpBudgetArgs,
        ctx: StackContext,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("qmoi:gcp:Budget", name, None, opts)
        self.budget = gcp.billing.Budget(
            f"{name}-monthly",
            billing_account=args.billing_account,
            display_name=f"{ctx.prefix}-monthly",
            amount=amount(args.limit_usd),
            budget_filter=gcp.billing.BudgetBudgetFilterArgs(
                projects=[pulumi.Output.concat("projects/", args.project_number)],
                calendar_period="MONTH",
                credit_types_treatment="INCLUDE_ALL_CREDITS",
            ),
            threshold_rules=[
                gcp.billing.BudgetThresholdRuleArgs(
                    threshold_percent=args.forecast_percent / 100, spend_basis="FORECASTED_SPEND"
                ),
                gcp.billing.BudgetThresholdRuleArgs(
                    threshold_percent=args.actual_percent / 100, spend_basis="CURRENT_SPEND"
                ),
            ],
            all_updates_rule=gcp.billing.BudgetAllUpdatesRuleArgs(
                monitoring_notification_channels=args.notification_channels,
                disable_default_iam_recipients=False,
            ),
            opts=ctx.child(self),
        )
        self.register_outputs({"budget": self.budget.name})
