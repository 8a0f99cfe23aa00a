"""AWS budget: a monthly cost budget and cost anomaly detection, scoped to the stack by its `stack`
tag.

`stack` (the stack's name token, `StackContext.stack_tag`) rather than `environment`: stacks side by
side share an environment (a review copy of dev is `environment: dev`), and a budget or monitor
filtered on the environment would count every one of them. The tag filter needs `stack` activated
as a cost allocation tag in the billing console; until then the budget and the monitor track no
spend (docs/deploying.md).

Budget notifications go by e-mail at the forecast threshold (80% by default) and the actual
threshold (100%).

Cost anomaly detection (free; it needs Cost Explorer, enabled on first use, and learns from the
spend history, so a new monitor takes about a day and a new service ten days to alert):
- a CUSTOM monitor on the same `stack` cost allocation tag. An account may hold only one
  DIMENSIONAL monitor per dimension ("Limit exceeded on dimensional spend monitor creation"),
  so per-stack monitors are custom ones filtered on the stack's tag;
- an IMMEDIATE subscription to the stack's alert topic for anomalies whose total impact reaches
  `alerts.cost_anomaly_usd`. IMMEDIATE alerts go only to SNS (e-mail subscribers take DAILY or
  WEEKLY digests), so the topic's key and policy must let costalerts.amazonaws.com publish
  (components/aws/monitoring.py COST_ANOMALY_DETECTION); the subscription waits for them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.context import STACK_TAG, StackContext
from components.specs import BudgetArgs


@dataclass(frozen=True)
class AwsBudgetArgs(BudgetArgs):
    alert_topic_arn: pulumi.Input[str] | None = None
    """The SNS topic anomaly alerts go to; None: no anomaly detection."""
    anomaly_threshold_usd: float = 50.0
    topic_ready: Sequence[pulumi.Resource] = ()
    """What must exist before AWS checks it may publish to the topic (its policy, its key)."""


def tag_expression(stack_tag: str) -> str:
    """The Cost Explorer expression of the stack's cost allocation tag (with the nulls AWS returns)."""
    return json.dumps(
        {
            "And": None,
            "CostCategories": None,
            "Dimensions": None,
            "Not": None,
            "Or": None,
            "Tags": {"Key": STACK_TAG, "MatchOptions": None, "Values": [stack_tag]},
        }
    )


class AwsBudget(pulumi.ComponentResource):
    budget: aws.budgets.Budget
    anomaly_monitor: aws.costexplorer.AnomalyMonitor | None
    anomaly_subscription: aws.costexplorer.AnomalySubscription | None

    def __init__(
        self, name: str, args: AwsBudgetArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
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
        self.anomaly_monitor = self.anomaly_subscription = None
        if args.alert_topic_arn is not None:
            self.anomaly_monitor = aws.costexplorer.AnomalyMonitor(
                f"{name}-anomaly-monitor",
                name=f"{ctx.prefix}-spend",
                monitor_type="CUSTOM",
                monitor_specification=tag_expression(ctx.stack_tag),
                tags=ctx.tags,
                opts=ctx.child(self),
            )
            self.anomaly_subscription = aws.costexplorer.AnomalySubscription(
                f"{name}-anomaly-alerts",
                name=f"{ctx.prefix}-spend-anomalies",
                frequency="IMMEDIATE",
                monitor_arn_lists=[self.anomaly_monitor.arn],
                subscribers=[
                    aws.costexplorer.AnomalySubscriptionSubscriberArgs(type="SNS", address=args.alert_topic_arn)
                ],
                threshold_expression=aws.costexplorer.AnomalySubscriptionThresholdExpressionArgs(
                    dimension=aws.costexplorer.AnomalySubscriptionThresholdExpressionDimensionArgs(
                        key="ANOMALY_TOTAL_IMPACT_ABSOLUTE",
                        match_options=["GREATER_THAN_OR_EQUAL"],
                        values=[f"{args.anomaly_threshold_usd:g}"],
                    )
                ),
                tags=ctx.tags,
                opts=ctx.child(self, depends_on=list(args.topic_ready)),
            )
        self.register_outputs({"budget_name": self.budget.name})
