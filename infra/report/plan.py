"""Rendering a plan: a tree for the terminal, JSON for machines, Markdown for a PR comment."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from infra.cost import CostError, estimate
from infra.plan.records import Plan, ResourceRecord
from infra.report.cost import pricing_lines, summary_lines


def cost_block(plan: Plan) -> dict[str, Any]:
    """The `cost` key of the plan JSON: the estimate, or `{"error": [problems]}`."""
    try:
        return estimate(plan).to_json()
    except CostError as exc:
        return {"error": exc.problems}


def plan_document(plan: Plan) -> dict[str, Any]:
    """The plan JSON `python -m infra plan --format json` prints (before the policy key is added)."""
    return plan.to_json() | {"cost": cost_block(plan)}


def _tree_lines(plan: Plan) -> list[str]:
    children: dict[str | None, list[ResourceRecord]] = defaultdict(list)
    for record in plan.resources:
        children[record.parent].append(record)
    urns = {r.urn for r in plan.resources}
    roots = [r for r in plan.resources if r.parent not in urns]
    lines: list[str] = []

    def walk(record: ResourceRecord, depth: int) -> None:
        kids = children.get(record.urn, [])
        if record.custom:
            return
        custom = Counter(k.type for k in kids if k.is_resource)
        flags = " [protected]" if any(k.protect for k in kids) else ""
        lines.append(f"{'  ' * depth}{record.name} ({record.type}){flags}")
        for type_token, count in sorted(custom.items()):
            lines.append(f"{'  ' * (depth + 1)}{count:>3} x {type_token}")
        lines.extend(
            f"{'  ' * (depth + 1)}provider {k.name} ({k.type}; not counted)"
            for k in kids
            if k.custom and not k.is_resource
        )
        for kid in kids:
            walk(kid, depth + 1)

    for root in roots:
        walk(root, 0)
    return lines


def render_text(plan: Plan) -> str:
    """A tree by provider and component, with resource counts per type."""
    custom = list(plan.custom())
    by_provider = Counter(r.cloud for r in custom)
    protected = sum(r.protect for r in custom)
    lines = [f"qmoi-cloud plan: stack {plan.stack}", ""]
    lines += _tree_lines(plan)
    lines += [
        "",
        "resources by provider: " + ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items())),
        f"{plan.resource_count} resources, {protected} protected",
        *(f"WARNING: {w}" for w in plan.warnings),
        "",
        *_cost_summary(plan),
    ]
    return "\n".join(lines)


def render_json(plan: Plan) -> str:
    return json.dumps(plan_document(plan), indent=2, sort_keys=False, default=str)


def render_markdown(plan: Plan) -> str:
    counts = Counter(r.type for r in plan.custom())
    rows = "\n".join(f"| `{t}` | {n} |" for t, n in sorted(counts.items()))
    return (
        f"### qmoi-cloud plan: `{plan.stack}`\n\n{plan.resource_count} resources.\n\n"
        + "".join(f"> **Warning:** {w}\n\n" for w in plan.warnings)
        + f"<details><summary>Resources by type</summary>\n\n| type | count |\n|---|---:|\n{rows}\n\n</details>\n\n"
        + "\n".join(f"- {line}" for line in _cost_summary(plan))
        + "\n"
    )


def _cost_summary(plan: Plan) -> list[str]:
    """The cost lines of a plan report; a stack the cost model cannot price says so (never $0)."""
    try:
        est = estimate(plan)
    except CostError as exc:
        return ["monthly cost: NOT PRICED: the cost model cannot price this stack:", *(f"  {p}" for p in exc.problems)]
    return summary_lines(est) + pricing_lines(est)


def resource_counts_table(plans: list[Plan]) -> str:
    """The README table of resources per stack, counted as every report counts them (`Plan.resource_count`)."""
    lines = ["| stack | resources | protected | by provider |", "|---|---:|---:|---|"]
    for plan in plans:
        by_provider = Counter(r.cloud for r in plan.custom())
        protected = sum(r.protect for r in plan.custom())
        providers = ", ".join(f"{p} {n}" for p, n in sorted(by_provider.items()))
        lines.append(f"| {plan.stack} | {plan.resource_count} | {protected} | {providers} |")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Any] = {"text": render_text, "json": render_json, "markdown": render_markdown}
