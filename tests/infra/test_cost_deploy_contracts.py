"""What the deploy-contract fixes cost, priced on the shipped stacks: NAT per zone, customer keys,
flow logs (priced where a sourced price exists, an explicit "not priced" line where not)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from infra import cost
from infra.catalog import load_catalog
from infra.plan import Plan


@pytest.fixture(scope="module")
def estimates(stack_plan: Callable[[str], Plan]) -> dict[str, cost.Estimate]:
    return {stack: cost.estimate(stack_plan(stack)) for stack in ("dev", "prod")}


def by_type(estimate: cost.Estimate, type_token: str) -> list[cost.ResourceCost]:
    return [r for r in estimate.resources if r.type == type_token]


def test_prod_pays_a_nat_gateway_and_a_public_address_per_zone(estimates):
    catalog = load_catalog()
    hours = 730
    gateway = catalog.price("aws", "nat", "gateway-hour", "us-east-1")
    address = catalog.price("aws", "network", "public-ipv4-hour", "us-east-1")
    assert gateway is not None and address is not None and gateway.usd and address.usd
    nats = by_type(estimates["prod"], "aws:ec2/natGateway:NatGateway")
    eips = by_type(estimates["prod"], "aws:ec2/eip:Eip")
    assert len(nats) == len(eips) == 3
    assert sum(e.monthly_usd for e in eips) == pytest.approx(3 * address.usd * hours)
    assert all(n.monthly_usd >= gateway.usd * hours for n in nats)


def test_every_customer_key_costs_a_key_month(estimates):
    keys = by_type(estimates["dev"], "aws:kms/key:Key")
    assert len(keys) == 5  # storage, media, alerts, function logs, backup vault
    assert [k.monthly_usd for k in keys] == [1.0] * 5


def test_vpc_flow_logs_are_priced_per_gigabyte_delivered_to_s3(estimates):
    (flow,) = by_type(estimates["dev"], "aws:ec2/flowLog:FlowLog")
    row = load_catalog().price("aws", "network", "flow-log-s3-gb", "us-east-1")
    assert row is not None and row.usd
    assert flow.monthly_usd == pytest.approx(5 * row.usd)  # usage.flow_log_gb default: 5 GB a month


def test_gcp_flow_logs_price_their_log_storage_and_list_the_telemetry_charge_never_a_silent_zero(estimates):
    (subnet,) = by_type(estimates["dev"], "gcp:compute/subnetwork:Subnetwork")
    generated, stored = subnet.items
    assert generated.unpriced and "NOT PRICED" in generated.unpriced
    row = load_catalog().price("gcp", "network", "flow-log-storage-gb", "us-central1")
    assert row is not None and row.usd
    assert not stored.unpriced and stored.monthly_usd == pytest.approx(5 * row.usd)


@pytest.mark.parametrize(
    "type_token",
    [
        "aws:kms/keyPolicy:KeyPolicy",
        "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
        "aws:autoscaling/schedule:Schedule",
        "aws:s3/bucketObjectv2:BucketObjectv2",
    ],
)
def test_the_free_parts_say_why(estimates, type_token):
    (first, *_) = by_type(estimates["dev"], type_token)
    assert first.free_reason
