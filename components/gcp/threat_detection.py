"""GCP threat detection, emulated: a log-match alert on security-relevant changes in the audit logs.

Security Command Center cannot be declared by a project-level program: it is activated in the console
(Standard tier at no charge, project- or organisation-level; Premium and Enterprise need an
organisation), and pulumi-gcp has no resource that activates it. Until it is (docs/gcp.md, Security
operations), the project's Admin Activity audit logs, which are always on, carry what a detector
looks for first: IAM policy changes, service-account keys, custom roles, firewall rules, log sinks and
audit configuration. One alert policy matches them and notifies the monitoring channels, the same
e-mails as the alarms, at most once per `RATE_LIMIT`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.context import StackContext

SENSITIVE_METHODS = (
    "SetIamPolicy",
    "CreateServiceAccountKey",
    "CreateRole",
    "UpdateRole",
    "compute.firewalls.insert",
    "compute.firewalls.patch",
    "compute.firewalls.delete",
    "google.logging.v2.ConfigServiceV2.DeleteSink",
    "google.logging.v2.ConfigServiceV2.UpdateSink",
)
SECURITY_CHANGES = (
    'logName:"cloudaudit.googleapis.com%2Factivity" AND ('
    + " OR ".join(f'protoPayload.methodName:"{m}"' for m in SENSITIVE_METHODS)
    + ")"
)
RATE_LIMIT = "300s"
AUTO_CLOSE = "1800s"


@dataclass(frozen=True)
class GcpThreatDetectionArgs:
    project: str
    notification_channels: Sequence[pulumi.Input[str]]


class GcpThreatDetection(pulumi.ComponentResource):
    alert: gcp.monitoring.AlertPolicy

    def __init__(
        self, name: str, args: GcpThreatDetectionArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:ThreatDetection", name, None, opts)
        self.alert = gcp.monitoring.AlertPolicy(
            f"{name}-security-changes",
            project=args.project,
            display_name=f"{ctx.prefix} security-relevant changes",
            combiner="OR",
            severity="CRITICAL",
            conditions=[
                gcp.monitoring.AlertPolicyConditionArgs(
                    display_name="IAM, keys, roles, firewall, sinks or audit configuration changed",
                    condition_matched_log=gcp.monitoring.AlertPolicyConditionConditionMatchedLogArgs(
                        filter=SECURITY_CHANGES
                    ),
                )
            ],
            alert_strategy=gcp.monitoring.AlertPolicyAlertStrategyArgs(
                notification_rate_limit=gcp.monitoring.AlertPolicyAlertStrategyNotificationRateLimitArgs(
                    period=RATE_LIMIT
                ),
                auto_close=AUTO_CLOSE,
            ),
            notification_channels=list(args.notification_channels),
            user_labels=ctx.tags,
            opts=ctx.child(self),
        )
        self.register_outputs({"alert": self.alert.name})
