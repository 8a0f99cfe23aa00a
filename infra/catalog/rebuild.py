"""Rebuild `catalog.csv` (prices) and `known.json` (what exists) from the saved source files.

Nothing here touches a network or is typed by hand: every number comes from a file listed in
`sources/sources.json` (repository, path, commit, dates, sha256), and the rows a person read
from pricing pages (services, the DigitalOcean GPU droplet page) come from
`sources/curated.csv`, each with its own sources. Usage::

    python -m infra.catalog.rebuild [--fetched DIR] [--check]

`--fetched DIR` is where the saved sources that may not be committed live (files copied out
of fetched repository snapshots; see `sources/README.md`); by default `$QMOI_PRICING_SOURCES`
or `../shared/pricing-sources` beside the repository. `--check` compares the result with the
committed files instead of writing them (exit 1 on a difference).

What is built, per provider (regions: `REGIONS`):

* AWS: on-demand and spot (mean of the region's availability-zone spot prices, Local Zones
  excluded) from the SkyPilot v9 rows, on-demand for every size of the saved families in
  us-east-1 from Karpenter's generated price table; sizes and regions from the pulumi_aws
  enums (`pulumi_aws.ec2.InstanceType`, `pulumi_aws.Region`).
* GCP: machine types (on-demand, spot, 1- and 3-year committed use) and storage, disk, NAT and
  egress rates from Cyclenerd's `pricing.yml`; attached GPU prices (per GPU, mean over the
  region's zones) and GPU availability per region from the anycloud GCP catalog.
* Azure: VM sizes (pay-as-you-go and spot), the size list and the region list from the
  anycloud Azure catalog (an Azure Retail Prices API snapshot).
* DigitalOcean: every droplet slug with its monthly price from the DigitalOcean sizes API
  (`do_sizes.tf`); hourly = monthly / 672 (DigitalOcean bills at most 672 hours a month).
  GPU droplets are priced from the pricing page (curated rows), because the API's monthly
  figure for them does not match the hourly price DigitalOcean publishes.
"""

from __future__ import annotations

import argparse
import ast
import csv
import hashlib
import io
import json
import os
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from statistics import fmean
from typing import Any

import yaml

if __package__ in (None, ""):  # allow ``python infra/catalog/rebuild.py``
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from infra.catalog import (
    CATALOG_PATH,
    COLUMNS,
    CURATED_COLUMNS,
    KNOWN_PATH,
    SOURCES_DIR,
    PriceRow,
    SizeSpec,
    read_rows,
    with_specs,
)

REGIONS: dict[str, tuple[str, ...]] = {
    "aws": ("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1", "ap-northeast-1"),
    "gcp": ("us-central1", "us-east1", "europe-west1", "europe-west4", "asia-southeast1"),
    "azure": ("eastus", "eastus2", "westus2", "westeurope", "northeurope", "southeastasia"),
}
# DigitalOcean bills a droplet by the hour up to 672 hours a month, so monthly / 672 is its hourly price.
DO_BILLED_HOURS = 672
HOURS_PER_MONTH = 730  # Cyclenerd's `month` figures are 730 hours
# anycloud/SkyPilot GPU names -> Compute Engine accelerator types (the Vertex AI AcceleratorType
# enum, e.g. NVIDIA_H100_MEGA_80GB, spells the same names: docs.cloud.google.com/python/docs/
# reference/aiplatform/latest/google.cloud.aiplatform_v1beta1.types.AcceleratorType).
GCP_ACCELERATORS = {
    "T4": "nvidia-tesla-t4",
    "L4": "nvidia-l4",
    "P4": "nvidia-tesla-p4",
    "P100": "nvidia-tesla-p100",
    "V100": "nvidia-tesla-v100",
    "A100": "nvidia-tesla-a100",
    "A100-80GB": "nvidia-a100-80gb",
    "H100": "nvidia-h100-80gb",
    "H100-MEGA": "nvidia-h100-mega-80gb",
    "H200": "nvidia-h200-141gb",
    "B200": "nvidia-b200",
}
GCS_CLASSES = {"standard": "STANDARD", "nearline": "NEARLINE", "coldline": "COLDLINE", "archiv": "ARCHIVE"}
GCP_DISKS = {"balanced": "pd-balanced", "ssd": "pd-ssd", "hdd": "pd-standard"}
GCP_NON_GPU_KEYS = {"cost", "cpu", "ram", "type"}
AZURE_SOURCE = "Azure Retail Prices API (prices.azure.com/api/retail/prices)"
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the 4 MB pricing.yml parses ~20x faster in C

