"""Rebuild GCP and Azure catalog rows from downloaded price files (no network needed).

Inputs, fetched beforehand by whoever has internet access:

* GCP: ``pricing.yml`` from github.com/Cyclenerd/google-cloud-pricing-cost-calculator
  (generated from the Cloud Billing Catalog).
* Azure: one or more saved Azure Retail Prices API pages
  (``https://prices.azure.com/api/retail/prices?$filter=...``), each ``{"Items": [...]}``.

Usage::

    python -m infra.catalog.rebuild --gcp-pricing pricing.yml \
        --azure-json eastus-vms.json --azure-read-on 2026-01-31 [--output new.csv]

Rows already in the catalog are updated in place (specs such as vCPU and memory are
kept when the price file lacks them); requested SKUs not yet in the catalog are appended.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # allow ``python infra/catalog/rebuild.py``
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from infra.catalog import CATALOG_PATH, COLUMNS, PriceRow, read_rows

GCP_SOURCE = "Cyclenerd/google-cloud-pricing-cost-calculator@pricing.yml"
AZURE_SOURCE = "Azure Retail Prices API (prices.azure.com/api/retail/prices)"
GCS_CLASSES = {"standard": "STANDARD", "nearline": "NEARLINE", "coldline": "COLDLINE", "archiv": "ARCHIVE"}
GCP_DISKS = {"balanced": "pd-balanced", "ssd": "pd-ssd", "hdd": "pd-standard"}
GCP_NON_GPU_KEYS = {"cost", "cpu", "ram", "type"}

Json = Mapping[str, Any]


def _dig(data: Json, *keys: str) -> Any:
    """Walk nested mappings, returning ``None`` when a key is missing."""
    node: Any = data
    for key in keys:
        if not isinstance(node, Mapping) or key not in node:
            return None
        node = node[key]
    return node


def gcp_generated_on(pricing: Json) -> str:
    """Generation date of a Cyclenerd ``pricing.yml`` (UTC, ``YYYY-MM-DD``)."""
    stamp = _dig(pricing, "about", "timestamp")
    if stamp is not None:
        return datetime.fromtimestamp(int(stamp), tz=UTC).date().isoformat()
    generated = str(_dig(pricing, "about", "generated"))
    return datetime.strptime(" ".join(generated.split()), "%a %b %d %H:%M:%S %Y").date().isoformat()


def _gcp_gpu(spec: Json) -> str | None:
    """Describe built-in accelerators of a machine type (e.g. ``l4: 1``)."""
    parts = [f"{count}x NVIDIA {name.upper()}" for name, count in spec.items() if name not in GCP_NON_GPU_KEYS]
    return ", ".join(parts) or None


def _row(provider: str, service: str, sku: str, region: str, unit: str, usd: float | None, **extra: Any) -> PriceRow:
    """Build a row with empty defaults for the optional columns."""
    fields: dict[str, Any] = {"spot_usd": None, "vcpu": None, "memory_gib": None, "gpu": None}
    fields.update(extra)
    return PriceRow(provider=provider, service=service, sku=sku, region=region, unit=unit, usd=usd, **fields)


def gcp_rows(pricing: Json, machine_types: Iterable[str], region: str) -> list[PriceRow]:
    """GCP instance, storage, disk, NAT and egress rows for one region."""
    read_on = gcp_generated_on(pricing)
    common = {"source": GCP_SOURCE, "read_on": read_on}
    rows: list[PriceRow] = []
    for machine in machine_types:
        spec = _dig(pricing, "compute", "instance", machine)
        cost = _dig(spec or {}, "cost", region)
        if not spec or not cost or "hour" not in cost:
            continue
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


def _is_linux_consumption(item: Json, region: str) -> bool:
    """Pay-as-you-go hourly Linux VM meter in ``region`` (spot meters included)."""
    text = f"{item.get('productName', '')} {item.get('skuName', '')} {item.get('meterName', '')}"
    return (
        item.get("armRegionName") == region
        and item.get("type") == "Consumption"
        and item.get("unitOfMeasure") == "1 Hour"
        and item.get("serviceName", "Virtual Machines") == "Virtual Machines"
        and "Windows" not in text
        and "Low Priority" not in text
    )


def azure_rows(items: Iterable[Json], sizes: Iterable[str] | None, region: str, read_on: str) -> list[PriceRow]:
    """Azure VM rows (on-demand and spot) from Retail Prices API items."""
    wanted = set(sizes) if sizes is not None else None
    prices: dict[str, dict[str, float]] = {}
    for item in items:
        sku = item.get("armSkuName", "")
        if not sku or (wanted is not None and sku not in wanted) or not _is_linux_consumption(item, region):
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


def merge_rows(existing: Sequence[PriceRow], fresh: Iterable[PriceRow]) -> list[PriceRow]:
    """Update matching rows' prices (keeping known specs) and append new rows."""
    merged = list(existing)
    index = {row.key: position for position, row in enumerate(merged)}
    for row in fresh:
        if row.key not in index:
            index[row.key] = len(merged)
            merged.append(row)
            continue
        old = merged[index[row.key]]
        merged[index[row.key]] = replace(
            old,
            usd=row.usd,
            spot_usd=row.spot_usd,
            vcpu=row.vcpu if row.vcpu is not None else old.vcpu,
            memory_gib=row.memory_gib if row.memory_gib is not None else old.memory_gib,
            gpu=row.gpu if row.gpu is not None else old.gpu,
            source=row.source,
            read_on=row.read_on,
        )
    return merged


