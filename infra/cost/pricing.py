"""The types of an estimate and the ONE pricer every provider's rules share.

A provider module (`infra/cost/rules/<provider>.py`) holds two tables keyed by the Pulumi type
token of a resource:

- `RULES`: a function `(record, ctx) -> list[LineItem]` that prices the resource;
- `FREE`: resource types with no charge of their own, each with the reason (IAM roles, route
  tables, bucket sub-resources priced through their bucket, ...).

A type in neither table is an error ("not priced" is a decision, never an accident), and so is
a SKU no catalog row names at all (a bug in a rule). A price the catalog lacks for this region
(a size that exists but was not priced, a service rate not sourced for the region) is not an
error: the charge becomes an explicitly unpriced line item ("NOT PRICED", never $0 in a
report) naming what is missing, unless the configuration's `pricing` block supplies it, in
which case the item says "user-supplied".

A rule only *reads* its resource into a provider-neutral description (`TierReading`,
`FunctionReading`, a bucket's lifecycle steps, ...); the pricing flow itself (hours, spot,
scale-to-zero, reference sizes, per-instance disks, requests and GB-seconds, NAT, storage
tiers) lives once, here. A new cost lever is added in this module alone.

Savings: a line item carries what each cost lever saved against the baseline of the same
capacity (on-demand, always on, untiered, at the reference environment's instance size), so
`baseline = monthly + sum(savings)`.

Options: levers the stack does not pull, priced next to the estimate but never subtracted from
it: a 1- or 3-year commitment (GCP committed use from the catalog; AWS and Azure at a
documented, indicative discount, labelled as such; DigitalOcean sells none) on the always-on,
on-demand instance-hours, and right-sizing (the cheapest size of the same family, priced in the
region, with at least the tier's vCPU, memory and GPU).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, TypeVar

from infra.catalog import Catalog, PriceRow
from infra.config import BucketClass, PlatformConfig, Tier, TierMachine, TierScaling, Usage
from infra.plan.records import ResourceRecord

T = TypeVar("T")


class CostError(Exception):
    """Every resource the cost model could not price, one problem per line."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("cannot estimate the monthly cost:\n" + "\n".join(f"  - {p}" for p in problems))


class MissingPriceError(LookupError):
    """A price the catalog does not have for the region (the estimate lists the resource as not priced)."""


class UnknownSkuError(MissingPriceError):
    """A SKU that no catalog row names in any region: a bug in a pricing rule (an estimate error)."""


class Lever(StrEnum):
    """The platform's cost levers, in the order their savings are attributed."""

    right_size = "right-size"
    scale_to_zero = "scale-to-zero"
    spot = "spot"
    storage_tiering = "storage-tiering"


@dataclass(frozen=True)
class Option:
    """A lever not pulled: what the same capacity would cost a month with it, and on what basis."""

    kind: str  # "commit-1y", "commit-3y", "right-size"
    description: str
    saving_usd: float  # a month, against the line item as estimated
    basis: str  # where the rate comes from; "indicative" when it is a documented typical discount

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "description": self.description,
            "saving": round(self.saving_usd, 2),
            "basis": self.basis,
        }


@dataclass(frozen=True)
class LineItem:
    """One priced part of a resource: `monthly_usd` now, and what each lever saved."""

    label: str
    monthly_usd: float
    savings: Mapping[Lever, float] = field(default_factory=dict)
    unpriced: str | None = None  # why a charge known to exist has no price (then monthly_usd is 0, not a price)
    notes: tuple[str, ...] = ()  # e.g. "user-supplied price: ...", "no spot price: on-demand rate"
    options: tuple[Option, ...] = ()
    # (low, high) a month where capacity varies: a tier at its minimum and at its maximum all month.
    band: tuple[float, float] | None = None
    usage: str | None = None  # the usage assumption (`usage.<key>`) the charge is computed from

    @property
    def low_usd(self) -> float:
        return self.band[0] if self.band else self.monthly_usd

    @property
    def high_usd(self) -> float:
        return self.band[1] if self.band else self.monthly_usd

    @property
    def baseline_usd(self) -> float:
        return self.monthly_usd + sum(self.savings.values())

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"label": self.label, "monthly": None if self.unpriced else round(self.monthly_usd, 4)}
        if self.savings:
            data["savings"] = {lever.value: round(v, 4) for lever, v in self.savings.items()}
        if self.unpriced:
            data["unpriced"] = self.unpriced
        if self.notes:
            data["notes"] = list(self.notes)
        if self.options:
            data["options"] = [o.to_json() for o in self.options]
        if self.band and not self.unpriced:
            data["band"] = {"low": round(self.band[0], 4), "high": round(self.band[1], 4)}
        if self.usage:
            data["usage"] = self.usage
        return data