Json = Mapping[str, Any]


class SourceError(Exception):
    """A saved source is missing, altered or not in the expected shape."""


# --- the manifest ------------------------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One saved source file, as `sources/sources.json` describes it."""

    id: str
    file: str
    committed: bool
    date: str  # the date the numbers are dated with (generated, else commit, else read)
    sha256: str
    entry: Mapping[str, Any] = field(repr=False)


def read_manifest(sources_dir: Path = SOURCES_DIR) -> dict[str, Source]:
    data = json.loads((sources_dir / "sources.json").read_text(encoding="utf-8"))
    return {
        key: Source(key, entry["file"], bool(entry["committed"]), entry["date"], entry["sha256"], entry)
        for key, entry in data["sources"].items()
    }


def default_fetched_dirs() -> list[Path]:
    """Where the saved sources that are not committed may be found."""
    dirs = [Path(p) for p in os.environ.get("QMOI_PRICING_SOURCES", "").split(os.pathsep) if p]
    return [*dirs, Path(__file__).resolve().parents[3] / "shared" / "pricing-sources"]


def locate(source: Source, sources_dir: Path, fetched: Sequence[Path]) -> Path:
    """The saved file of a source, checked against its recorded sha256."""
    candidates = [sources_dir / source.file] if source.committed else [d / source.file for d in fetched]
    for path in candidates:
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest != source.sha256:
                raise SourceError(f"{path}: sha256 {digest} differs from the manifest's {source.sha256}")
            return path
    where = ", ".join(str(c) for c in candidates) or "no directory given"
    raise SourceError(f"source {source.id!r} ({source.file}) not found (looked in: {where})")


def available(manifest: Mapping[str, Source], sources_dir: Path, fetched: Sequence[Path]) -> bool:
    """Whether every saved source can be found (the uncommitted ones live outside the repository)."""
    try:
        for source in manifest.values():
            locate(source, sources_dir, fetched)
    except SourceError:
        return False
    return True


# --- row helpers ---------------------------------------------------------------------------


def _row(provider: str, service: str, sku: str, region: str, unit: str, usd: float | None, **extra: Any) -> PriceRow:
    fields: dict[str, Any] = {"spot_usd": None, "vcpu": None, "memory_gib": None, "gpu": None}
    fields.update(extra)
    fields["gpu"] = fields["gpu"] or None
    return PriceRow(provider=provider, service=service, sku=sku, region=region, unit=unit, usd=usd, **fields)


def _round(value: float) -> float:
    return round(value, 8)


def _dig(data: Json, *keys: str) -> Any:
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def _gpu_text(count: float, maker: str, name: str) -> str:
    return f"{count:g}x {maker} {name}".replace("  ", " ")


# --- AWS -----------------------------------------------------------------------------------

AWS_SIZE = re.compile(r"^([a-z]+)(\d+)([a-z0-9-]*)\.([a-z0-9-]+)$")


def karpenter_prices(text: str) -> tuple[dict[str, float], str]:
    """Karpenter's generated us-east-1 on-demand table and its generation date."""
    stamp = re.search(r"generated at (\d{4}-\d{2}-\d{2})T", text)
    if stamp is None:
        raise SourceError("karpenter table: no 'generated at' line")
    prices = {name: float(value) for name, value in re.findall(r'"([a-z0-9-]+\.[a-z0-9-]+)": ([0-9.]+)', text)}
    return prices, stamp.group(1)


