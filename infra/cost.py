"""The monthly cost of a recorded plan: per resource, per component, per provider, per stack.

`estimate(plan)` prices every resource the plan declares with the rules of its provider
(`infra/costing/<provider>.py`) and the committed catalog (`infra/pricing/catalog.csv`),
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
import json
import sys
from collections import defaultdict
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from infra.config import ConfigError, Environment, PlatformConfig
from infra.costing import CostError, Lever, LineItem, MissingPriceError, PricingContext
from infra.plan import Plan
from infra.pricing import Catalog, load_catalog

__all__ = ["CostError", "Estimate", "ResourceCost", "estimate", "reference_config"]

REFERENCE_ENVIRONMENT = Environment.prod


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
        """(resource, line item, why) for charges the catalog knowingly has no price for."""
        return [(r.name, i.label, i.unpriced) for r in self.resources for i in r.items if i.unpriced]

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
            },
            "notPriced": [{"resource": n, "item": i, "why": w} for n, i, w in self.unpriced()],
            "resources": {r.urn: r.to_json() for r in self.resources},
        }


@cache
def _provider_module(provider: str) -> ModuleType:
    return importlib.import_module(f"infra.costing.{provider}")


def provider_of(type_token: str) -> str:
    """`aws:s3/bucket:Bucket` -> aws, `azure-native:...` -> azure."""
    package = type_token.split(":", 1)[0]
    return {"azure-native": "azure"}.get(package, package)


def reference_config(config: PlatformConfig) -> PlatformConfig | None:
    """The prod configuration a non-prod estimate compares its instance sizes with (None for prod)."""
    if config.environment is REFERENCE_ENVIRONMENT:
        return None
    return _shipped_config(REFERENCE_ENVIRONMENT.value)


@cache
def _shipped_config(stack: str) -> PlatformConfig | None:
    from infra.config import validate
    from infra.stackfile import load_stack_file

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
    ctx = PricingContext(config=config, catalog=catalog or load_catalog(), records=plan.resources, reference=reference)
    problems: list[str] = []
    unclassified: dict[str, list[str]] = defaultdict(list)
    costs: list[ResourceCost] = []
    for record in plan.custom():
        provider = provider_of(record.type)
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
        base = ResourceCost(urn=record.urn, name=record.name, type=record.type, provider=provider, parent=record.parent)
        if rule is None:
            costs.append(replace(base, free_reason=free))
            continue
        try:
            items = rule(record, ctx)
        except (MissingPriceError, LookupError, ValueError) as exc:
            problems.append(f"{record.name} ({record.type}): {exc}")
            continue
        reason = None if items else "its pricing rule finds no charge in this configuration"
        costs.append(replace(base, items=tuple(items), free_reason=reason))
    for type_token, names in sorted(unclassified.items()):
        shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
        problems.append(
            f"{type_token} ({shown}): no pricing rule and not listed as free; add it to RULES or FREE "
            f"in infra/costing/{provider_of(type_token)}.py"
        )
    if problems:
        raise CostError(problems)
    components = {r.urn: r.name for r in plan.resources if not r.custom}
    result = Estimate(
        stack=plan.stack,
        environment=config.environment.value,
        resources=costs,
        budget_usd=config.budget.monthly_usd,
        provider_limits={p.value: v for p, v in config.budget_limits().items()},
        hours_per_month=config.usage.hours_per_month,
        components=components,
        parents={r.urn: r.parent for r in plan.resources if not r.custom},
    )
    return result


def cost_block(plan: Plan) -> dict[str, Any]:
    """The `cost` key of the plan JSON: the estimate, or `{"error": [problems]}`."""
    try:
        return estimate(plan).to_json()
    except CostError as exc:
        return {"error": exc.problems}


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan JSON `python -m infra plan --format json` prints (before the policy key is added)."""
    return plan.to_json() | {"cost": cost_block(plan)}


# --- rendering ---------------------------------------------------------------------------


def usd(value: float, signed: bool = False) -> str:
    """`$1,234.56`; with `signed`, `+$1.00` / `-$1.00`."""
    text = f"${abs(value):,.2f}"
    if signed:
        return ("-" if value < -0.005 else "+") + text
    return ("-" if value < -0.005 else "") + text


def summary_lines(est: Estimate) -> list[str]:
    """Totals, savings and budget headroom in a few lines (used by `plan` and `cost`)."""
    providers = ", ".join(f"{p} {usd(v)}" for p, v in est.by_provider.items())
    headroom = est.headroom_usd
    state = "within budget" if headroom >= 0 else "OVER BUDGET"
    missing = f"; {len(est.unpriced())} charges not priced" if est.unpriced() else ""
    lines = [
        f"monthly cost: {usd(est.total_usd)} ({providers})",
        f"baseline (on-demand, always on, untiered): {usd(est.baseline_usd)}; "
        f"savings {usd(est.savings_usd)} ({est.savings_percent:.1f}%)",
        f"budget: {usd(est.budget_usd)}; headroom {usd(headroom)} ({state}){missing}",
    ]
    for provider, limit in est.provider_limits.items():
        spent = est.by_provider.get(provider, 0.0)
        lines.append(f"  {provider} budget {usd(limit)}: headroom {usd(limit - spent)}")
    return lines


