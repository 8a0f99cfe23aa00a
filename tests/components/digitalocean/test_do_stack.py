"""The shipped stacks with DigitalOcean enabled (session-scoped plans shared with the whole suite)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

EXPECTED = {
    "spacesBucket:SpacesBucket": 4,
    "cdn:Cdn": 1,
    "vpc:Vpc": 2,
    "firewall:Firewall": 1,
    "dropletAutoscale:DropletAutoscale": 3,
    "app:App": 1,
    "monitorAlert:MonitorAlert": 6,
}


def digitalocean(plan):
    return [r for r in plan.resources if r.type.startswith("digitalocean:")]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stack_declares_spaces_cdn_vpc_firewall_pools_app_and_alerts(stack_plan, stack):
    counts = Counter(r.type.split("/", 1)[1] for r in digitalocean(stack_plan(stack)))
    assert {k: counts[k] for k in EXPECTED} == EXPECTED


def test_prod_protects_exactly_the_stateful_spaces_buckets(stack_plan):
    protected = {r.name for r in digitalocean(stack_plan("prod")) if r.protect and r.retain_on_delete}
    stateful = ("artifacts", "backups", "media")  # media is user content (components/specs.py)
    assert protected == {f"qmoi-digitalocean-storage-{c}" for c in stateful}


def test_the_digitalocean_origin_is_exported_for_the_edge(stack_plan):
    outputs = stack_plan("dev").outputs["digitalocean"]
    assert outputs["origin"] == "qmoi-cloud-storage-dev-media.nyc3.cdn.digitaloceanspaces.com"
    assert "token" not in json.dumps(outputs)