def _aws_gpu(record: Mapping[str, str]) -> str | None:
    name, count = record.get("AcceleratorName") or "", record.get("AcceleratorCount") or ""
    if not name:
        return None
    maker = ""
    try:
        info = ast.literal_eval(record.get("GpuInfo") or "{}")
        maker = info["Gpus"][0]["Manufacturer"]
    except (ValueError, SyntaxError, KeyError, IndexError, TypeError):
        maker = ""
    return _gpu_text(float(count or 1), maker, name)


def skypilot_aws(
    text: str, regions: Iterable[str]
) -> tuple[dict[tuple[str, str], dict[str, Any]], dict[str, SizeSpec]]:
    """Per (size, region): on-demand price and the mean spot price of its regular availability
    zones; and the specs of every size seen (specs do not vary by region)."""
    wanted = set(regions)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    specs: dict[str, SizeSpec] = {}
    for record in csv.DictReader(io.StringIO(text)):
        size = record["InstanceType"]
        specs[size] = SizeSpec(float(record["vCPUs"]), float(record["MemoryGiB"]), _aws_gpu(record) or "")
        region, zone = record["Region"], record["AvailabilityZone"]
        if region not in wanted:
            continue
        entry = found.setdefault((size, region), {"usd": set(), "spot": []})
        entry["usd"].add(float(record["Price"]))
        if len(zone.split("-")) == 2 and record["SpotPrice"]:  # use1-az1, not the Local Zone use1-atl2-az1
            entry["spot"].append(float(record["SpotPrice"]))
    for key, entry in found.items():
        if len(entry["usd"]) != 1:
            raise SourceError(f"skypilot aws {key}: on-demand differs between zones: {sorted(entry['usd'])}")
    return found, specs


def aws_family_specs(size: str, known: Mapping[str, SizeSpec]) -> SizeSpec:
    """Specs of a size with no row of its own, from siblings of the same family that have them.

    Whether a size has a GPU is a property of its family (`t3.*` has none, `g4dn.*` has one).
    Within the m, c, r ... families AWS names sizes so that vCPUs double with each step (medium 1,
    large 2, xlarge 4, Nxlarge 4N) and memory per vCPU is constant; burstable (t), metal and GPU
    families break that rule, so their vCPU and memory are left unknown.
    """
    family = size.split(".")[0]
    siblings = [s for name, s in known.items() if name.split(".")[0] == family and s.known]
    if not siblings:
        return SizeSpec()
    gpus = {bool(s.gpu) for s in siblings}
    gpu = "" if gpus == {False} else None  # a GPU family's count differs by size: left unknown
    match = AWS_SIZE.match(size)
    units = {"medium": 1, "large": 2, "xlarge": 4}
    if match is None or match.group(1).startswith(("t", "g", "p")) or gpu is None:
        return SizeSpec(gpu=gpu)
    step = match.group(4)
    vcpu = units.get(step) or (4 * int(step[:-6]) if re.fullmatch(r"\d+xlarge", step) else None)
    per_vcpu = {s.memory_gib / s.vcpu for s in siblings if s.memory_gib and s.vcpu}
    if vcpu is None or len(per_vcpu) != 1:
        return SizeSpec(gpu=gpu)
    return SizeSpec(float(vcpu), vcpu * per_vcpu.pop(), gpu)


