"""Rebuild GCP and Azure rows from recorded price-file samples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from infra.catalog import PriceRow, load_catalog, read_rows
from infra.catalog.rebuild import (
    AZURE_SOURCE,
    GCP_SOURCE,
    azure_rows,
    gcp_generated_on,
    gcp_rows,
    main,
    merge_rows,
    write_rows,
)

SAMPLES = Path(__file__).with_name("samples")


@pytest.fixture(scope="module")
def pricing() -> dict:
    """Parsed Cyclenerd sample."""
    return yaml.safe_load((SAMPLES / "gcp_pricing_sample.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def azure_items() -> list[dict]:
    """Items of the Azure Retail Prices API sample page."""
    return json.loads((SAMPLES / "azure_retail_sample.json").read_text(encoding="utf-8"))["Items"]


def _by_sku(rows: list[PriceRow]) -> dict[str, PriceRow]:
    return {row.sku: row for row in rows}


def test_gcp_generated_date(pricing: dict) -> None:
    assert gcp_generated_on(pricing) == "2025-03-06"


def test_gcp_instances(pricing: dict) -> None:
    rows = _by_sku(gcp_rows(pricing, ["n1-standard-8", "g2-standard-4", "missing-1"], "us-central1"))
    n1 = rows["n1-standard-8"]
    assert (n1.usd, n1.spot_usd, n1.vcpu, n1.memory_gib, n1.gpu) == (0.379998, 0.10402, 8.0, 30.0, None)
    assert (n1.service, n1.unit, n1.region, n1.source, n1.read_on) == (
        "instance",
        "hour",
        "us-central1",
        GCP_SOURCE,
        "2025-03-06",
    )
    g2 = rows["g2-standard-4"]
    assert (g2.usd, g2.spot_usd, g2.vcpu, g2.memory_gib, g2.gpu) == (0.706832255, 0.279932, 4.0, 16.0, "1x NVIDIA L4")
    assert "missing-1" not in rows


def test_gcp_other_region(pricing: dict) -> None:
    rows = _by_sku(gcp_rows(pricing, ["n1-standard-8"], "us-east4"))
    assert (rows["n1-standard-8"].usd, rows["n1-standard-8"].spot_usd) == (0.42797, 0.08611)
    assert "STANDARD" not in rows


def test_gcp_storage_network(pricing: dict) -> None:
    rows = {(row.service, row.sku): row for row in gcp_rows(pricing, [], "us-central1")}
    expected = {
        ("storage", "STANDARD"): 0.02,
        ("storage", "NEARLINE"): 0.01,
        ("storage", "COLDLINE"): 0.004,
        ("storage", "ARCHIVE"): 0.0012,
        ("disk", "pd-balanced"): 0.1,
        ("disk", "pd-ssd"): 0.17,
        ("disk", "pd-standard"): 0.04,
        ("nat", "gateway-hour"): 0.0448,
        ("nat", "data-processed"): 0.045,
        ("network", "internet-egress-0-1tib"): 0.12,
    }
    assert {key: row.usd for key, row in rows.items()} == expected
    assert rows[("nat", "gateway-hour")].unit == "hour"
    assert rows[("storage", "ARCHIVE")].unit == "gb-month"


def test_azure_eastus(azure_items: list[dict]) -> None:
    rows = _by_sku(azure_rows(azure_items, None, "eastus", "2026-01-31"))
    assert set(rows) == {"Standard_D8s_v3", "Standard_NC4as_T4_v3"}
    assert (rows["Standard_D8s_v3"].usd, rows["Standard_D8s_v3"].spot_usd) == (0.384, 0.04224)
    assert (rows["Standard_NC4as_T4_v3"].usd, rows["Standard_NC4as_T4_v3"].spot_usd) == (0.526, None)
    assert rows["Standard_D8s_v3"].source == AZURE_SOURCE
    assert rows["Standard_D8s_v3"].read_on == "2026-01-31"


def test_azure_excludes_windows_and_filters_sizes(azure_items: list[dict]) -> None:
    rows = _by_sku(azure_rows(azure_items, ["Standard_NC4as_T4_v3"], "uksouth", "2026-01-31"))
    assert list(rows) == ["Standard_NC4as_T4_v3"]
    assert (rows["Standard_NC4as_T4_v3"].usd, rows["Standard_NC4as_T4_v3"].spot_usd) == (0.615, 0.18)


def test_merge_keeps_specs_and_appends() -> None:
    old = PriceRow(
        "azure", "instance", "Standard_D8s_v3", "eastus", "hour", 1.0, None, 8.0, 32.0, None, "x", "2020-01-01"
    )
    new = PriceRow(
        "azure", "instance", "Standard_D8s_v3", "eastus", "hour", 0.384, 0.04224, None, None, None, "y", "2026-01-31"
    )
    extra = PriceRow(
        "azure", "instance", "Standard_E8s_v5", "eastus", "hour", 0.5, None, None, None, None, "y", "2026-01-31"
    )
    merged = merge_rows([old], [new, extra])
    assert [row.sku for row in merged] == ["Standard_D8s_v3", "Standard_E8s_v5"]
    assert (merged[0].usd, merged[0].spot_usd, merged[0].vcpu, merged[0].memory_gib) == (0.384, 0.04224, 8.0, 32.0)
    assert (merged[0].source, merged[0].read_on) == ("y", "2026-01-31")


def test_cli_round_trip(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog.csv"
    seed = [
        PriceRow(
            "gcp", "instance", "n1-standard-8", "us-central1", "hour", 9.9, None, 8.0, 30.0, None, "old", "2020-01-01"
        ),
        PriceRow(
            "azure", "instance", "Standard_D8s_v3", "eastus", "hour", 9.9, None, 8.0, 32.0, None, "old", "2020-01-01"
        ),
    ]
    write_rows(catalog, seed)
    code = main(
        [
            "--catalog",
            str(catalog),
            "--gcp-pricing",
            str(SAMPLES / "gcp_pricing_sample.yml"),
            "--azure-json",
            str(SAMPLES / "azure_retail_sample.json"),
            "--azure-read-on",
            "2026-01-31",
        ]
    )
    assert code == 0
    rows = {row.key: row for row in read_rows(catalog)}
    assert rows[("gcp", "instance", "n1-standard-8", "us-central1")].usd == 0.379998
    d8 = rows[("azure", "instance", "Standard_D8s_v3", "eastus")]
    assert (d8.usd, d8.spot_usd, d8.vcpu, d8.memory_gib) == (0.384, 0.04224, 8.0, 32.0)
    assert ("azure", "instance", "Standard_NC4as_T4_v3", "eastus") not in rows  # not requested
    assert rows[("gcp", "storage", "ARCHIVE", "us-central1")].usd == 0.0012
    assert load_catalog(catalog).instance("gcp", "n1-standard-8", "us-central1") is not None