def unpriced_item(label: str, why: str) -> LineItem:
    """A charge that exists but has no price: listed by name in every report, never counted as $0."""
    return LineItem(label, 0.0, unpriced=why)


Rule = Callable[[ResourceRecord, "PricingContext"], list[LineItem]]


@dataclass
class PricingContext:
    """What a rule may use: the plan's records, the stack config, the catalog, the reference env."""

    config: PlatformConfig
    catalog: Catalog
    records: list[ResourceRecord]
    reference: PlatformConfig | None = None
    _by_id: dict[str, ResourceRecord] = field(default_factory=dict, init=False, repr=False)
    user_rows: dict[tuple[str, str, str, str], PriceRow] = field(default_factory=dict, init=False)

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

    def row(self, provider: str, service: str, sku: str) -> PriceRow | None:
        """The catalog (or user-supplied) row for this provider's region, `global` as fallback."""
        row = self.catalog.price(provider, service, sku, self.region(provider))
        if row is not None and row.user_supplied:
            self.user_rows.setdefault(row.key, row)
        return row

    def price(self, provider: str, service: str, sku: str, *, spot: bool = False) -> float:
        """Unit price in the provider's region (or `global`); MissingPriceError when there is none."""
        region = self.region(provider)
        row = self.row(provider, service, sku)
        value = None if row is None else (row.spot_usd if spot else row.usd)
        if value is None:
            kind = "spot price" if spot and row is not None else "price"
            raise MissingPriceError(
                f"no {kind} for {provider} {service} {sku!r} in {region} in the catalog "
                f"(supply one in the `pricing` block of the stack)"
            )
        return value

    def charge(
        self, label: str, quantity: float, provider: str, service: str, sku: str, *, usage: str | None = None
    ) -> LineItem:
        """`quantity x unit price`, or an explicitly unpriced item naming what is missing: a catalog
        row without a price (its source says why) or no row for this region. A SKU that no row of
        any region names is a bug in the rule: MissingPriceError. `usage` names the usage
        assumption the quantity comes from (the report lists such usage-driven charges)."""
        row = self.row(provider, service, sku)
        if row is None:
            if not self.catalog.known_sku(provider, service, sku):
                raise UnknownSkuError(f"no catalog row names {provider} {service} {sku!r} in any region")
            region = self.region(provider)
            item = unpriced_item(label, f"{provider} {service} {sku}: no price for {region} in the catalog")
        elif row.usd is None:
            item = unpriced_item(label, f"{provider} {service} {sku}: {row.source}")
        else:
            item = _noted(per_unit(label, quantity, row.usd), row)
        return replace(item, usage=usage) if usage else item

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