def _cell(value: float | str | None) -> str:
    """Format a CSV cell (compact floats, empty for ``None``)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return format(value, ".12g")
    return value


def write_rows(path: Path, rows: Iterable[PriceRow]) -> None:
    """Write rows as a catalog CSV with the canonical header."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in rows:
            writer.writerow([_cell(getattr(row, column)) for column in COLUMNS])


def _skus(rows: Iterable[PriceRow], provider: str, region: str) -> list[str]:
    return [row.sku for row in rows if row.provider == provider and row.service == "instance" and row.region == region]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--catalog", type=Path, default=CATALOG_PATH, help="catalog to update")
    parser.add_argument("--output", type=Path, help="where to write (default: --catalog)")
    parser.add_argument("--gcp-pricing", type=Path, help="Cyclenerd pricing.yml")
    parser.add_argument("--gcp-region", default="us-central1")
    parser.add_argument("--gcp-machine-type", action="append", default=[], help="extra machine type")
    parser.add_argument("--azure-json", type=Path, action="append", default=[], help="Retail Prices API page")
    parser.add_argument("--azure-region", default="eastus")
    parser.add_argument("--azure-size", action="append", default=[], help="extra VM size (armSkuName)")
    parser.add_argument("--azure-read-on", default=date.today().isoformat(), help="date the pages were saved")
    args = parser.parse_args(argv)

    rows = read_rows(args.catalog)
    fresh: list[PriceRow] = []
    if args.gcp_pricing:
        pricing = yaml.safe_load(args.gcp_pricing.read_text(encoding="utf-8"))
        machines = _skus(rows, "gcp", args.gcp_region) + args.gcp_machine_type
        fresh += gcp_rows(pricing, dict.fromkeys(machines), args.gcp_region)
    if args.azure_json:
        items = [item for page in args.azure_json for item in json.loads(page.read_text(encoding="utf-8"))["Items"]]
        sizes = _skus(rows, "azure", args.azure_region) + args.azure_size
        fresh += azure_rows(items, sizes, args.azure_region, args.azure_read_on)
    merged = merge_rows(rows, fresh)
    write_rows(args.output or args.catalog, merged)
    print(f"{len(fresh)} rows rebuilt, {len(merged) - len(rows)} added, {len(merged)} total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