def aws_rows(
    skypilot: tuple[dict[tuple[str, str], dict[str, Any]], dict[str, SizeSpec]],
    karpenter: tuple[dict[str, float], str],
    sources: Mapping[str, Source],
) -> list[PriceRow]:
    found, specs = skypilot
    od, generated = karpenter
    sky, karp = sources["skypilot-aws-v9"], sources["karpenter-aws-us-east-1"]
    rows: list[PriceRow] = []
    for (size, region), entry in sorted(found.items()):
        usd = next(iter(entry["usd"]))
        source, read_on = sky.id, sky.date
        if region == "us-east-1" and size in od:
            if abs(od[size] - usd) > 1e-9:
                raise SourceError(f"{size} us-east-1: karpenter {od[size]} != skypilot {usd}")
            source, read_on = f"{karp.id} | {sky.id}", generated
        spot = _round(fmean(entry["spot"])) if entry["spot"] else None
        spec = specs[size]
        rows.append(
            _row(
                "aws",
                "instance",
                size,
                region,
                "hour",
                usd,
                spot_usd=spot,
                vcpu=spec.vcpu,
                memory_gib=spec.memory_gib,
                gpu=spec.gpu,
                source=source,
                read_on=read_on,
            )
        )
    seen = {(r.sku, r.region) for r in rows}
    for size, usd in sorted(od.items()):
        if (size, "us-east-1") in seen:
            continue
        spec = specs.get(size) or aws_family_specs(size, specs)
        rows.append(
            _row(
                "aws",
                "instance",
                size,
                "us-east-1",
                "hour",
                usd,
                vcpu=spec.vcpu,
                memory_gib=spec.memory_gib,
                gpu=spec.gpu,
                source=karp.id,
                read_on=generated,
            )
        )
    return rows


def aws_known(specs: Mapping[str, SizeSpec], priced: Iterable[str]) -> dict[str, Any]:
    """Regions and sizes from the pulumi_aws enums (plus sizes a price source names)."""
    import pulumi_aws
    from pulumi_aws import Region
    from pulumi_aws.ec2 import InstanceType

    sizes = {t.value for t in InstanceType} | set(specs) | set(priced)
    return {
        "regions": sorted(r.value for r in Region),
        "sizes": {s: _spec_list(specs.get(s) or aws_family_specs(s, specs)) for s in sorted(sizes)},
        "sources": [
            f"pulumi_aws {pulumi_aws._utilities.get_version()}: pulumi_aws.Region, pulumi_aws.ec2.InstanceType",
            "specs: skypilot-aws-v9 rows (and their family siblings)",
        ],
    }


# --- GCP -----------------------------------------------------------------------------------


def gcp_generated_on(pricing: Json) -> str:
    """Generation date of a Cyclenerd `pricing.yml` (UTC, `YYYY-MM-DD`)."""
    stamp = _dig(pricing, "about", "timestamp")
    if stamp is not None:
        return datetime.fromtimestamp(int(stamp), tz=UTC).date().isoformat()
    generated = str(_dig(pricing, "about", "generated"))
    return datetime.strptime(" ".join(generated.split()), "%a %b %d %H:%M:%S %Y").date().isoformat()


def _gcp_gpu(spec: Json) -> str | None:
    parts = [f"{count}x NVIDIA {name.upper()}" for name, count in spec.items() if name not in GCP_NON_GPU_KEYS]
    return ", ".join(parts) or None


