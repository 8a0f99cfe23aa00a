"""The shipped stacks with DigitalOcean enabled (session-scoped plans shared with the whole suite)."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import yaml

from tests.conftest import ROOT

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
    stateful = ("artifacts", "backups", "media")  # media is user content (components/specs.py)
    assert protected == {f"qmoi-digitalocean-storage-{c}" for c in stateful}


def test_the_digitalocean_origin_is_exported_for_the_edge(stack_plan):
    outputs = stack_plan("dev").outputs["digitalocean"]
    assert outputs["origin"] == "qmoi-cloud-storage-dev-media.nyc3.cdn.digitaloceanspaces.com"
    assert "token" not in json.dumps(outputs)


def test_the_shipped_stacks_carry_no_function_secret_and_the_offline_plan_says_it_is_not_set(dev_plan):
    for stack in ("dev", "staging", "prod"):
        assert (
            "qmoi-cloud:function_secrets" not in yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
        )
    (warning,) = [w for w in dev_plan.warnings if "function_secrets" in w]
    assert "webhook_ingest.WEBHOOK_SECRET" in warning and "pulumi config set --secret --path" in warning
    assert dev_plan.to_json()["warnings"] == dev_plan.warnings
