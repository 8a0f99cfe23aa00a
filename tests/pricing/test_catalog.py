"""Sanity checks on the committed catalog and its loader."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from infra.catalog import (
    CATALOG_PATH,
    COLUMNS,
    Catalog,
    PriceRow,
    load_catalog,
    read_rows,
)

PROVIDERS = {"aws", "gcp", "azure", "cloudflare", "digitalocean"}
SERVICES = {
    "instance",
    "accelerator",
    "storage",
    "disk",
    "function",
    "cdn",
    "lb",
    "nat",
    "kms",
    "monitoring",
    "network",
    "platform",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The committed catalog."""
    return load_catalog()


def test_header_is_exact() -> None:
    assert CATALOG_PATH.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)


def test_rows_are_unique_and_known(catalog: Catalog) -> None:
    assert len(catalog) > 50
    assert {row.provider for row in catalog} <= PROVIDERS
    assert {row.service for row in catalog} <= SERVICES


def test_every_row_has_source_and_date(catalog: Catalog) -> None:
    for row in catalog:
        assert row.source, row.key
        assert date.fromisoformat(row.read_on) <= date.today(), row.key


def test_prices_are_present_or_explicitly_not_priced(catalog: Catalog) -> None:
    for row in catalog:
        if row.usd is None:
            # a deliberate gap: the cost model lists the charge as "not priced", never as zero
            assert row.source.startswith("NOT PRICED: "), row.key
            assert row.service != "instance" and row.spot_usd is None, row.key
            continue
        assert row.usd >= 0, row.key
        assert row.spot_usd is None or 0 <= row.spot_usd <= row.usd, row.key


def test_instances_have_specs(catalog: Catalog) -> None:
    for row in catalog:
        if row.service == "instance":
            assert row.unit == "hour", row.key
            assert row.vcpu and row.vcpu > 0, row.key
            assert row.memory_gib and row.memory_gib > 0, row.key


def test_lookups(catalog: Catalog) -> None:
    t3 = catalog.instance("aws", "t3.xlarge", "us-east-1")
    assert t3 is not None and (t3.vcpu, t3.memory_gib) == (4.0, 16.0)
    assert catalog.instance("aws", "t3.xlarge", "eu-west-1") is None
    assert "n1-standard-8" in catalog.skus("gcp", "instance", "us-central1")
    assert catalog.skus("gcp", "instance", "europe-west4") == frozenset()
    assert catalog.instance("azure", "Standard_NC6s_v3", "eastus") is None  # retired 2025-09-30


def test_global_fallback(catalog: Catalog) -> None:
    droplet = catalog.instance("digitalocean", "gpu-h100x1-80gb", "tor1")
    assert droplet is not None and droplet.region == "global"
    assert "gpu-h100x1-80gb" in catalog.skus("digitalocean", "instance", "nyc3")
    egress = catalog.price("cloudflare", "storage", "egress-gb", "weur")
    assert egress is not None and egress.usd == 0


def test_cached() -> None:
    assert load_catalog() is load_catalog(CATALOG_PATH)


def test_duplicate_rows_rejected(tmp_path: Path) -> None:
    row = PriceRow("aws", "instance", "x", "r", "hour", 1.0, None, 1.0, 1.0, None, "s", "2026-01-01")
    with pytest.raises(ValueError, match="duplicate"):
        Catalog([row, row])
    bad = tmp_path / "bad.csv"
    bad.write_text("provider,usd\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        read_rows(bad)