def gcp_rows(pricing: Json, machine_types: Iterable[str] | None, region: str, source: str = "") -> list[PriceRow]:
    """GCP instance (on-demand, spot, committed use), storage, disk, NAT and egress rows for one region."""
    read_on = gcp_generated_on(pricing)
    common = {"source": source or "cyclenerd-gcp", "read_on": read_on}
    instances = _dig(pricing, "compute", "instance") or {}
    rows: list[PriceRow] = []
    for machine in machine_types if machine_types is not None else sorted(instances):
        spec = instances.get(machine)
        cost = _dig(spec or {}, "cost", region)
        if not spec or not cost or "hour" not in cost:
            continue
        commit = {
            f"commit_{term}_usd": _round(float(cost[f"month_{term}"]) / HOURS_PER_MONTH)
            for term in ("1y", "3y")
            if f"month_{term}" in cost
        }
        rows.append(
            _row(
                "gcp",
                "instance",
                machine,
                region,
                "hour",
                float(cost["hour"]),
                spot_usd=float(cost["hour_spot"]) if "hour_spot" in cost else None,
                vcpu=float(spec["cpu"]),
                memory_gib=float(spec["ram"]),
                gpu=_gcp_gpu(spec),
                **commit,
                **common,
            )
        )
    for key, sku in GCS_CLASSES.items():
        month = _dig(pricing, "storage", "bucket", key, "cost", region, "month")
        if month is not None:
            rows.append(_row("gcp", "storage", sku, region, "gb-month", float(month), **common))
    for key, sku in GCP_DISKS.items():
        month = _dig(pricing, "compute", "storage", key, "cost", region, "month")
        if month is not None:
            rows.append(_row("gcp", "disk", sku, region, "gb-month", float(month), **common))
    gateway = _dig(pricing, "compute", "network", "nat", "gateway", "cost", region, "hour")
    if gateway is not None:
        rows.append(_row("gcp", "nat", "gateway-hour", region, "hour", float(gateway), **common))
    data = _dig(pricing, "compute", "network", "nat", "data", "cost", region, "month")
    if data is not None:
        rows.append(_row("gcp", "nat", "data-processed", region, "gb", float(data), **common))
    egress = _dig(pricing, "compute", "network", "traffic", "egress", "internet", "cost", "0-1", region, "month")
    if egress is not None:
        rows.append(_row("gcp", "network", "internet-egress-0-1tib", region, "gb", float(egress), **common))
    return rows


def anycloud_records(text: str, width: int) -> list[list[str]]:
    """Rows of an anycloud (SkyPilot-format) CSV, cut to the header's width (a few Azure rows carry
    an unquoted `V1,V2` generation and so one extra field)."""
    return [record[:width] for record in csv.reader(io.StringIO(text))]


def gcp_accelerators(text: str, regions: Iterable[str], source: Source) -> tuple[list[PriceRow], dict[str, Any]]:
    """Per-GPU accelerator rows (mean over the region's zones) and availability per region."""
    records = anycloud_records(text, 10)
    header = records[0]
    wanted = set(regions)
    per: dict[tuple[str, str], dict[str, list[float]]] = defaultdict(lambda: {"usd": [], "spot": []})
    where: dict[str, set[str]] = defaultdict(set)
    all_regions: set[str] = set()
    for values in records[1:]:
        record = dict(zip(header, values, strict=True))
        all_regions.add(record["Region"])
        name = GCP_ACCELERATORS.get(record["AcceleratorName"])
        if record["InstanceType"] or name is None:
            continue
        where[name].add(record["Region"])
        count = float(record["AcceleratorCount"])
        if record["Region"] in wanted and count == 1:
            entry = per[(name, record["Region"])]
            entry["usd"].append(float(record["Price"]))
            if record["SpotPrice"]:
                entry["spot"].append(float(record["SpotPrice"]))
    rows = [
        _row(
            "gcp",
            "accelerator",
            name,
            region,
            "hour",
            _round(fmean(entry["usd"])),
            spot_usd=_round(fmean(entry["spot"])) if entry["spot"] else None,
            gpu=_gpu_text(1, "NVIDIA", next(k for k, v in GCP_ACCELERATORS.items() if v == name)),
            source=source.id,
            read_on=source.date,
        )
        for (name, region), entry in sorted(per.items())
    ]
    return rows, {"accelerators": {n: sorted(r) for n, r in sorted(where.items())}, "regions": sorted(all_regions)}


def gcp_known(pricing: Json, anycloud: Mapping[str, Any], anycloud_text: str) -> dict[str, Any]:
    specs: dict[str, SizeSpec] = {}
    for values in anycloud_records(anycloud_text, 10)[1:]:
        if values[0] and values[1]:
            specs[values[0]] = SizeSpec(float(values[1]), float(values[2]), "")
    for machine, spec in (_dig(pricing, "compute", "instance") or {}).items():
        specs[machine] = SizeSpec(float(spec["cpu"]), float(spec["ram"]), _gcp_gpu(spec) or "")
    regions = set(anycloud["regions"]) | set(_dig(pricing, "region") or {})
    return {
        "regions": sorted(regions),
        "sizes": {name: _spec_list(specs[name]) for name in sorted(specs)},
        "accelerators": anycloud["accelerators"],
        "sources": ["cyclenerd-gcp (machine types)", "anycloud-gcp (machine types, regions, GPUs per region)"],
    }


