"""Azure threat detection: Microsoft Defender for Cloud plans for the resource types the stack uses.

- Defender for Servers Plan 1 (`VirtualMachines`, sub-plan P1) for the scale sets: Defender for
  Endpoint on every machine, threat alerts;
- Defender for Storage (`StorageAccounts`, sub-plan DefenderForStorageV2) for the storage accounts:
  activity monitoring, with its extensions declared (left out, the API turns both on, scanning up to
  5,000 GB a month per account, billed per GB from the first day): malware scanning on upload up to
  `threat_detection.malware_scan_gb_per_account` a month per account (0: off), and sensitive data
  discovery off (the accounts hold media, artifacts and backups, no classified data by design; turn
  it on, with Defender CSPM, when they do);
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
MALWARE_SCANNING = "OnUploadMalwareScanning"
SENSITIVE_DATA_DISCOVERY = "SensitiveDataDiscovery"


@dataclass(frozen=True)
class AzureThreatDetectionArgs:
    subscription_id: str
    malware_scan_gb_per_account: int = 50
    """GB of uploads scanned for malware per storage account a month; 0: malware scanning off."""


def _storage_extensions(cap_gb: int) -> list[security.ExtensionArgs]:
    scanning = (
        security.ExtensionArgs(
            name=MALWARE_SCANNING,
            is_enabled="True",
            additional_extension_properties={"CapGBPerMonthPerStorageAccount": str(cap_gb)},
        )
        if cap_gb > 0
        else security.ExtensionArgs(name=MALWARE_SCANNING, is_enabled="False")
    )
    return [scanning, security.ExtensionArgs(name=SENSITIVE_DATA_DISCOVERY, is_enabled="False")]


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
                extensions=_storage_extensions(args.malware_scan_gb_per_account) if plan == "StorageAccounts" else None,
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
