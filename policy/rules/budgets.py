"""Budgets (stack-level): one per provider that has a budget resource, limits within the stack's budget,
and the estimated monthly cost (infra/cost, the same numbers `python -m infra plan` shows) within it.

The stack's monthly budget and the enforcement level come from the pack's per-stack config
(`policy/config/<stack>.json`, generated from the stack file; advisory in dev); without it, the
budget is the stack's own `budget.monthly_usd`. The cost estimate needs the stack's
configuration: the pack reads it from PULUMI_CONFIG, which the Pulumi CLI and
infra/check/pack.py both set for the pack's process.

The rules fail closed: a budget that cannot be known, or a cost the model cannot price, is a
violation naming what is missing (at the rule's level), never a pass.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import Severity

from policy.rules.base import (
    BUDGET_PROVIDERS_DEFAULT,
    Finding,
    NotEvaluated,
    Res,
    Stack,
    StackRule,
    known,
    stack_configuration,
)

BUDGETS = {
    "aws": "aws:budgets/budget:Budget",
    "gcp": "gcp:billing/budget:Budget",
    "azure": "azure-native:consumption:Budget",
}
STACK_SCHEMA: dict[str, dict[str, Any]] = {
    "stack": {"type": "string", "description": "The stack judged (set by check --all-stacks; else PULUMI_STACK)."},
    "engineConfig": {
        "type": "object",
        "description": "The stack's config as the engine passes it (set by check --all-stacks; else PULUMI_CONFIG).",
    },
}
BUDGET_SCHEMA: dict[str, dict[str, Any]] = {
    "monthlyBudgetUsd": {"type": "number", "exclusiveMinimum": 0, "description": "The stack's monthly budget."},
    "budgetProviders": {
        "type": "array",
        "items": {"type": "string"},
        "description": "Providers that have a budget resource.",
    },
}


def _limit_usd(res: Res) -> float | None:
    """A budget's monthly limit in USD; None when unknown or in another currency."""
    if res.type == BUDGETS["aws"]:
        amount, currency = res.get("limitAmount"), res.get("limitUnit", default="USD")
    elif res.type == BUDGETS["gcp"]:
        amount = res.get("amount", "specifiedAmount", "units")
        currency = res.get("amount", "specifiedAmount", "currencyCode", default="USD")
    else:
        amount, currency = res.get("amount"), "USD"
    if not known(amount) or amount is None or currency != "USD":
        return None
    try:
        return float(amount)
    except (TypeError, ValueError):
        return None


