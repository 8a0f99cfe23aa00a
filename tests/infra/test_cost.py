"""The cost model: hand-computed plans, missing prices, levers, and the shipped stacks' totals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from infra import cost
from infra.catalog import Catalog, PriceRow
from infra.config import PlatformConfig
from infra.cost.pricing import CostError, Lever, tier_shares
from infra.plan import Plan
from infra.plan.records import ResourceRecord
from infra.report.cost import render_text, stacks_table
from tests.conftest import make_config

HOURS = 730


def row(service: str, sku: str, unit: str, usd: float | None, spot: float | None = None) -> PriceRow:
    vcpu, memory_gib = (2.0, 8.0) if service == "instance" else (None, None)
    source = "test" if usd is not None or spot is not None else "NOT PRICED: test gap"
    return PriceRow("aws", service, sku, "us-east-1", unit, usd, spot, vcpu, memory_gib, None, source, "2026-01-01")


# Round prices, so the expected numbers below can be worked out by hand.
CATALOG = Catalog(
    [
        row("instance", "t3.large", "hour", 0.10, 0.04),
        row("instance", "t3.xlarge", "hour", 0.20, 0.08),
        row("instance", "g4dn.xlarge", "hour", 0.50, 0.20),
        row("disk", "gp3", "gb-month", 0.10),
        row("storage", "STANDARD", "gb-month", 0.02),
        row("storage", "STANDARD_IA", "gb-month", 0.01),
        row("storage", "GLACIER", "gb-month", 0.004),
        row("kms", "key-month", "month", 1.0),
        row("nat", "gateway-hour", "hour", 0.05),
        row("nat", "data-processed", "gb", 0.05),
        row("monitoring", "standard-alarm", "month", None),
    ]
)


@pytest.fixture(scope="module")
def config() -> PlatformConfig:
    """dev: compute tier spot with min 1; gpu tier spot, scale to zero with 40 busy hours."""
    return make_config("dev", aws={"enabled": True})


def record(name: str, type_token: str, inputs: dict[str, Any], id_: str | None = None) -> ResourceRecord:
    urn = f"urn:pulumi:test::qmoi-cloud::{type_token}::{name}"
    return ResourceRecord(urn, type_token, name, None, True, False, False, None, [], {}, inputs, id=id_)


def template(name: str, tier: str, volume_gb: int | None = 30) -> ResourceRecord:
    inputs: dict[str, Any] = {"instanceType": "t3.large", "tags": {"tier": tier}}
    if volume_gb:
        inputs["blockDeviceMappings"] = [{"ebs": {"volumeSize": volume_gb, "volumeType": "gp3"}}]
    return record(name, "aws:ec2/launchTemplate:LaunchTemplate", inputs, id_=f"lt-{name}")


def group(name: str, tier: str, size: str, *, minimum: int, desired: int, spot: bool) -> ResourceRecord:
    inputs: dict[str, Any] = {
        "minSize": minimum,
        "desiredCapacity": desired,
        "maxSize": max(desired, 1) + 1,
        "tags": [{"key": "tier", "value": tier, "propagateAtLaunch": True}],
    }
    if spot:
        inputs["mixedInstancesPolicy"] = {
            "instancesDistribution": {"onDemandBaseCapacity": 0, "onDemandPercentageAboveBaseCapacity": 0},
            "launchTemplate": {
                "launchTemplateSpecification": {"launchTemplateId": f"lt-{tier}-lt"},
                "overrides": [{"instanceType": size}],
            },
        }
    else:
        inputs["launchTemplate"] = {"id": f"lt-{tier}-lt", "version": "$Latest"}
    return record(name, "aws:autoscaling/group:Group", inputs)


def small_plan(config: PlatformConfig) -> Plan:
    records = [
        template("compute-lt", "compute"),
        group("compute-asg", "compute", "t3.large", minimum=1, desired=1, spot=True),
        template("gpu-lt", "gpu", volume_gb=None),
        group("gpu-asg", "gpu", "g4dn.xlarge", minimum=0, desired=0, spot=True),
        record("backups", "aws:s3/bucket:Bucket", {"bucket": "b-dev-backups", "tags": {"bucket-class": "backups"}}),
        record(
            "backups-lifecycle",
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            {
                "bucket": "b-dev-backups",
                "rules": [
                    {
                        "status": "Enabled",
                        "transitions": [
                            {"days": 30, "storageClass": "STANDARD_IA"},
                            {"days": 90, "storageClass": "GLACIER"},
                        ],
                    }
                ],
            },
        ),
        record("key", "aws:kms/key:Key", {"enableKeyRotation": True}),
        record("nat", "aws:ec2/natGateway:NatGateway", {}),
        record("role", "aws:iam/role:Role", {}),
    ]
    return Plan(stack="dev", resources=records, config=config)


def priced(plan: Plan, **kwargs: Any) -> cost.Estimate:
    return cost.estimate(plan, catalog=CATALOG, use_reference=False, **kwargs)


def test_the_estimate_of_a_small_plan_equals_the_hand_computation(config: PlatformConfig) -> None:
    est = priced(small_plan(config))
    by_name = {r.name: r.monthly_usd for r in est.resources}
    compute = 0.04 * HOURS + 30 * 0.10  # one spot t3.large all month, plus its 30 GB gp3 root volume
    gpu = 0.20 * 5 * 2 * 52 / 12  # scale-to-zero: one spot g4dn.xlarge for the dev schedule (weekdays, 2 h)
    backups = 200 * (30 / 365 * 0.02 + 60 / 365 * 0.01 + 275 / 365 * 0.004)  # STANDARD, IA from day 30, GLACIER from 90
    nat = 0.05 * HOURS + 0.05 * 50
    assert by_name["compute-asg"] == pytest.approx(compute)
    assert by_name["gpu-asg"] == pytest.approx(gpu)
    assert by_name["backups"] == pytest.approx(backups)
    assert by_name["key"] == pytest.approx(1.0)
    assert by_name["nat"] == pytest.approx(nat)
    assert by_name["role"] == 0
    assert est.total_usd == pytest.approx(compute + gpu + backups + 1.0 + nat)
    assert est.by_provider == pytest.approx({"aws": est.total_usd})


def test_each_lever_saves_against_an_on_demand_always_on_untiered_baseline(config: PlatformConfig) -> None:
    est = priced(small_plan(config))
    levers = est.by_lever()
    busy = 5 * 2 * 52 / 12  # the dev gpu schedule: weekdays, 2 hours
    assert levers[Lever.spot] == pytest.approx((0.10 - 0.04) * HOURS + (0.50 - 0.20) * busy)
    assert levers[Lever.scale_to_zero] == pytest.approx(0.50 * (HOURS - busy))
    assert levers[Lever.storage_tiering] == pytest.approx(200 * 0.02 - est.resources[4].monthly_usd)
    assert levers[Lever.right_size] == 0
    assert est.baseline_usd == pytest.approx(est.total_usd + sum(levers.values()))
    assert 0 < est.savings_percent < 100


def test_right_sizing_is_measured_against_the_reference_environments_sizes(config: PlatformConfig) -> None:
    prod_sizes = make_config(
        "prod",
        aws={"enabled": True, "ec2_instances": {"compute": "t3.xlarge", "gpu": "g4dn.xlarge", "memory": "t3.large"}},
    )
    est = priced(small_plan(config), reference=prod_sizes)
    assert est.by_lever()[Lever.right_size] == pytest.approx((0.20 - 0.10) * HOURS)


def test_adding_a_tier_instance_raises_the_cost_by_exactly_its_price_times_hours(config: PlatformConfig) -> None:
    def on_demand(desired: int) -> Plan:
        records = [template("compute-lt", "compute", volume_gb=None)]
        records.append(group("compute-asg", "compute", "t3.large", minimum=1, desired=desired, spot=False))
        return Plan(stack="dev", resources=records, config=config)

    assert priced(on_demand(2)).total_usd - priced(on_demand(1)).total_usd == pytest.approx(0.10 * HOURS)


def test_a_size_without_a_price_is_listed_as_not_priced_naming_the_sku_not_counted_as_zero(
    config: PlatformConfig,
) -> None:
    plan = small_plan(config)
    plan.resources.append(group("memory-asg", "memory", "r5.large", minimum=1, desired=1, spot=True))
    est = priced(plan)
    ((_, label, why),) = [u for u in est.unpriced() if u[0] == "memory-asg"]
    assert label.startswith("r5.large spot") and "no price for aws instance 'r5.large' in us-east-1" in why
    assert est.to_json()["resources"][plan.resources[-1].urn]["items"][0]["monthly"] is None
    assert "NOT PRICED" in render_text(est)


def test_a_spot_tier_without_a_spot_price_is_priced_on_demand_and_says_so(config: PlatformConfig) -> None:
    catalog = Catalog([*CATALOG.rows, row("instance", "r5.large", "hour", 0.25)])
    plan = small_plan(config)
    plan.resources.append(group("memory-asg", "memory", "r5.large", minimum=1, desired=1, spot=True))
    (memory,) = [
        r for r in cost.estimate(plan, catalog=catalog, use_reference=False).resources if r.name == "memory-asg"
    ]
    assert memory.items[0].monthly_usd == pytest.approx(0.25 * HOURS)
    assert memory.items[0].notes[0].startswith("no spot price for r5.large in us-east-1: priced at the on-demand rate")


def test_a_sku_no_catalog_row_names_is_still_an_error(config: PlatformConfig) -> None:
    catalog = Catalog([r for r in CATALOG.rows if r.sku != "key-month"])
    plan = small_plan(config)
    with pytest.raises(CostError, match=r"no catalog row names aws kms 'key-month' in any region"):
        cost.estimate(plan, catalog=catalog, use_reference=False)


def test_a_resource_type_neither_priced_nor_listed_as_free_is_an_error(config: PlatformConfig) -> None:
    plan = small_plan(config)
    plan.resources.append(record("db", "aws:rds/instance:Instance", {}))
    with pytest.raises(CostError, match=r"aws:rds/instance:Instance \(db\): no pricing rule and not listed as free"):
        priced(plan)


def test_a_charge_the_catalog_knowingly_leaves_unpriced_is_listed_not_hidden(config: PlatformConfig) -> None:
    plan = small_plan(config)
    plan.resources.append(record("alarm", "aws:cloudwatch/metricAlarm:MetricAlarm", {}))
    est = priced(plan)
    assert est.unpriced() == [
        ("alarm", "standard-resolution alarm", "aws monitoring standard-alarm: NOT PRICED: test gap")
    ]
    assert "NOT PRICED" in render_text(est)
    assert est.to_json()["notPriced"][0]["resource"] == "alarm"


def test_tier_shares_follow_a_steady_write_rate() -> None:
    assert tier_shares([], None, 365) == {"": 1.0}
    assert tier_shares([(60, "IA")], None, 360) == pytest.approx({"": 60 / 360, "IA": 300 / 360})
    assert tier_shares([(30, "IA")], 14, 365) == {"": 1.0}  # objects expire before they would move


def test_the_plan_json_cost_block_carries_every_resource_and_the_budget(config: PlatformConfig) -> None:
    block = priced(small_plan(config)).to_json()
    assert block["monthlyTotal"] > 0 and block["budget"]["monthlyUsd"] == 1000
    assert block["budget"]["headroomUsd"] == pytest.approx(1000 - block["monthlyTotal"], abs=0.01)
    assert len(block["resources"]) == 9
    assert block["levers"]["spot"] > 0


@pytest.fixture(scope="module")
def shipped(stack_plan: Callable[[str], Plan]) -> dict[str, cost.Estimate]:
    return {stack: cost.estimate(stack_plan(stack)) for stack in ("dev", "staging", "prod")}


def test_the_shipped_stacks_cost_more_from_dev_to_staging_to_prod(shipped: dict[str, cost.Estimate]) -> None:
    totals = [shipped[s].total_usd for s in ("dev", "staging", "prod")]
    assert 0 < totals[0] < totals[1] < totals[2]
    for est in shipped.values():
        assert est.headroom_usd > 0, est.stack
        assert all(r.free_reason or r.items for r in est.resources)


def test_dev_saves_through_every_lever_it_uses(shipped: dict[str, cost.Estimate]) -> None:
    levers = shipped["dev"].by_lever()
    assert levers[Lever.spot] > 0 and levers[Lever.scale_to_zero] > 0
    assert levers[Lever.right_size] > 0 and levers[Lever.storage_tiering] > 0
    assert shipped["dev"].savings_percent > shipped["prod"].savings_percent > 0
    assert shipped["prod"].by_lever()[Lever.right_size] == 0  # prod is its own reference


def test_the_table_in_docs_cost_md_is_what_the_cost_command_prints_now(shipped: dict[str, cost.Estimate]) -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "cost.md").read_text(encoding="utf-8")
    table = text.split("<!-- cost-table:start -->\n", 1)[1].split("<!-- cost-table:end -->", 1)[0]
    expected = stacks_table([shipped[s] for s in ("dev", "staging", "prod")])
    assert table == expected, "regenerate: python -m infra cost --all-stacks --format markdown"


def test_in_a_preview_without_ids_a_group_finds_its_launch_template_by_tier(config: PlatformConfig) -> None:
    lt = template("compute-lt", "compute", volume_gb=None)
    lt.id = None  # previews (the policy pack's view) have no ids yet
    asg = group("compute-asg", "compute", "t3.large", minimum=1, desired=1, spot=False)
    est = priced(Plan(stack="dev", resources=[lt, asg], config=config))
    assert est.total_usd == pytest.approx(0.10 * HOURS)


def test_the_aws_config_history_bucket_is_sized_as_audit_logs_not_as_access_logs() -> None:
    from infra.config.base import Usage
    from infra.cost.pricing import bucket_gb

    usage = Usage(audit_log_gb=5, log_storage_gb=10)
    assert bucket_gb(usage, "qmoi-cloud-storage-prod-audit") == 5
    assert bucket_gb(usage, "qmoi-cloud-storage-prod-config") == 5
    assert bucket_gb(usage, "qmoi-cloud-storage-prod-logs") == 10
