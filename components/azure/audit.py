"""Azure audit trail: the subscription's activity log, kept in a Log Analytics workspace.

- a workspace (`<prefix>-audit`, pay-as-you-go PerGB2018) with local (shared-key) authentication off,
  so only Entra ID identities query or ingest;
- the `AzureActivity` table kept `ACTIVITY_INTERACTIVE_DAYS` interactively and `audit.retention_days` in
  all (the rest in the workspace's long-term retention, up to 12 years), so a compliance profile's years
  do not pay interactive retention;
- a subscription diagnostic setting sending every activity-log category (Administrative, Security,
  ServiceHealth, Alert, Recommendation, Policy, Autoscale, ResourceHealth; CIS asks for at least
  Administrative, Alert, Policy and Security) to the workspace.

The diagnostic setting is a subscription singleton (and a subscription has few of them): only the stack
named by `audit.account_owner` declares it (prod for the shipped stacks, which share a subscription).
It applies to the provider's subscription (the resource takes no subscription argument).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.monitor as monitor
import pulumi_azure_native.operationalinsights as operationalinsights

from components.context import StackContext

ACTIVITY_CATEGORIES = (
    "Administrative",
    "Security",
    "ServiceHealth",
    "Alert",
    "Recommendation",
    "Policy",
    "Autoscale",
    "ResourceHealth",
)
WORKSPACE_RETENTION_DAYS = 30  # the workspace default for other tables (the minimum of PerGB2018)
ACTIVITY_INTERACTIVE_DAYS = 90
MAX_TOTAL_RETENTION_DAYS = 4383  # 12 years


@dataclass(frozen=True)
class AzureAuditArgs:
    resource_group_name: pulumi.Input[str]
    location: str
    retention_days: int


class AzureAudit(pulumi.ComponentResource):
    workspace: operationalinsights.Workspace
    activity_log: monitor.SubscriptionDiagnosticSetting

    def __init__(
        self, name: str, args: AzureAuditArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Audit", name, None, opts)
        self.workspace = operationalinsights.Workspace(
            f"{name}-workspace",
            workspace_name=f"{ctx.prefix}-audit",
            resource_group_name=args.resource_group_name,
            location=args.location,
            sku=operationalinsights.WorkspaceSkuArgs(name="PerGB2018"),
            retention_in_days=WORKSPACE_RETENTION_DAYS,
            features=operationalinsights.WorkspaceFeaturesArgs(disable_local_auth=True),
            tags=ctx.tags_with(role="audit-logs"),
            opts=ctx.child(self, stateful=True),
        )
        total = min(args.retention_days, MAX_TOTAL_RETENTION_DAYS)
        operationalinsights.Table(
            f"{name}-activity-table",
            table_name="AzureActivity",
            workspace_name=self.workspace.name,
            resource_group_name=args.resource_group_name,
            retention_in_days=min(ACTIVITY_INTERACTIVE_DAYS, total),
            total_retention_in_days=total,
            opts=ctx.child(self),
        )
        self.activity_log = monitor.SubscriptionDiagnosticSetting(
            f"{name}-activity-log",
            name=f"{ctx.prefix}-activity",
            workspace_id=self.workspace.id,
            logs=[monitor.SubscriptionLogSettingsArgs(category=c, enabled=True) for c in ACTIVITY_CATEGORIES],
            opts=ctx.child(self),
        )
        self.register_outputs({"workspace_id": self.workspace.id})
