"""The committed catalog and validity lists: shape, sources, lookups, and rows checked against the saved files."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import date
from pathlib import Path
from statistics import fmean

import pytest

from infra.catalog import (
    CATALOG_PATH,
    COLUMNS,
    SOURCES_DIR,
    Catalog,
    PriceRow,
    load_catalog,
    load_known,
    read_rows,
)
from infra.catalog.rebuild import REGIONS, available, curated_rows, default_fetched_dirs, locate, read_manifest

PROVIDERS = {"aws", "gcp", "azure", "cloudflare", "digitalocean"}
SERVICES = {"instance", "accelerator", "storage", "disk", "function", "cdn", "lb", "nat", "kms", "monitoring"}
SERVICES |= {"network", "platform", "security", "backup", "logging"}
MANIFEST = read_manifest()


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    """The committed catalog."""
    return load_catalog()


def test_the_header_is_exact() -> None:
    assert CATALOG_PATH.read_text(encoding="utf-8").splitlines()[0] == ",".join(COLUMNS)


def test_rows_are_unique_and_of_known_providers_and_services(catalog: Catalog) -> None:
    assert len(catalog) > 5000
    assert {row.provider for row in catalog} <= PROVIDERS
    assert {row.service for row in catalog} <= SERVICES


def test_every_row_names_its_sources_and_a_date_not_in_the_future(catalog: Catalog) -> None:
    curated = {row.key for row in curated_rows(SOURCES_DIR / "curated.csv")}
    for row in catalog:
        ids = [part.strip() for part in row.source.split("|")]
        assert row.key in curated or all(part in MANIFEST for part in ids), row.key
        assert row.source and date.fromisoformat(row.read_on) <= date.today(), row.key


def test_prices_are_present_or_explicitly_not_priced(catalog: Catalog) -> None:
    for row in catalog:
        if row.usd is None:
            assert row.source.startswith("NOT PRICED: "), row.key
            assert row.service != "instance" and row.spot_usd is None, row.key
            continue
        assert row.usd >= 0 and (row.spot_usd is None or row.spot_usd >= 0), row.key


def test_instance_rows_are_hourly(catalog: Catalog) -> None:
    assert all(row.unit == "hour" for row in catalog if row.service in ("instance", "accelerator"))


def test_every_asked_region_is_priced_for_its_provider(catalog: Catalog) -> None:
    for provider, regions in REGIONS.items():
        assert set(regions) <= catalog.regions(provider), provider
    droplets = catalog.skus("digitalocean", "instance")
    sizes = load_known().lists("digitalocean").sizes  # type: ignore[union-attr]
    assert {s for s, spec in sizes.items() if spec.known and spec.without_gpu} <= droplets  # every CPU droplet


def test_lookups_fall_back_to_global_rows(catalog: Catalog) -> None:
    droplet = catalog.instance("digitalocean", "gpu-h100x1-80gb", "tor1")
    assert droplet is not None and droplet.region == "global" and droplet.gpu
    egress = catalog.price("cloudflare", "storage", "egress-gb", "weur")
    assert egress is not None and egress.usd == 0


def test_the_loaders_are_cached() -> None:
    assert load_catalog() is load_catalog(CATALOG_PATH)
    assert load_known() is load_known()


def test_duplicate_rows_and_a_wrong_header_are_rejected(tmp_path: Path) -> None:
    row = PriceRow("aws", "instance", "x", "r", "hour", 1.0, None, 1.0, 1.0, None, "s", "2026-01-01")
    with pytest.raises(ValueError, match="duplicate"):
        Catalog([row, row])
    bad = tmp_path / "bad.csv"
    bad.write_text("provider,usd\n", encoding="utf-8")
    with pytest.raises(ValueError, match="header"):
        read_rows(bad)


def test_an_override_replaces_the_row_of_its_key_only(catalog: Catalog) -> None:
    base = catalog.instance("aws", "m6i.large", "eu-west-1")
    assert base is not None
    mine = PriceRow("aws", "instance", "m6i.large", "eu-west-1", "hour", 0.05, None, None, None, None, "me", "")
    changed = catalog.with_overrides([mine])
    assert changed.instance("aws", "m6i.large", "eu-west-1") is mine
    assert catalog.instance("aws", "m6i.large", "eu-west-1") is base
    assert len(changed) == len(catalog)


# --- rows against their saved source files --------------------------------------------


def saved(source: str) -> str:
    """The text of a saved source (committed ones always; the others where they can be found)."""
    entry = MANIFEST[source]
    if not entry.committed and not available({source: entry}, SOURCES_DIR, default_fetched_dirs()):
        pytest.skip(f"{entry.file} is kept outside the repository (sources/README.md); set QMOI_PRICING_SOURCES")
    return locate(entry, SOURCES_DIR, default_fetched_dirs()).read_text(encoding="utf-8")


def skypilot_zone_rows(size: str, region: str) -> list[dict[str, str]]:
    rows = csv.DictReader(io.StringIO(saved("skypilot-aws-v9")))
    return [r for r in rows if r["InstanceType"] == size and r["Region"] == region]


@pytest.mark.parametrize(
    ("size", "region"), [("m7g.2xlarge", "eu-west-1"), ("m6i.large", "eu-west-1"), ("g4dn.xlarge", "us-east-1")]
)
def test_aws_rows_are_the_saved_skypilot_rows(catalog: Catalog, size: str, region: str) -> None:
    zones = skypilot_zone_rows(size, region)
    row = catalog.instance("aws", size, region)
    assert zones and row is not None
    assert row.usd == float(zones[0]["Price"])
    regular = [float(z["SpotPrice"]) for z in zones if len(z["AvailabilityZone"].split("-")) == 2]
    assert row.spot_usd == pytest.approx(fmean(regular), abs=1e-8)
    assert (row.vcpu, row.memory_gib) == (float(zones[0]["vCPUs"]), float(zones[0]["MemoryGiB"]))


def test_the_eu_west_1_m7g_2xlarge_row_has_the_prices_the_brief_quotes(catalog: Catalog) -> None:
    row = catalog.instance("aws", "m7g.2xlarge", "eu-west-1")
    assert row is not None and row.usd == 0.3638
    assert row.spot_usd == pytest.approx((0.1675 + 0.157 + 0.1622) / 3, abs=1e-8)


def test_us_east_1_on_demand_is_karpenter_s_generated_table(catalog: Catalog) -> None:
    table = saved("karpenter-aws-us-east-1")
    for size in ("t3.xlarge", "r5.large", "g4dn.xlarge", "m6i.4xlarge"):
        price = float(re.search(rf'"{re.escape(size)}": ([0-9.]+)', table).group(1))  # type: ignore[union-attr]
        row = catalog.instance("aws", size, "us-east-1")
        assert row is not None and row.usd == price and "karpenter-aws-us-east-1" in row.source


def test_a_gcp_machine_row_is_cyclenerds_with_committed_use_rates(catalog: Catalog) -> None:
    text = saved("cyclenerd-gcp")
    block = text[text.index("\n    n2-standard-4:") :]
    region = block[block.index("        europe-west1:") :][:400]
    hour = float(re.search(r"hour: ([0-9.]+)", region).group(1))  # type: ignore[union-attr]
    month_1y = float(re.search(r"month_1y: ([0-9.]+)", region).group(1))  # type: ignore[union-attr]
    row = catalog.instance("gcp", "n2-standard-4", "europe-west1")
    assert row is not None and row.usd == hour == 0.213668
    assert row.commit_1y_usd == pytest.approx(month_1y / 730, abs=1e-8)


def test_an_azure_row_is_the_anycloud_snapshots(catalog: Catalog) -> None:
    line = next(
        line
        for line in saved("anycloud-azure").splitlines()
        if line.startswith("Standard_D4s_v5,") and ",westeurope," in line
    )
    price, spot = line.split(",")[6:8]
    row = catalog.instance("azure", "Standard_D4s_v5", "westeurope")
    assert row is not None and (row.usd, row.spot_usd) == (float(price), float(spot)) == (0.23, 0.042504)


def test_a_droplet_row_is_its_monthly_price_over_672_hours(catalog: Catalog) -> None:
    text = saved("do-sizes-tf")
    monthly = float(re.search(r'\$([0-9.]+)/mo"\s*\n\s*default\s*=\s*"s-2vcpu-4gb"', text).group(1))  # type: ignore[union-attr]
    row = catalog.instance("digitalocean", "s-2vcpu-4gb", "nyc3")
    assert row is not None and monthly == 24 and row.usd == pytest.approx(monthly / 672, abs=1e-8)


def test_the_validity_lists_say_what_exists_not_what_is_priced() -> None:
    known = load_known()
    assert known.size("aws", "m6i.largee") is None
    assert known.size("aws", "x2iedn.32xlarge") is not None  # exists (pulumi_aws enum), not priced
    assert load_catalog().instance("aws", "x2iedn.32xlarge", "eu-west-1") is None
    assert known.region_exists("aws", "ap-south-1") and not known.region_exists("aws", "eu-west-9")
    assert known.region_exists("azure", "westeurope") and known.region_exists("gcp", "europe-west1")
    assert "europe-west1" in known.lists("gcp").accelerators["nvidia-tesla-t4"]  # type: ignore[union-attr]
    assert known.size("digitalocean", "gpu-h100x1-80gb").gpu == "1x H100"  # type: ignore[union-attr]
    assert known.size("aws", "t3.xlarge").without_gpu  # type: ignore[union-attr]


def test_the_validity_file_names_its_sources_and_date() -> None:
    document = json.loads((CATALOG_PATH.parent / "known.json").read_text(encoding="utf-8"))
    assert document["generated_on"] == max(s.date for s in MANIFEST.values())
    for provider, lists in document["providers"].items():
        assert lists["sources"] and lists["regions"] and lists["sizes"], provider
