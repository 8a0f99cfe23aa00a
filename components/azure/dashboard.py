"""Azure dashboard: one Azure Monitor workbook per stack, generated from the neutral panels.

A workbook rather than a portal dashboard: its JSON (`serializedData`, "Notebook/1.0") charts
platform metrics of many resources per item and is versioned with the stack, where portal
dashboard parts are opaque extension blobs. Each role of `components/dashboards.PANELS` maps to
an Azure Monitor platform metric (or to None: GPU utilisation needs an agent, function apps publish
no throttling metric, and spend is in Cost Management, not a metric). One metrics item per panel,
charting every tier's scale set (capacity: its autoscale setting's `ObservedCapacity`) or every
function app's Application Insights component, so the workbook covers every tier and function of
the stack. The function panels read the component's standard metrics (`requests/count`,
`requests/failed`, `requests/duration`), not the App Service `Requests`/`Http5xx`/
`HttpResponseTime`, which a Flex Consumption app may not publish (components/azure/monitoring.py).

What Azure checks: a workbook's resource name must be a GUID, and its display name unique per
resource group and source. The GUID is derived from the stack and subscription (uuid5), never
random: a new GUID on every run would replace the workbook each `pulumi up`. Workbooks, and the
platform metrics they read, have no charge.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_azure_native.applicationinsights as applicationinsights

from components.context import StackContext
from components.dashboards import DashboardArgs, Role, Tile, handles, tiles_for

NOTEBOOK_VERSION = "Notebook/1.0"
DAY_MS = 86_400_000
# Workbook metric aggregations.
TOTAL, AVERAGE, COUNT = 1, 4, 7
WORKBOOK_NAMESPACE = uuid.UUID("6f0e2a57-3c1b-4f7a-9a62-2f3c9d7b1e10")  # qmoi-cloud workbooks


@dataclass(frozen=True)
class AzureMetric:
    """A platform metric of one resource type; `handles` names whose resource ids it charts."""

    namespace: str
    name: str
    aggregation: int
    handles: str = "subject"  # "subject" (the tier's scale set, the app's Insights, the CDN) or "autoscaler"


_VMSS = "microsoft.compute/virtualmachinescalesets"
_INSIGHTS = "microsoft.insights/components"
_CDN = "microsoft.cdn/profiles"
METRICS: dict[Role, AzureMetric | None] = {
    Role.tier_capacity: AzureMetric("microsoft.insights/autoscalesettings", "ObservedCapacity", AVERAGE, "autoscaler"),
    Role.tier_cpu: AzureMetric(_VMSS, "Percentage CPU", AVERAGE),
    Role.tier_gpu: None,
    Role.function_invocations: AzureMetric(_INSIGHTS, "requests/count", COUNT),
    Role.function_errors: AzureMetric(_INSIGHTS, "requests/failed", COUNT),
    Role.function_duration: AzureMetric(_INSIGHTS, "requests/duration", AVERAGE),
    Role.function_throttles: None,
    Role.cdn_requests: AzureMetric(_CDN, "RequestCount", TOTAL),
    Role.cdn_cache_hit_ratio: AzureMetric(_CDN, "ByteHitRatio", AVERAGE),
    Role.cdn_4xx_rate: AzureMetric(_CDN, "Percentage4XX", AVERAGE),
    Role.cdn_5xx_rate: AzureMetric(_CDN, "Percentage5XX", AVERAGE),
    Role.budget_burn: None,
}


@dataclass(frozen=True)
class AzureDashboardArgs(DashboardArgs):
    resource_group_name: pulumi.Input[str] = ""
    location: str = ""
    subscription_id: str = ""
    autoscalers: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    """Tier -> its autoscale setting's id (the capacity panel's resources)."""


def workbook_name(subscription_id: str, prefix: str) -> str:
    """The workbook's GUID: the same for the same stack in the same subscription, on every run."""
    return str(uuid.uuid5(WORKBOOK_NAMESPACE, f"{subscription_id}/{prefix}/operations"))


def item(tile: Tile, metric: AzureMetric, found: dict[str, Any]) -> dict[str, Any]:
    kind = "autoscaler" if metric.handles == "autoscaler" else tile.panel.role.subject.value
    ids = [found["cdn"] if s == "cdn" else found[f"{kind}:{s}"] for s in tile.subjects]
    return {
        "type": 10,
        "name": tile.panel.role.value,
        "customWidth": "50",
        "content": {
            "chartId": f"workbook-{tile.panel.role.value}",
            "version": "MetricsItem/2.0",
            "size": 0,
            "chartType": 2,
            "resourceType": metric.namespace,
            "metricScope": 0,
            "resourceIds": ids,
            "timeContext": {"durationMs": DAY_MS},
            "metrics": [
                {
                    "namespace": metric.namespace,
                    "metric": f"{metric.namespace}--{metric.name}",
                    "aggregation": metric.aggregation,
                }
            ],
            "title": tile.panel.title,
            "gridSettings": {"rowLimit": 10000},
        },
    }


def serialized(tiles: list[Tile], found: dict[str, Any], title: str) -> str:
    header = {
        "type": 1,
        "name": "title",
        "content": {"json": f"# {title}\n\nTiers, functions and the CDN of the stack."},
    }
    items = [item(t, m, found) for t in tiles if (m := METRICS[t.panel.role]) is not None]
    return json.dumps(
        {"version": NOTEBOOK_VERSION, "items": [header, *items], "isLocked": False, "fallbackResourceIds": []},
        sort_keys=True,
    )


class AzureDashboard(pulumi.ComponentResource):
    dashboard: applicationinsights.Workbook
    workbook_name: str
    tiles: list[Tile]

    def __init__(
        self, name: str, args: AzureDashboardArgs, ctx: StackContext, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("qmoi:azure:Dashboard", name, None, opts)
        self.tiles = tiles_for(METRICS, args)
        title = f"{ctx.prefix} operations"
        found = handles(args, **{f"autoscaler:{t}": i for t, i in args.autoscalers.items()})
        self.workbook_name = workbook_name(args.subscription_id, ctx.prefix)
        self.dashboard = applicationinsights.Workbook(
            f"{name}-operations",
            resource_name_=self.workbook_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            kind="shared",
            category="workbook",
            display_name=title,
            source_id="azure monitor",
            version=NOTEBOOK_VERSION,
            serialized_data=found.apply(lambda f: serialized(self.tiles, f, title)),
            tags=ctx.tags,
            opts=ctx.child(self),
        )
        self.register_outputs({"workbook": self.workbook_name})
