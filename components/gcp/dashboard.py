"""GCP dashboard: one Cloud Monitoring dashboard per stack, generated from the neutral panels.

Each role of `components/dashboards.PANELS` maps to a Cloud Monitoring time-series filter (or to
None where Google Cloud publishes nothing: GPU utilisation needs the Ops Agent on the instances,
and Cloud Monitoring has no spend metric: spend is in the budget and the billing export). One
tile per panel, one series per tier or function. Rates are ratio charts (a numerator filter over
the same filter without it): the CDN's cache hit ratio and its 4xx/5xx rates from the load
balancer's request count and its `cache_result` and `response_code_class` labels.

The dashboard JSON is generated deterministically: the provider suppresses remove-only diffs of
`dashboard_json`, so a panel taken out shows up in a plan only through the other changes it makes.
Dashboards and Google Cloud's own metrics have no charge.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.context import STACK_TAG, StackContext
from components.dashboards import DashboardArgs, Role, Tile, handles, tiles_for

SCALE = 2  # the neutral grid (24 columns) on Cloud Monitoring's 48-column mosaic
ALIGNMENT = "60s"
_RUN = (
    'metric.type="run.googleapis.com/{metric}" resource.type="cloud_run_revision" '
    'resource.label.service_name="{handle}"'
)
_LB = (
    'metric.type="loadbalancing.googleapis.com/https/request_count" resource.type="https_lb_rule" '
    'resource.label.url_map_name="{handle}"'
)


@dataclass(frozen=True)
class GcpMetric:
    """A filter (with `{handle}`, `{subject}`, `{stack}` placeholders) and its aggregation;
    with `numerator`, a ratio chart of the filter plus `numerator` over the filter."""

    filter: str
    aligner: str = "ALIGN_DELTA"
    reducer: str = "REDUCE_SUM"
    numerator: str | None = None


METRICS: dict[Role, GcpMetric | None] = {
    Role.tier_capacity: GcpMetric(
        'metric.type="compute.googleapis.com/instance_group/size" resource.type="instance_group" '
        'resource.label.instance_group_name="{handle}"',
        "ALIGN_MEAN",
    ),
    Role.tier_cpu: GcpMetric(
        'metric.type="compute.googleapis.com/instance/cpu/utilization" resource.type="gce_instance" '
        # The stack label, not the environment: stacks side by side share an environment and a project.
        f'metadata.user_labels."tier"="{{subject}}" metadata.user_labels."{STACK_TAG}"="{{stack}}"',
        "ALIGN_MEAN",
        "REDUCE_MEAN",
    ),
    Role.tier_gpu: None,
    Role.function_invocations: GcpMetric(_RUN.replace("{metric}", "request_count")),
    Role.function_errors: GcpMetric(
        _RUN.replace("{metric}", "request_count") + ' metric.label.response_code_class="5xx"'
    ),
    Role.function_duration: GcpMetric(
        _RUN.replace("{metric}", "request_latencies"), "ALIGN_DELTA", "REDUCE_PERCENTILE_95"
    ),
    Role.function_throttles: GcpMetric(_RUN.replace("{metric}", "request_count") + ' metric.label.response_code="429"'),
    Role.cdn_requests: GcpMetric(_LB),
    Role.cdn_cache_hit_ratio: GcpMetric(_LB, numerator=' metric.label.cache_result="HIT"'),
    Role.cdn_4xx_rate: GcpMetric(_LB, numerator=" metric.label.response_code_class=400"),
    Role.cdn_5xx_rate: GcpMetric(_LB, numerator=" metric.label.response_code_class=500"),
    Role.budget_burn: None,
}


@dataclass(frozen=True)
class GcpDashboardArgs(DashboardArgs):
    project: str = ""


def _query(metric_filter: str, metric: GcpMetric) -> dict[str, Any]:
    return {
        "filter": metric_filter,
        "aggregation": {
            "alignmentPeriod": ALIGNMENT,
            "perSeriesAligner": metric.aligner,
            "crossSeriesReducer": metric.reducer,
        },
    }


def tile(item: Tile, metric: GcpMetric, found: dict[str, Any], stack: str) -> dict[str, Any]:
    data_sets = []
    for subject in item.subjects:
        key = "cdn" if subject == "cdn" else f"{item.panel.role.subject.value}:{subject}"
        base = metric.filter.format(handle=found[key], subject=subject, stack=stack)
        if metric.numerator is None:
            query: dict[str, Any] = {"timeSeriesFilter": _query(base, metric)}
        else:
            query = {
                "timeSeriesFilterRatio": {
                    "numerator": _query(base + metric.numerator, metric),
                    "denominator": _query(base, metric),
                }
            }
        data_sets.append({"timeSeriesQuery": query, "plotType": "LINE", "legendTemplate": subject})
    return {
        "xPos": item.x * SCALE,
        "yPos": item.y * SCALE,
        "width": item.width * SCALE,
        "height": item.height * SCALE,
        "widget": {"title": item.panel.title, "xyChart": {"dataSets": data_sets}},
    }


def dashboard_json(tiles: list[Tile], found: dict[str, Any], title: str, stack: str) -> str:
    rendered = [tile(t, m, found, stack) for t in tiles if (m := METRICS[t.panel.role]) is not None]
    document = {"displayName": title, "mosaicLayout": {"columns": 24 * SCALE, "tiles": rendered}}
    return json.dumps(document, sort_keys=True)


class GcpDashboard(pulumi.ComponentResource):
    dashboard: gcp.monitoring.Dashboard
    tiles: list[Tile]

    def __init__(
        self, name: str, args: GcpDashboardArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:gcp:Dashboard", name, None, opts)
        self.tiles = tiles_for(METRICS, args)
        title = f"{ctx.prefix} operations"
        self.dashboard = gcp.monitoring.Dashboard(
            f"{name}-operations",
            dashboard_json=handles(args).apply(lambda found: dashboard_json(self.tiles, found, title, ctx.stack_tag)),
            project=args.project or None,
            opts=ctx.child(self),
        )
        self.register_outputs({"dashboard": self.dashboard.id})
