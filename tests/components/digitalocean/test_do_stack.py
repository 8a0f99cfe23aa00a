"""The shipped stacks with DigitalOcean enabled (session-scoped plans shared with the whole suite)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

EXPECTED = {
    "spacesBucket:SpacesBucket": 4,
    "spacesBucketObject:SpacesBucketObject": 1,  # the CDN's health object
    "cdn:Cdn": 1,
    "certificate:Certificate": 0,  # qmoi.ai's DNS is at Cloudflare: no Let's Encrypt certificate here
    "vpc:Vpc": 2,
    "firewall:Firewall": 1,
    "app:App": 1,
    "monitorAlert:MonitorAlert": 6,
}
POOLS = {"dev": 1, "prod": 3}  # dev's gpu and memory tiers have minimum 0: parked, no pool


def digitalocean(plan):
    return [r for r in plan.resources if r.type.startswith("digitalocean:")]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stack_declares_spaces_cdn_vpc_firewall_pools_app_and_alerts(stack_plan, stack):
    counts = Counter(r.type.split("/", 1)[1] for r in digitalocean(stack_plan(stack)))
    assert {k: counts[k] for k in EXPECTED} == EXPECTED
    assert counts["dropletAutoscale:DropletAutoscale"] == POOLS[stack]


def test_prod_protects_exactly_the_stateful_spaces_buckets(stack_plan):
    protected = {r.name for r in digitalocean(stack_plan("prod")) if r.protect and r.retain_on_delete}
    assert protected == {"qmoi-digitalocean-storage-artifacts", "qmoi-digitalocean-storage-backups"}


def test_the_digitalocean_origin_is_exported_for_the_edge(stack_plan):
    outputs = stack_plan("dev").outputs["digitalocean"]
    assert outputs["origin"] == "qmoi-cloud-storage-dev-media.nyc3.cdn.digitaloceanspaces.com"
    assert "token" not in json.dumps(outputs)
