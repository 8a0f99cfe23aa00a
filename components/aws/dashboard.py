"""AWS dashboard: one CloudWatch dashboard per stack, generated from the neutral panels.

Each role of `components/dashboards.PANELS` maps to a CloudWatch metric (or to None where AWS
publishes none: GPU utilisation needs an agent on the instances). One widget per panel, one
series per tier or function, so the dashboard covers every tier and function of the stack.

What the metrics need:
- tier capacity reads the groups' `GroupInServiceInstances`, published only because the groups
  enable group metrics (components/aws/compute.py);
- CloudFront and billing metrics exist only in us-east-1: those widgets name that region (a
  dashboard may mix regions); the cache hit rate is an additional CloudFront metric, drawn only
  when the distribution's monitoring subscription is on (`cloudfront.additional_metrics`);
- the spend panel is the account's `EstimatedCharges` (all stacks of the account: AWS publishes
  no per-tag spend metric), which needs "Receive Billing Alerts" turned on in the billing
  preferences (docs/deploying.md).
A dashboard costs $3 a month beyond the account's three free ones (infra/catalog).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from components.context import StackContext
from components.dashboards import DashboardArgs, Role, Tile, handles, tiles_for

GLOBAL_REGION = "us-east-1"


@dataclass(frozen=True)
class AwsMetric:
    """A CloudWatch metric; `dimension` is the subject's dimension (group, function, distribution)."""

    namespace: str
    name: str
    stat: str
    dimension: str | None = None
    fixed: tuple[tuple[str, str], ...] = ()
    region: str | None = None  # None: the stack's region
    period: int = 300


_CDN = (("Region", "Global"),)
METRICS: dict[Role, AwsMetric | None] = {
    Role.tier_capacity: AwsMetric("AWS/AutoScaling", "GroupInServiceInstances", "Average", "AutoScalingGroupName"),
    Role.tier_cpu: AwsMetric("AWS/EC2", "CPUUtilization", "Average", "AutoScalingGroupName"),
    Role.tier_gpu: None,
    Role.function_invocations: AwsMetric("AWS/Lambda", "Invocations", "Sum", "FunctionName"),
    Role.function_errors: AwsMetric("AWS/Lambda", "Errors", "Sum", "FunctionName"),
    Role.function_duration: AwsMetric("AWS/Lambda", "Duration", "p95", "FunctionName"),
    Role.function_throttles: AwsMetric("AWS/Lambda", "Throttles", "Sum", "FunctionName"),
    Role.cdn_requests: AwsMetric("AWS/CloudFront", "Requests", "Sum", "DistributionId", _CDN, GLOBAL_REGION),
    Role.cdn_cache_hit_ratio: AwsMetric(
        "AWS/CloudFront", "CacheHitRate", "Average", "DistributionId", _CDN, GLOBAL_REGION
    ),
    Role.cdn_4xx_rate: AwsMetric("AWS/CloudFront", "4xxErrorRate", "Average", "DistributionId", _CDN, GLOBAL_REGION),
    Role.cdn_5xx_rate: AwsMetric("AWS/CloudFront", "5xxErrorRate", "Average", "DistributionId", _CDN, GLOBAL_REGION),
    Role.budget_burn: AwsMetric(
        "AWS/Billing", "EstimatedCharges", "Maximum", None, (("Currency", "USD"),), GLOBAL_REGION, 21600
    ),
}
# Metrics CloudFront publishes only with a monitoring subscription on the distribution.
ADDITIONAL_CDN_METRICS = frozenset({Role.cdn_cache_hit_ratio})


@dataclass(frozen=True)
class AwsDashboardArgs(DashboardArgs):
    region: str = GLOBAL_REGION
    """The stack's region (widgets without a region of their own)."""


def widget(tile: Tile, metric: AwsMetric, found: dict[str, Any], region: str) -> dict[str, Any]:
    """A CloudWatch metric widget: one series per subject of the tile."""
    series = []
    for subject in tile.subjects:
        key = "cdn" if subject == "cdn" else f"{tile.panel.role.subject.value}:{subject}"
        dims: list[Any] = []
        if metric.dimension is not None:
            dims += [metric.dimension, found[key]]
        for name, value in metric.fixed:
            dims += [name, value]
        series.append([metric.namespace, metric.name, *dims, {"label": subject, "stat": metric.stat}])
    return {
        "type": "metric",
        "x": tile.x,
        "y": tile.y,
        "width": tile.width,
        "height": tile.height,
        "properties": {
            "title": tile.panel.title,
            "view": "timeSeries",
            "region": metric.region or region,
            "period": metric.period,
            "stat": metric.stat,
            "metrics": series,
        },
    }


def body(tiles: list[Tile], found: dict[str, Any], region: str) -> str:
    widgets = [widget(t, m, found, region) for t in tiles if (m := METRICS[t.panel.role]) is not None]
    return json.dumps({"widgets": widgets}, sort_keys=True)


class AwsDashboard(pulumi.ComponentResource):
    dashboard: aws.cloudwatch.Dashboard
    tiles: list[Tile]

    def __init__(
        self, name: str, args: AwsDashboardArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:aws:Dashboard", name, None, opts)
        self.tiles = tiles_for(METRICS, args)
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-operations",
            dashboard_name=f"{ctx.prefix}-operations",
            dashboard_body=handles(args).apply(lambda found: body(self.tiles, found, args.region)),
            opts=ctx.child(self),
        )
        self.register_outputs({"dashboard": self.dashboard.dashboard_name})