# --- Azure ---------------------------------------------------------------------------------


def anycloud_azure(text: str, regions: Iterable[str], source: Source) -> tuple[list[PriceRow], dict[str, Any]]:
    records = anycloud_records(text, 10)
    header = records[0]
    wanted = set(regions)
    rows: list[PriceRow] = []
    specs: dict[str, SizeSpec] = {}
    all_regions: set[str] = set()
    for values in records[1:]:
        record = dict(zip(header, values, strict=True))
        size, region = record["InstanceType"], record["Region"]
        all_regions.add(region)
        gpu = (
            _gpu_text(
                float(record["AcceleratorCount"] or 1),
                "NVIDIA" if record["AcceleratorName"] else "",
                record["AcceleratorName"],
            )
            if record["AcceleratorName"]
            else None
        )
        spec = SizeSpec(float(record["vCPUs"]), float(record["MemoryGiB"]), gpu or "")
        specs.setdefault(size, spec)
        if region in wanted and record["Price"]:
            rows.append(
                _row(
                    "azure",
                    "instance",
                    size,
                    region,
                    "hour",
                    float(record["Price"]),
                    spot_usd=float(record["SpotPrice"]) if record["SpotPrice"] else None,
                    vcpu=spec.vcpu,
                    memory_gib=spec.memory_gib,
                    gpu=gpu,
                    source=source.id,
                    read_on=source.date,
                )
            )
    unique = {r.key: r for r in rows}
    known = {
        "regions": sorted(all_regions),
        "sizes": {name: _spec_list(specs[name]) for name in sorted(specs)},
        "sources": ["anycloud-azure (sizes and regions of the Azure Retail Prices API snapshot)"],
    }
    return sorted(unique.values(), key=lambda r: (r.region, r.sku)), known


def azure_rows(items: Iterable[Json], sizes: Iterable[str] | None, region: str, read_on: str) -> list[PriceRow]:
    """Azure VM rows (on-demand and spot) from saved Azure Retail Prices API pages (`Items`)."""
    wanted = set(sizes) if sizes is not None else None
    prices: dict[str, dict[str, float]] = {}
    for item in items:
        sku = item.get("armSkuName", "")
        text = f"{item.get('productName', '')} {item.get('skuName', '')} {item.get('meterName', '')}"
        if (
            not sku
            or (wanted is not None and sku not in wanted)
            or item.get("armRegionName") != region
            or item.get("type") != "Consumption"
            or item.get("unitOfMeasure") != "1 Hour"
            or item.get("serviceName", "Virtual Machines") != "Virtual Machines"
            or "Windows" in text
            or "Low Priority" in text
        ):
            continue
        spot = "Spot" in f"{item.get('skuName', '')} {item.get('meterName', '')}"
        prices.setdefault(sku, {})["spot" if spot else "usd"] = float(item["retailPrice"])
    return [
        _row(
            "azure",
            "instance",
            sku,
            region,
            "hour",
            found.get("usd"),
            spot_usd=found.get("spot"),
            source=AZURE_SOURCE,
            read_on=read_on,
        )
        for sku, found in sorted(prices.items())
        if "usd" in found
    ]


# --- DigitalOcean ----------------------------------------------------------------------------

DO_SIZE = re.compile(
    r'description\s*=\s*"(?P<ram>[\d.]+)(?P<unit>GB|MB) RAM; (?P<cpu>\d+) CPU;[^"]*- \$(?P<month>[\d.]+)/mo"\s*\n'
    r'\s*default\s*=\s*"(?P<slug>[^"]+)"'
)