def _noted(item: LineItem, *rows: PriceRow | None) -> LineItem:
    """Mark an item priced (in part) with a price from the configuration's `pricing` block."""
    notes = [f"{r.provider} {r.service} {r.sku} in {r.region}: {r.source}" for r in rows if r and r.user_supplied]
    return replace(item, notes=(*item.notes, *notes)) if notes else item


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
    """GB assumed for a bucket: its class's `storage_gb` (tag, or the `-<class>` name suffix), the audit
    logs' `audit_log_gb` (`-audit`, and AWS Config's history, `-config`), else the access logs'
    `log_storage_gb`."""
    if name.endswith(("-audit", "-config")):
        return usage.audit_log_gb
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
    usage: str = "usage.storage_gb",
) -> LineItem:
    """GB split across the tiers its lifecycle declares, priced per tier (see `tier_shares`)."""
    shares = tier_shares(transitions, expire_days, ctx.usage.storage_horizon_days)
    prices = {tier: ctx.price(provider, "storage", tier or first_tier) for tier in shares}
    split = ", ".join(f"{share:.0%} {tier or first_tier}" for tier, share in shares.items())
    return replace(stored_gb(f"{prefix}{gb:g} GB ({split})", gb, prices, shares), usage=usage)


# --- the shared pricer: tiers, serverless functions, NAT -------------------------------


@dataclass(frozen=True)
class Disk:
    """A disk each instance of a tier carries (root/OS/boot volume).

    Priced per GB-month (`<kind>` catalog rows), or, where the provider bills a disk at a fixed
    size tier (`tiers`: `(largest GiB, tier name)`, smallest first), per disk-month at the
    smallest tier that holds it (`<kind>-<tier>` rows): an Azure Premium SSD of 64 GiB is billed
    as a P6, one of 65 GiB as a P10.
    """

    gb: float
    kind: str
    what: str = "disk"
    tiers: tuple[tuple[float, str], ...] = ()


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
    maximum: int | None = None  # the autoscaler's upper bound (the band's high end); None: desired

    @property
    def label(self) -> str:
        gpus = ", ".join(f"{count}x {kind}" for kind, count in self.machine.accelerators)
        return f"{self.machine.size}{' + ' + gpus if gpus else ''}"


def step_up(value: float, steps: Iterable[tuple[float, T]]) -> T | None:
    """The value of the smallest step whose bound holds `value` (steps are `(bound, value)`), or
    None when `value` exceeds every bound: a disk size to its billed tier, a function's memory to
    the vCPU it is given."""
    return next((found for bound, found in sorted(steps, key=lambda s: s[0]) if value <= bound), None)


def disk_charge(ctx: PricingContext, provider: str, disk: Disk, instance_hours: float) -> LineItem:
    """One disk per instance for `instance_hours`: GB-months of `kind`, or disk-months of the
    size tier the provider bills it at."""
    months = instance_hours / ctx.hours
    label = f"{disk.gb:g} GB {disk.kind} {disk.what} per instance"
    if not disk.tiers:
        return ctx.charge(label, disk.gb * months, provider, "disk", disk.kind)
    tier = step_up(disk.gb, disk.tiers)
    if tier is None:
        largest = max(bound for bound, _ in disk.tiers)
        return unpriced_item(
            label, f"{provider} disk {disk.kind}: {disk.gb:g} GB exceeds the largest tier ({largest:g})"
        )
    return ctx.charge(f"{label}, billed as {tier}", months, provider, "disk", f"{disk.kind}-{tier}")


def _banded(item: LineItem, hours: float, low_hours: float, high_hours: float) -> LineItem:
    """A per-instance charge (a disk) scaled to the band's instance-hours."""
    if item.unpriced or hours <= 0:
        return item
    return replace(item, band=(item.monthly_usd * low_hours / hours, item.monthly_usd * high_hours / hours))


def hourly(ctx: PricingContext, provider: str, machine: TierMachine, *, spot: bool = False) -> float:
    """One instance-hour of `machine`: the size plus its accelerators."""
    price = ctx.price(provider, "instance", machine.size, spot=spot)
    for kind, count in machine.accelerators:
        price += count * ctx.price(provider, "accelerator", kind, spot=spot)
    return price


