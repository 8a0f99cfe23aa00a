"""The types of an estimate and the ONE pricer every provider's rules share.

A provider module (`infra/cost/rules/<provider>.py`) holds two tables keyed by the Pulumi type
token of a resource:

- `RULES`: a function `(record, ctx) -> list[LineItem]` that prices the resource;
- `FREE`: resource types with no charge of their own, each with the reason (IAM roles, route
  tables, bucket sub-resources priced through their bucket, ...).

A type in neither table is an error ("not priced" is a decision, never an accident), and so is
a price the catalog does not have: `PricingContext.price` raises `MissingPriceError` naming the
provider, service, SKU and region. The estimate collects every such problem and reports them
at once (`CostError`).

A rule only *reads* its resource into a provider-neutral description (`TierReading`,
`FunctionReading`, a bucket's lifecycle steps, ...); the pricing flow itself (hours, spot,
scale-to-zero, reference sizes, per-instance disks, requests and GB-seconds, NAT, storage
tiers) lives once, here. A new cost lever is added in this module alone.

Savings: a line item carries what each cost lever saved against the baseline of the same
capacity (on-demand, always on, untiered, at the reference environment's instance size), so
`baseline = monthly + sum(savings)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from infra.catalog import Catalog
from infra.config import BucketClass, PlatformConfig, Tier, TierMachine, TierScaling, Usage
from infra.plan.records import ResourceRecord


class CostError(Exception):
    """Every resource the cost model could not price, one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("cannot estimate the monthly cost:\n" + "\n".join(f"  - {p}" for p in problems))


class MissingPriceError(LookupError):
    """A price the catalog does not have (raised by a rule, collected by the estimate)."""


class Lever(StrEnum):
    """The platform's cost levers, in the order their savings are attributed."""

    right_size = "right-size"
    scale_to_zero = "scale-to-zero"
    spot = "spot"
    storage_tiering = "storage-tiering"


@dataclass(frozen=True)
class LineItem:
    """One priced part of a resource: `monthly_usd` now, and what each lever saved."""

    label: str
    monthly_usd: float
    savings: Mapping[Lever, float] = field(default_factory=dict)
    unpriced: str | None = None  # why a charge known to exist has no price (a catalog row without usd)

    @property
    def baseline_usd(self) -> float:
        return self.monthly_usd + sum(self.savings.values())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "monthly": round(self.monthly_usd, 4)}
        if self.savings:
            data["savings"] = {lever.value: round(v, 4) for lever, v in self.savings.items()}
        if self.unpriced:
            data["unpriced"] = self.unpriced
        return data


Rule = Callable[[ResourceRecord, "PricingContext"], list[LineItem]]


@dataclass
class PricingContext:
    """What a rule may use: the plan's records, the stack config, the catalog, the reference env."""

    config: PlatformConfig
    catalog: Catalog
    records: list[ResourceRecord]
    reference: PlatformConfig | None = None
    _by_id: dict[str, ResourceRecord] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        self._by_id = {r.id: r for r in self.records if r.id}

    @property
    def usage(self) -> Usage:
        return self.config.usage

    @property
    def hours(self) -> float:
        return self.config.usage.hours_per_month

    def by_id(self, resource_id: str) -> ResourceRecord | None:
        return self._by_id.get(resource_id)

    def find(self, type_token: str, **inputs: Any) -> list[ResourceRecord]:
        """Records of a type whose inputs have the given top-level values."""
        return [
            r for r in self.records if r.type == type_token and all(r.inputs.get(k) == v for k, v in inputs.items())
        ]

    def region(self, provider: str) -> str:
        return str(getattr(getattr(self.config, provider), "region", "global"))

    def price(self, provider: str, service: str, sku: str, *, spot: bool = False) -> float:
        """Unit price in the provider's region (or `global`); MissingPriceError when the catalog lacks it."""
        region = self.region(provider)
        row = self.catalog.price(provider, service, sku, region)
        value = None if row is None else (row.spot_usd if spot else row.usd)
        if value is None:
            kind = "spot price" if spot and row is not None else "price"
            raise MissingPriceError(
                f"no {kind} for {provider} {service} {sku!r} in {region} (or global) in infra/catalog/catalog.csv"
            )
        return value

    def charge(self, label: str, quantity: float, provider: str, service: str, sku: str) -> LineItem:
        """`quantity x unit price`. A catalog row without a price (its source says why) gives an
        explicitly unpriced item that the report lists; a missing row raises MissingPriceError."""
        row = self.catalog.price(provider, service, sku, self.region(provider))
        if row is not None and row.usd is None and row.spot_usd is None:
            return LineItem(label, 0.0, unpriced=f"{provider} {service} {sku}: {row.source}")
        return per_unit(label, quantity, self.price(provider, service, sku))

    def scaling(self, tier: str) -> TierScaling:
        return getattr(self.config.autoscaling, Tier(tier).value)  # type: ignore[no-any-return]