DO_GPU_SLUG = re.compile(r"^gpu-(?P<model>[a-z0-9]+?)x(?P<count>\d+)-")


def do_gpu(slug: str) -> str | None:
    """The GPUs a GPU droplet slug names (`gpu-h100x8-640gb` -> `8x H100`); the API's description omits them."""
    match = DO_GPU_SLUG.match(slug)
    return f"{match['count']}x {match['model'].upper()}" if match else None


def do_sizes(text: str) -> dict[str, tuple[SizeSpec, float]]:
    """Every droplet slug of `do_sizes.tf`: its specs and monthly price."""
    sizes = {}
    for match in DO_SIZE.finditer(text):
        ram = float(match["ram"]) / (1024 if match["unit"] == "MB" else 1)
        spec = SizeSpec(float(match["cpu"]), ram, do_gpu(match["slug"]) or "")
        sizes[match["slug"]] = (spec, float(match["month"]))
    if not sizes:
        raise SourceError("do_sizes.tf: no droplet size found")
    return sizes


def skypilot_do(text: str) -> dict[str, float]:
    return {record["InstanceType"]: float(record["Price"]) for record in csv.DictReader(io.StringIO(text))}


def do_rows(
    sizes: Mapping[str, tuple[SizeSpec, float]], skypilot: Mapping[str, float], sources: Mapping[str, Source]
) -> list[PriceRow]:
    """CPU droplets (global prices); GPU droplets are left to the curated pricing-page rows."""
    tf, sky = sources["do-sizes-tf"], sources["skypilot-do-v6"]
    rows = []
    for slug, (spec, month) in sorted(sizes.items()):
        if slug.startswith("gpu-"):
            continue
        hourly = _round(month / DO_BILLED_HOURS)
        source = tf.id
        if slug in skypilot and abs(skypilot[slug] - hourly) < 1e-5:
            source = f"{tf.id} | {sky.id}"
        rows.append(
            _row(
                "digitalocean",
                "instance",
                slug,
                "global",
                "hour",
                hourly,
                vcpu=spec.vcpu,
                memory_gib=spec.memory_gib,
                source=source,
                read_on=tf.date,
            )
        )
    return rows


def do_known(sizes: Mapping[str, tuple[SizeSpec, float]], skypilot_text: str) -> dict[str, Any]:
    import pulumi_digitalocean

    slugs = {s.value for s in pulumi_digitalocean.DropletSlug} | set(sizes)
    regions = {r.value for r in pulumi_digitalocean.Region}
    regions |= {record["Region"] for record in csv.DictReader(io.StringIO(skypilot_text))}
    version = pulumi_digitalocean._utilities.get_version()
    return {
        "regions": sorted(regions),
        "sizes": {s: _spec_list(sizes[s][0] if s in sizes else SizeSpec()) for s in sorted(slugs)},
        "sources": [
            "do-sizes-tf (the DigitalOcean /v2/sizes API)",
            f"pulumi_digitalocean {version}: pulumi_digitalocean.Region, pulumi_digitalocean.DropletSlug",
            "skypilot-do-v6 (regions)",
        ],
    }


# --- curated rows and assembly -------------------------------------------------------------


def curated_rows(path: Path) -> list[PriceRow]:
    """Rows a person read from pricing pages, each with its sources (`sources/curated.csv`)."""
    return read_rows(path, CURATED_COLUMNS)


def _spec_list(spec: SizeSpec) -> list[Any] | None:
    return None if spec == SizeSpec() else [spec.vcpu, spec.memory_gib, spec.gpu]


@dataclass
class Build:
    rows: list[PriceRow]
    known: dict[str, Any]
    replaced: list[tuple[str, str, str, str]]