def price_tier(ctx: PricingContext, provider: str, reading: TierReading) -> list[LineItem]:
    """A tier's instances (spot, scale-to-zero and right-size levers, commitment and right-sizing
    options) and the disks they carry. A size with no price in the region is an unpriced item."""
    hours = ctx.hours if reading.hour_cap is None else min(ctx.hours, reading.hour_cap)
    minimum, desired, spot_fraction = reading.minimum, reading.desired, reading.spot_fraction
    busy = min(ctx.scaling(reading.tier).busy_hours, hours) if reading.tier else 0.0
    instance_hours = busy if minimum == 0 else desired * hours
    count = f"{busy:g} busy h" if minimum == 0 else f"{desired} x {hours:g} h"
    kind = "spot" if spot_fraction == 1 else "on-demand" if not spot_fraction else f"{spot_fraction:.0%} spot"
    label = f"{reading.label} {kind}, {count}"
    # The band: at the minimum (a tier at zero still runs its busy hours) and at the maximum all month.
    low_hours = busy if minimum == 0 else minimum * hours
    high_hours = max(reading.maximum if reading.maximum is not None else desired, minimum, desired) * hours
    high_hours = max(high_hours, instance_hours)
    disks = [
        _banded(disk_charge(ctx, provider, d, instance_hours), instance_hours, low_hours, high_hours)
        for d in reading.disks
        if d.gb
    ]
    try:
        on_demand = hourly(ctx, provider, reading.machine)
    except MissingPriceError as exc:
        return [unpriced_item(label, str(exc)), *disks]
    notes: list[str] = []
    spot = None
    if spot_fraction:
        try:
            spot = hourly(ctx, provider, reading.machine, spot=True)
        except MissingPriceError:
            notes.append(
                f"no spot price for {reading.label} in {ctx.region(provider)}: priced at the on-demand rate "
                "(an upper bound)"
            )
    reference = None
    if ctx.reference is not None and reading.tier:
        machine = ctx.reference.tier_machines(provider)[Tier(reading.tier)]
        try:
            reference = hourly(ctx, provider, machine)
        except MissingPriceError:
            notes.append(
                f"no right-size saving measured: the reference (prod) size {machine.size} has no price in "
                f"{ctx.region(provider)}"
            )
    prices = HourlyPrices(on_demand=on_demand, spot=spot, reference=reference)
    item = instance_group(
        label, prices, minimum=minimum, desired=desired, spot_fraction=spot_fraction, busy_hours=busy, hours=hours
    )
    blended = on_demand * (1 - spot_fraction) + (spot if spot is not None else on_demand) * spot_fraction
    item = replace(item, band=(blended * low_hours, blended * high_hours))
    parts = [ctx.row(provider, "instance", reading.machine.size)]
    parts += [ctx.row(provider, "accelerator", name) for name, _ in reading.machine.accelerators]
    item = _noted(replace(item, notes=tuple(notes)), *parts)
    options = commitment_options(ctx, provider, reading, prices, hours) + right_size_options(
        ctx, provider, reading, prices, instance_hours
    )
    return [
        replace(item, options=tuple(o for o in options if o.saving_usd > 0.005 or o.kind.startswith("commit"))),
        *disks,
    ]


# --- options: levers the stack does not pull ------------------------------------------

# Typical 1- and 3-year commitment discounts where no machine-readable per-size rate was found.
# Shown only as indicative options, never subtracted from the estimate.
INDICATIVE_COMMITMENT: dict[str, dict[str, tuple[float, str]]] = {
    "aws": {
        "1y": (
            0.40,
            "indicative: a 1-year no-upfront Reserved Instance, m5.xlarge us-east-1 $0.192 -> $0.115/h "
            "(multicloudhosting.com/?p=1623); Savings Plans give similar rates",
        ),
        "3y": (
            0.625,
            "indicative: a 3-year all-upfront Reserved Instance, m5.xlarge us-east-1 $0.192 -> $0.072/h "
            "(multicloudhosting.com/?p=1623, '60 to 65%')",
        ),
    },
    "azure": {
        "1y": (
            0.41,
            "indicative: a 1-year reservation of Standard_D2s_v5, 41% below pay-as-you-go "
            "(cloudecon.com/2023/09/vmreservations)",
        ),
        "3y": (
            0.62,
            "indicative: a 3-year reservation of Standard_D2s_v5, 62% below pay-as-you-go "
            "(cloudecon.com/2023/09/vmreservations)",
        ),
    },
}
NO_COMMITMENT = {"digitalocean": "DigitalOcean sells no reservations or committed-use discounts"}


