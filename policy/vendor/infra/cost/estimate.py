# GENERATED from infra/cost/estimate.py by `python -m infra policies --write-config`: do not edit (policy/vendor/README.md).
"""The monthly cost of a recorded plan: per resource, per component, per provider, per stack.

`estimate(plan)` prices every resource the plan declares with the rules of its provider
(`infra/cost/rules/<provider>.py`) and the committed catalog (`infra/catalog/catalog.csv`),
using the usage assumptions of the stack (`usage:` block of the config). Nothing is priced
as zero by accident: a resource type that is neither priced nor listed as free, or a price
missing from the catalog, makes `estimate` raise `CostError` listing every problem.

The savings of the platform's cost levers (right-sized instances against the reference
environment's sizes, scale-to-zero tiers, spot capacity, storage tiering) are measured
against a baseline of the same capacity that is on-demand, always on and untiered.
The reference environment is prod: a dev or staging estimate prices its baseline at prod's
instance sizes (`reference_config`).

The policy pack's budget rule uses the same numbers: `estimate(plan).by_provider` and
`.total_usd` against `config.budget_limits()` / `budget.monthly_usd`.
"""

from __future__ import annotations

import importlib
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cache
from types import ModuleType
from typing import Any

from infra.catalog import Catalog, PriceRow, load_catalog, user_row
from infra.config import ConfigError, Environment, PlatformConfig, Provider, load_stack_file, validate
from infra.cost.pricing import (
    CostError,
    Lever,
    LineItem,
    MissingPriceError,
    Option,
    PricingContext,
    UnknownSkuError,
    unpriced_item,
)
from infra.plan.records import Plan, provider_of

__all__ = ["CostError", "Estimate", "ResourceCost", "estimate", "reference_config"]

REFERENCE_ENVIRONMENT = Environment.prod
CLOUDS = frozenset(p.value for p in Provider)


@dataclass(frozen=True)
class ResourceCost:
    """The monthly cost of one resource, with its line items, or why it is free."""

    urn: str
    name: str
    type: str
    provider: str
    parent: str | None
    items: tuple[LineItem, ...] = ()
    free_reason: str | None = None

    @property
    def monthly_usd(self) -> float:
        return sum(i.monthly_usd for i in self.items)

    @property
    def baseline_usd(self) -> float:
        return sum(i.baseline_usd for i in self.items)

    def savings(self) -> dict[Lever, float]:
        totals: dict[Lever, float] = defaultdict(float)
        for item in self.items:
            for lever, usd in item.savings.items():
                totals[lever] += usd
        return dict(totals)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "provider": self.provider,
            "monthly": round(self.monthly_usd, 4),
            "baseline": round(self.baseline_usd, 4),
        }
        if self.items:
            data["items"] = [i.to_json() for i in self.items]
        if self.free_reason:
            data["free"] = self.free_reason
        return data


