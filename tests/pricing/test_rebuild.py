"""The rebuild script: reproducible from the saved sources, and each parser on small recorded samples."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from infra.catalog import CATALOG_PATH, CURATED_COLUMNS, KNOWN_PATH, SOURCES_DIR, SizeSpec, load_catalog, read_rows
from infra.catalog.rebuild import (
    AZURE_SOURCE,
    REGIONS,
    SourceError,
    available,
    aws_family_specs,
    aws_rows,
    azure_rows,
    build,
    catalog_text,
    curated_rows,
    default_fetched_dirs,
    do_gpu,
    do_sizes,
    gcp_generated_on,
    gcp_rows,
    karpenter_prices,
    known_text,
    locate,
    main,
    read_manifest,
    skypilot_aws,
)

SAMPLES = Path(__file__).with_name("samples")
MANIFEST = read_manifest()
FETCHED = default_fetched_dirs()
ALL_SOURCES = available(MANIFEST, SOURCES_DIR, FETCHED)


@pytest.mark.skipif(not ALL_SOURCES, reason="the uncommitted saved sources are not here (sources/README.md)")
def test_the_committed_catalog_and_validity_lists_are_what_the_rebuild_makes_of_the_saved_sources() -> None:
    result = build(SOURCES_DIR, FETCHED)
    assert catalog_text(result.rows) == CATALOG_PATH.read_text(encoding="utf-8")
    assert known_text(result.known) == KNOWN_PATH.read_text(encoding="utf-8")


def test_the_aws_rows_rebuild_from_the_committed_sources_alone() -> None:
    def text(key: str) -> str:
        return locate(MANIFEST[key], SOURCES_DIR, []).read_text(encoding="utf-8")

    rows = aws_rows(
        skypilot_aws(text("skypilot-aws-v9"), REGIONS["aws"]),
        karpenter_prices(text("karpenter-aws-us-east-1")),
        MANIFEST,
    )
    committed = {r.key: r for r in load_catalog() if r.provider == "aws" and r.service == "instance"}
    curated = {r.key for r in curated_rows(SOURCES_DIR / "curated.csv")}
    assert {r.key: r for r in rows if r.key not in curated} == {k: v for k, v in committed.items() if k not in curated}


def test_every_curated_row_is_in_the_catalog_as_written() -> None:
    catalog = load_catalog()
    for row in curated_rows(SOURCES_DIR / "curated.csv"):
        found = catalog.price(*row.key)
        assert found is not None and (found.usd, found.spot_usd, found.source) == (row.usd, row.spot_usd, row.source)


def test_the_validity_lists_follow_the_installed_sdk_enums() -> None:
    from pulumi_aws import Region
    from pulumi_aws.ec2 import InstanceType

    lists = json.loads(KNOWN_PATH.read_text(encoding="utf-8"))["providers"]["aws"]
    assert set(lists["regions"]) == {r.value for r in Region}
    assert {t.value for t in InstanceType} <= set(lists["sizes"])


def test_a_saved_source_that_changed_is_refused(tmp_path: Path) -> None:
    entry = MANIFEST["skypilot-do-v6"]
    shutil.copy(SOURCES_DIR / "sources.json", tmp_path / "sources.json")
    (tmp_path / entry.file).write_text("InstanceType,Price\nx,1\n", encoding="utf-8")
    with pytest.raises(SourceError, match="sha256"):
        locate(read_manifest(tmp_path)["skypilot-do-v6"], tmp_path, [])


def test_a_missing_uncommitted_source_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"not found \(looked in: .*nowhere"):
        locate(MANIFEST["cyclenerd-gcp"], SOURCES_DIR, [tmp_path / "nowhere"])
    assert main(["--fetched", str(tmp_path / "nowhere"), "--check"]) == 2


SKYPILOT_HEADER = (
    "InstanceType,AcceleratorName,AcceleratorCount,vCPUs,MemoryGiB,GpuInfo,Price,SpotPrice,Region,AvailabilityZone,"
    "Arch,LocalDiskType,NVMeSupported,LocalDiskSize,LocalDiskCount\n"
)
SKYPILOT = (
    SKYPILOT_HEADER
    + """m9x.large,,,2.0,8.0,,0.1,0.03,us-west-2,usw2-az1,x86_64,,False,,
