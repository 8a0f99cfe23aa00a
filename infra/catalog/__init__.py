"""Committed multi-cloud pricing catalog (``catalog.csv``) and its cached loader.

The catalog is read on every config validation, so parsing uses the stdlib ``csv``
module only and the parsed result is cached per resolved path.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CATALOG_PATH = Path(__file__).with_name("catalog.csv")
COLUMNS = (
    "provider",
    "service",
    "sku",
    "region",
    "unit",
    "usd",
    "spot_usd",
    "vcpu",
    "memory_gib",
    "gpu",
    "source",
    "read_on",
)
GLOBAL_REGION = "global"

__all__ = ["CATALOG_PATH", "COLUMNS", "Catalog", "PriceRow", "load_catalog"]


@dataclass(frozen=True, slots=True)
class PriceRow:
    """One catalog row; numeric columns are ``None`` when the CSV cell is empty."""

    provider: str
    service: str
    sku: str
    region: str
    unit: str
    usd: float | None
    spot_usd: float | None
    vcpu: float | None
    memory_gib: float | None
    gpu: str | None
    source: str
    read_on: str

    @classmethod
    def from_record(cls, record: dict[str, str]) -> PriceRow:
        """Build a row from a ``csv.DictReader`` record."""
        return cls(
            provider=record["provider"].strip(),
            service=record["service"].strip(),
            sku=record["sku"].strip(),
            region=record["region"].strip(),
            unit=record["unit"].strip(),
            usd=_number(record["usd"]),
            spot_usd=_number(record["spot_usd"]),
            vcpu=_number(record["vcpu"]),
            memory_gib=_number(record["memory_gib"]),
            gpu=record["gpu"].strip() or None,
            source=record["source"].strip(),
            read_on=record["read_on"].strip(),
        )

    @property
    def key(self) -> tuple[str, str, str, str]:
        """Unique identity of the row inside a catalog."""
        return (self.provider, self.service, self.sku, self.region)


def _number(cell: str | None) -> float | None:
    """Parse an optional numeric CSV cell."""
    text = (cell or "").strip()
    return float(text) if text else None


class Catalog:
    """Indexed, read-only view over the catalog rows."""

    def __init__(self, rows: Iterable[PriceRow]) -> None:
        self._rows = tuple(rows)
        self._by_key: dict[tuple[str, str, str, str], PriceRow] = {}
        for row in self._rows:
            if row.key in self._by_key:
                raise ValueError(f"duplicate catalog row {row.key}")
            self._by_key[row.key] = row

    def __iter__(self) -> Iterator[PriceRow]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    @property
    def rows(self) -> tuple[PriceRow, ...]:
        """All rows in file order."""
        return self._rows

    def price(self, provider: str, service: str, sku: str, region: str) -> PriceRow | None:
        """Row for ``sku`` in ``region``, falling back to the ``global`` row."""
        row = self._by_key.get((provider, service, sku, region))
        if row is None and region != GLOBAL_REGION:
            row = self._by_key.get((provider, service, sku, GLOBAL_REGION))
        return row

    def instance(self, provider: str, sku: str, region: str) -> PriceRow | None:
        """Instance/VM/droplet row (``global`` fallback covers DigitalOcean)."""
        return self.price(provider, "instance", sku, region)

    def skus(self, provider: str, service: str, region: str | None = None) -> frozenset[str]:
        """SKUs of a provider's service, optionally limited to a region (plus ``global``)."""
        return frozenset(
            row.sku
            for row in self._rows
            if row.provider == provider
            and row.service == service
            and (region is None or row.region in (region, GLOBAL_REGION))
        )


def read_rows(path: Path) -> list[PriceRow]:
    """Parse a catalog CSV file, checking the header."""
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise ValueError(f"{path}: unexpected header {reader.fieldnames}")
        return [PriceRow.from_record(record) for record in reader]


@cache
def _load(path: Path) -> Catalog:
    return Catalog(read_rows(path))


def load_catalog(path: Path | None = None) -> Catalog:
    """Load (once per resolved path) and return the pricing catalog."""
    return _load(Path(path or CATALOG_PATH).resolve())
