"""Cloudflare monitoring: a notification policy on the health of the load balancer's pools.

The load balancer's monitors probe every cloud's origin (its health object) every minute; this
policy e-mails the stack's alert addresses when a pool or one of its origins turns unhealthy (and
healthy again): the edge's view of each cloud's origin health, and where failover begins.
Notifications are included in every Cloudflare plan; account members' addresses need no
confirmation, other addresses may be asked to confirm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_cloudflare as cloudflare

from components.context import StackContext

POOL_HEALTH_ALERT = "load_balancing_health_alert"
HEALTH_CHANGES = ["Unhealthy", "Healthy"]
EVENT_SOURCES = ["pool", "origin"]


@dataclass(frozen=True)
class CloudflareMonitoringArgs:
    account_id: str
    pool_ids: Mapping[str, pulumi.Input[str]]
    """The load balancer's pools (cloud -> pool id) whose health changes are notified."""


class CloudflareMonitoring(pulumi.ComponentResource):
    alarms: list[cloudflare.NotificationPolicy]

    def __init__(
        self, name: str, args: CloudflareMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:cloudflare:Monitoring", name, None, opts)
        self.alarms = []
        if args.pool_ids:
            self.alarms.append(
                cloudflare.NotificationPolicy(
                    f"{name}-pool-health",
                    account_id=args.account_id,
                    name=f"{ctx.prefix}: load balancer pool health",
                    description=f"qmoi {ctx.stack_names.stack}: a cloud's origin pool changed health",
                    alert_type=POOL_HEALTH_ALERT,
                    enabled=True,
                    filters=cloudflare.NotificationPolicyFiltersArgs(
                        pool_ids=list(args.pool_ids.values()),
                        new_healths=HEALTH_CHANGES,
                        event_sources=EVENT_SOURCES,
                    ),
                    mechanisms=cloudflare.NotificationPolicyMechanismsArgs(
                        emails=[cloudflare.NotificationPolicyMechanismsEmailArgs(id=e) for e in ctx.alert_emails]
                    ),
                    opts=ctx.child(self),
                )
            )
        self.register_outputs({"policies": [p.id for p in self.alarms]})
