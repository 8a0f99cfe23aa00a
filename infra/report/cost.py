"""Rendering a cost estimate: the breakdown of `python -m infra cost`, its Markdown, the stacks table."""

from __future__ import annotations

from infra.cost import Estimate, LineItem


def usd(value: float, signed: bool = False) -> str:
    """`$1,234.56`; with `signed`, `+$1.00` / `-$1.00`."""
    text = f"${abs(value):,.2f}"
    if signed:
        return ("-" if value < -0.005 else "+") + text
    return ("-" if value < -0.005 else "") + text


def at_least(est: Estimate) -> str:
    """The prefix `at least ` when some charges have no sourced price: the total is then a lower bound."""
    return "at least " if est.unpriced() else ""


def summary_lines(est: Estimate) -> list[str]:
    """Totals, savings and budget headroom in a few lines (used by `plan` and `cost`)."""
    providers = ", ".join(f"{p} {usd(v)}" for p, v in est.by_provider.items())
    headroom = est.headroom_usd
    state = "within budget" if headroom >= 0 else "OVER BUDGET"
    missing = ""
    if est.unpriced():
        allowance = est.unpriced_allowance_usd
        missing = f"; {len(est.unpriced())} charges NOT PRICED" + (
            f", allowed {usd(allowance)} (budget.unpriced_allowance_usd): headroom after it {usd(headroom - allowance)}"
            if allowance is not None
            else ", no allowance for them (budget.unpriced_allowance_usd): the budget rule cannot pass"
        )
    low, expected, high = est.band()
    lines = [
        f"monthly cost: {at_least(est)}{usd(est.total_usd)} ({providers})",
        f"band: low {usd(low)} (tiers at their minimum) / expected {usd(expected)} (desired) / high {usd(high)} "
        f"(tiers at their maximum all month); usage-driven charges at the configured usage: "
        f"{usd(sum(v for *_, v in est.usage_driven()))}",
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
    lines += ["", *option_lines(est)]
    lines += ["", *usage_lines(est)]
    lines += ["", f"top {top} resources:"]
    for r in sorted(est.priced, key=lambda r: -r.monthly_usd)[:top]:
        detail = "; ".join(f"{i.label} {item_usd(i)}" for i in r.items)
        lines.append(f"  {usd(r.monthly_usd):>12}  {r.name} ({r.type})  {detail}")
    lines += notes_lines(est)
    free = sum(1 for r in est.resources if r.free_reason)
    lines += ["", f"{len(est.priced)} priced resources, {free} without a charge of their own"]
    return "\n".join(lines)


def item_usd(item: LineItem) -> str:
    """A line item's monthly cost, or NOT PRICED (never $0 for a charge without a price)."""
    return "NOT PRICED" if item.unpriced else usd(item.monthly_usd)


def usage_lines(est: Estimate) -> list[str]:
    """The charges that move with traffic: priced at the `usage` assumptions, the same in every band."""
    found = est.usage_driven()
    if not found:
        return ["usage-driven charges: none"]
    lines = ["usage-driven charges (at the configured usage, the same in every band; change `usage` to move them):"]
    lines += [f"  {usd(v):>12}  {name}: {label} ({key})" for name, label, key, v in found]
    return lines


def option_lines(est: Estimate) -> list[str]:
    """Levers the stack does not pull (commitments, right-sizing), next to the estimate."""
    by_kind = est.options_by_kind()
    if not by_kind:
        return ["options (not applied): none found for this stack"]
    lines = ["options (not applied; monthly saving if you pull them):"]
    lines += [f"  {usd(v):>12}  {k}" for k, v in by_kind.items()]
    for name, _, option in est.options():
        lines.append(f"    {name}: {option.kind} {usd(option.saving_usd)}: {option.description} [{option.basis}]")
    return lines


def pricing_lines(est: Estimate) -> list[str]:
    """Every unpriced charge by name with what is missing, and the user-supplied prices used."""
    lines: list[str] = []
    unpriced = est.unpriced()
    if unpriced:
        lines += [f"NOT PRICED ({len(unpriced)}; not counted in the total; see infra/catalog/README.md):"]
        lines += [f"  {name}: {label}: {why}" for name, label, why in unpriced]
    if est.user_prices:
        lines += ["user-supplied prices (the `pricing` block of the stack):"]
        lines += [f"  {r.provider} {r.service} {r.sku} {r.region}: {r.usd:g} ({r.source})" for r in est.user_prices]
    return lines


def notes_lines(est: Estimate) -> list[str]:
    """`pricing_lines`, then the notes of the line items (user-supplied parts, spot fallbacks)."""
    lines = pricing_lines(est)
    lines = ["", *lines] if lines else []
    notes = sorted({(r.name, n) for r in est.resources for i in r.items for n in i.notes})
    if notes:
        lines += ["", "notes:"] + [f"  {name}: {note}" for name, note in notes]
    return lines


def render_markdown(est: Estimate, top: int = 10) -> str:
    limits = est.provider_limits
    rows = "\n".join(
        f"| {p} | {usd(v)} | {usd(limits[p]) if p in limits else '-'} |" for p, v in est.by_provider.items()
    )
    levers = "\n".join(f"| {lever.value} | {usd(v)} |" for lever, v in est.by_lever().items())
    unpriced = est.unpriced()
    unpriced_rows = "\n".join(f"- `{name}`: {label}: {why}" for name, label, why in unpriced)
    user_rows = "\n".join(
        f"- {r.provider} {r.service} `{r.sku}` {r.region}: {r.usd:g} ({r.source})" for r in est.user_prices
    )
    options = "\n".join(
        f"| `{name}` | {o.kind} | {usd(o.saving_usd)} | {o.description}; {o.basis} |" for name, _, o in est.options()
    )
    tops = "\n".join(
        f"| `{r.name}` | `{r.type}` | {usd(r.monthly_usd)} |"
        for r in sorted(est.priced, key=lambda r: -r.monthly_usd)[:top]
    )
    low, _, high = est.band()
    return (
        f"### Monthly cost: `{est.stack}`\n\n"
        f"**{at_least(est)}{usd(est.total_usd)}** a month (band {usd(low)} at the tiers' minimum to {usd(high)} at "
        f"their maximum); budget {usd(est.budget_usd)}, "
        f"headroom {usd(est.headroom_usd)}. "
        f"Savings {usd(est.savings_usd)} ({est.savings_percent:.1f}%) against {usd(est.baseline_usd)} "
        f"on-demand, always on, untiered.\n\n"
        f"| provider | monthly | budget |\n|---|---:|---:|\n{rows}\n\n"
        f"| lever | savings |\n|---|---:|\n{levers}\n\n"
        f"<details><summary>Top {top} resources</summary>\n\n"
        f"| resource | type | monthly |\n|---|---|---:|\n{tops}\n\n</details>\n"
        + (f"\n**NOT PRICED ({len(unpriced)})**, not counted in the total:\n\n{unpriced_rows}\n" if unpriced else "")
        + (f"\n**User-supplied prices** (`pricing` block):\n\n{user_rows}\n" if est.user_prices else "")
        + (
            f"\n<details><summary>Options not applied (commitments, right-sizing)</summary>\n\n"
            f"| resource | option | monthly saving | what, and on what basis |\n|---|---|---:|---|\n{options}\n\n"
            "</details>\n"
            if options
            else ""
        )
    )


def stacks_table(estimates: list[Estimate]) -> str:
    """The per-stack table of docs/cost.md (`python -m infra cost --all-stacks --format markdown`)."""
    lines = [
        "| stack | monthly cost | band (tiers at min - max) | baseline | savings | budget | headroom |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for est in estimates:
        low, _, high = est.band()
        lines.append(
            f"| {est.stack} | {usd(est.total_usd)} | {usd(low)} - {usd(high)} | {usd(est.baseline_usd)} | "
            f"{est.savings_percent:.1f}% | {usd(est.budget_usd)} | {usd(est.headroom_usd)} |"
        )
    return "\n".join(lines) + "\n"
