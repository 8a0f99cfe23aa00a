"""DigitalOcean monitoring: monitor alerts on droplet CPU and memory for each tier tag.

Alerts select droplets by the tier tag, so droplets an autoscale pool adds later are watched
too. Thresholds sit above the pools' scaling targets: an alert means the pool is at its
maximum or not keeping up. Notifications go to the stack's alert e-mails (DigitalOcean only
delivers to addresses verified on the team).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_digitalocean as digitalocean

from components.context import StackContext
from components.specs import CPU_ALERT_PERCENT
from infra.config import Tier

MEMORY_ALERT_PERCENT = 90
WINDOW = "5m"
METRICS = {
    "cpu": ("v1/insights/droplet/cpu", CPU_ALERT_PERCENT),
    "memory": ("v1/insights/droplet/memory_utilization_percent", MEMORY_ALERT_PERCENT),
}


@dataclass(frozen=True)
class DigitalOceanMonitoringArgs:
    tier_tags: dict[Tier, pulumi.Input[str]]


class DigitalOceanMonitoring(pulumi.ComponentResource):
    alarms: list[digitalocean.MonitorAlert]

    def __init__(
        self, name: str, args: DigitalOceanMonitoringArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:digitalocean:Monitoring", name, None, opts)
        self.alarms = [
            digitalocean.MonitorAlert(
                f"{name}-{tier.value}-{metric}",
                type=alert_type,
                compare="GreaterThan",
                value=threshold,
                window=WINDOW,
                tags=[tag],
                enabled=True,
                description=f"qmoi {ctx.stack_names.stack} {tier.value} tier {metric} above {threshold}%",
                alerts=digitalocean.MonitorAlertAlertsArgs(emails=list(ctx.alert_emails)),
                opts=ctx.child(self),
            )
            for tier, tag in args.tier_tags.items()
            for metric, (alert_type, threshold) in METRICS.items()
        ]
        self.register_outputs({"alert_ids": [a.id for a in self.alarms]})