# --- shared arithmetic ----------------------------------------------------------------


@dataclass(frozen=True)
class HourlyPrices:
    """Per-instance hourly prices of one tier: on-demand, spot, and the reference size on-demand."""

    on_demand: float
    spot: float | None = None
    reference: float | None = None


def instance_group(
    label: str,
    prices: HourlyPrices,
    *,
    minimum: int,
    desired: int,
    spot_fraction: float,
    busy_hours: float,
    hours: float,
) -> LineItem:
    """`desired x price x hours`; a tier with minimum 0 runs one instance for `busy_hours`.

    Spot applies to `spot_fraction` of the instance-hours. Savings, in lever order, against the
    same capacity always on (one instance for a scale-to-zero tier), on-demand, at the
    reference size: right-size, then scale-to-zero, then spot.
    """
    always_on = max(desired, 1) if minimum == 0 else desired
    instance_hours = busy_hours if minimum == 0 else desired * hours
    spot_price = prices.spot if prices.spot is not None else prices.on_demand
    blended = prices.on_demand * (1 - spot_fraction) + spot_price * spot_fraction
    savings: dict[Lever, float] = {}
    if prices.reference is not None and prices.reference != prices.on_demand:
        savings[Lever.right_size] = (prices.reference - prices.on_demand) * always_on * hours
    if minimum == 0:
        savings[Lever.scale_to_zero] = prices.on_demand * (always_on * hours - instance_hours)
    if spot_fraction > 0:
        savings[Lever.spot] = (prices.on_demand - blended) * instance_hours
    return LineItem(label, blended * instance_hours, savings)


def tier_shares(transitions: Iterable[tuple[int, str]], expire_days: int | None, horizon_days: int) -> dict[str, float]:
    """Share of the stored GB in each tier, for a steady write rate and objects kept `horizon` days.

    `transitions` are `(age in days, tier)` steps after the first (standard) tier, which is keyed
    `""`. An object expires after `expire_days` if set, else it is kept `horizon_days`.
    """
    horizon = float(expire_days or horizon_days)
    steps = sorted((days, tier) for days, tier in transitions if days < horizon)
    bounds = [0.0, *(float(d) for d, _ in steps), horizon]
    names = ["", *(tier for _, tier in steps)]
    return {name: (bounds[i + 1] - bounds[i]) / horizon for i, name in enumerate(names)}


def stored_gb(
    label: str,
    gb: float,
    prices: Mapping[str, float],
    shares: Mapping[str, float],
) -> LineItem:
    """GB-month at each tier's price; the untiered baseline keeps every GB in the first tier (`""`)."""
    monthly = sum(gb * share * prices[tier] for tier, share in shares.items())
    baseline = gb * prices[""]
    savings = {Lever.storage_tiering: baseline - monthly} if len(shares) > 1 else {}
    return LineItem(label, monthly, savings)


def per_unit(label: str, quantity: float, unit_price: float) -> LineItem:
    """A usage- or count-based charge (requests, GB, alarm-months, key-months ...)."""
    return LineItem(label, quantity * unit_price)


def tag_value(inputs: Mapping[str, Any], key: str, field_name: str = "tags") -> str | None:
    """A tag from a map (`{k: v}`) or a list of `{key, value}` pairs."""
    tags = inputs.get(field_name)
    if isinstance(tags, Mapping):
        value = tags.get(key)
        return None if value is None else str(value)
    if isinstance(tags, list):
        return next((str(t.get("value")) for t in tags if isinstance(t, Mapping) and t.get("key") == key), None)
    return None


def function_requests_millions(usage: Usage, *names: str) -> float:
    """Requests a month (millions) for a function, by any of its names (config key or kebab slug)."""
    overrides = {k.replace("_", "-"): v for k, v in usage.function_requests.items()}
    for name in names:
        if name and name.replace("_", "-") in overrides:
            return overrides[name.replace("_", "-")]
    return usage.function_requests_millions


def bucket_gb(usage: Usage, name: str, bucket_class: str | None = None) -> float:
    """GB assumed for a bucket: its class's `storage_gb` (tag, or the `-<class>` name suffix), else logs."""
    classes = {c.value: c for c in BucketClass}
    found = classes.get(bucket_class or "") or next((c for v, c in classes.items() if name.endswith(f"-{v}")), None)
    return usage.storage_gb.get(found, 0.0) if found else usage.log_storage_gb