m9x.large,,,2.0,8.0,,0.1,0.05,us-west-2,usw2-az2,x86_64,,False,,
m9x.large,,,2.0,8.0,,0.1,0.001,us-west-2,usw2-lax1-az1,x86_64,,False,,
m9x.large,,,2.0,8.0,,0.12,0.06,sa-east-1,sae1-az1,x86_64,,False,,
"""
)


def test_spot_is_the_mean_of_the_regions_availability_zones_without_local_zones() -> None:
    found, specs = skypilot_aws(SKYPILOT, ["us-west-2"])
    assert list(found) == [("m9x.large", "us-west-2")]
    assert found[("m9x.large", "us-west-2")]["spot"] == [0.03, 0.05]
    assert specs["m9x.large"] == SizeSpec(2.0, 8.0, "")


def test_family_siblings_give_the_specs_the_naming_rule_allows() -> None:
    known = {
        "m9x.large": SizeSpec(2.0, 8.0, ""),
        "t9.large": SizeSpec(2.0, 8.0, ""),
        "g9.xlarge": SizeSpec(4, 16, "1x T4"),
    }
    assert aws_family_specs("m9x.4xlarge", known) == SizeSpec(16.0, 64.0, "")
    assert aws_family_specs("t9.xlarge", known) == SizeSpec(None, None, "")  # burstable: no GPU, specs unknown
    assert aws_family_specs("g9.2xlarge", known) == SizeSpec()  # GPU count differs by size
    assert aws_family_specs("z9.large", known) == SizeSpec()


def test_karpenters_table_gives_prices_and_its_generation_date() -> None:
    prices, generated = karpenter_prices('// generated at 2026-01-19T13:23:24Z for us-east-1\n"m9.large": 0.096000,')
    assert (prices, generated) == ({"m9.large": 0.096}, "2026-01-19")


def test_droplet_sizes_come_with_specs_monthly_prices_and_gpus_from_the_slug() -> None:
    text = """variable "a" {
  description = "4GB RAM; 2 CPU; 80GB SSD - $24/mo"
  default     = "s-2vcpu-4gb"
}
variable "b" {
  description = "512MB RAM; 1 CPU; 10GB SSD - $4/mo"
  default     = "s-1vcpu-512mb-10gb"
}"""
    sizes = do_sizes(text)
    assert sizes["s-2vcpu-4gb"] == (SizeSpec(2.0, 4.0, ""), 24.0)
    assert sizes["s-1vcpu-512mb-10gb"][0].memory_gib == 0.5
    assert do_gpu("gpu-h100x8-640gb") == "8x H100" and do_gpu("s-2vcpu-4gb") is None


# --- the GCP and Azure parsers on recorded samples ----------------------------------------


@pytest.fixture(scope="module")
def pricing() -> dict:
    """Parsed Cyclenerd sample."""
    return yaml.safe_load((SAMPLES / "gcp_pricing_sample.yml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def azure_items() -> list[dict]:
    """Items of the Azure Retail Prices API sample page."""
    return json.loads((SAMPLES / "azure_retail_sample.json").read_text(encoding="utf-8"))["Items"]


def test_gcp_generated_date(pricing: dict) -> None:
    assert gcp_generated_on(pricing) == "2025-03-06"


def test_gcp_instances_carry_on_demand_spot_and_specs(pricing: dict) -> None:
    rows = {row.sku: row for row in gcp_rows(pricing, ["n1-standard-8", "g2-standard-4", "missing-1"], "us-central1")}
    n1 = rows["n1-standard-8"]
    assert (n1.usd, n1.spot_usd, n1.vcpu, n1.memory_gib, n1.gpu) == (0.379998, 0.10402, 8.0, 30.0, None)
    assert (n1.service, n1.unit, n1.region, n1.source, n1.read_on) == (
        "instance",
        "hour",
        "us-central1",
        "cyclenerd-gcp",
        "2025-03-06",
    )
    assert rows["g2-standard-4"].gpu == "1x NVIDIA L4"
    assert "missing-1" not in rows


def test_gcp_storage_disk_nat_and_egress(pricing: dict) -> None:
    rows = {(row.service, row.sku): row.usd for row in gcp_rows(pricing, [], "us-central1")}
    assert rows[("storage", "ARCHIVE")] == 0.0012 and rows[("disk", "pd-ssd")] == 0.17
    assert rows[("nat", "gateway-hour")] == 0.0448 and rows[("network", "internet-egress-0-1tib")] == 0.12


def test_azure_retail_pages_give_linux_on_demand_and_spot(azure_items: list[dict]) -> None:
    rows = {row.sku: row for row in azure_rows(azure_items, None, "eastus", "2026-01-31")}
    assert set(rows) == {"Standard_D8s_v3", "Standard_NC4as_T4_v3"}
    assert (rows["Standard_D8s_v3"].usd, rows["Standard_D8s_v3"].spot_usd) == (0.384, 0.04224)
    assert rows["Standard_D8s_v3"].source == AZURE_SOURCE
    uk = azure_rows(azure_items, ["Standard_NC4as_T4_v3"], "uksouth", "2026-01-31")
    assert [(r.sku, r.usd, r.spot_usd) for r in uk] == [("Standard_NC4as_T4_v3", 0.615, 0.18)]  # Windows excluded


def test_the_curated_file_keeps_the_catalogs_first_twelve_columns() -> None:
    rows = read_rows(SOURCES_DIR / "curated.csv", columns=CURATED_COLUMNS)
    assert rows and all(r.source for r in rows)