def build(sources_dir: Path = SOURCES_DIR, fetched: Sequence[Path] | None = None) -> Build:
    """The catalog rows and the validity lists from the saved sources."""
    manifest = read_manifest(sources_dir)
    fetched = default_fetched_dirs() if fetched is None else fetched

    def text(key: str) -> str:
        return locate(manifest[key], sources_dir, fetched).read_text(encoding="utf-8")

    skypilot = skypilot_aws(text("skypilot-aws-v9"), REGIONS["aws"])
    karpenter = karpenter_prices(text("karpenter-aws-us-east-1"))
    generated = aws_rows(skypilot, karpenter, manifest)
    known: dict[str, Any] = {"aws": aws_known(skypilot[1], karpenter[0])}

    pricing = yaml.load(text("cyclenerd-gcp"), Loader=SAFE_LOADER)  # noqa: S506 - a SafeLoader, in C where built
    for region in REGIONS["gcp"]:
        generated += gcp_rows(pricing, None, region)
    anycloud_gcp_text = text("anycloud-gcp")
    accelerators, gcp_lists = gcp_accelerators(anycloud_gcp_text, REGIONS["gcp"], manifest["anycloud-gcp"])
    generated += accelerators
    known["gcp"] = gcp_known(pricing, gcp_lists, anycloud_gcp_text)

    azure, known["azure"] = anycloud_azure(text("anycloud-azure"), REGIONS["azure"], manifest["anycloud-azure"])
    generated += azure

    sizes = do_sizes(text("do-sizes-tf"))
    do_text = text("skypilot-do-v6")
    generated += do_rows(sizes, skypilot_do(do_text), manifest)
    known["digitalocean"] = do_known(sizes, do_text)

    curated = curated_rows(sources_dir / "curated.csv")
    by_key = {row.key: row for row in generated}
    replaced = [row.key for row in curated if row.key in by_key]
    for row in curated:
        spec_list = known.get(row.provider, {}).get("sizes", {}).get(row.sku) if row.service == "instance" else None
        by_key[row.key] = with_specs(row, SizeSpec(*spec_list) if spec_list else None)
    dates = sorted({s.date for s in manifest.values()})
    document = {"generated_on": dates[-1], "providers": known}
    return Build(list(by_key.values()), document, replaced)


def _cell(value: float | str | None) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".12g")
    return value


def catalog_text(rows: Iterable[PriceRow]) -> str:
    """The catalog CSV with the canonical header."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(getattr(row, column)) for column in COLUMNS])
    return out.getvalue()


def write_rows(path: Path, rows: Iterable[PriceRow]) -> None:
    path.write_text(catalog_text(rows), encoding="utf-8")


def known_text(document: Mapping[str, Any]) -> str:
    return json.dumps(document, separators=(",", ":"), sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n", 1)[0])
    parser.add_argument("--sources", type=Path, default=SOURCES_DIR, help="committed sources and manifest")
    parser.add_argument("--fetched", type=Path, action="append", help="directory of the uncommitted sources")
    parser.add_argument("--catalog", type=Path, default=CATALOG_PATH)
    parser.add_argument("--known", type=Path, default=KNOWN_PATH)
    parser.add_argument("--check", action="store_true", help="compare with the committed files, write nothing")
    args = parser.parse_args(argv)
    try:
        result = build(args.sources, args.fetched)
    except SourceError as exc:
        print(f"rebuild: {exc}", file=sys.stderr)
        return 2
    outputs = {args.catalog: catalog_text(result.rows), args.known: known_text(result.known)}
    if args.check:
        stale = [str(p) for p, t in outputs.items() if not p.is_file() or p.read_text(encoding="utf-8") != t]
        print(f"stale: {', '.join(stale)}" if stale else "catalog and validity lists are up to date")
        return 1 if stale else 0
    for path, content in outputs.items():
        path.write_text(content, encoding="utf-8")
    per: dict[str, int] = defaultdict(int)
    for row in result.rows:
        per[row.provider] += 1
    print(
        f"{len(result.rows)} rows ({', '.join(f'{p} {n}' for p, n in sorted(per.items()))}); "
        f"{len(result.replaced)} generated rows replaced by curated rows"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
