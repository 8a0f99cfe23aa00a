"""Service charges priced per their billing unit: disk size tiers, Cloud Run vCPU-seconds, warm
function instances, metric-alert time series, NAT data, flow-log storage; hand-computed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from infra import cost
from infra.catalog import Catalog, PriceRow, load_catalog
from infra.config import PlatformConfig
from infra.cost.pricing import step_up
from infra.cost.rules.azure import PREMIUM_SSD_TIERS
from infra.cost.rules.gcp import FUNCTION_VCPU
from infra.plan import Plan
from infra.plan.records import ResourceRecord
from tests.conftest import make_config

HOURS = 730


def row(provider: str, service: str, sku: str, region: str, unit: str, usd: float | None) -> PriceRow:
    source = "test" if usd is not None else "NOT PRICED: test gap"
    return PriceRow(provider, service, sku, region, unit, usd, None, None, None, None, source, "2026-01-01")


# Round prices, so the expected numbers below can be worked out by hand.
CATALOG = Catalog(
    [
        row("azure", "instance", "Standard_D2s_v5", "eastus", "hour", 0.10),
        row("azure", "disk", "Premium_LRS-P6", "eastus", "month", 10.0),
        row("azure", "disk", "Premium_LRS-P10", "eastus", "month", 20.0),
        row("azure", "disk", "Premium_LRS-P80", "global", "month", None),
        row("azure", "function", "requests", "eastus", "million-requests", 0.40),
        row("azure", "function", "gb-second", "eastus", "gb-second", 0.00002),
        row("azure", "function", "warm-gb-second", "eastus", "gb-second", 0.000004),
        row("azure", "monitoring", "metric-alert", "global", "month", 0.10),
        row("azure", "nat", "gateway-hour", "global", "hour", 0.05),
        row("azure", "nat", "data-processed", "global", "gb", 0.05),
        row("gcp", "function", "requests", "us-central1", "million-requests", 0.40),
        row("gcp", "function", "gb-second", "us-central1", "gb-second", 0.000002),
        row("gcp", "function", "vcpu-second", "us-central1", "vcpu-second", 0.00002),
        row("gcp", "function", "warm-gb-second", "global", "gb-second", None),
        row("gcp", "network", "flow-log-gb", "global", "gb", None),
        row("gcp", "network", "flow-log-storage-gb", "global", "gb", 0.25),
    ]
)


@pytest.fixture(scope="module")
def config() -> PlatformConfig:
    """Defaults: Azure in eastus, GCP in us-central1, 1 M requests of 200 ms per function, 730 h."""
    return make_config("dev")


def record(name: str, type_token: str, inputs: dict[str, Any]) -> ResourceRecord:
    urn = f"urn:pulumi:test::qmoi-cloud::{type_token}::{name}"
    return ResourceRecord(urn, type_token, name, None, True, False, False, None, [], {}, inputs)


def items(config: PlatformConfig, *records: ResourceRecord) -> dict[str, list[tuple[str, float | None, str | None]]]:
    est = cost.estimate(Plan(stack="dev", resources=list(records), config=config), catalog=CATALOG, use_reference=False)
    return {
        r.name: [(i.label, None if i.unpriced else i.monthly_usd, i.unpriced) for i in r.items] for r in est.resources
    }


def scale_set(name: str, disk_gb: int, capacity: int = 2) -> ResourceRecord:
    return record(
        name,
        "azure-native:compute:VirtualMachineScaleSet",
        {
            "vmScaleSetName": name,
            "sku": {"name": "Standard_D2s_v5", "capacity": capacity},
            "virtualMachineProfile": {
                "storageProfile": {
                    "osDisk": {"diskSizeGB": disk_gb, "managedDisk": {"storageAccountType": "Premium_LRS"}}
                }
            },
        },
    )


def test_a_disk_size_steps_up_to_the_smallest_tier_that_holds_it() -> None:
    assert step_up(64, PREMIUM_SSD_TIERS) == "P6"
    assert step_up(65, PREMIUM_SSD_TIERS) == "P10"
    assert step_up(1, PREMIUM_SSD_TIERS) == "P1"
    assert step_up(32767, PREMIUM_SSD_TIERS) == "P80"
    assert step_up(32768, PREMIUM_SSD_TIERS) is None


def test_a_premium_ssd_os_disk_is_billed_per_disk_at_its_size_tier_not_per_gb(config: PlatformConfig) -> None:
    found = items(config, scale_set("p6", 64), scale_set("p10", 100))
    assert found["p6"][1] == ("64 GB Premium_LRS OS disk per instance, billed as P6", pytest.approx(2 * 10.0), None)
    assert found["p10"][1] == ("100 GB Premium_LRS OS disk per instance, billed as P10", pytest.approx(2 * 20.0), None)
    assert found["p6"][0][1] == pytest.approx(2 * 0.10 * HOURS)  # the instances themselves are unchanged


def test_a_disk_tier_without_a_price_or_beyond_the_largest_tier_is_listed_not_priced(config: PlatformConfig) -> None:
    found = items(config, scale_set("p80", 30000), scale_set("huge", 40000))
    assert found["p80"][1][1] is None and "Premium_LRS-P80: NOT PRICED: test gap" in str(found["p80"][1][2])
    assert found["huge"][1][1] is None and "exceeds the largest tier (32767)" in str(found["huge"][1][2])


def function_app(name: str, memory_mb: int, always_ready: int) -> ResourceRecord:
    scale: dict[str, Any] = {"instanceMemoryMB": memory_mb}
    if always_ready:
        scale["alwaysReady"] = [{"name": "http", "instanceCount": always_ready}]
    return record(name, "azure-native:web:WebApp", {"functionAppConfig": {"scaleAndConcurrency": scale}})


def test_a_flex_consumption_app_pays_executions_gb_seconds_and_its_always_ready_baseline(
    config: PlatformConfig,
) -> None:
    found = items(config, function_app("on-demand", 2048, 0), function_app("warm", 2048, 2))
    executions = 1 * 0.40
    on_demand = 1e6 * 0.2 * 2 * 0.00002  # 1 M executions x 200 ms x 2 GB
    baseline = 2 * 2 * HOURS * 3600 * 0.000004  # 2 always-ready instances x 2 GB, all month
    assert [i[1] for i in found["on-demand"]] == [pytest.approx(executions), pytest.approx(on_demand)]
    assert found["warm"][2] == ("2 warm instance(s) x 730 h (10,512,000 GB-s)", pytest.approx(baseline), None)


def cloud_function(name: str, memory: str, *, cpu: str | None = None, min_instances: int = 0) -> ResourceRecord:
    service: dict[str, Any] = {"availableMemory": memory, "minInstanceCount": min_instances}
    if cpu:
        service["availableCpu"] = cpu
    return record(name, "gcp:cloudfunctionsv2/function:Function", {"serviceConfig": service})


def test_a_cloud_run_function_pays_the_vcpu_seconds_its_memory_size_is_given(config: PlatformConfig) -> None:
    found = items(config, cloud_function("small", "256M"), cloud_function("big", "1Gi", cpu="2"))
    seconds = 1e6 * 0.2
    assert [i[1] for i in found["small"]] == [
        pytest.approx(0.40),
        pytest.approx(seconds * 0.25 * 0.000002),
        pytest.approx(seconds * 0.167 * 0.00002),  # 256 MiB is given 0.167 vCPU
    ]
    assert found["small"][2][0] == "33,400 vCPU-s"
    assert found["big"][2][1] == pytest.approx(seconds * 2 * 0.00002)  # an explicit availableCpu wins


def test_a_cloud_run_functions_minimum_instances_are_a_listed_charge_not_zero(config: PlatformConfig) -> None:
    found = items(config, cloud_function("warm", "512M", min_instances=1))
    label, usd, why = found["warm"][3]
    assert label == "1 warm instance(s) x 730 h (1,314,000 GB-s)" and usd is None
    assert "gcp function warm-gb-second: NOT PRICED" in str(why)


def test_the_vcpu_allotment_follows_googles_memory_table() -> None:
    assert step_up(0.125, FUNCTION_VCPU) == 0.083
    assert step_up(0.5, FUNCTION_VCPU) == 0.333
    assert step_up(2, FUNCTION_VCPU) == 1
    assert step_up(64, FUNCTION_VCPU) is None


def test_a_metric_alert_pays_per_time_series_it_monitors(config: PlatformConfig) -> None:
    one = record("one", "azure-native:monitor:MetricAlert", {"scopes": ["/vm"], "criteria": {"allOf": [{}]}})
    many = record(
        "many",
        "azure-native:monitor:MetricAlert",
        {
            "scopes": ["/vm-a", "/vm-b"],
            "criteria": {
                "allOf": [
                    {"dimensions": [{"name": "disk", "values": ["c", "d", "e"]}]},  # 3 series per resource
                    {},  # 1 series per resource
                ]
            },
        },
    )
    wild = record(
        "wild",
        "azure-native:monitor:MetricAlert",
        {"scopes": ["/vm"], "criteria": {"allOf": [{"dimensions": [{"values": ["*"]}]}]}},
    )
    found = items(config, one, many, wild)
    assert found["one"] == [("metric alert rule, 1 time series", pytest.approx(0.10), None)]
    assert found["many"] == [("metric alert rule, 8 time series", pytest.approx(8 * 0.10), None)]  # 2 x (3 + 1)
    assert "at least" in found["wild"][0][0]


def test_an_azure_nat_gateway_pays_its_hours_and_the_gb_it_processes(config: PlatformConfig) -> None:
    found = items(config, record("nat", "azure-native:network:NatGateway", {}))
    assert found["nat"] == [
        ("730 gateway-hours", pytest.approx(0.05 * HOURS), None),
        ("50 GB processed", pytest.approx(0.05 * 50), None),
    ]


def test_gcp_flow_logs_price_their_logging_storage_and_list_the_telemetry_charge(config: PlatformConfig) -> None:
    found = items(
        config,
        record("subnet", "gcp:compute/subnetwork:Subnetwork", {"logConfig": {"aggregationInterval": "INTERVAL_5_SEC"}}),
    )
    generated, stored = found["subnet"]
    assert generated[1] is None and "flow-log-gb: NOT PRICED" in str(generated[2])
    assert stored == ("5 GB of VPC flow logs stored in Cloud Logging", pytest.approx(5 * 0.25), None)


# The rows this catalog change prices, each with two sources (`a | b ...`), and what the shipped
# stacks still cannot price, each with its reason.
PRICED = [
    ("azure", "function", "requests", "eastus", 0.4),
    ("azure", "function", "gb-second", "eastus", 0.000026),
    ("azure", "function", "warm-gb-second", "eastus", 0.000004),
    ("azure", "disk", "Premium_LRS-P10", "eastus", 19.71),
    ("azure", "monitoring", "metric-alert", "eastus", 0.1),
    ("azure", "nat", "gateway-hour", "eastus", 0.045),
    ("azure", "nat", "data-processed", "eastus", 0.045),
    ("azure", "network", "public-ip-hour", "eastus", 0.005),
    ("gcp", "cdn", "egress-gb", "us-central1", 0.08),
    ("gcp", "function", "requests", "us-central1", 0.4),
    ("gcp", "function", "gb-second", "us-central1", 0.0000025),
    ("gcp", "function", "vcpu-second", "us-central1", 0.000024),
    ("gcp", "function", "vcpu-second", "europe-west4", 0.000024),
    ("gcp", "network", "flow-log-storage-gb", "us-central1", 0.25),
]


@pytest.mark.parametrize(("provider", "service", "sku", "region", "usd"), PRICED)
def test_the_catalog_prices_the_service_rate_from_two_sources(
    provider: str, service: str, sku: str, region: str, usd: float
) -> None:
    found = load_catalog().price(provider, service, sku, region)
    assert found is not None and found.usd == pytest.approx(usd)
    assert len(found.source.split(" | ")) >= 2, found.source


def test_cloud_run_tier_2_regions_are_not_priced_at_tier_1_rates() -> None:
    found = load_catalog().price("gcp", "function", "vcpu-second", "asia-southeast1")
    assert found is not None and found.usd is None and "Tier 2" in found.source


def test_the_shipped_stacks_price_every_charge_of_this_catalog_change(stack_plan: Callable[[str], Plan]) -> None:
    for stack in ("dev", "prod"):
        unpriced = cost.estimate(stack_plan(stack)).unpriced()
        reasons = " ".join(why for _, _, why in unpriced)
        for sku in (
            "function requests",
            "function gb-second",
            "metric-alert",
            "nat ",
            "public-ip-hour",
            "cdn egress-gb",
        ):
            assert sku not in reasons, (stack, sku)
        assert all("NOT PRICED: " in why for _, _, why in unpriced), stack