def commitment_rate(ctx: PricingContext, provider: str, machine: TierMachine, term: str) -> tuple[float, str] | str:
    """The hourly rate of one instance under a `term` commitment and its basis, or why there is none."""
    row = ctx.row(provider, "instance", machine.size)
    rate = getattr(row, f"commit_{term}_usd", None) if row is not None else None
    if rate is not None:
        for name, gpus in machine.accelerators:
            extra = ctx.row(provider, "accelerator", name)
            extra_rate = getattr(extra, f"commit_{term}_usd", None) if extra is not None else None
            if extra_rate is None:
                return f"no {term} committed-use rate for the attached {name} in the catalog"
            rate += gpus * extra_rate
        return rate, f"catalog: {row.source if row else ''} ({term} committed use)"
    if provider in INDICATIVE_COMMITMENT:
        discount, basis = INDICATIVE_COMMITMENT[provider][term]
        return hourly(ctx, provider, machine) * (1 - discount), basis
    return NO_COMMITMENT.get(provider, f"no {term} commitment rate for {provider} in the catalog")


def commitment_options(
    ctx: PricingContext, provider: str, reading: TierReading, prices: HourlyPrices, hours: float
) -> list[Option]:
    """A 1- and a 3-year commitment on the tier's always-on, on-demand instance-hours."""
    committed_hours = reading.minimum * hours * (1 - reading.spot_fraction)
    if committed_hours <= 0:
        return []
    options = []
    for term in ("1y", "3y"):
        found = commitment_rate(ctx, provider, reading.machine, term)
        if isinstance(found, str):
            continue
        rate, basis = found
        saving = (prices.on_demand - rate) * committed_hours
        what = f"{term[0]}-year commitment on {reading.minimum} always-on instance(s) ({committed_hours:g} h)"
        options.append(Option(f"commit-{term}", what, saving, basis))
    return options


_AWS_FAMILY = re.compile(r"^([a-z]+)(\d+)([a-z0-9-]*)\.")
_AZURE_FAMILY = re.compile(r"^Standard_([A-Z]+)\d+([a-z]*)_(v\d+)$")


def family(provider: str, size: str) -> tuple[str, ...] | None:
    """The family a size belongs to for right-sizing: same series and generation, same CPU architecture.

    AWS `m6i.large` -> (m, 6, x86) (m6i, m6a, m6in ... but not the Graviton m6g); GCP
    `n2-standard-4` -> (n2,) (standard, highmem, highcpu); Azure `Standard_D4s_v5` -> (D, v5, x86);
    DigitalOcean `s-2vcpu-4gb` -> (s,). None where the name follows no such pattern.
    """
    if provider == "aws":
        match = _AWS_FAMILY.match(size)
        return (match[1], match[2], "arm" if "g" in match[3] else "x86") if match else None
    if provider == "azure":
        match = _AZURE_FAMILY.match(size)
        return (match[1], match[3], "arm" if "p" in match[2] else "x86") if match else None
    if provider in ("gcp", "digitalocean"):
        return (size.split("-", 1)[0],) if "-" in size else None
    return None