def render_text(est: Estimate, top: int = 10) -> str:
    """The breakdown `python -m infra cost --stack <s>` prints."""
    lines = [f"qmoi-cloud monthly cost: stack {est.stack}", "", *summary_lines(est), "", "by component:"]
    for name, value in sorted(est.by_component().items(), key=lambda kv: -kv[1]):
        if value > 0:
            lines.append(f"  {usd(value):>12}  {name}")
    lines += ["", "cost levers (savings against the baseline):"]
    for lever, value in est.by_lever().items():
        lines.append(f"  {usd(value):>12}  {lever.value}")
    lines += ["", f"top {top} resources:"]
    for r in sorted(est.priced, key=lambda r: -r.monthly_usd)[:top]:
        detail = "; ".join(f"{i.label} {usd(i.monthly_usd)}" for i in r.items)
        lines.append(f"  {usd(r.monthly_usd):>12}  {r.name} ({r.type})  {detail}")
    unpriced = est.unpriced()
    if unpriced:
        lines += ["", "not priced (the catalog has no sourced price; see infra/pricing/README.md):"]
        lines += [f"  {name}: {label}" for name, label, _ in unpriced]
    free = sum(1 for r in est.resources if r.free_reason)
    lines += ["", f"{len(est.priced)} priced resources, {free} without a charge of their own"]
    return "\n".join(lines)


def render_markdown(est: Estimate, top: int = 10) -> str:
    limits = est.provider_limits
    rows = "\n".join(
        f"| {p} | {usd(v)} | {usd(limits[p]) if p in limits else '-'} |" for p, v in est.by_provider.items()
    )
    levers = "\n".join(f"| {lever.value} | {usd(v)} |" for lever, v in est.by_lever().items())
    unpriced = est.unpriced()
    unpriced_rows = "\n".join(f"- `{name}`: {label}" for name, label, _ in unpriced)
    tops = "\n".join(
        f"| `{r.name}` | `{r.type}` | {usd(r.monthly_usd)} |"
        for r in sorted(est.priced, key=lambda r: -r.monthly_usd)[:top]
    )
    return (
        f"### Monthly cost: `{est.stack}`\n\n"
        f"**{usd(est.total_usd)}** a month; budget {usd(est.budget_usd)}, headroom {usd(est.headroom_usd)}. "
        f"Savings {usd(est.savings_usd)} ({est.savings_percent:.1f}%) against {usd(est.baseline_usd)} "
        f"on-demand, always on, untiered.\n\n"
        f"| provider | monthly | budget |\n|---|---:|---:|\n{rows}\n\n"
        f"| lever | savings |\n|---|---:|\n{levers}\n\n"
        f"<details><summary>Top {top} resources</summary>\n\n"
        f"| resource | type | monthly |\n|---|---|---:|\n{tops}\n\n</details>\n"
        + (
            f"\n<details><summary>Not priced ({len(unpriced)})</summary>\n\n{unpriced_rows}\n\n</details>\n"
            if unpriced
            else ""
        )
    )


def stacks_table(estimates: list[Estimate]) -> str:
    """The per-stack table of docs/cost.md (`python -m infra cost --all-stacks --format markdown`)."""
    lines = [
        "| stack | monthly cost | baseline | savings | budget | headroom |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for est in estimates:
        lines.append(
            f"| {est.stack} | {usd(est.total_usd)} | {usd(est.baseline_usd)} | {est.savings_percent:.1f}% | "
            f"{usd(est.budget_usd)} | {usd(est.headroom_usd)} |"
        )
    return "\n".join(lines) + "\n"


SHIPPED_STACKS = ("dev", "staging", "prod")
EXIT_OK, EXIT_CONFIG, EXIT_COST = 0, 2, 3


def cost_command(stack: str | None, stack_file: Path | None, all_stacks: bool, fmt: str) -> int:
    """`python -m infra cost`: one stack's breakdown, or the table of the shipped stacks."""
    from infra.plan import plan_stack_file
    from infra.stackfile import load_stack_file

    if not all_stacks and not stack:
        print("python -m infra cost: give --stack <name> or --all-stacks", file=sys.stderr)
        return EXIT_CONFIG
    estimates = []
    for name in SHIPPED_STACKS if all_stacks else (str(stack),):
        try:
            plan = plan_stack_file(load_stack_file(name, None if all_stacks else stack_file))
            estimates.append(estimate(plan))
        except ConfigError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return EXIT_CONFIG
        except CostError as exc:
            print(f"{name}: {exc}", file=sys.stderr)
            return EXIT_COST
    if fmt == "json":
        print(json.dumps({e.stack: e.to_json() for e in estimates}, indent=2))
    elif all_stacks:
        render = stacks_table if fmt == "markdown" else lambda ests: "\n\n".join(render_text(e) for e in ests)
        print(render(estimates), end="" if fmt == "markdown" else "\n")
    else:
        print(render_markdown(estimates[0]) if fmt == "markdown" else render_text(estimates[0]))
    return EXIT_OK
