"""Azure threat detection: Microsoft Defender for Cloud plans for the resource types the stack uses.

- Defender for Servers Plan 1 (`VirtualMachines`, sub-plan P1) for the scale sets: Defender for
  Endpoint on every machine, threat alerts;
- Defender for Storage (`StorageAccounts`, sub-plan DefenderForStorageV2) for the storage accounts:
  activity monitoring and, with the sub-plan's defaults, malware scanning on upload (billed per GB);
- a security contact: Defender's alerts of high severity (and attack paths) go to the stack's alert
  e-mails, the addresses the monitoring action group notifies.
The stack has no key vault, so no Key Vault plan.

A plan set at subscription scope covers and bills every resource of its type in the subscription,
other stacks' included; each plan is a subscription singleton: only the stack named by
`threat_detection.account_owner` declares them (prod for the shipped stacks). The Microsoft.Security
resource provider must be registered (docs/azure.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azure_native.security as security

from components.context import StackContext

# Defender plan name -> sub-plan.
PLANS = {"VirtualMachines": "P1", "StorageAccounts": "DefenderForStorageV2"}


@dataclass(frozen=True)
class AzureThreatDetectionArgs:
    subscription_id: str


class AzureThreatDetection(pulumi.ComponentResource):
    plans: dict[str, security.Pricing]
    contact: security.SecurityContact

    def __init__(
        self, name: str, args: AzureThreatDetectionArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:ThreatDetection", name, None, opts)
        self.plans = {
            plan: security.Pricing(
                f"{name}-defender-{plan.lower()}",
                pricing_name=plan,
                pricing_tier="Standard",
                sub_plan=sub_plan,
                scope_id=f"/subscriptions/{args.subscription_id}",
                opts=ctx.child(self),
            )
            for plan, sub_plan in PLANS.items()
        }
        self.contact = security.SecurityContact(
            f"{name}-contact",
            security_contact_name="default",
            emails=";".join(ctx.alert_emails),
            is_enabled=True,
            notifications_by_role=security.SecurityContactPropertiesNotificationsByRoleArgs(
                state="On", roles=["Owner"]
            ),
            notifications_sources=[security.NotificationsSourceAlertArgs(source_type="Alert", minimal_severity="High")],
            opts=ctx.child(self),
        )
        self.register_outputs({"plans": list(self.plans)})