def right_size_options(
    ctx: PricingContext, provider: str, reading: TierReading, prices: HourlyPrices, instance_hours: float
) -> list[Option]:
    """The cheapest size of the same family, priced in the region, with at least the tier's vCPU,
    memory and GPU (the specs of its configured size)."""
    current = ctx.row(provider, "instance", reading.machine.size)
    key = family(provider, reading.machine.size)
    if current is None or key is None or current.vcpu is None or current.memory_gib is None or instance_hours <= 0:
        return []
    fraction = reading.spot_fraction
    now = prices.on_demand * (1 - fraction) + (prices.spot if prices.spot is not None else prices.on_demand) * fraction
    best: tuple[float, PriceRow] | None = None
    for row in ctx.catalog.instances(provider, ctx.region(provider)):
        if row.sku == current.sku or row.usd is None or family(provider, row.sku) != key or row.gpu != current.gpu:
            continue
        if (row.vcpu or 0) < current.vcpu or (row.memory_gib or 0) < current.memory_gib:
            continue
        if fraction and row.spot_usd is None:
            continue
        extra = prices.on_demand - (current.usd or 0.0)  # attached accelerators stay as they are
        blended = row.usd * (1 - fraction) + (row.spot_usd or 0.0) * fraction + extra
        if blended < now and (best is None or blended < best[0]):
            best = (blended, row)
    if best is None:
        return []
    blended, row = best
    saving = (now - blended) * instance_hours
    what = (
        f"{row.sku} ({row.vcpu:g} vCPU, {row.memory_gib:g} GiB) instead of {current.sku} "
        f"({current.vcpu:g} vCPU, {current.memory_gib:g} GiB), same family"
    )
    return [Option("right-size", what, saving, f"catalog: {row.source}")]


@dataclass(frozen=True)
class FunctionReading:
    """A serverless function billed per request and per GB-second of memory while it runs.

    `vcpu`: where the provider also bills the CPU an invocation holds (per vCPU-second), the
    vCPUs the function is given. `warm_instances`: instances the function keeps running all
    month whatever the traffic (always-ready / minimum instances), billed per GB-second of
    their memory at the `warm-gb-second` rate.
    """

    names: tuple[str, ...]  # the names its usage may be configured under (config key, resource name)
    memory_gb: float
    request_noun: str = "requests"
    vcpu: float | None = None
    warm_instances: int = 0


def price_function(ctx: PricingContext, provider: str, reading: FunctionReading) -> list[LineItem]:
    """Requests, GB-seconds (and vCPU-seconds) from the stack's usage assumptions, plus the
    instances kept warm all month."""
    millions = function_requests_millions(ctx.usage, *reading.names)
    seconds = millions * 1e6 * ctx.usage.function_avg_duration_ms / 1000
    gb_seconds = seconds * reading.memory_gb
    requests, duration = "usage.function_requests_millions", "usage.function_avg_duration_ms"
    items = [
        ctx.charge(
            f"{millions:g} M {reading.request_noun}", millions, provider, "function", "requests", usage=requests
        ),
        ctx.charge(
            f"{gb_seconds:,.0f} GB-s", gb_seconds, provider, "function", "gb-second", usage=f"{requests}, {duration}"
        ),
    ]
    if reading.vcpu is not None:
        vcpu_seconds = seconds * reading.vcpu
        items.append(
            ctx.charge(
                f"{vcpu_seconds:,.0f} vCPU-s",
                vcpu_seconds,
                provider,
                "function",
                "vcpu-second",
                usage=f"{requests}, {duration}",
            )
        )
    if reading.warm_instances:
        warm = reading.warm_instances * reading.memory_gb * ctx.hours * 3600
        label = f"{reading.warm_instances} warm instance(s) x {ctx.hours:g} h ({warm:,.0f} GB-s)"
        items.append(ctx.charge(label, warm, provider, "function", "warm-gb-second"))
    return items


def price_nat(ctx: PricingContext, provider: str, *, processed: bool = True) -> list[LineItem]:
    """A managed NAT gateway: always-on hours, and the GB it processes where the catalog prices them."""
    items = [ctx.charge(f"{ctx.hours:g} gateway-hours", ctx.hours, provider, "nat", "gateway-hour")]
    if processed:
        gb = ctx.usage.nat_processed_gb
        items.append(
            ctx.charge(f"{gb:g} GB processed", gb, provider, "nat", "data-processed", usage="usage.nat_processed_gb")
        )
    return items