@dataclass
class Estimate:
    """A stack's monthly estimate and its budget."""

    stack: str
    environment: str
    resources: list[ResourceCost]
    budget_usd: float
    provider_limits: dict[str, float]
    hours_per_month: float
    components: dict[str, str] = field(default_factory=dict)  # urn -> name of every component
    parents: dict[str, str | None] = field(default_factory=dict, repr=False)  # component urn -> parent urn
    user_prices: list[PriceRow] = field(default_factory=list)  # the `pricing` overrides the estimate used
    unpriced_allowance_usd: float | None = None  # budget.unpriced_allowance_usd: what NOT PRICED charges may cost

    @property
    def priced(self) -> list[ResourceCost]:
        return [r for r in self.resources if r.items]

    @property
    def total_usd(self) -> float:
        return sum(r.monthly_usd for r in self.resources)

    @property
    def baseline_usd(self) -> float:
        return sum(r.baseline_usd for r in self.resources)

    @property
    def savings_usd(self) -> float:
        return self.baseline_usd - self.total_usd

    @property
    def savings_percent(self) -> float:
        return 100 * self.savings_usd / self.baseline_usd if self.baseline_usd else 0.0

    @property
    def headroom_usd(self) -> float:
        return self.budget_usd - self.total_usd

    @property
    def by_provider(self) -> dict[str, float]:
        totals: dict[str, float] = defaultdict(float)
        for r in self.resources:
            totals[r.provider] += r.monthly_usd
        return dict(sorted(totals.items()))

    def unpriced(self) -> list[tuple[str, str, str]]:
        """(resource, line item, what is missing) for every charge without a price."""
        return [(r.name, i.label, i.unpriced) for r in self.resources for i in r.items if i.unpriced]

    def band(self) -> tuple[float, float, float]:
        """(low, expected, high) a month: every tier at its minimum, at its desired size, at its maximum
        all month; every other charge as estimated (usage-driven ones at the configured usage)."""
        items = [i for r in self.resources for i in r.items if not i.unpriced]
        return sum(i.low_usd for i in items), self.total_usd, sum(i.high_usd for i in items)

    def usage_driven(self) -> list[tuple[str, str, str, float]]:
        """(resource, line item, usage assumption, monthly) for every charge computed from `usage`."""
        return [
            (r.name, i.label, i.usage, i.monthly_usd)
            for r in self.resources
            for i in r.items
            if i.usage and not i.unpriced
        ]

    def options(self) -> list[tuple[str, str, Option]]:
        """(resource, line item, option) for every lever the stack could still pull."""
        return [(r.name, i.label, o) for r in self.resources for i in r.items for o in i.options]

    def options_by_kind(self) -> dict[str, float]:
        """Monthly saving of each kind of option over the whole stack."""
        totals: dict[str, float] = defaultdict(float)
        for _, _, option in self.options():
            totals[option.kind] += option.saving_usd
        return dict(sorted(totals.items()))

    def by_lever(self) -> dict[Lever, float]:
        totals = {lever: 0.0 for lever in Lever}
        for r in self.resources:
            for lever, usd in r.savings().items():
                totals[lever] += usd
        return totals

    def by_component(self) -> dict[str, float]:
        """Monthly cost rolled up to every enclosing component (by component name)."""
        totals: dict[str, float] = defaultdict(float)
        for r in self.resources:
            parent = r.parent
            while parent in self.components:
                totals[self.components[parent]] += r.monthly_usd
                parent = self.parents.get(parent)
        return dict(totals)

    def to_json(self) -> dict[str, Any]:
        """The `cost` block of the plan JSON (documented in docs/cost.md)."""
        limits = self.provider_limits
        return {
            "currency": "USD",
            "hoursPerMonth": self.hours_per_month,
            "monthlyTotal": round(self.total_usd, 2),
            "band": dict(zip(("low", "expected", "high"), (round(v, 2) for v in self.band()), strict=True)),
            "usageDriven": [
                {"resource": n, "item": i, "usage": u, "monthly": round(v, 2)} for n, i, u, v in self.usage_driven()
            ],
            "baselineTotal": round(self.baseline_usd, 2),
            "savingsPercent": round(self.savings_percent, 1),
            "levers": {lever.value: round(usd, 2) for lever, usd in self.by_lever().items()},
            "byProvider": {p: round(v, 2) for p, v in self.by_provider.items()},
            "byComponent": {c: round(v, 2) for c, v in sorted(self.by_component().items())},
            "budget": {
                "monthlyUsd": self.budget_usd,
                "headroomUsd": round(self.headroom_usd, 2),
                "providerLimits": limits,
                "providerHeadroomUsd": {p: round(v - self.by_provider.get(p, 0.0), 2) for p, v in limits.items()},
                "unpricedAllowanceUsd": self.unpriced_allowance_usd,
            },
            "notPriced": [{"resource": n, "item": i, "why": w} for n, i, w in self.unpriced()],
            "userSupplied": [
                {
                    "provider": r.provider,
                    "service": r.service,
                    "sku": r.sku,
                    "region": r.region,
                    "usd": r.usd,
                    "spotUsd": r.spot_usd,
                    "note": r.source,
                }
                for r in self.user_prices
            ],
            "options": {
                "byKind": {k: round(v, 2) for k, v in self.options_by_kind().items()},
                "items": [{"resource": n, "item": i, **o.to_json()} for n, i, o in self.options()],
            },
            "resources": {r.urn: r.to_json() for r in self.resources},
        }