def tiered_storage(
    ctx: PricingContext,
    provider: str,
    gb: float,
    first_tier: str,
    transitions: list[tuple[int, str]],
    expire_days: int | None,
    prefix: str = "",
) -> LineItem:
    """GB split across the tiers its lifecycle declares, priced per tier (see `tier_shares`)."""
    shares = tier_shares(transitions, expire_days, ctx.usage.storage_horizon_days)
    prices = {tier: ctx.price(provider, "storage", tier or first_tier) for tier in shares}
    split = ", ".join(f"{share:.0%} {tier or first_tier}" for tier, share in shares.items())
    return stored_gb(f"{prefix}{gb:g} GB ({split})", gb, prices, shares)


# --- the shared pricer: tiers, serverless functions, NAT -------------------------------


@dataclass(frozen=True)
class Disk:
    """A disk each instance of a tier carries (root/OS/boot volume)."""

    gb: float
    kind: str
    what: str = "disk"


@dataclass(frozen=True)
class TierReading:
    """What a provider rule reads out of a tier's resources; `price_tier` does the rest.

    `machine` is one instance (size plus accelerators), `spot_fraction` the share of
    instance-hours on spot, `hour_cap` a provider's monthly billing cap per instance.
    """

    machine: TierMachine
    tier: str | None
    minimum: int
    desired: int
    spot_fraction: float = 0.0
    disks: tuple[Disk, ...] = ()
    hour_cap: float | None = None

    @property
    def label(self) -> str:
        gpus = ", ".join(f"{count}x {kind}" for kind, count in self.machine.accelerators)
        return f"{self.machine.size}{' + ' + gpus if gpus else ''}"


def hourly(ctx: PricingContext, provider: str, machine: TierMachine, *, spot: bool = False) -> float:
    """One instance-hour of `machine`: the size plus its accelerators."""
    price = ctx.price(provider, "instance", machine.size, spot=spot)
    for kind, count in machine.accelerators:
        price += count * ctx.price(provider, "accelerator", kind, spot=spot)
    return price


def price_tier(ctx: PricingContext, provider: str, reading: TierReading) -> list[LineItem]:
    """A tier's instances (spot, scale-to-zero and right-size levers) and the disks they carry."""
    hours = ctx.hours if reading.hour_cap is None else min(ctx.hours, reading.hour_cap)
    reference = None
    if ctx.reference is not None and reading.tier:
        reference = hourly(ctx, provider, ctx.reference.tier_machines(provider)[Tier(reading.tier)])
    prices = HourlyPrices(
        on_demand=hourly(ctx, provider, reading.machine),
        spot=hourly(ctx, provider, reading.machine, spot=True) if reading.spot_fraction else None,
        reference=reference,
    )
    minimum, desired, spot_fraction = reading.minimum, reading.desired, reading.spot_fraction
    busy = min(ctx.scaling(reading.tier).busy_hours, hours) if reading.tier else 0.0
    count = f"{busy:g} busy h" if minimum == 0 else f"{desired} x {hours:g} h"
    kind = "spot" if spot_fraction == 1 else "on-demand" if not spot_fraction else f"{spot_fraction:.0%} spot"
    item = instance_group(
        f"{reading.label} {kind}, {count}",
        prices,
        minimum=minimum,
        desired=desired,
        spot_fraction=spot_fraction,
        busy_hours=busy,
        hours=hours,
    )
    instance_hours = busy if minimum == 0 else desired * hours
    disks = [
        ctx.charge(
            f"{d.gb:g} GB {d.kind} {d.what} per instance", d.gb * instance_hours / ctx.hours, provider, "disk", d.kind
        )
        for d in reading.disks
        if d.gb
    ]
    return [item, *disks]


@dataclass(frozen=True)
class FunctionReading:
    """A serverless function billed per request and per GB-second of memory."""

    names: tuple[str, ...]  # the names its usage may be configured under (config key, resource name)
    memory_gb: float
    request_noun: str = "requests"


def price_function(ctx: PricingContext, provider: str, reading: FunctionReading) -> list[LineItem]:
    """Requests and GB-seconds from the stack's usage assumptions."""
    millions = function_requests_millions(ctx.usage, *reading.names)
    gb_seconds = millions * 1e6 * ctx.usage.function_avg_duration_ms / 1000 * reading.memory_gb
    return [
        ctx.charge(f"{millions:g} M {reading.request_noun}", millions, provider, "function", "requests"),
        ctx.charge(f"{gb_seconds:,.0f} GB-s", gb_seconds, provider, "function", "gb-second"),
    ]


def price_nat(ctx: PricingContext, provider: str, *, processed: bool = True) -> list[LineItem]:
    """A managed NAT gateway: always-on hours, and the GB it processes where the catalog prices them."""
    items = [ctx.charge(f"{ctx.hours:g} gateway-hours", ctx.hours, provider, "nat", "gateway-hour")]
    if processed:
        gb = ctx.usage.nat_processed_gb
        items.append(ctx.charge(f"{gb:g} GB processed", gb, provider, "nat", "data-processed"))
    return items