def _budget_per_provider(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    providers = config.get("budgetProviders") or BUDGET_PROVIDERS_DEFAULT
    for provider in sorted(stack.providers() & set(providers)):
        token = BUDGETS.get(provider)
        if token is None or not stack.of(token):
            yield f"{provider}: resources are declared but no budget ({token or 'no known budget type'})", None


def _monthly_budget(config: Mapping[str, Any]) -> float:
    """The pack config's monthlyBudgetUsd, else the stack's budget.monthly_usd."""
    budget = config.get("monthlyBudgetUsd")
    if budget is not None:
        return float(budget)
    try:
        return float(stack_configuration(config).budget.monthly_usd)
    except NotEvaluated as exc:
        raise NotEvaluated(
            "no monthlyBudgetUsd in the pack config (--policy-pack-config policy/config/<stack>.json), and "
            f"no budget from the stack: {exc.reason}"
        ) from None


def _limits_within_budget(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    budget = _monthly_budget(config)
    limits = {r.name: _limit_usd(r) for r in stack.of(*BUDGETS.values())}
    total = sum(v for v in limits.values() if v is not None)
    if total > budget + 0.01:
        shown = ", ".join(f"{n} {v:,.2f}" for n, v in limits.items() if v is not None)
        yield f"budget limits add up to {total:,.2f} USD ({shown}), more than the stack's {budget:,.2f} USD", None


def _plain(value: Any) -> Any:
    """A props proxy as plain data for the cost model (unknown values become None)."""
    from pulumi_policy.proxy import UnknownValueError

    try:
        if isinstance(value, Mapping):
            return {str(k): _plain(value[k]) for k in value}
        if isinstance(value, Sequence) and not isinstance(value, str):
            return [_plain(v) for v in value]
        return value
    except UnknownValueError:
        return None


def estimate_stack(stack: Stack, pack_config: Mapping[str, Any] | None = None) -> tuple[Any, Any]:
    """The cost model's estimate of these resources (`infra.cost.Estimate`), and the configuration it priced.

    The stack's configuration comes from PULUMI_CONFIG / PULUMI_STACK (how the CLI and
    `python -m infra check` start the pack), or from the pack config's `engineConfig` / `stack`
    when one pack process judges several stacks (`python -m infra check --all-stacks`)."""
    try:
        from infra import cost
        from infra.plan.records import Plan, ResourceRecord
    except ImportError as exc:
        raise NotEvaluated(f"the cost model (infra/cost) is not available here: {exc}") from None
    config = stack_configuration(pack_config)
    stack_name = str((pack_config or {}).get("stack") or os.environ.get("PULUMI_STACK", ""))
    records = [
        ResourceRecord(
            urn=r.urn,
            type=r.type,
            name=r.name,
            parent=None,
            custom=not r.type.startswith(("qmoi:", "pulumi:pulumi:")),
            protect=r.protect,
            retain_on_delete=False,
            provider=None,
            dependencies=[],
            property_dependencies=dict(r.property_dependencies),
            inputs=_plain(r.props),
        )
        for r in stack.resources
    ]
    try:
        result = cost.estimate(Plan(stack=stack_name, resources=records, config=config))
    except cost.CostError as exc:
        raise NotEvaluated(
            "the cost model could not price this stack, so its cost against the budget is unknown: "
            + "; ".join(exc.problems)
        ) from None
    return result, config


def _cost_within_budget(stack: Stack, config: Mapping[str, Any]) -> Iterator[Finding]:
    budget = _monthly_budget(config)
    estimate, stack_config = estimate_stack(stack, config)
    total, environment = estimate.total_usd, stack_config.environment.value
    unpriced = estimate.unpriced()
    allowance = stack_config.budget.unpriced_allowance_usd
    at_least = "at least " if unpriced else ""
    if total > budget + 0.01:
        yield (
            f"estimated monthly cost {at_least}{total:,.2f} USD ({environment}) exceeds the stack's budget "
            f"{budget:,.2f} USD",
            None,
        )
        return
    if not unpriced:
        return
    # Fail closed: charges without a price make the total a lower bound; only a stated allowance
    # for them (budget.unpriced_allowance_usd) lets the rule say the stack fits its budget.
    kinds = sorted({why.split(":", 1)[0] for _, _, why in unpriced})
    listing = "; ".join(kinds[:6]) + (f"; and {len(kinds) - 6} more kinds" if len(kinds) > 6 else "")
    # The verdict first, the list of kinds last: a terminal cuts long lines, and the list grows.
    if allowance is None:
        yield (
            f"the cost is at least {total:,.2f} USD and cannot be shown within the budget {budget:,.2f} USD: "
            f"{len(unpriced)} charges are NOT PRICED; price them (qmoi-cloud:pricing.overrides) or state what they "
            f"may cost (budget.unpriced_allowance_usd). Not priced: {listing}",
            None,
        )
    elif total + allowance > budget + 0.01:
        yield (
            f"estimated monthly cost at least {total:,.2f} USD plus the {allowance:,.2f} USD allowed for "
            f"{len(unpriced)} NOT PRICED charges exceeds the stack's budget {budget:,.2f} USD. Not priced: {listing}",
            None,
        )


RULES = [
    StackRule(
        name="budget-per-provider",
        area="budgets",
        description="Every provider with a budget resource (AWS, GCP, Azure) that the stack uses has a budget.",
        severity=Severity.MEDIUM,
        types=tuple(BUDGETS.values()),
        check=_budget_per_provider,
        config=BUDGET_SCHEMA,
        cannot_see="budgets created outside the stack (e.g. by a finance account)",
        remediation="Keep the provider's budget component in its platform (components/<provider>/budget.py).",
    ),
    StackRule(
        name="budget-limits-within-stack-budget",
        area="budgets",
        description="The providers' budget limits add up to no more than the stack's monthly budget.",
        severity=Severity.MEDIUM,
        types=tuple(BUDGETS.values()),
        check=_limits_within_budget,
        config=BUDGET_SCHEMA,
        cannot_see="limits in a currency other than USD; limits unknown at preview",
        remediation="Lower budget.provider_limits / <provider>.budget_usd or raise budget.monthly_usd.",
    ),
    StackRule(
        name="estimated-cost-within-budget",
        area="budgets",
        description="The estimated monthly cost of the stack (infra/cost) is within its monthly budget.",
        severity=Severity.HIGH,
        types=tuple(BUDGETS.values()),
        any_type=True,
        check=_cost_within_budget,
        config=BUDGET_SCHEMA | STACK_SCHEMA,
        cannot_see="usage beyond the stack's usage assumptions; charges without a sourced price (NOT PRICED); "
        "a stack the cost model cannot price fails, naming what could not be priced",
        remediation="Right-size tiers, use spot/scale-to-zero, or raise budget.monthly_usd.",
    ),
]