@cache
def _provider_module(provider: str) -> ModuleType:
    return importlib.import_module(f"infra.cost.rules.{provider}")


def reference_config(config: PlatformConfig) -> PlatformConfig | None:
    """The prod configuration a non-prod estimate compares its instance sizes with (None for prod)."""
    if config.environment is REFERENCE_ENVIRONMENT:
        return None
    return _shipped_config(REFERENCE_ENVIRONMENT.value)


@cache
def _shipped_config(stack: str) -> PlatformConfig | None:
    try:
        stack_file = load_stack_file(stack)
        return validate(stack_file.platform, stack_file.stack)
    except (ConfigError, FileNotFoundError):
        return None


def estimate(
    plan: Plan,
    *,
    catalog: Catalog | None = None,
    reference: PlatformConfig | None = None,
    use_reference: bool = True,
) -> Estimate:
    """Price every resource of a plan. Raises CostError listing every unpriceable resource."""
    if plan.config is None:
        raise CostError([f"plan of {plan.stack} has no configuration (plan it with plan_stack)"])
    config = plan.config
    if reference is None and use_reference:
        reference = reference_config(config)
    overrides = [
        user_row(o.provider.value, o.service, o.sku, o.region, o.usd, o.spot_usd, o.note)
        for o in config.pricing.overrides
    ]
    priced_by = (catalog or load_catalog()).with_overrides(overrides)
    ctx = PricingContext(config=config, catalog=priced_by, records=plan.resources, reference=reference)
    problems: list[str] = []
    unclassified: dict[str, list[str]] = defaultdict(list)
    costs: list[ResourceCost] = []
    component_clouds = {r.urn: provider_of(r.type) for r in plan.resources if not r.custom}
    for record in plan.custom():
        provider = provider_of(record.type)
        # A tool resource (e.g. a pulumi-command publisher) counts toward the cloud whose component holds it.
        billed_to = provider if provider in CLOUDS else component_clouds.get(record.parent or "", provider)
        try:
            module = _provider_module(provider)
        except ModuleNotFoundError:
            unclassified[record.type].append(record.name)
            continue
        rule = module.RULES.get(record.type)
        free = module.FREE.get(record.type)
        if rule is None and free is None:
            unclassified[record.type].append(record.name)
            continue
        base = ResourceCost(
            urn=record.urn, name=record.name, type=record.type, provider=billed_to, parent=record.parent
        )
        if rule is None:
            costs.append(replace(base, free_reason=free))
            continue
        try:
            items = rule(record, ctx)
        except UnknownSkuError as exc:
            problems.append(f"{record.name} ({record.type}): {exc}")
            continue
        except MissingPriceError as exc:
            items = [unpriced_item(record.name, str(exc))]
        except (LookupError, ValueError) as exc:
            problems.append(f"{record.name} ({record.type}): {exc}")
            continue
        reason = None if items else "its pricing rule finds no charge in this configuration"
        costs.append(replace(base, items=tuple(items), free_reason=reason))
    for type_token, names in sorted(unclassified.items()):
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        problems.append(
            f"{type_token} ({shown}): no pricing rule and not listed as free; add it to RULES or FREE "
            f"in infra/cost/rules/{provider_of(type_token)}.py"
        )
    if problems:
        raise CostError(problems)
    components = {r.urn: r.name for r in plan.resources if not r.custom}
    result = Estimate(
        stack=plan.stack,
        environment=config.environment.value,
        resources=costs,
        budget_usd=config.budget.monthly_usd,
        unpriced_allowance_usd=config.budget.unpriced_allowance_usd,
        provider_limits={p.value: v for p, v in config.budget_limits().items()},
        hours_per_month=config.usage.hours_per_month,
        components=components,
        parents={r.urn: r.parent for r in plan.resources if not r.custom},
        user_prices=sorted(ctx.user_rows.values(), key=lambda r: r.key),
    )
    return result
